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
import type * as Backend from "./Backend.ts"
import type * as FileError from "./FileError.ts"
import type * as TaskError from "./TaskError.ts"

/**
 * Where one output stream goes.
 *
 * @since 0.1.0
 * @category models
 */
export type Output =
  | { readonly _tag: "File"; readonly path: string; readonly records?: Records | undefined }
  | { readonly _tag: "Capture" }
  | { readonly _tag: "Ignore" }

/**
 * In-band records cut out of an output before it reaches its file: `<marker><text>\n`, wherever it
 * appears in the stream (a remote launcher reporting its task's pid and exit status on the streams
 * that also carry the task's output). What the stream carried before its first record is not
 * written either: it is the stream's preamble (a remote login shell's chatter), given back as that
 * stream's text in `ProcessExit` (at most 64 KB). Without records the kernel writes the file; with
 * them the output passes through this process.
 *
 * @since 0.1.0
 * @category models
 */
export interface Records {
  /** A string the program's own output never contains (a random nonce). */
  readonly marker: string
  /** Called with the text between the marker and the end of its line, as records arrive. */
  readonly onRecord: (text: string) => void
}

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
  /**
   * Leaves stdin open after `stdin` was written, for `Process.send` (an SSH launcher reads its
   * cancel request there: a line over the open channel, instead of a new remote shell).
   */
  readonly keepStdinOpen?: boolean | undefined
  readonly stdout: Output
  readonly stderr: Output
  /**
   * Read back the end of the output files after the exit: stdout's last `stdout` bytes, and
   * stderr's last `stderr` bytes when the exit was not 0 (cut to start at a line).
   */
  readonly tails?: { readonly stdout: number; readonly stderr: number } | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ProcessExit {
  readonly exitCode: number | null
  readonly signal: string | null
  /** Captured output, for outputs spawned with `Capture` (the preamble, for files with `records`). */
  readonly stdout: string
  readonly stderr: string
  /** The ends of the output files, when `tails` asked for them. */
  readonly stdoutTail?: string | undefined
  readonly stderrTail?: string | undefined
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
  /** When it started, as the machine tells it (see `Backend.Placement.startStamp`), if it can. */
  readonly startStamp: string | undefined
  /** Completes when the main process exits. */
  readonly exit: Effect.Effect<ProcessExit>
  /** Sends a signal to the whole process group; a group that no longer exists is not an error. */
  readonly signalGroup: (signal: Signal) => Effect.Effect<void>
  /**
   * Writes to the stdin of a process spawned with `keepStdinOpen`; false when it cannot (no such
   * stdin, or the process has exited).
   */
  readonly send: (text: string) => Effect.Effect<boolean>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly spawn: (
    spec: SpawnSpec
  ) => Effect.Effect<Process, TaskError.SpawnFailed | TaskError.CommandNotFound | FileError.FileError>
  /** Signals a process group that this process did not start (survivors of a crashed run). */
  readonly signalGroup: (pgid: number, signal: Signal) => Effect.Effect<boolean>
  /** Signals one process that this process did not start. */
  readonly signalProcess: (pid: number, signal: Signal) => Effect.Effect<boolean>
  /** Whether a process group still has members. */
  readonly groupAlive: (pgid: number) => Effect.Effect<boolean>
  /** The live members of a process group, with what proves whose they are. */
  readonly groupMembers: (pgid: number) => Effect.Effect<ReadonlyArray<Member>>
}

/**
 * A live process of a group, as the process table describes it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Member {
  readonly pid: number
  readonly startStamp: string | undefined
  /** `ROSE_RUN_ID` in its environment (tasks and what they start inherit it), where readable. */
  readonly runId: string | undefined
}

/**
 * @since 0.1.0
 * @category services
 */
export class Spawner extends Context.Tag("rose/Spawner")<Spawner, Service>() {}
