/**
 * Loads third-party plugin modules: `plugin "./my-plugin.ts"` in a `.rose` file (resolved against
 * the file's folder) or `--plugin PATH` on the command line (resolved against the current
 * directory). The module is imported on the current runtime through the `ModuleLoader` service
 * (Node, Deno and Bun; `.ts` included), and its default export must be a plugin made with
 * `definePlugin`: every backend kind a `config` schema and a `layer` function, every tracker kind a
 * `config` schema and a `make` function. Problems are reported per plugin, naming the file and what
 * is wrong.
 *
 * @since 0.1.0
 */
import * as Path from "@effect/platform/Path"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as ModuleLoader from "../core/ModuleLoader.ts"
import type * as Plugin from "./Plugin.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface Origin {
  readonly file: string
  readonly line: number
  readonly column: number
}

/**
 * A plugin module that could not be loaded or is not a plugin.
 *
 * @since 0.1.0
 * @category errors
 */
export class PluginLoadError extends Data.TaggedError("PluginLoadError")<{
  /** The plugin as written (`./pinned.ts`, `rose-plugin-x`). */
  readonly specifier: string
  /** What it resolved to. */
  readonly path: string
  readonly reason: string
  /** Where it was named (a `.rose` line), when known. */
  readonly origin?: Origin | undefined
}> {
  override get message(): string {
    const where = this.origin === undefined ? "" : `${this.origin.file}:${this.origin.line}:${this.origin.column} `
    const shown = this.path === this.specifier ? this.specifier : `${this.specifier} (${this.path})`
    return `${where}plugin ${shown}: ${this.reason}`
  }
}

/**
 * A plugin to load.
 *
 * @since 0.1.0
 * @category models
 */
export interface Request {
  /** A path (`./x.ts`, `/abs/x.js`, `file://…`) or a package name. */
  readonly specifier: string
  /** The folder relative paths and package names are resolved from. */
  readonly relativeTo: string
  readonly origin?: Origin | undefined
}

const isPathSpecifier = (s: string) =>
  s.startsWith("./") || s.startsWith("../") || s.startsWith("/") || s.startsWith("file:")

const describe = (u: unknown): string => {
  if (u === undefined) return "undefined"
  if (u === null) return "null"
  if (typeof u === "function") return "a function"
  if (typeof u !== "object") return `a ${typeof u}`
  if (Array.isArray(u)) return "an array"
  const keys = Object.keys(u).slice(0, 6)
  return keys.length === 0 ? "an empty object" : `an object with ${keys.join(", ")}`
}

/**
 * What is wrong with a value meant to be a plugin (nothing: an empty list).
 *
 * @since 0.1.0
 * @category validation
 */
export const problemsOf = (u: unknown): ReadonlyArray<string> => {
  if (typeof u !== "object" || u === null || Array.isArray(u)) {
    return [`its default export is ${describe(u)}, not a plugin; export default definePlugin({ name, backends })`]
  }
  const p = u as Record<string, unknown>
  const problems: Array<string> = []
  if (typeof p.name !== "string" || p.name.length === 0) problems.push("its plugin has no name (a non-empty string)")
  const section = (key: "backends" | "trackers", fn: "layer" | "make") => {
    const s = p[key]
    if (s === undefined) return
    if (typeof s !== "object" || s === null || Array.isArray(s)) {
      problems.push(`${key} must be an object of kinds, got ${describe(s)}`)
      return
    }
    for (const [kind, entry] of Object.entries(s)) {
      if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(kind)) {
        problems.push(`${key}: the kind ${JSON.stringify(kind)} is not a name (letters, digits, _ and -)`)
      }
      if (typeof entry !== "object" || entry === null) {
        problems.push(`${key}.${kind} must be { config, ${fn} }, got ${describe(entry)}`)
        continue
      }
      const e = entry as Record<string, unknown>
      if (!Schema.isSchema(e.config)) {
        problems.push(`${key}.${kind}.config must be an effect/Schema schema, got ${describe(e.config)}`)
      }
      if (typeof e[fn] !== "function") problems.push(`${key}.${kind}.${fn} must be a function, got ${describe(e[fn])}`)
    }
  }
  section("backends", "layer")
  section("trackers", "make")
  if (p.backends === undefined && p.trackers === undefined) {
    problems.push("its plugin defines no backends and no trackers")
  }
  return problems
}

/**
 * Loads one plugin module and checks its default export.
 *
 * @since 0.1.0
 * @category loading
 */
export const load = (
  request: Request
): Effect.Effect<Plugin.Plugin, PluginLoadError, ModuleLoader.ModuleLoader | Path.Path> =>
  Effect.gen(function* () {
    const loader = yield* ModuleLoader.ModuleLoader
    const path = yield* Path.Path
    const { specifier, relativeTo, origin } = request
    const resolved =
      isPathSpecifier(specifier) && !specifier.startsWith("file:") ? path.resolve(relativeTo, specifier) : specifier
    const fail = (reason: string) => Effect.fail(new PluginLoadError({ specifier, path: resolved, reason, origin }))
    const ns = yield* loader
      .load(resolved, relativeTo)
      .pipe(Effect.catchAll((e) => fail(`${e.reason}${e.location === undefined ? "" : ` (thrown at ${e.location})`}`)))
    if (ns.default === undefined) {
      const named = Object.keys(ns)
        .filter((k) => k !== "__esModule" && k !== "default")
        .sort()
      return yield* fail(
        `the module has no default export${named.length === 0 ? "" : ` (it exports ${named.slice(0, 6).join(", ")})`}; export default definePlugin({ name, backends })`
      )
    }
    // A module compiled to CommonJS may wrap its default export once more.
    const value =
      problemsOf(ns.default).length > 0 &&
      typeof ns.default === "object" &&
      ns.default !== null &&
      "default" in ns.default &&
      problemsOf((ns.default as { default: unknown }).default).length === 0
        ? (ns.default as { default: unknown }).default
        : ns.default
    const problems = problemsOf(value)
    if (problems.length > 0) return yield* fail(problems.join("; "))
    return value as Plugin.Plugin
  })

/**
 * Loads several plugins; every one that fails is reported, not only the first.
 *
 * @since 0.1.0
 * @category loading
 */
export const loadAll = (
  requests: ReadonlyArray<Request>
): Effect.Effect<ReadonlyArray<Plugin.Plugin>, ReadonlyArray<PluginLoadError>, ModuleLoader.ModuleLoader | Path.Path> =>
  Effect.gen(function* () {
    const results = yield* Effect.forEach(requests, (r) => Effect.either(load(r)))
    const errors = results.filter(Either.isLeft).map((r) => r.left)
    if (errors.length > 0) return yield* Effect.fail(errors)
    return results.filter(Either.isRight).map((r) => r.right)
  })
