/**
 * Runs one task of a learner's iteration: its config resolved (or replayed on resume), then attempts
 * until one succeeds or the retry policy gives up; and reads a criterion's value from its output.
 */
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schedule from "effect/Schedule"
import * as Backend from "../Backend.ts"
import * as Json from "../Json.ts"
import * as Metric from "../Metric.ts"
import type * as Resume from "../Resume.ts"
import * as RunDir from "../RunDir.ts"
import type * as Task from "../Task.ts"
import * as TaskConfig from "../TaskConfig.ts"
import * as TaskError from "../TaskError.ts"
import { type Attempt, type Instance, type Prepared, TaskAttemptError, type TaskOutput } from "./attempt.ts"
import { type BudgetSpent, claimNow } from "./budget.ts"
import type { LearnerState, RunEnv } from "./context.ts"
import { readTail, runExec, stateFromOutput } from "./execAttempt.ts"
import { callInProcess } from "./inProcessAttempt.ts"
import { prepare, prepared, resolveConfig } from "./preparedConfig.ts"

/**
 * The delay before retry `attempt + 1`: an Effect Schedule, exponential from the policy's base delay
 * with jitter, capped at 30 s. The delay is computed before sleeping so `task_retried` can say it.
 */
const backoffMillis = (policy: Task.RetryPolicy, attempt: number, now: number) =>
  Effect.map(
    Schedule.run(
      Schedule.delays(Schedule.jittered(Schedule.exponential(Duration.millis(policy.baseDelayMillis), 2))),
      now,
      Array.from({ length: attempt }, (_, i) => i)
    ),
    (delays) => Math.round(Math.min(30_000, Duration.toMillis(Chunk.unsafeLast(delays))))
  )

/**
 * Runs one task of one learner's iteration to an output, with its timeout and retry policy, emitting
 * `task_queued`, `task_started`, `task_finished`, `task_failed` and `task_retried`.
 */
export const runTask = (
  env: RunEnv,
  learner: LearnerState,
  task: Task.TaskDef,
  iteration: number,
  results: { readonly [task: string]: unknown },
  instance: Instance = {}
): Effect.Effect<TaskOutput, TaskAttemptError | BudgetSpent> =>
  Effect.suspend(() => {
    const out = startTask(env, learner, task, iteration, results, instance)
    return Effect.isEffect(out) ? out : Effect.succeed(out)
  })

/**
 * `runTask` without the Effect around a task that ended within the call: an in-process function
 * that returned a plain value gives its output as a value (the hot path of in-process learners);
 * everything else gives the Effect that runs it. Both claim the budget and count the ended attempt
 * alike (`claimed`); a kept task, a re-attached one and a failed config never end within the call.
 */
export const startTask = (
  env: RunEnv,
  learner: LearnerState,
  task: Task.TaskDef,
  iteration: number,
  results: { readonly [task: string]: unknown },
  instance: Instance = noInstance
): TaskOutput | Effect.Effect<TaskOutput, TaskAttemptError | BudgetSpent> => {
  const name = instance.name ?? task.name
  const replayed =
    learner.replay !== undefined && learner.replay.iteration === iteration ? learner.replay.configs[name] : undefined
  // A resumed iteration runs again with the config it was journaled with (the instance's kwargs included).
  const resolved =
    replayed !== undefined
      ? Either.right(prepared(new TaskConfig.Merger().apply(replayed).apply({ kwargs: instance.kwargs }).result()))
      : instance.kwargs === undefined
        ? prepare(learner, task, iteration)
        : Either.map(resolveConfig(learner, task, iteration, instance.kwargs), prepared)
  if (Either.isLeft(resolved)) {
    return Effect.fail(
      new TaskAttemptError({
        task: name,
        iteration,
        attempt: 1,
        error: resolved.left,
        exitCode: null,
        stderrTail: ""
      })
    )
  }
  const config = resolved.right
  // A resumed iteration: a task that finished is not run again; one still running is re-attached.
  const resumed = learner.resumed?.iteration === iteration ? learner.resumed : undefined
  const kept = resumed?.kept.get(name)
  if (kept !== undefined) {
    resumed!.kept.delete(name)
    return keptOutput(env, learner, iteration, name, instance, config, kept)
  }
  const inFlight = resumed?.attach.get(name)
  if (inFlight !== undefined) resumed!.attach.delete(name)
  const earlier: Backend.Earlier | undefined =
    inFlight === undefined
      ? undefined
      : { ticket: inFlight.ticket, placement: inFlight.placement, runId: inFlight.from }
  const run: Attempt = {
    env,
    learner,
    task,
    iteration,
    attempt: inFlight?.attempt ?? 1,
    prepared: config,
    results,
    name,
    instance,
    earlier
  }
  return claimed(run, inFlight === undefined)
}

/**
 * Claims a task of the block's budget, then starts the attempt: every attempt claims one before it
 * starts, one a resume re-attaches to included (the journal charges an earlier session only for the
 * attempts that ended in it). An attempt that ran to its end, finished or failed, is a task its
 * learner spent (the ranking's `tasks`), counted once whether it ended within the call or not.
 * `direct` false keeps the attempt on the general route (one a resume re-attaches to).
 */
const claimed = (
  run: Attempt,
  direct: boolean
): TaskOutput | Effect.Effect<TaskOutput, TaskAttemptError | BudgetSpent> => {
  const refused = claimNow(run.env, run.learner)
  if (refused !== undefined) return refused
  const out = direct ? startAttempt(run) : Effect.suspend(() => asEffect(startAttempt(run)))
  if (Effect.isEffect(out)) return retried(run, out)
  run.env.budgets.ended(run.learner.key)
  return out
}

const asEffect = <A, E>(out: A | Effect.Effect<A, E>): Effect.Effect<A, E> =>
  Effect.isEffect(out) ? out : Effect.succeed(out)

/** An attempt that did not end within its call, counted when it ends, with the retries its task's policy allows. */
const retried = (
  run: Attempt,
  out: Effect.Effect<TaskOutput, TaskAttemptError>
): Effect.Effect<TaskOutput, TaskAttemptError | BudgetSpent> => {
  const { env, learner, task, iteration, attempt, name, instance } = run
  const ended = Effect.sync(() => env.budgets.ended(learner.key))
  return Effect.catchAll(Effect.tapBoth(out, { onFailure: () => ended, onSuccess: () => ended }), (failure) =>
    attempt > task.retry.times || !TaskError.isRetryable(failure.error, task.retry.on)
      ? Effect.fail(failure)
      : Effect.gen(function* () {
          const delayMs = yield* backoffMillis(task.retry, attempt, env.now())
          yield* env.post({
            _tag: "task_retried",
            learner: learner.ref,
            iteration,
            task: name,
            ...instance.fields,
            attempt,
            nextAttempt: attempt + 1,
            delayMs,
            reason: failure.error.message
          })
          yield* Effect.sleep(Duration.millis(delayMs))
          // Only the attempt a resume found running is re-attached to, never a retry.
          return yield* asEffect(claimed({ ...run, attempt: attempt + 1, earlier: undefined }, true))
        })
  )
}

const noInstance: Instance = {}

/** The output of a task a resume keeps: an exec task's read back from its `.out`, a function's journaled. */
const keptOutput = (
  env: RunEnv,
  learner: LearnerState,
  iteration: number,
  name: string,
  instance: Instance,
  prepared: Prepared,
  kept: Resume.KeptTask
): Effect.Effect<TaskOutput> =>
  Effect.gen(function* () {
    yield* env.post({
      _tag: "task_kept",
      learner: learner.ref,
      iteration,
      task: name,
      attempt: kept.attempt,
      ...instance.fields,
      from: kept.from
    })
    const output = { attempt: kept.attempt, config: prepared.config }
    if (kept.result !== undefined) {
      return { ...output, state: Json.isObject(kept.result) ? kept.result : undefined, value: kept.result, stdout: "" }
    }
    const file = `${RunDir.iterationDir(env.runDir, learner.ref, iteration)}/${RunDir.outputFile(name, "out", kept.attempt)}`
    const stdout = yield* readTail(env, file, Backend.tailBytes.stdout)
    return { ...output, state: stateFromOutput(stdout), value: undefined, stdout }
  })

/** In-process tasks without a step before them take the hot path; everything else runs as a command. */
const startAttempt = (run: Attempt): TaskOutput | Effect.Effect<TaskOutput, TaskAttemptError> =>
  run.task.binding._tag === "InProcess" && run.instance.before === undefined
    ? callInProcess(run, run.instance.context?.(run.attempt) ?? noExtra)
    : runExec(run)

const noExtra: Pick<Task.TaskContext, "model" | "prediction" | "experience"> = {}

/** Reads a criterion task's value from its output (DESIGN §4.4). */
export const criterionValue = (
  task: Task.TaskDef,
  metric: string,
  output: TaskOutput
): Either.Either<number, TaskError.CriterionParseError> => {
  const value =
    task.binding._tag === "InProcess"
      ? Metric.valueFromResult(metric, output.value)
      : Metric.valueFromOutput(metric, output.stdout)
  return Either.mapLeft(
    value,
    (p) => new TaskError.CriterionParseError({ task: task.name, metric, line: p.line, reason: p.reason })
  )
}
