/**
 * Learner blocks: a named learner definition of one kind, run as `parallel` independent learners
 * `name[0]`, `name[1]`, …, each with its own configuration and stop criterion.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Criterion from "./Criterion.ts"
import type * as Json from "./Json.ts"
import * as LearnerConfig from "./LearnerConfig.ts"
import type * as Task from "./Task.ts"

/**
 * @since 0.1.0
 * @category models
 */
export type Kind = "active" | "reinforcement" | "uq" | "selector"

/**
 * The task slots each kind requires and accepts; any other task name is a utility task.
 *
 * @since 0.1.0
 * @category models
 */
export interface KindSpec {
  readonly required: ReadonlyArray<string>
  readonly optional: ReadonlyArray<string>
}

/**
 * @since 0.1.0
 * @category constants
 */
export const kinds: { readonly [K in Kind]: KindSpec } = {
  active: { required: ["training", "active_learn"], optional: ["simulation", "criterion", "prediction"] },
  reinforcement: { required: ["update"], optional: ["environment", "criterion"] },
  uq: {
    required: ["simulation", "training", "prediction", "active_learn"],
    optional: ["uncertainty", "criterion"]
  },
  selector: { required: ["training", "active_learn"], optional: ["simulation", "criterion"] }
}

/**
 * What happens to the other learners of the run when one fails.
 *
 * @since 0.1.0
 * @category models
 */
export type OnError = "continue" | "abort"

/**
 * @since 0.1.0
 * @category models
 */
export interface LearnerDef {
  readonly kind: Kind
  readonly name: string
  readonly parallel: number
  /** `undefined` means "until the criterion is met". */
  readonly maxIter: number | undefined
  readonly tasks: ReadonlyMap<string, Task.TaskDef>
  readonly criterion: Criterion.Criterion | undefined
  /** One normalised configuration per parallel learner. */
  readonly configs: ReadonlyArray<LearnerConfig.Normalized>
  readonly onError: OnError
  readonly here: string
  /** Options of the learner kind (environments of a parallel-experience learner, UQ ensemble size, …). */
  readonly options: { readonly [key: string]: Json.Json }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface LearnerInput {
  readonly kind?: Kind | undefined
  readonly name: string
  readonly parallel?: number | undefined
  readonly maxIter?: number | undefined
  readonly tasks: ReadonlyArray<Task.TaskDef> | { readonly [name: string]: Task.TaskDef }
  readonly criterion?: Criterion.CriterionInput | undefined
  readonly configs?:
    | ReadonlyArray<LearnerConfig.LearnerConfig | LearnerConfig.LearnerConfigInput | null | undefined>
    | undefined
  readonly onError?: OnError | undefined
  readonly here?: string | undefined
  readonly options?: { readonly [key: string]: Json.Json } | undefined
}

/**
 * A problem found while building a learner: which learner (and parallel index), which task, what.
 *
 * @since 0.1.0
 * @category models
 */
export interface Problem {
  readonly learner: string
  readonly index?: number
  readonly task?: string
  readonly message: string
}

/**
 * Renders a problem as one line: `learner "sweep"[1], task "simulation": …`.
 *
 * @since 0.1.0
 * @category rendering
 */
export const formatProblem = (p: Problem): string =>
  `learner "${p.learner}"${p.index === undefined ? "" : `[${p.index}]`}${p.task === undefined ? "" : `, task "${p.task}"`}: ${p.message}`

const isNonNegativeInt = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n) && n >= 0

/**
 * Builds and validates a learner definition.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (input: LearnerInput): Either.Either<LearnerDef, ReadonlyArray<Problem>> => {
  const name = input.name
  const problems: Array<Problem> = []
  const fail = (message: string, extra: Omit<Problem, "learner" | "message"> = {}) =>
    problems.push({ learner: name, ...extra, message })
  if (typeof name !== "string" || !/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name)) {
    return Either.left([
      { learner: String(name), message: "a learner name uses letters, digits, '_', '.' and '-' (it names a folder)" }
    ])
  }
  const kind: Kind = input.kind ?? "active"
  const spec = kinds[kind]
  if (spec === undefined) fail(`unknown learner kind ${JSON.stringify(kind)} (${Object.keys(kinds).join(", ")})`)
  const parallel = input.parallel ?? 1
  if (!Number.isInteger(parallel) || parallel < 1) fail(`parallel must be an integer ≥ 1, got ${parallel}`)
  const maxIter = input.maxIter === 0 ? undefined : input.maxIter
  if (maxIter !== undefined && !isNonNegativeInt(maxIter)) fail(`maxIter must be an integer ≥ 0, got ${maxIter}`)

  const taskList = Array.isArray(input.tasks)
    ? (input.tasks as ReadonlyArray<Task.TaskDef>)
    : Object.values(input.tasks as { readonly [name: string]: Task.TaskDef })
  const tasks = new Map<string, Task.TaskDef>()
  for (const t of taskList) {
    if (tasks.has(t.name)) fail("the task is defined twice", { task: t.name })
    tasks.set(t.name, t)
  }
  if (spec !== undefined) {
    for (const slot of spec.required) {
      if (!tasks.has(slot)) fail(`a ${kind} learner needs a "${slot}" task`, { task: slot })
    }
  }

  let criterion: Criterion.Criterion | undefined
  if (input.criterion !== undefined) {
    const c = Criterion.make(input.criterion)
    if (Either.isLeft(c)) fail(c.left, { task: "criterion" })
    else criterion = c.right
    if (!tasks.has("criterion")) fail('a stop criterion needs a "criterion" task that computes the metric')
  } else if (tasks.has("criterion")) {
    fail("the criterion task has no metric and threshold to compare with", { task: "criterion" })
  }
  if (maxIter === undefined && input.criterion === undefined) {
    fail("without max_iter (or with max_iter 0) the learner runs until its criterion is met, so it needs one")
  }

  const raw = input.configs ?? []
  if (raw.length !== 0 && raw.length !== parallel) {
    fail(
      `${raw.length} learner configs for ${parallel} parallel learners (give one per learner; null for the defaults)`
    )
  }
  const names = new Set(tasks.keys())
  const configs: Array<LearnerConfig.Normalized> = []
  for (let k = 0; k < parallel; k++) {
    const n = LearnerConfig.normalize(raw[k], names)
    if (Either.isLeft(n)) {
      for (const p of n.left) fail(p.message, { index: k, task: p.task })
      configs.push(LearnerConfig.empty)
    } else configs.push(n.right)
  }
  if (problems.length > 0) return Either.left(problems)
  return Either.right({
    kind,
    name,
    parallel,
    maxIter,
    tasks,
    criterion,
    configs,
    onError: input.onError ?? "continue",
    here: input.here ?? ".",
    options: input.options ?? {}
  })
}

/**
 * The identity of one parallel learner.
 *
 * @since 0.1.0
 * @category models
 */
export interface LearnerRef {
  readonly name: string
  readonly index: number
}

/**
 * `sweep-2`: the learner's folder under `learners/`.
 *
 * @since 0.1.0
 * @category rendering
 */
export const folder = (ref: LearnerRef): string => `${ref.name}-${ref.index}`

/**
 * `sweep[2]`: how users see the learner.
 *
 * @since 0.1.0
 * @category rendering
 */
export const label = (ref: LearnerRef): string => `${ref.name}[${ref.index}]`
