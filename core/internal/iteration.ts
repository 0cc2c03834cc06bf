/**
 * The steps every learner kind's loop is made of: run a task of the iteration and keep what it gave,
 * read the criterion, apply a pending `setNextConfig`, complete the iteration; and `sequence`, the
 * loop that runs a list of tasks then the criterion.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Event from "../Event.ts"
import type * as IterationState from "../IterationState.ts"
import type * as Json from "../Json.ts"
import * as LearnerConfig from "../LearnerConfig.ts"
import * as Metric from "../Metric.ts"
import type { LearnerState, RunEnv } from "./context.ts"
import { criterionValue, type Instance, runTask, TaskAttemptError } from "./taskRun.ts"

/** How a learner's loop ended by itself (interruption and failure are seen from outside). */
export type LoopEnd = "criterion_met" | "max_iter"

/** A learner kind's loop: runs iterations from `ls.nextIteration` until it ends. */
export type Loop = (env: RunEnv, ls: LearnerState) => Effect.Effect<LoopEnd, TaskAttemptError>

/** What the tasks of one iteration produced so far. */
export interface IterationRecord {
  readonly results: { [task: string]: unknown }
  readonly state: { [task: string]: { [key: string]: Json.Json } }
  readonly config: { [task: string]: IterationState.ResolvedConfig }
}

export const newRecord = (): IterationRecord => ({ results: {}, state: {}, config: {} })

/**
 * Runs one named task of the iteration and records its config, state and result (under the
 * instance's name when it runs as one).
 */
export const step = (
  env: RunEnv,
  ls: LearnerState,
  record: IterationRecord,
  name: string,
  iteration: number,
  instance?: Instance
) =>
  Effect.map(runTask(env, ls, ls.def.tasks.get(name)!, iteration, record.results, instance), (out) => {
    const key = instance?.name ?? name
    record.config[key] = out.config
    if (out.state !== undefined) record.state[key] = { ...out.state }
    record.results[key] = out.state ?? out.value
    return out
  })

/**
 * Runs the criterion task (if the learner has one) and reads its value; `undefined` without one.
 */
export const checkCriterion = (
  env: RunEnv,
  ls: LearnerState,
  record: IterationRecord,
  iteration: number,
  instance?: Instance
) =>
  Effect.gen(function* () {
    const criterion = ls.def.criterion
    if (criterion === undefined) return undefined
    const out = yield* step(env, ls, record, "criterion", iteration, instance)
    const task = ls.def.tasks.get("criterion")!
    const value = criterionValue(task, criterion.metric, out)
    if (Either.isLeft(value)) {
      return yield* new TaskAttemptError({
        task: instance?.name ?? "criterion",
        iteration,
        attempt: out.attempt,
        error: value.left,
        exitCode: task.binding._tag === "InProcess" ? null : 0,
        stderrTail: ""
      })
    }
    return value.right
  })

/** Applies a `setNextConfig` made while the previous iteration ran. */
export const applyPending = (ls: LearnerState) => {
  if (ls.pending !== undefined) {
    ls.config = LearnerConfig.patch(ls.config, ls.pending)
    ls.pending = undefined
  }
}

/**
 * Ends an iteration: records `iteration_completed` (awaited: a resume starts after it), moves the
 * learner's position, and says whether the learner stops and why.
 */
export const completeIteration = (
  env: RunEnv,
  ls: LearnerState,
  iteration: number,
  record: IterationRecord,
  metric: number | undefined,
  /** Whether the learner's stop criterion is met, when the loop decides it (default: `metric` meets it). */
  decided?: boolean
) =>
  Effect.gen(function* () {
    const criterion = ls.def.criterion
    const met =
      decided ??
      (criterion !== undefined && metric !== undefined && Metric.meets(metric, criterion.operator, criterion.threshold))
    const last = ls.def.maxIter !== undefined && iteration + 1 >= ls.def.maxIter
    if (metric !== undefined) ls.history.push(metric)
    const end: LoopEnd | undefined = met ? "criterion_met" : last ? "max_iter" : undefined
    const draft: Event.Draft = {
      _tag: "iteration_completed",
      learner: ls.ref,
      iteration,
      metricName: criterion?.metric ?? null,
      metricValue: metric ?? null,
      metricThreshold: criterion?.threshold ?? null,
      shouldStop: end !== undefined,
      ...(end === undefined ? {} : { stopReason: end }),
      state: record.state,
      config: record.config
    }
    yield* env.record(draft)
    ls.prev = { iteration, metric, metricHistory: ls.history, state: record.state }
    ls.lastState = record.state
    ls.lastConfig = record.config
    ls.nextIteration = iteration + 1
    return end
  })

/** A loop that runs the given tasks (those the learner has) in order, then the criterion. */
export const sequence =
  (tasks: ReadonlyArray<string>): Loop =>
  (env, ls) =>
    Effect.gen(function* () {
      while (true) {
        const i = ls.nextIteration
        applyPending(ls)
        const record = newRecord()
        for (const name of tasks) {
          if (ls.def.tasks.has(name)) yield* step(env, ls, record, name, i)
        }
        const metric = yield* checkCriterion(env, ls, record, i)
        const end = yield* completeIteration(env, ls, i, record, metric)
        if (end !== undefined) return end
      }
    })
