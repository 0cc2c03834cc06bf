/**
 * One attempt at a task, whatever runs it: its failure (`TaskAttemptError`), what it produced, the
 * instance it belongs to, the context a task function sees, and how a failed attempt is recorded.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type * as Backend from "../Backend.ts"
import type * as IterationState from "../IterationState.ts"
import type * as Json from "../Json.ts"
import type * as Learner from "../Learner.ts"
import * as RunDir from "../RunDir.ts"
import type * as Task from "../Task.ts"
import type * as TaskConfig from "../TaskConfig.ts"
import type * as TaskError from "../TaskError.ts"
import type { LearnerState, RunEnv } from "./context.ts"

/** A task that failed for good: which task, iteration and attempt, and why. */
export class TaskAttemptError extends Data.TaggedError("TaskAttemptError")<{
  readonly task: string
  readonly iteration: number
  readonly attempt: number
  readonly error: TaskError.TaskError
  readonly exitCode: number | null
  readonly stderrTail: string
}> {
  override get message(): string {
    return `iteration ${this.iteration}, attempt ${this.attempt}: ${this.error.message}`
  }
}

/**
 * One run of a task under a name of its own, for loops that run a task several times an iteration
 * (a UQ learner's training per model, its predictions): the name its events, output files, state and
 * journaled config use, kwargs the runner sets on top of the resolved config, fields added to its
 * events, and per attempt the environment variables and context fields it gets.
 */
export interface Instance {
  /** Default: the task's name. */
  readonly name?: string | undefined
  /** Set on top of every layer of the task's config (e.g. `--model_name`). */
  readonly kwargs?: { readonly [key: string]: Json.Json } | undefined
  readonly fields?: { readonly model?: string; readonly prediction?: number } | undefined
  readonly env?: ((attempt: number) => { readonly [name: string]: string }) | undefined
  readonly context?: ((attempt: number) => Pick<Task.TaskContext, "model" | "prediction" | "experience">) | undefined
  /** Runs before each attempt starts. */
  readonly before?: ((attempt: number) => Effect.Effect<void, TaskError.TaskError>) | undefined
  /** Files an attempt writes besides its `.out`/`.err`: a resume keeps the task only while they are unchanged. */
  readonly outputs?: ((attempt: number) => ReadonlyArray<string>) | undefined
}

/** What one task produced. */
export interface TaskOutput {
  /** The attempt that succeeded. */
  readonly attempt: number
  readonly config: IterationState.ResolvedConfig
  /** The task's state: the JSON object it printed last, or the object it returned. */
  readonly state: Json.JsonObject | undefined
  /** What an in-process task returned. */
  readonly value: unknown
  /** The tail of an exec task's stdout. */
  readonly stdout: string
}

/** A task's config for one run, resolved and as it is journaled. */
export interface Prepared {
  readonly config: IterationState.ResolvedConfig
  readonly resolved: TaskConfig.Resolved
}

/** One attempt at one run of a task: what the functions that run it share. */
export interface Attempt {
  readonly env: RunEnv
  readonly learner: LearnerState
  readonly task: Task.TaskDef
  readonly iteration: number
  /** 1 for the first attempt. */
  readonly attempt: number
  readonly prepared: Prepared
  /** What the iteration's earlier tasks gave. */
  readonly results: { readonly [task: string]: unknown }
  /** The name it runs under: its instance's, else its task's. */
  readonly name: string
  readonly instance: Instance
  /** On resume: the earlier process's run of this attempt, to re-attach to instead of starting it. */
  readonly earlier?: Backend.Earlier | undefined
}

/** The message of what a user function threw. */
export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/** The placement fields of an event, only those the backend gave. */
export const placementFields = (p: Backend.Placement) => {
  const out: { pid?: number; pgid?: number; startStamp?: string; host?: string; jobId?: string } = {}
  if (p.pid !== undefined) out.pid = p.pid
  if (p.pgid !== undefined) out.pgid = p.pgid
  if (p.startStamp !== undefined) out.startStamp = p.startStamp
  if (p.host !== undefined) out.host = p.host
  if (p.jobId !== undefined) out.jobId = p.jobId
  return out
}

const failureOf = (error: TaskError.TaskError) => {
  const out: {
    tag: string
    message: string
    exitCode?: number | null
    signal?: string | null
    stderrTail?: string
  } = { tag: error._tag, message: error.message }
  if (error._tag === "TaskFailed") {
    out.exitCode = error.exitCode
    out.signal = error.signal
    out.stderrTail = error.stderrTail
  }
  return out
}

/** Records a failed attempt (`task_failed`, awaited) and fails with it. */
export const failAttempt = (
  env: RunEnv,
  base: {
    readonly learner: Learner.LearnerRef
    readonly iteration: number
    readonly task: string
    readonly attempt: number
  },
  error: TaskError.TaskError,
  durationMs: number,
  placement: Backend.Placement = {}
): Effect.Effect<never, TaskAttemptError> =>
  Effect.zipRight(
    env.record({ _tag: "task_failed", ...base, ...placementFields(placement), durationMs, error: failureOf(error) }),
    Effect.fail(
      new TaskAttemptError({
        task: base.task,
        iteration: base.iteration,
        attempt: base.attempt,
        error,
        exitCode: error._tag === "TaskFailed" ? error.exitCode : null,
        stderrTail: error._tag === "TaskFailed" ? error.stderrTail : ""
      })
    )
  )

/** What a task function sees: `workspace` is the run directory as the task's backend sees it. */
export const taskContext = (
  run: Attempt,
  workspace: string,
  signal: () => AbortSignal,
  extra: Pick<Task.TaskContext, "model" | "prediction" | "experience">
): Task.TaskContext => {
  const ctx = new Context(run, workspace, signal)
  if (extra.model !== undefined) ctx.model = extra.model
  if (extra.prediction !== undefined) ctx.prediction = extra.prediction
  if (extra.experience !== undefined) ctx.experience = extra.experience
  return ctx
}

/**
 * A task's context as a class: its `signal` getter, made on first read, lives on the prototype. An
 * object literal with a getter of its own gets a hidden class of its own, which cost about 1 KB and
 * 2 µs per in-process task (the task's whole budget is 10 µs); this costs what a plain literal does.
 */
class Context implements Task.TaskContext {
  readonly runId: string
  readonly runDir: string
  readonly workdir: string
  readonly learner: Learner.LearnerRef
  readonly iteration: number
  readonly task: string
  readonly attempt: number
  readonly args: ReadonlyArray<Json.Json>
  readonly kwargs: { readonly [key: string]: Json.Json }
  readonly results: { readonly [task: string]: unknown }
  readonly prev: Task.TaskContext["prev"]
  // Declared only: a context has these keys when its learner's loop sets them, as before.
  declare model?: string | undefined
  declare prediction?: number | undefined
  declare experience?: Task.TaskContext["experience"]
  readonly #signal: () => AbortSignal
  constructor(run: Attempt, workspace: string, signal: () => AbortSignal) {
    this.runId = run.env.runId
    this.runDir = workspace
    this.workdir = RunDir.learnerDir(workspace, run.learner.ref)
    this.learner = run.learner.ref
    this.iteration = run.iteration
    this.task = run.task.name
    this.attempt = run.attempt
    this.args = run.prepared.config.args
    this.kwargs = run.prepared.config.kwargs
    this.results = run.results
    this.prev = run.learner.prev
    this.#signal = signal
  }
  get signal(): AbortSignal {
    return this.#signal()
  }
}
