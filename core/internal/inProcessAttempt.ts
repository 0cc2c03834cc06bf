/**
 * An attempt at an in-process task: its function runs in this process, with the task's timeout.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Json from "../Json.ts"
import type * as Task from "../Task.ts"
import * as TaskError from "../TaskError.ts"
import { type Attempt, errorText, failAttempt, type TaskAttemptError, type TaskOutput, taskContext } from "./attempt.ts"

const isThenable = (u: unknown): u is PromiseLike<unknown> =>
  typeof u === "object" && u !== null && typeof (u as { then?: unknown }).then === "function"

/** Calls a user function, turning what it throws into a value (not Effect code: the caller is). */
const call = <A, B>(
  f: (a: A) => B,
  a: A
): { readonly ok: true; readonly value: B } | { readonly ok: false; readonly error: unknown } => {
  try {
    return { ok: true, value: f(a) }
  } catch (error) {
    return { ok: false, error }
  }
}

/**
 * An in-process task: the function runs in this process. This is the hot path of learners made of
 * in-process tasks, so a function that returns a plain value is called, timed and recorded without
 * any Effect in between: its output comes back as a value, and only promises and Effects (and
 * failures) come back as an Effect, which the caller runs. Nothing here allocates more than the
 * context and the output for such a call: the closures of the general route are made on it only.
 */
export const callInProcess = (
  run: Attempt,
  extra: Pick<Task.TaskContext, "model" | "prediction" | "experience">
): TaskOutput | Effect.Effect<TaskOutput, TaskAttemptError> => {
  const binding = run.task.binding as Extract<Task.Binding, { _tag: "InProcess" }>
  const started = run.env.now()
  // Most functions never look at their abort signal: make one only when asked for.
  let controller: AbortController | undefined
  const ctx = taskContext(
    run,
    run.env.runDir,
    () => {
      controller ??= new AbortController()
      return controller.signal
    },
    extra
  )
  const result = call(binding.fn, ctx)
  if (!result.ok) return failed(run, binding, started, result.error)
  const value = result.value
  // A function that returned a plain value ran and ended within this call: its iteration's
  // iteration_completed records its config and state. One that goes on (a promise, an Effect)
  // gets a task_finished carrying its JSON result, which a resume keeps; no task_started (a line
  // per task that a resume does not need: no process, no pid, nothing to reap). Neither is awaited.
  if (!binding.effect && !isThenable(value)) return output(run, value)
  return pending(run, binding, started, value, () => controller?.abort())
}

/** `callInProcess` as an Effect, for callers on the general route (a task with a step before it). */
export const runInProcess = (
  run: Attempt,
  extra: Pick<Task.TaskContext, "model" | "prediction" | "experience">
): Effect.Effect<TaskOutput, TaskAttemptError> =>
  Effect.suspend(() => {
    const out = callInProcess(run, extra)
    return Effect.isEffect(out) ? out : Effect.succeed(out)
  })

type InProcessBinding = Extract<Task.Binding, { _tag: "InProcess" }>

const output = (run: Attempt, value: unknown): TaskOutput => ({
  attempt: run.attempt,
  config: run.prepared.config,
  state: Json.isObject(value) ? toJsonObject(value) : undefined,
  value,
  stdout: ""
})

const toError = (run: Attempt, binding: InProcessBinding, e: unknown) =>
  new TaskError.TaskFunctionError({ task: run.name, what: `the function ${binding.name}`, reason: errorText(e) })

const baseOf = (run: Attempt) => ({
  learner: run.learner.ref,
  iteration: run.iteration,
  task: run.name,
  attempt: run.attempt,
  ...run.instance.fields
})

const failWith = (run: Attempt, started: number, error: TaskError.TaskError) =>
  failAttempt(run.env, baseOf(run), error, run.env.now() - started)

const failed = (run: Attempt, binding: InProcessBinding, started: number, thrown: unknown) =>
  failWith(run, started, toError(run, binding, thrown))

/** The general route: a promise or an Effect, awaited with the task's timeout, then `task_finished`. */
const pending = (
  run: Attempt,
  binding: InProcessBinding,
  started: number,
  value: unknown,
  abort: () => void
): Effect.Effect<TaskOutput, TaskAttemptError> => {
  const { env, task, name } = run
  const asError = (e: unknown) => toError(run, binding, e)
  let waiting: Effect.Effect<unknown, TaskError.TaskFunctionError>
  if (binding.effect) {
    waiting = (value as Effect.Effect<unknown, unknown>).pipe(
      Effect.mapError(asError),
      Effect.catchAllDefect((d) => Effect.fail(asError(d)))
    )
  } else {
    const promise = value as PromiseLike<unknown>
    waiting = Effect.async<unknown, TaskError.TaskFunctionError>((resume) => {
      promise.then(
        (v) => resume(Effect.succeed(v)),
        (e: unknown) => resume(Effect.fail(asError(e)))
      )
      return Effect.sync(abort)
    })
  }
  const bounded =
    task.timeoutMillis === undefined
      ? waiting
      : waiting.pipe(
          Effect.timeoutFail({
            duration: Duration.millis(task.timeoutMillis),
            onTimeout: () => new TaskError.TaskTimedOut({ task: name, timeoutMillis: task.timeoutMillis! })
          })
        )
  const finish = (v: unknown): TaskOutput => {
    const result = journaled(v)
    env.postSync({
      _tag: "task_finished",
      learner: run.learner.ref,
      iteration: run.iteration,
      task: name,
      attempt: run.attempt,
      exitCode: 0,
      durationMs: env.now() - started,
      ...run.instance.fields,
      ...(result === undefined ? {} : { result })
    })
    return output(run, v)
  }
  return bounded.pipe(
    Effect.matchEffect({
      onFailure: (error) => failWith(run, started, error),
      onSuccess: (v) => Effect.sync(() => finish(v))
    })
  )
}

/** Larger results are not journaled (the task then runs again on resume): the journal stays small. */
const MAX_RESULT_CHARS = 256 * 1024

/** What a function returned as the journal keeps it for a resume: JSON, or nothing. */
const journaled = (value: unknown): Json.Json | undefined => {
  const text = call(JSON.stringify, value)
  if (!text.ok || typeof text.value !== "string" || text.value.length > MAX_RESULT_CHARS) return undefined
  const parsed = Json.parse(text.value)
  return parsed.ok ? (parsed.value as Json.Json) : undefined
}

/** Keeps what survives JSON (functions, undefined and non-finite numbers are dropped). */
const toJsonObject = (value: object): Json.JsonObject | undefined => {
  const parsed = Json.parse(JSON.stringify(value) ?? "null")
  return parsed.ok && Json.isObject(parsed.value) ? parsed.value : undefined
}
