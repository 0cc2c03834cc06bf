/**
 * The `Backend` service: runs one task invocation somewhere (local processes, SSH hosts, SLURM, a
 * dry run) and reports how it ended. Interrupting `run` cancels the task and kills everything it
 * started; a backend's layer owns its connections, pools and slots and releases them when closed.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type * as Learner from "./Learner.ts"
import type * as Task from "./Task.ts"
import type * as TaskError from "./TaskError.ts"

/**
 * Where a task runs, as the journal records it when it starts.
 *
 * @since 0.1.0
 * @category models
 */
export interface Placement {
  readonly pid?: number | undefined
  readonly pgid?: number | undefined
  /**
   * When the process `pid` started, as the machine tells it (boot id and start time): with it a
   * resume proves that a pid still belongs to the task before it signals it (pids are reused).
   */
  readonly startStamp?: string | undefined
  readonly host?: string | undefined
  readonly jobId?: string | undefined
  /**
   * What the backend gave `Invocation.onSubmit`: how a resumed run finds the task again (`attach`)
   * or kills it (`reap`) when neither its pid nor its job id reached the journal.
   */
  readonly ticket?: string | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export type Command =
  | { readonly _tag: "Argv"; readonly argv: ReadonlyArray<string> }
  | { readonly _tag: "Shell"; readonly script: string }

/**
 * One attempt of one task.
 *
 * @since 0.1.0
 * @category models
 */
export interface Invocation {
  readonly runId: string
  readonly learner: Learner.LearnerRef
  readonly iteration: number
  readonly task: string
  readonly attempt: number
  readonly command: Command
  /** The working directory as the backend sees it (see `Backend.workspace`). */
  readonly cwd: string
  /** Added to the backend's environment: `ROSE_*` and the task's `env`. */
  readonly env: { readonly [name: string]: string }
  /** Local files that must hold the task's stdout and stderr when `run` returns. */
  readonly stdoutPath: string
  readonly stderrPath: string
  readonly resources: Task.Resources
  /** Called once the task really started; `run` waits for it (the journal records the placement). */
  readonly onStart: (placement: Placement) => Effect.Effect<void>
  /**
   * Called before the task is handed over (a launcher sent, a job submitted) with a ticket: what a
   * resumed run needs to find the task again (`attach`, `reap`) when the process dies before the
   * task's start reaches the journal. `run` waits for it (the journal records it). A backend whose
   * tasks cannot outlive its process (local processes) need not call it.
   */
  readonly onSubmit?: ((ticket: string) => Effect.Effect<void>) | undefined
}

/**
 * A task that an earlier process of the run handed to a backend and never saw end, as its journal
 * tells it (resume).
 *
 * @since 0.2.0
 * @category models
 */
export interface Earlier {
  /** What the backend gave `onSubmit`, if it reached the journal. */
  readonly ticket: string | undefined
  /** Where the task started, if its start reached the journal. */
  readonly placement: Placement | undefined
  /** The id of the session that submitted it. */
  readonly runId: string
}

/**
 * How a task ended: an exit code, or the signal that killed it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Outcome extends Placement {
  readonly exitCode: number | null
  readonly signal: string | null
  /** When (Clock millis) the task's exit was seen, before its slot was released. */
  readonly endedAt?: number | undefined
  /**
   * The end of the task's stdout (at most `tailBytes.stdout`, from a line start), when the backend
   * read it already; the runner reads the file otherwise.
   */
  readonly stdoutTail?: string | undefined
  /** The end of its stderr (at most `tailBytes.stderr`), likewise; wanted when it failed. */
  readonly stderrTail?: string | undefined
}

/**
 * How much of a task's output the runner reads back: the end of stdout (its last line is the
 * criterion's value or the task's state), the end of stderr (for a failure's message).
 *
 * @since 0.1.0
 * @category constants
 */
export const tailBytes = { stdout: 64 * 1024, stderr: 4 * 1024 } as const

/**
 * A tail read from `offset` of a file: whole when it starts the file, else from its first line start
 * (a cut line would be read as a different value).
 *
 * @since 0.1.0
 * @category constructors
 */
export const tailFrom = (text: string, offset: number): string => {
  if (offset === 0) return text
  const nl = text.indexOf("\n")
  return nl < 0 ? text : text.slice(nl + 1)
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Capabilities {
  /** How many tasks may run at once (cores of the local backend, host slots over SSH, …). */
  readonly concurrency: number
  /** Whether tasks run on another machine (paths are mapped by `workspace`). */
  readonly remote: boolean
  /** Whether outputs and metrics are made up (dry-run): a run using it is marked `dryRun`. */
  readonly synthetic?: boolean | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly name: string
  readonly kind: string
  readonly capabilities: Capabilities
  /**
   * The run directory as a learner's tasks see it. A backend with several hosts picks the learner's
   * host here (a learner sticks to one host, so its files stay where its next task runs). `runId`
   * is the run's own id, the same in every session of a resumed run.
   */
  readonly workspace: (runDir: string, runId: string, learner: Learner.LearnerRef) => string
  /** Runs one attempt; interruption kills it. A non-zero exit is an `Outcome`, not an error. */
  readonly run: (invocation: Invocation) => Effect.Effect<Outcome, TaskError.BackendError>
  /**
   * Kills what survives of an earlier process of the run (resume), given the journaled placements of
   * tasks that never finished and the ids of the earlier sessions (a scheduler may still hold jobs
   * submitted under them that never started). A backend acts only on what is its own, and signals
   * only what it can prove is the run's (pids are reused): what it cannot prove it leaves alone and
   * reports as `spared`.
   */
  readonly reap: (
    placements: ReadonlyArray<Placement>,
    runIds: ReadonlyArray<string>,
    options?: ReapOptions
  ) => Effect.Effect<Reaped>
  /**
   * Re-attaches to a task of an earlier process of the run (resume), for `invocation`, which would
   * run it again (same learner, iteration, task and attempt, so the same output files): when the
   * task still runs (or waits in a queue) it waits for it, calling `invocation.onStart` once it runs,
   * and when it has ended it reads how; either way it brings the task's output to
   * `invocation.stdoutPath`/`stderrPath` as `run` does. Interruption cancels it as it cancels `run`.
   * `None` when the task cannot be found, was cancelled, or cannot be proved the run's: it is then
   * certain never to start, and the runner runs it again. Backends without it have their tasks of an
   * earlier process killed (`reap`) and run again.
   */
  readonly attach?:
    | ((invocation: Invocation, earlier: Earlier) => Effect.Effect<Option.Option<Outcome>, TaskError.BackendError>)
    | undefined
  /**
   * Makes the folder `to.path` hold what the folder `from.path` holds (paths as `workspace` gives
   * them for each learner), leaving the `iter-<n>` folders of either side alone: what PBT's
   * snapshots and copies of a learner's working folder do. A remote backend whose `workspace` is
   * not the run directory itself needs it for PBT; without it the runner copies with the local file
   * system, which sees the workspace of every other backend (SLURM's is a shared file system).
   */
  readonly mirrorFolder?:
    | ((
        from: { readonly learner: Learner.LearnerRef; readonly path: string },
        to: { readonly learner: Learner.LearnerRef; readonly path: string }
      ) => Effect.Effect<void, TaskError.BackendError>)
    | undefined
}

/**
 * @since 0.2.0
 * @category models
 */
export interface ReapOptions {
  /**
   * Tickets of tasks the resumed run re-attaches to: a backend that looks for the earlier sessions'
   * tasks by their run ids (a scheduler's queue) leaves these alone.
   */
  readonly spare?: ReadonlyArray<string> | undefined
}

/**
 * What a `reap` did.
 *
 * @since 0.1.0
 * @category models
 */
export interface Reaped {
  /** How many tasks (process groups, jobs) it killed. */
  readonly killed: number
  /** Survivors it left alone because nothing proves they are the run's, one line each. */
  readonly spared: ReadonlyArray<string>
}

/**
 * Nothing to reap.
 *
 * @since 0.1.0
 * @category constructors
 */
export const nothingReaped: Reaped = { killed: 0, spared: [] }

/**
 * The default backend of a run.
 *
 * @since 0.1.0
 * @category services
 */
export class Backend extends Context.Tag("rose/Backend")<Backend, Service>() {}

/**
 * Backends by name, for programs whose tasks name one (`backend "gpu"`); the default is `Backend`.
 *
 * @since 0.1.0
 * @category services
 */
export class Backends extends Context.Tag("rose/Backends")<Backends, ReadonlyMap<string, Service>>() {}
