/**
 * A learner block's budget: the tasks or task-seconds its learners may spend in all. It is declared
 * beside the block's population policy (`population { asha: { … }, budget: { … } }`) and re-exported
 * by `Population`, but it ranks nothing: it counts.
 *
 * @since 0.3.0
 */
import type * as Json from "./Json.ts"

/**
 * A block's budget: how many tasks its learners may start in all (every attempt counts), or how many
 * seconds its tasks may run in all (the backend-measured durations of their finished and failed
 * attempts). When it is spent, a learner about to start a task ends with `budget`; tasks already
 * running finish, so the learners still running get the capacity the stopped ones free.
 *
 * @since 0.3.0
 * @category models
 */
export interface Budget {
  readonly tasks: number | undefined
  readonly taskSeconds: number | undefined
}

/**
 * @since 0.3.0
 * @category models
 */
export interface BudgetInput {
  /** Task attempts the block may start in all (an integer ≥ 1). */
  readonly tasks?: number | undefined
  /** Seconds the block's tasks may run in all (> 0). */
  readonly taskSeconds?: number | undefined
}

/**
 * A budget (validated with the learner block it is declared on).
 *
 * @since 0.3.0
 * @category constructors
 */
export const budget = (input: BudgetInput): Budget => ({ tasks: input.tasks, taskSeconds: input.taskSeconds })

/**
 * The problems of a budget, each as a phrase: none given, a count that is not a positive integer, a
 * duration that is not positive.
 *
 * @since 0.3.0
 * @category validation
 */
export const budgetProblems = (
  b: Budget
): ReadonlyArray<{ readonly field: "tasks" | "taskSeconds"; readonly message: string }> => {
  const out: Array<{ field: "tasks" | "taskSeconds"; message: string }> = []
  if (b.tasks === undefined && b.taskSeconds === undefined)
    out.push({ field: "tasks", message: "a budget needs `tasks: N` or `task_seconds: S`" })
  if (b.tasks !== undefined && !(Number.isInteger(b.tasks) && b.tasks >= 1))
    out.push({ field: "tasks", message: `a task budget is an integer ≥ 1, got ${b.tasks}` })
  if (b.taskSeconds !== undefined && !(Number.isFinite(b.taskSeconds) && b.taskSeconds > 0))
    out.push({ field: "taskSeconds", message: `a task-seconds budget is a number > 0, got ${b.taskSeconds}` })
  return out
}

/**
 * A budget as JSON (`run.json`'s plan).
 *
 * @since 0.3.0
 * @category rendering
 */
export const budgetToJson = (b: Budget): Json.JsonObject => ({
  ...(b.tasks === undefined ? {} : { tasks: b.tasks }),
  ...(b.taskSeconds === undefined ? {} : { taskSeconds: b.taskSeconds })
})

/**
 * How a budget reads in `rose plan`: `budget: 300 tasks`, `budget: 600 task-seconds`, or both.
 *
 * @since 0.3.0
 * @category rendering
 */
export const describeBudget = (b: Budget): string =>
  `budget: ${[
    ...(b.tasks === undefined ? [] : [`${b.tasks} task${b.tasks === 1 ? "" : "s"}`]),
    ...(b.taskSeconds === undefined ? [] : [`${b.taskSeconds} task-seconds`])
  ].join(", ")}`
