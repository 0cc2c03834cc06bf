/**
 * The plugin registry: backend kinds and tracker kinds by name, from the built-in plugin and any
 * loaded ones; and the layer that builds a program's backends from it.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Backend from "../core/Backend.ts"
import type * as Program from "../core/Program.ts"
import type * as Plugin from "./Plugin.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface Entry<K> {
  readonly plugin: string
  readonly kind: K
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly backends: ReadonlyMap<string, Entry<Plugin.BackendKind>>
  readonly trackers: ReadonlyMap<string, Entry<Plugin.TrackerKind>>
  readonly plugins: ReadonlyArray<Plugin.Plugin>
}

/**
 * @since 0.1.0
 * @category services
 */
export class Registry extends Context.Tag("rose/Registry")<Registry, Service>() {}

/**
 * A problem with plugins or backend configuration, with where it was written when known.
 *
 * @since 0.1.0
 * @category errors
 */
export class PluginError extends Data.TaggedError("PluginError")<{
  readonly reason: string
  readonly origin?: { readonly file: string; readonly line: number; readonly column: number } | undefined
}> {
  override get message(): string {
    return this.origin === undefined
      ? this.reason
      : `${this.origin.file}:${this.origin.line}:${this.origin.column} ${this.reason}`
  }
}

/**
 * Builds a registry; two plugins offering the same kind is an error.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (plugins: ReadonlyArray<Plugin.Plugin>): Either.Either<Service, PluginError> => {
  const backends = new Map<string, Entry<Plugin.BackendKind>>()
  const trackers = new Map<string, Entry<Plugin.TrackerKind>>()
  for (const plugin of plugins) {
    for (const [kind, backend] of Object.entries(plugin.backends ?? {})) {
      const seen = backends.get(kind)
      if (seen !== undefined) {
        return Either.left(
          new PluginError({
            reason: `plugins "${seen.plugin}" and "${plugin.name}" both define backend kind "${kind}"`
          })
        )
      }
      backends.set(kind, { plugin: plugin.name, kind: backend })
    }
    for (const [kind, tracker] of Object.entries(plugin.trackers ?? {})) {
      const seen = trackers.get(kind)
      if (seen !== undefined) {
        return Either.left(
          new PluginError({
            reason: `plugins "${seen.plugin}" and "${plugin.name}" both define tracker kind "${kind}"`
          })
        )
      }
      trackers.set(kind, { plugin: plugin.name, kind: tracker })
    }
  }
  return Either.right({ backends, trackers, plugins })
}

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (plugins: ReadonlyArray<Plugin.Plugin>): Layer.Layer<Registry, PluginError> =>
  Layer.effect(Registry, make(plugins))

/**
 * A configuration's problems, one per line with the key they concern (`slots: …`), instead of the
 * schema's full type that the tree formatter starts with.
 *
 * @since 0.1.0
 * @category rendering
 */
export const configProblems = (error: ParseResult.ParseError): string => {
  const all = ParseResult.ArrayFormatter.formatErrorSync(error)
  // An optional key is a union with undefined: its "Expected undefined" adds nothing to the real
  // problem reported for the same key.
  const issues = all.filter(
    (i) =>
      !i.message.startsWith("Expected undefined") || !all.some((j) => j !== i && j.path.join(".") === i.path.join("."))
  )
  const lines = issues.map((i) => (i.path.length === 0 ? i.message : `${i.path.join(".")}: ${i.message}`))
  return lines.length === 1 ? lines[0]! : lines.map((l) => `\n  ${l}`).join("")
}

/**
 * Decodes a backend's configuration with its kind's schema.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeBackendConfig = (
  registry: Service,
  choice: Program.BackendChoice
): Either.Either<{ readonly kind: Plugin.BackendKind; readonly config: unknown }, PluginError> => {
  const entry = registry.backends.get(choice.kind)
  if (entry === undefined) {
    return Either.left(
      new PluginError({
        reason: `unknown backend kind "${choice.kind}" (known: ${[...registry.backends.keys()].join(", ")}); a plugin may add it`,
        origin: choice.origin
      })
    )
  }
  const decoded = Schema.decodeUnknownEither(entry.kind.config, { onExcessProperty: "error" })(choice.config)
  if (Either.isLeft(decoded)) {
    return Either.left(
      new PluginError({
        reason: `backend ${choice.kind} "${choice.name}": ${configProblems(decoded.left)}`,
        origin: choice.origin
      })
    )
  }
  return Either.right({ kind: entry.kind, config: decoded.right })
}

/**
 * @since 0.1.0
 * @category models
 */
export interface BackendOptions {
  /** `--backend NAME`: a declared backend's name, or a kind used with its default configuration. */
  readonly override?: string | undefined
  readonly maxConcurrency?: number | undefined
}

/**
 * The backends of a program as one layer: `Backend` (the default: the overridden one, else the
 * first declared, else `local`) and `Backends` (all of them by name).
 *
 * @since 0.1.0
 * @category layers
 */
export const backendsLayer = (
  choices: ReadonlyArray<Program.BackendChoice>,
  options: BackendOptions = {}
): Layer.Layer<Backend.Backend | Backend.Backends, unknown, Registry | Plugin.PlatformServices> =>
  Layer.scopedContext(
    Effect.gen(function* () {
      const registry = yield* Registry
      const all: Array<Program.BackendChoice> = [...choices]
      let defaultName = all[0]?.name
      if (options.override !== undefined) {
        const declared = all.find((c) => c.name === options.override)
        if (declared !== undefined) defaultName = declared.name
        else if (registry.backends.has(options.override)) {
          const name = all.some((c) => c.name === options.override) ? `${options.override}-cli` : options.override
          all.push({ kind: options.override, name, config: {} })
          defaultName = name
        } else {
          return yield* new PluginError({
            reason: `--backend ${options.override}: no backend of that name is declared and no plugin defines that kind (kinds: ${[...registry.backends.keys()].join(", ")})`
          })
        }
      }
      if (all.length === 0) {
        all.push({ kind: "local", name: "local", config: {} })
        defaultName = "local"
      }
      const services = new Map<string, Backend.Service>()
      for (const choice of all) {
        const decoded = decodeBackendConfig(registry, choice)
        if (Either.isLeft(decoded)) return yield* decoded.left
        const built = yield* Layer.build(
          decoded.right.kind.layer(decoded.right.config, { name: choice.name, maxConcurrency: options.maxConcurrency })
        )
        services.set(choice.name, Context.get(built, Backend.Backend))
      }
      return Context.make(Backend.Backend, services.get(defaultName!)!).pipe(Context.add(Backend.Backends, services))
    })
  )
