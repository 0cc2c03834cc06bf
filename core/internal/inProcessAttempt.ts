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
const call = <A>(
  f: () => A
): { readonly ok: true; readonly value: A } | { readonly ok: false; readonly error: unknown } => {
  try {
    return { ok: true, value: f() }
  } catch (error) {
    return { ok: false, error }
  }
}

/**
 * An in-process task: the function runs in this process. This is the hot path of learners made of
 * in-process tasks, so a function that returns a plain value is called, timed and recorded without
 * any Effect in between; promises and Effects take the general route.
 */
export const runInProcess = (
  run: Attempt,
  extra: Pick<Task.TaskContext, "model" | "prediction" | "experience">
): Effect.Effect<TaskOutput, TaskAttemptError> =>
  Effect.suspend(() => {
    const { env, learner, task, iteration, attempt, prepared, name, instance } = run
    const binding = task.binding as Extract<Task.Binding, { _tag: "InProcess" }>
    // Literals with any spread last: a spread followed by more keys is several times slower in V8,
    // and this runs for every task.
    const base = { learner: learner.ref, iteration, task: name, attempt, ...instance.fields }
    const started = env.now()
    // Most functions never look at their abort signal: make one only when asked for.
    let controller: AbortController | undefined
    const ctx = taskContext(
      run,
      env.runDir,
      () => {
        controller ??= new AbortController()
        return controller.signal
      },
      extra
    )
    const toError = (e: unknown) =>
      new TaskError.TaskFunctionError({ task: name, what: `the function ${binding.name}`, reason: errorText(e) })
    const fail = (error: TaskError.TaskError) => failAttempt(env, base, error, env.now() - started)
    const output = (value: unknown): TaskOutput => {
      const state = Json.isObject(value) ? toJsonObject(value) : undefined
      return { attempt, config: prepared.config, state, value, stdout: "" }
    }
    const result = call(() => binding.fn(ctx))
    if (!result.ok) return fail(toError(result.error))
    const value = result.value
    // A function that returned a plain value ran and ended within this call: its iteration's
    // iteration_completed records its config and state. One that goes on (a promise, an Effect)
    // gets a task_finished carrying its JSON result, which a resume keeps; no task_started (a line
    // per task that a resume does not need: no process, no pid, nothing to reap). Neither is awaited.
    if (!binding.effect && !isThenable(value)) return Effect.succeed(output(value))
    const finish = (v: unknown): TaskOutput => {
      const result = journaled(v)
      env.postSync({
        _tag: "task_finished",
        learner: learner.ref,
        iteration,
        task: name,
        attempt,
        exitCode: 0,
        durationMs: env.now() - started,
        ...instance.fields,
        ...(result === undefined ? {} : { result })
      })
      return output(v)
    }
    let pending: Effect.Effect<unknown, TaskError.TaskFunctionError>
    if (binding.effect) {
      pending = (value as Effect.Effect<unknown, unknown>).pipe(
        Effect.mapError(toError),
        Effect.catchAllDefect((d) => Effect.fail(toError(d)))
      )
    } else {
      const promise = value as PromiseLike<unknown>
      pending = Effect.async<unknown, TaskError.TaskFunctionError>((resume) => {
        promise.then(
          (v) => resume(Effect.succeed(v)),
          (e: unknown) => resume(Effect.fail(toError(e)))
        )
        return Effect.sync(() => controller?.abort())
      })
    }
    const bounded =
      task.timeoutMillis === undefined
        ? pending
        : pending.pipe(
            Effect.timeoutFail({
              duration: Duration.millis(task.timeoutMillis),
              onTimeout: () => new TaskError.TaskTimedOut({ task: name, timeoutMillis: task.timeoutMillis! })
            })
          )
    return bounded.pipe(Effect.matchEffect({ onFailure: fail, onSuccess: (v) => Effect.sync(() => finish(v)) }))
  })

/** Larger results are not journaled (the task then runs again on resume): the journal stays small. */
const MAX_RESULT_CHARS = 256 * 1024

/** What a function returned as the journal keeps it for a resume: JSON, or nothing. */
const journaled = (value: unknown): Json.Json | undefined => {
  const text = call(() => JSON.stringify(value))
  if (!text.ok || typeof text.value !== "string" || text.value.length > MAX_RESULT_CHARS) return undefined
  const parsed = Json.parse(text.value)
  return parsed.ok ? (parsed.value as Json.Json) : undefined
}

/** Keeps what survives JSON (functions, undefined and non-finite numbers are dropped). */
const toJsonObject = (value: object): Json.JsonObject | undefined => {
  const parsed = Json.parse(JSON.stringify(value) ?? "null")
  return parsed.ok && Json.isObject(parsed.value) ? parsed.value : undefined
}
