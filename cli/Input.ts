/**
 * What the `rose` command takes as FILE: a `.rose` file (read, checked and compiled by the DSL, with
 * file existence, the environment and in-process functions injected from this runtime) or a
 * program module (a TypeScript or JavaScript module whose default export is a program built with
 * `Rose.program`; importing it must run nothing). Every problem becomes an `InputError` whose
 * message is what the user sees: diagnostics with code frames, never a stack trace.
 *
 * @since 0.1.0
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Program from "../core/Program.ts"
import * as Diagnostic from "../dsl/Diagnostic.ts"
import * as Dsl from "../dsl/Dsl.ts"
import type * as Plugin from "../plugins/Plugin.ts"
import { isPlugin } from "../plugins/Plugin.ts"
import * as ModuleLoader from "../runtime/ModuleLoader.ts"

/**
 * @since 0.1.0
 * @category errors
 */
export class InputError extends Data.TaggedError("InputError")<{
  readonly file: string
  /** What to print (may span lines: diagnostics with their code frames). */
  readonly text: string
  /** The diagnostics of a `.rose` file, if that is what went wrong. */
  readonly diagnostics?: ReadonlyArray<Diagnostic.Diagnostic> | undefined
  readonly source?: string | undefined
}> {
  override get message(): string {
    return this.text
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Loaded {
  /** The path as the user wrote it (diagnostics use it). */
  readonly file: string
  readonly absolute: string
  readonly kind: "rose" | "module"
  readonly text: string
  readonly program: Program.Program
}

/**
 * @since 0.1.0
 * @category predicates
 */
export const isRoseFile = (file: string): boolean => file.endsWith(".rose")

const moduleExtensions = /\.(?:ts|mts|cts|js|mjs|cjs)$/

/**
 * Reads a file's text, or says why it cannot.
 *
 * @since 0.1.0
 * @category files
 */
export const read = (file: string): Effect.Effect<{ readonly absolute: string; readonly text: string }, InputError> =>
  Effect.try({
    try: () => {
      const absolute = NodePath.resolve(file)
      return { absolute, text: NodeFs.readFileSync(absolute, "utf8") }
    },
    catch: (e) => {
      const code = (e as NodeJS.ErrnoException).code
      const why =
        code === "ENOENT"
          ? "no such file"
          : code === "EISDIR"
            ? "it is a directory"
            : code === "EACCES"
              ? "permission denied"
              : e instanceof Error
                ? e.message
                : String(e)
      return new InputError({ file, text: `${file}: cannot read it: ${why}` })
    }
  })

/**
 * What the DSL is told about this runtime.
 *
 * @since 0.1.0
 * @category constructors
 */
export const dslOptions = (file: string, absolute: string) => ({
  file,
  here: NodePath.dirname(absolute),
  exists: (path: string) => NodeFs.existsSync(NodePath.resolve(NodePath.dirname(absolute), path)),
  env: (name: string) => process.env[name],
  loadFunction: async (modulePath: string, exportName: string) => {
    const ns = await Effect.runPromise(ModuleLoader.load(modulePath).pipe(Effect.mapError((e) => new Error(e.message))))
    if (!(exportName in ns)) throw new Error(`${modulePath} has no export named ${exportName}`)
    return ns[exportName]
  }
})

/**
 * Renders diagnostics with their code frames and a summary line.
 *
 * @since 0.1.0
 * @category rendering
 */
export const formatDiagnostics = (
  diagnostics: ReadonlyArray<Diagnostic.Diagnostic>,
  text: string,
  file: string,
  color: boolean
): string =>
  `${Diagnostic.formatAll(diagnostics, text, file, { color })}\n\n${file}: ${Diagnostic.summary(diagnostics)}`

/**
 * Whether a value is a program (structurally: it may come from another copy of this library).
 *
 * @since 0.1.0
 * @category guards
 */
export const isProgram = (u: unknown): u is Program.Program => {
  if (typeof u !== "object" || u === null) return false
  const p = u as Partial<Program.Program>
  return (
    Array.isArray(p.learners) &&
    Array.isArray(p.backends) &&
    Array.isArray(p.plugins) &&
    typeof p.source === "object" &&
    p.learners.every((l) => typeof l === "object" && l !== null && l.tasks instanceof Map && typeof l.name === "string")
  )
}

const describeValue = (u: unknown): string => {
  if (u === undefined) return "nothing"
  if (u === null) return "null"
  if (typeof u === "function") return "a function"
  if (typeof u !== "object") return `a ${typeof u}`
  if ((u as { _tag?: unknown })._tag === "Left" || (u as { _tag?: unknown })._tag === "Right") {
    return "an Either (use Rose.program, which returns the program itself)"
  }
  const keys = Object.keys(u).slice(0, 6)
  return keys.length === 0 ? "an empty object" : `an object with ${keys.join(", ")}`
}

/**
 * Imports a program module and takes its default export.
 *
 * @since 0.1.0
 * @category loading
 */
export const loadModule = (file: string, absolute: string): Effect.Effect<Program.Program, InputError> =>
  Effect.gen(function* () {
    const ns = yield* ModuleLoader.load(absolute).pipe(
      Effect.mapError(
        (e) =>
          new InputError({
            file,
            text: `${file}: ${e.reason}${e.location === undefined ? "" : `\n  (thrown at ${e.location})`}`
          })
      )
    )
    // A module compiled to CommonJS (no "type": "module" above it) arrives as { default: module.exports }.
    const exported = ns.default as { readonly __esModule?: unknown; readonly default?: unknown } | undefined
    const value =
      typeof exported === "object" && exported !== null && exported.__esModule === true ? exported.default : ns.default
    if (value === undefined) {
      return yield* new InputError({
        file,
        text: `${file}: the module has no default export; export a program: export default Rose.program({ … })`
      })
    }
    if (!isProgram(value)) {
      return yield* new InputError({
        file,
        text: `${file}: the default export is ${describeValue(value)}, not a program; build it with Rose.program({ … })`
      })
    }
    return value
  })

/**
 * Loads FILE as a program.
 *
 * @since 0.1.0
 * @category loading
 */
export const load = (file: string, options: { readonly color: boolean }): Effect.Effect<Loaded, InputError> =>
  Effect.gen(function* () {
    const rose = isRoseFile(file)
    if (!rose && !moduleExtensions.test(file)) {
      return yield* new InputError({
        file,
        text: `${file}: expected a .rose file or a program module (.ts, .mts, .js, .mjs)`
      })
    }
    const { absolute, text } = yield* read(file)
    if (rose) {
      const compiled = Dsl.compile(text, dslOptions(file, absolute))
      if (Either.isLeft(compiled)) {
        return yield* new InputError({
          file,
          text: formatDiagnostics(compiled.left, text, file, options.color),
          diagnostics: compiled.left,
          source: text
        })
      }
      return { file, absolute, kind: "rose", text, program: compiled.right } satisfies Loaded
    }
    const program = yield* loadModule(file, absolute)
    return {
      file,
      absolute,
      kind: "module",
      text,
      program: { ...program, source: { file: program.source.file ?? absolute, text } }
    } satisfies Loaded
  })

/**
 * Loads the plugins a program names (paths relative to its file).
 *
 * @since 0.1.0
 * @category loading
 */
export const loadPlugins = (loaded: Loaded): Effect.Effect<ReadonlyArray<Plugin.Plugin>, InputError> =>
  Effect.forEach(loaded.program.plugins, (path) =>
    Effect.gen(function* () {
      const absolute = NodePath.resolve(NodePath.dirname(loaded.absolute), path)
      const ns = yield* ModuleLoader.load(absolute).pipe(
        Effect.mapError((e) => new InputError({ file: loaded.file, text: `${loaded.file}: plugin ${e.message}` }))
      )
      const value = ns.default
      if (!isPlugin(value)) {
        return yield* new InputError({
          file: loaded.file,
          text: `${loaded.file}: plugin ${path}: its default export is not a plugin; use definePlugin({ name, backends })`
        })
      }
      return value
    })
  )
