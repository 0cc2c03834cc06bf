/**
 * One learner's configuration: for each task, a schedule (a static `TaskConfig`, a per-iteration
 * record keyed by iteration with `-1` as the default, or a `TaskSchedule` built with the schedule
 * constructors), normalised and validated when the learner is built.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as TaskConfig from "./TaskConfig.ts"
import * as TaskSchedule from "./TaskSchedule.ts"

/**
 * What may stand for one task's configuration.
 *
 * @since 0.1.0
 * @category models
 */
export type ScheduleInput =
  | TaskConfig.TaskConfig
  | TaskConfig.TaskConfigInput
  | TaskSchedule.TaskSchedule
  | TaskSchedule.Adaptive
  | { readonly [iteration: number]: TaskConfig.TaskConfigInput | TaskSchedule.Adaptive }
  | { readonly default?: TaskConfig.TaskConfigInput | TaskSchedule.Adaptive }

/**
 * The fields of a `LearnerConfig`: one per task slot, plus `tasks` for named utility and environment
 * tasks.
 *
 * @since 0.1.0
 * @category models
 */
export interface LearnerConfigInput {
  readonly simulation?: ScheduleInput | undefined
  readonly training?: ScheduleInput | undefined
  readonly active_learn?: ScheduleInput | undefined
  readonly prediction?: ScheduleInput | undefined
  readonly criterion?: ScheduleInput | undefined
  readonly environment?: ScheduleInput | undefined
  readonly update?: ScheduleInput | undefined
  readonly uncertainty?: ScheduleInput | undefined
  readonly tasks?: { readonly [task: string]: ScheduleInput | undefined } | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export class LearnerConfig {
  readonly input: LearnerConfigInput
  constructor(input: LearnerConfigInput = {}) {
    this.input = input
  }
}

/**
 * A learner's configuration after normalisation: one schedule per configured task.
 *
 * @since 0.1.0
 * @category models
 */
export type Normalized = ReadonlyMap<string, TaskSchedule.TaskSchedule>

/**
 * @since 0.1.0
 * @category constructors
 */
export const empty: Normalized = new Map()

/**
 * @since 0.1.0
 * @category models
 */
export interface Problem {
  readonly task: string
  readonly message: string
}

const slotKeys = [
  "simulation",
  "training",
  "active_learn",
  "prediction",
  "criterion",
  "environment",
  "update",
  "uncertainty"
] as const

const configKeys = new Set(["args", "kwargs"])
const iterationKey = /^(?:-1|0|[1-9]\d*|default)$/

const decodeConfig = Schema.decodeUnknownEither(Schema.Struct(TaskConfig.TaskConfig.fields), {
  onExcessProperty: "error"
})

const checkConfig = (u: unknown, where: string): Either.Either<TaskConfig.TaskConfigInput, string> => {
  if (u instanceof TaskConfig.TaskConfig) return Either.right(u)
  const r = decodeConfig(u)
  return Either.isRight(r)
    ? Either.right(r.right)
    : Either.left(`${where}: ${ParseResult.TreeFormatter.formatErrorSync(r.left).replaceAll("\n", "\n  ")}`)
}

const checkSource = (u: unknown, where: string): Either.Either<TaskSchedule.Source, string> => {
  if (TaskSchedule.isAdaptive(u)) return Either.right(u)
  if (typeof u === "function") {
    return Either.right(TaskSchedule.adaptive(u as TaskSchedule.Adaptive["fn"]))
  }
  return checkConfig(u, where)
}

/**
 * Normalises what a user wrote for one task into a schedule, or says what is wrong with it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const toSchedule = (task: string, u: unknown): Either.Either<TaskSchedule.TaskSchedule, string> => {
  if (TaskSchedule.isTaskSchedule(u)) {
    if (u.task !== undefined && u.task !== task) {
      return Either.left(`a schedule made for task "${u.task}" is used for task "${task}"`)
    }
    return Either.right(u)
  }
  if (u instanceof TaskConfig.TaskConfig || TaskSchedule.isAdaptive(u) || typeof u === "function") {
    return Either.map(checkSource(u, "config"), (source) => TaskSchedule.always(source, task))
  }
  if (typeof u !== "object" || u === null || Array.isArray(u)) {
    return Either.left(
      `expected a TaskConfig, a record keyed by iteration (-1 for the default) or a schedule, got ${describeValue(u)}`
    )
  }
  const keys = Object.keys(u)
  if (keys.every((k) => configKeys.has(k))) {
    return Either.map(checkConfig(u, "config"), (c) => TaskSchedule.always(c, task))
  }
  const bad = keys.filter((k) => !iterationKey.test(k))
  if (bad.length > 0) {
    return Either.left(
      `the key ${JSON.stringify(bad[0])} is neither an iteration (0, 1, …; -1 or "default" for the fallback) nor args/kwargs`
    )
  }
  const entries: Record<string, TaskSchedule.Source> = {}
  for (const k of keys) {
    const source = checkSource((u as Record<string, unknown>)[k], `iteration ${k}`)
    if (Either.isLeft(source)) return Either.left(source.left)
    entries[k] = source.right
  }
  return Either.right(TaskSchedule.exact(entries, task))
}

/**
 * Normalises a whole learner configuration. `tasks` says which tasks exist, so a misspelt or
 * unbound task is reported.
 *
 * @since 0.1.0
 * @category constructors
 */
export const normalize = (
  config: LearnerConfig | LearnerConfigInput | null | undefined,
  tasks: ReadonlySet<string>
): Either.Either<Normalized, ReadonlyArray<Problem>> => {
  if (config === null || config === undefined) return Either.right(empty)
  const input: LearnerConfigInput = config instanceof LearnerConfig ? config.input : config
  if (typeof input !== "object") {
    return Either.left([{ task: "*", message: `expected a LearnerConfig or null, got ${describeValue(input)}` }])
  }
  const out = new Map<string, TaskSchedule.TaskSchedule>()
  const problems: Array<Problem> = []
  const add = (task: string, value: unknown) => {
    if (value === undefined || value === null) return
    if (!tasks.has(task)) {
      problems.push({ task, message: `the learner has no task "${task}" (its tasks: ${[...tasks].join(", ")})` })
      return
    }
    const s = toSchedule(task, value)
    if (Either.isLeft(s)) problems.push({ task, message: s.left })
    else out.set(task, s.right)
  }
  for (const key of Object.keys(input)) {
    if (key === "tasks") continue
    if (!(slotKeys as ReadonlyArray<string>).includes(key)) {
      problems.push({
        task: key,
        message: `unknown field "${key}" (task slots: ${slotKeys.join(", ")}; other tasks go under "tasks")`
      })
      continue
    }
    add(key, (input as Record<string, unknown>)[key])
  }
  if (input.tasks !== undefined) {
    for (const [task, value] of Object.entries(input.tasks)) add(task, value)
  }
  return problems.length > 0 ? Either.left(problems) : Either.right(out)
}

/**
 * Replaces the schedules of the tasks `patch` names, keeping the others (what `setNextConfig` does).
 *
 * @since 0.1.0
 * @category combinators
 */
export const patch = (base: Normalized, update: Normalized): Normalized => {
  const out = new Map(base)
  for (const [task, schedule] of update) out.set(task, schedule)
  return out
}

const describeValue = (u: unknown): string =>
  u === null ? "null" : Array.isArray(u) ? "an array" : typeof u === "function" ? "a function" : typeof u
