/**
 * The `Spawner` service starts one OS process in its own process group with its output sent
 * straight to files, and can signal that group. It is a runtime contract, like `Signals` and
 * `Host`: `runtime/` implements it. `@effect/platform`'s `Command` pipes output through streams,
 * which measured about twice the cost of a spawn with file descriptors here.
 *
 * A process is a scoped resource, as with `CommandExecutor.start`: `spawn` needs a `Scope`, and
 * closing the scope kills the process group, so no caller writes that cleanup by hand. Short
 * commands (`squeue`, `ssh -O check`) go through `capture` and `string`, which run one to its end.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
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
  /**
   * When the scope closes by interruption while the process runs: its group gets SIGTERM and this
   * long to exit before SIGKILL. Without it, the group gets SIGKILL at once.
   */
  readonly graceMillis?: number | undefined
}

/**
 * A short command run to its end with its output captured (`capture`, `string`).
 *
 * @since 0.1.0
 * @category models
 */
export interface ShortCommand {
  readonly argv: ReadonlyArray<string>
  readonly cwd: string
  /** Added to this process's environment. */
  readonly env?: { readonly [name: string]: string } | undefined
  /** Written to the command's stdin, which is then closed. */
  readonly stdin?: string | undefined
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
 * Why a process could not be started.
 *
 * @since 0.1.0
 * @category models
 */
export type SpawnError = TaskError.SpawnFailed | TaskError.CommandNotFound | FileError.FileError

/**
 * A short command that `string` ran ended otherwise than with exit status 0.
 *
 * @since 0.1.0
 * @category errors
 */
export class CommandFailed extends Data.TaggedError("CommandFailed")<{
  readonly command: string
  readonly exitCode: number | null
  readonly signal: string | null
  readonly stderr: string
}> {
  override get message(): string {
    const said = this.stderr.trim()
    return `${this.command} ${this.exitCode === null ? `was killed by ${this.signal}` : `exited with ${this.exitCode}`}${said.length > 0 ? `: ${said}` : ""}`
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /**
   * Starts a process that lives as long as the scope. Closing the scope kills its process group:
   * with SIGKILL at once, or, when the scope closes by interruption and the spec gives
   * `graceMillis`, with SIGTERM first, up to that long for the process to exit, then SIGKILL and a
   * wait for the exit. Either way the group gets a last SIGKILL, so nothing the process left in the
   * background outlives it.
   */
  readonly spawn: (spec: SpawnSpec) => Effect.Effect<Process, SpawnError, Scope.Scope>
  /** Runs a short command to its end with its output captured; interrupting it kills its group. */
  readonly capture: (command: ShortCommand) => Effect.Effect<ProcessExit, SpawnError>
  /** The stdout of a short command that exits with status 0; any other end is `CommandFailed`. */
  readonly string: (command: ShortCommand) => Effect.Effect<string, SpawnError | CommandFailed>
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
 * What a runtime implements; `make` derives the scoped `spawn`, `capture` and `string` from it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Adapter extends Omit<Service, "spawn" | "capture" | "string"> {
  /** Starts a process, unscoped: whoever calls it must kill its group. */
  readonly start: (spec: SpawnSpec) => Effect.Effect<Process, SpawnError>
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

/**
 * Stops a process group: SIGTERM, a grace period for the main process to exit, then SIGKILL and a
 * wait for the exit; the group gets a last SIGKILL either way. Runs inside finalizers, which are
 * uninterruptible, so the wait is made interruptible explicitly or its timeout could never fire.
 *
 * @since 0.1.0
 * @category combinators
 */
export const terminate = (process: Process, graceMillis: number): Effect.Effect<void> =>
  process.signalGroup("SIGTERM").pipe(
    Effect.zipRight(
      Effect.interruptible(process.exit).pipe(Effect.timeout(Duration.millis(graceMillis)), Effect.option)
    ),
    Effect.flatMap((exited) =>
      Option.isSome(exited) ? Effect.void : process.signalGroup("SIGKILL").pipe(Effect.zipRight(process.exit))
    ),
    Effect.zipRight(process.signalGroup("SIGKILL"))
  )

/**
 * What closing a process's scope does to it (see `Service.spawn`).
 *
 * @since 0.1.0
 * @category combinators
 */
export const release = (
  process: Process,
  graceMillis: number | undefined,
  exit: Exit.Exit<unknown, unknown>
): Effect.Effect<void> =>
  graceMillis !== undefined && Exit.isInterrupted(exit)
    ? terminate(process, graceMillis)
    : process.signalGroup("SIGKILL")

/**
 * The service from what a runtime implements.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (adapter: Adapter): Service => {
  const { start, ...signals } = adapter
  const spawn = (spec: SpawnSpec) =>
    Effect.acquireRelease(start(spec), (process, exit) => release(process, spec.graceMillis, exit))
  const capture = (command: ShortCommand) =>
    Effect.scoped(
      Effect.flatMap(
        spawn({
          command: { _tag: "Argv", argv: command.argv },
          cwd: command.cwd,
          env: command.env ?? {},
          stdin: command.stdin,
          stdout: { _tag: "Capture" },
          stderr: { _tag: "Capture" }
        }),
        // Interruptible even where it runs inside a finalizer, so that a timeout around it can fire.
        (process) => Effect.interruptible(process.exit)
      )
    )
  const string = (command: ShortCommand) =>
    Effect.flatMap(capture(command), (exit) =>
      exit.exitCode === 0
        ? Effect.succeed(exit.stdout)
        : Effect.fail(
            new CommandFailed({
              command: command.argv[0] ?? "",
              exitCode: exit.exitCode,
              signal: exit.signal,
              stderr: exit.stderr
            })
          )
    )
  return { ...signals, spawn, capture, string }
}
