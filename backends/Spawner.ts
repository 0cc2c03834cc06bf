/**
 * The `Spawner` service starts one OS process in its own process group with its output sent
 * straight to files, and can signal that group. It is the runtime's job (see `runtime/`):
 * `@effect/platform`'s `Command` pipes output through streams, which measured about twice the cost of
 * a spawn with file descriptors here (DESIGN §2).
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Backend from "../core/Backend.ts"
import type * as TaskError from "../core/TaskError.ts"

/**
 * Where one output stream goes.
 *
 * @since 0.1.0
 * @category models
 */
export type Output =
  | { readonly _tag: "File"; readonly path: string }
  | { readonly _tag: "Capture" }
  | { readonly _tag: "Ignore" }

/**
 * @since 0.1.0
 * @category models
 */
export interface SpawnSpec {
  readonly command: Backend.Command
  readonly cwd: string
  /** Added to this process's environment. */
  readonly env: { readonly [name: string]: string }
  /** Written to the process's stdin, which is then closed; no stdin when absent. */
  readonly stdin?: string | undefined
  readonly stdout: Output
  readonly stderr: Output
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ProcessExit {
  readonly exitCode: number | null
  readonly signal: string | null
  /** Captured output, for outputs spawned with `Capture`. */
  readonly stdout: string
  readonly stderr: string
}

/**
 * @since 0.1.0
 * @category models
 */
export type Signal = "SIGTERM" | "SIGKILL" | "SIGINT" | "SIGHUP"

/**
 * A started process; it leads its own process group (pgid = pid).
 *
 * @since 0.1.0
 * @category models
 */
export interface Process {
  readonly pid: number
  /** Completes when the main process exits. */
  readonly exit: Effect.Effect<ProcessExit>
  /** Sends a signal to the whole process group; a group that no longer exists is not an error. */
  readonly signalGroup: (signal: Signal) => Effect.Effect<void>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly spawn: (spec: SpawnSpec) => Effect.Effect<Process, TaskError.SpawnFailed | TaskError.CommandNotFound>
  /** Signals a process group that this process did not start (survivors of a crashed run). */
  readonly signalGroup: (pgid: number, signal: Signal) => Effect.Effect<boolean>
  /** Whether a process group still has members. */
  readonly groupAlive: (pgid: number) => Effect.Effect<boolean>
}

/**
 * @since 0.1.0
 * @category services
 */
export class Spawner extends Context.Tag("rose/Spawner")<Spawner, Service>() {}
