/**
 * The plugin contract: a module whose default export is `definePlugin({ … })` adds backend kinds
 * (named in `.rose` files as `backend <kind> "name" { … }` or on the command line with `--backend`)
 * and trackers (told of a run's start, every iteration state and every learner's stop).
 *
 * ```ts
 * import { definePlugin } from "rose-ts/plugins"
 * import * as Schema from "effect/Schema"
 *
 * export default definePlugin({
 *   name: "pinned",
 *   backends: {
 *     pinned: { config: Schema.Struct({ cpus: Schema.Array(Schema.Number) }), layer: (config) => … }
 *   }
 * })
 * ```
 *
 * @since 0.1.0
 */
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import type * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type * as Backend from "../core/Backend.ts"
import type * as Event from "../core/Event.ts"
import type * as Host from "../core/Host.ts"
import type * as IterationState from "../core/IterationState.ts"
import type * as Json from "../core/Json.ts"
import type * as Spawner from "../core/Spawner.ts"

/**
 * The services a plugin's layers may use: the runtime's, provided by whoever runs the program.
 *
 * @since 0.1.0
 * @category models
 */
export type PlatformServices =
  | Spawner.Spawner
  | Host.Host
  | FileSystem.FileSystem
  | Path.Path
  | CommandExecutor.CommandExecutor

/**
 * What a backend layer is told besides its configuration.
 *
 * @since 0.1.0
 * @category models
 */
export interface BackendContext {
  /** The name tasks use to pick this backend (`backend ssh "cluster"` → `cluster`). */
  readonly name: string
  /** Overrides from the command line (`--max-concurrency`). */
  readonly maxConcurrency: number | undefined
}

/**
 * One backend kind.
 *
 * @since 0.1.0
 * @category models
 */
export interface BackendKind<C = any> {
  readonly config: Schema.Schema<C, any, never>
  readonly layer: (config: C, context: BackendContext) => Layer.Layer<Backend.Backend, unknown, PlatformServices>
  /** One line for `rose --help` and docs. */
  readonly description?: string | undefined
}

/**
 * A tracker: the Python toolkit's MLflow/ClearML hook. Its calls never stall a learner: it reads
 * from its own bounded queue and what it drops is counted.
 *
 * @since 0.1.0
 * @category models
 */
export interface Tracker {
  readonly onStart: (run: {
    readonly runId: string
    readonly runDir: string
    readonly plan: Json.JsonObject
  }) => Effect.Effect<void>
  readonly onIteration: (state: IterationState.IterationState) => Effect.Effect<void>
  readonly onStop: (event: Extract<Event.Event, { _tag: "learner_stopped" }>) => Effect.Effect<void>
  readonly onFinish?: ((event: Extract<Event.Event, { _tag: "run_finished" }>) => Effect.Effect<void>) | undefined
}

/**
 * One tracker kind.
 *
 * @since 0.1.0
 * @category models
 */
export interface TrackerKind<C = any> {
  readonly config: Schema.Schema<C, any, never>
  readonly make: (
    config: C,
    run: { readonly runDir: string }
  ) => Effect.Effect<Tracker, unknown, PlatformServices | Scope.Scope>
  readonly description?: string | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Plugin {
  readonly name: string
  readonly backends?: { readonly [kind: string]: BackendKind } | undefined
  readonly trackers?: { readonly [kind: string]: TrackerKind } | undefined
}

/**
 * Declares a plugin (the default export of a plugin module).
 *
 * @since 0.1.0
 * @category constructors
 */
export const definePlugin = <const P extends Plugin>(plugin: P): P => plugin

/**
 * @since 0.1.0
 * @category guards
 */
export const isPlugin = (u: unknown): u is Plugin =>
  typeof u === "object" && u !== null && typeof (u as Plugin).name === "string"
