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
import * as Learner from "../Learner.ts"
import * as LearnerConfig from "../LearnerConfig.ts"
import * as Metric from "../Metric.ts"
import * as Population from "../Population.ts"
import type * as TaskError from "../TaskError.ts"
import { type Instance, TaskAttemptError, type TaskOutput } from "./attempt.ts"
import type { BudgetSpent } from "./budget.ts"
import type { LearnerState, RunEnv } from "./context.ts"
import * as Exploit from "./exploit.ts"
import * as PbtFolders from "./pbtFolders.ts"
import { criterionValue, startTask } from "./taskRun.ts"

/** How a learner's loop ended by itself (interruption and failure are seen from outside). */
export type LoopEnd = "criterion_met" | "max_iter" | "pruned" | "budget"

/**
 * A learner kind's loop: runs iterations from `learner.nextIteration` until it ends, or until its
 * block's budget refuses it a task (`BudgetSpent`, which the runner takes as the end `budget`).
 */
export type Loop = (env: RunEnv, learner: LearnerState) => Effect.Effect<LoopEnd, TaskAttemptError | BudgetSpent>

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
  learner: LearnerState,
  record: IterationRecord,
  name: string,
  iteration: number,
  instance?: Instance
): Effect.Effect<TaskOutput, TaskAttemptError | BudgetSpent> =>
  Effect.suspend(() => {
    const out = stepNow(env, learner, record, name, iteration, instance)
    return Effect.isEffect(out) ? out : Effect.succeed(out)
  })

/**
 * `step` for loops that run their tasks one after the other: a task that ended within the call
 * (`startTask`) is recorded at once and its output returned as a value, else the Effect that runs
 * and records it.
 */
export const stepNow = (
  env: RunEnv,
  learner: LearnerState,
  record: IterationRecord,
  name: string,
  iteration: number,
  instance?: Instance
): TaskOutput | Effect.Effect<TaskOutput, TaskAttemptError | BudgetSpent> => {
  const out = startTask(env, learner, learner.def.tasks.get(name)!, iteration, record.results, instance)
  const key = instance?.name ?? name
  return Effect.isEffect(out) ? Effect.map(out, (o) => keep(record, key, o)) : keep(record, key, out)
}

const keep = (record: IterationRecord, key: string, out: TaskOutput): TaskOutput => {
  record.config[key] = out.config
  if (out.state !== undefined) record.state[key] = { ...out.state }
  record.results[key] = out.state ?? out.value
  return out
}

/**
 * Runs the criterion task (if the learner has one) and reads its value; `undefined` without one.
 */
export const checkCriterion = (
  env: RunEnv,
  learner: LearnerState,
  record: IterationRecord,
  iteration: number,
  instance?: Instance
) =>
  Effect.gen(function* () {
    const criterion = learner.def.criterion
    if (criterion === undefined) return undefined
    const stepped = stepNow(env, learner, record, "criterion", iteration, instance)
    const out = Effect.isEffect(stepped) ? yield* stepped : stepped
    const task = learner.def.tasks.get("criterion")!
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
export const applyPending = (learner: LearnerState) => {
  if (learner.pending !== undefined) {
    learner.config = LearnerConfig.patch(learner.config, learner.pending)
    learner.pending = undefined
  }
}

/**
 * Ends an iteration: records `iteration_completed` (awaited: a resume starts after it), moves the
 * learner's position, and says whether the learner stops and why.
 */
export const completeIteration = (
  env: RunEnv,
  learner: LearnerState,
  iteration: number,
  record: IterationRecord,
  metric: number | undefined,
  /** Whether the learner's stop criterion is met, when the loop decides it (default: `metric` meets it). */
  decided?: boolean
) =>
  Effect.gen(function* () {
    const criterion = learner.def.criterion
    const met =
      decided ??
      (criterion !== undefined && metric !== undefined && Metric.meets(metric, criterion.operator, criterion.threshold))
    const last = learner.def.maxIter !== undefined && iteration + 1 >= learner.def.maxIter
    if (metric !== undefined) learner.history.push(metric)
    const end: LoopEnd | undefined = met ? "criterion_met" : last ? "max_iter" : undefined
    const draft: Event.Draft = {
      _tag: "iteration_completed",
      learner: learner.ref,
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
    learner.prev = { iteration, metric, metricHistory: learner.history, state: record.state }
    learner.lastState = record.state
    learner.lastConfig = record.config
    learner.nextIteration = iteration + 1
    const judged = yield* judgeRung(env, learner, iteration, metric, end)
    // After the position moved: a learner held here and stopped resumes from the next iteration.
    if (judged === undefined && env.pace !== undefined) yield* env.pace
    return judged
  })

/**
 * At a rung of its block's population policy, ranks the learner (under ASHA against the block's
 * learners that reached the rung before it, under PBT against the latest values of the whole block)
 * and records the verdict; `pruned` ends the learner. At a PBT period the
 * learner's working folder is kept first (what a learner that copies it gets), and a learner in the
 * bottom quantile copies a top one (`exploitAt`). A learner judged there already (a resume after a
 * crash between its `rung_reached` and its `exploited`) is not ranked again, only made to copy.
 */
export const judgeRung = (
  env: RunEnv,
  learner: LearnerState,
  iteration: number,
  metric: number | undefined,
  end: LoopEnd | undefined
): Effect.Effect<LoopEnd | undefined, TaskAttemptError> =>
  Effect.gen(function* () {
    const policy = learner.def.population
    const criterion = learner.def.criterion
    if (policy === undefined || criterion === undefined || metric === undefined) return end
    if (!Population.isRung(policy, iteration)) return end
    const earlier = env.rungs.entry(learner.ref, iteration)
    if (earlier === undefined && policy._tag === "Pbt")
      yield* PbtFolders.snapshot(env, learner.def, learner.ref, iteration).pipe(
        Effect.mapError((error) => pbtError(iteration, error))
      )
    const standing = { resolved: learner.lastConfig, config: learner.config }
    const verdict =
      earlier?.verdict ??
      env.rungs.judge(policy, learner.ref, iteration, metric, criterion, end !== undefined, standing)
    if (earlier === undefined)
      yield* env.record({
        _tag: "rung_reached",
        learner: learner.ref,
        iteration,
        metricName: criterion.metric,
        metricValue: metric,
        rank: verdict.rank,
        of: verdict.of,
        pruned: verdict.pruned,
        reason: verdict.reason
      })
    if (policy._tag === "Pbt") {
      if (Population.exploits(policy, verdict, end !== undefined) && !env.rungs.exploited(learner.ref, iteration))
        yield* exploitAt(env, learner, policy, iteration, metric, verdict)
      return end
    }
    if (!verdict.pruned) return end
    learner.pruned = verdict.reason
    return "pruned" as const
  })

const pbtError = (iteration: number, error: TaskError.BackendError) =>
  new TaskAttemptError({ task: "pbt", iteration, attempt: 1, error, exitCode: null, stderrTail: "" })

/**
 * Makes a learner of the bottom quantile copy a top learner of its period: the source's snapshot
 * becomes its working folder and the source's config, perturbed, its config from the next iteration
 * on; then `exploited` is recorded (awaited: a resume restores the config from it).
 */
const exploitAt = (
  env: RunEnv,
  learner: LearnerState,
  policy: Population.Pbt,
  iteration: number,
  metric: number,
  verdict: Population.Verdict
) =>
  Effect.gen(function* () {
    const criterion = learner.def.criterion!
    const decision = Exploit.decide(
      policy,
      env.rungs,
      learner.def,
      learner.ref,
      iteration,
      criterion,
      verdict,
      learner.lastConfig
    )
    if (decision === undefined) return
    const source = { name: learner.ref.name, index: decision.source.index }
    yield* PbtFolders.copyFrom(env, learner.def, learner.ref, source, iteration).pipe(
      Effect.mapError((error) => pbtError(iteration, error))
    )
    learner.config = decision.config
    env.rungs.markExploited(learner.ref, iteration)
    yield* env.record({
      _tag: "exploited",
      learner: learner.ref,
      iteration,
      source,
      rank: verdict.rank,
      of: verdict.of,
      metricName: criterion.metric,
      metricValue: metric,
      sourceValue: decision.source.value,
      from: decision.from,
      to: decision.to,
      sourceConfig: decision.source.standing.resolved,
      reason: Exploit.reasonOf(verdict, criterion.metric, Learner.label(source), decision.source.value, decision)
    })
  })

/** A loop that runs the given tasks (those the learner has) in order, then the criterion. */
export const sequence =
  (tasks: ReadonlyArray<string>): Loop =>
  (env, learner) =>
    Effect.gen(function* () {
      while (true) {
        const i = learner.nextIteration
        applyPending(learner)
        const record = newRecord()
        for (const name of tasks) {
          if (!learner.def.tasks.has(name)) continue
          const out = stepNow(env, learner, record, name, i)
          if (Effect.isEffect(out)) yield* out
        }
        const metric = yield* checkCriterion(env, learner, record, i)
        const end = yield* completeIteration(env, learner, i, record, metric)
        if (end !== undefined) return end
      }
    })
