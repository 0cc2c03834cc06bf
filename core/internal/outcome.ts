/**
 * How each learner of a run ended (its outcome, read from its fiber's exit) and what `results.json`
 * says about it: per learner, and for each selector block, the ranking of its algorithms.
 */
import * as Cause from "effect/Cause"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import type * as Event from "../Event.ts"
import type * as FileError from "../FileError.ts"
import * as Learner from "../Learner.ts"
import * as Population from "../Population.ts"
import type * as Program from "../Program.ts"
import * as Results from "../Results.ts"
import * as Sweep from "../Sweep.ts"
import type { TaskAttemptError } from "./attempt.ts"
import type { LearnerState } from "./context.ts"
import type { LoopEnd } from "./iteration.ts"

/** How one learner ended, and the failed attempt that ended it if one did. */
export interface Outcome {
  readonly reason: Event.StopReason
  readonly failure: Event.Failure | undefined
  readonly attempt: TaskAttemptError | undefined
}

/** A learner that never ended (its run was cut short before it could say). */
const unknownOutcome: Outcome = { reason: "interrupted", failure: undefined, attempt: undefined }

/**
 * How a learner ended, from its loop's exit. `journalFailure` is the failure that broke the journal,
 * if it is broken; `interrupted` whether the whole run was interrupted (a signal).
 */
export const classify = (
  learner: LearnerState,
  exit: Exit.Exit<LoopEnd, TaskAttemptError>,
  run: { readonly journalFailure: FileError.FileError | undefined; readonly interrupted: boolean }
): Outcome => {
  if (Exit.isSuccess(exit)) return { reason: exit.value, failure: undefined, attempt: undefined }
  const cause = exit.cause
  if (Cause.isInterruptedOnly(cause) && run.journalFailure !== undefined && !run.interrupted) {
    // Stopped because nothing it did could be recorded any more.
    return {
      reason: "error",
      attempt: undefined,
      failure: { tag: run.journalFailure._tag, message: run.journalFailure.message }
    }
  }
  if (Cause.isInterruptedOnly(cause)) {
    return {
      reason: learner.stopRequested && !run.interrupted ? "stopped" : "interrupted",
      failure: undefined,
      attempt: undefined
    }
  }
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure)) {
    const error = failure.value
    return {
      reason: "error",
      attempt: error,
      failure: {
        tag: error.error._tag,
        message: error.error.message,
        task: error.task,
        iteration: error.iteration,
        attempt: error.attempt,
        exitCode: error.exitCode,
        stderrTail: error.stderrTail
      }
    }
  }
  // A defect: user code threw where we did not expect it, or a bug of ours.
  return {
    reason: "error",
    attempt: undefined,
    failure: { tag: "Defect", message: Cause.pretty(cause).split("\n").slice(0, 12).join("\n") }
  }
}

const failureResult = (learner: LearnerState, outcome: Outcome): Results.LearnerResult["failure"] => {
  const attempt = outcome.attempt
  if (attempt !== undefined) {
    return {
      task: attempt.task,
      iteration: attempt.iteration,
      attempt: attempt.attempt,
      exitCode: attempt.exitCode,
      stderrTail: attempt.stderrTail,
      message: attempt.error.message,
      tag: attempt.error._tag
    }
  }
  if (outcome.failure === undefined) return null
  return {
    task: "",
    iteration: learner.nextIteration,
    attempt: 0,
    exitCode: null,
    stderrTail: "",
    message: outcome.failure.message,
    tag: outcome.failure.tag
  }
}

const pointOf = (learner: LearnerState): Pick<Results.LearnerResult, "label" | "point"> => {
  const point = learner.def.points?.[learner.ref.index]
  return point === undefined ? {} : { label: Sweep.label(point), point }
}

/** What `learner_stopped` adds about why: the rung that pruned the learner, the budget that ran out. */
export const detail = (learner: LearnerState, outcome: Outcome): { readonly detail?: string } =>
  learner.pruned !== undefined
    ? { detail: learner.pruned }
    : outcome.reason === "budget" && learner.def.budget !== undefined
      ? { detail: `its block's ${Population.describeBudget(learner.def.budget)} is spent` }
      : {}

/** A learner's entry in `results.json`. */
export const learnerResult = (
  learner: LearnerState,
  outcome: Outcome = unknownOutcome,
  /** Its task attempts that ended, finished or failed, in every session of the run. */
  tasks = 0
): Results.LearnerResult => {
  const criterion = learner.def.criterion
  return {
    name: learner.ref.name,
    index: learner.ref.index,
    kind: learner.def.kind,
    iterations: learner.nextIteration,
    tasks,
    stopReason: outcome.reason,
    ...(outcome.reason === "pruned" && learner.pruned !== undefined ? { pruned: learner.pruned } : {}),
    metric:
      criterion === undefined
        ? null
        : {
            name: criterion.metric,
            operator: criterion.operator,
            threshold: criterion.threshold,
            history: learner.history
          },
    state: learner.lastState,
    failure: failureResult(learner, outcome),
    ...pointOf(learner)
  }
}

/** Each selector block's ranking, by block name; `undefined` when the program has none. */
export const selection = (
  program: Program.Program,
  results: ReadonlyArray<Results.LearnerResult>
): { readonly [block: string]: Results.Selection } | undefined => {
  const out: Record<string, Results.Selection> = {}
  for (const def of program.learners) {
    if (def.kind !== "selector" || def.criterion === undefined) continue
    const algorithms = Learner.algorithms(def.tasks.keys())
    out[def.name] = Results.rank(
      def.criterion,
      results
        .filter((r) => r.name === def.name)
        .map((result) => {
          const task = algorithms[result.index] ?? "active_learn"
          return { result, task, algorithm: Learner.algorithmName(task) }
        })
    )
  }
  return Object.keys(out).length === 0 ? undefined : out
}
