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
import * as Metric from "./Metric.ts"
import * as Population from "./Population.ts"
import * as Sweep from "./Sweep.ts"
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
  selector: { required: ["training", "active_learn", "criterion"], optional: ["simulation"] }
}

/**
 * The qualified variants of a task slot: the tasks named `slot.qualifier` (`environment.cartpole`,
 * `active_learn.random`), in the order they were defined.
 *
 * @since 0.1.0
 * @category getters
 */
export const variants = (tasks: Iterable<string>, slot: string): ReadonlyArray<string> =>
  [...tasks].filter((t) => t.startsWith(`${slot}.`) && t.length > slot.length + 1)

/**
 * Whether a slot is bound: by its own name or by one or more qualified variants.
 *
 * @since 0.1.0
 * @category predicates
 */
export const hasSlot = (tasks: ReadonlySet<string> | ReadonlyMap<string, unknown>, slot: string): boolean =>
  tasks.has(slot) || variants(tasks.keys(), slot).length > 0

/**
 * The algorithms of a selector: its `active_learn.<name>` tasks (or its one `active_learn` task).
 *
 * @since 0.1.0
 * @category getters
 */
export const algorithms = (tasks: Iterable<string>): ReadonlyArray<string> => {
  const list = [...tasks]
  const named = variants(list, "active_learn")
  return named.length > 0 ? named : list.includes("active_learn") ? ["active_learn"] : []
}

/**
 * The name an algorithm goes by: `random` for the task `active_learn.random`.
 *
 * @since 0.1.0
 * @category getters
 */
export const algorithmName = (task: string): string =>
  task.startsWith("active_learn.") ? task.slice("active_learn.".length) : task

const namePattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/

/**
 * The ensemble of a UQ learner: the `models` option as names (`m0`, `m1`, … for a count).
 *
 * @since 0.1.0
 * @category getters
 */
export const modelNames = (options: { readonly [key: string]: Json.Json }): ReadonlyArray<string> => {
  const m = options.models
  if (Array.isArray(m)) return m.filter((x): x is string => typeof x === "string")
  const n = typeof m === "number" && Number.isInteger(m) && m >= 1 ? m : 1
  return Array.from({ length: n }, (_, k) => `m${k}`)
}

/**
 * The uncertainty criterion of a UQ learner (options `uq_metric`, `uq_threshold`, `uq_operator`), if
 * it has one.
 *
 * @since 0.1.0
 * @category getters
 */
export const uncertaintyCriterion = (options: {
  readonly [key: string]: Json.Json
}): Either.Either<Criterion.Criterion | undefined, string> => {
  const metric = options.uq_metric
  const threshold = options.uq_threshold
  if (metric === undefined && threshold === undefined) {
    return options.uq_operator === undefined
      ? Either.right(undefined)
      : Either.left("uq_operator needs uq_metric and uq_threshold")
  }
  if (typeof metric !== "string") return Either.left("uq_threshold needs uq_metric, the uncertainty metric's name")
  if (typeof threshold !== "number") return Either.left("uq_metric needs uq_threshold, a number")
  const operator = options.uq_operator
  if (operator !== undefined && typeof operator !== "string") return Either.left("uq_operator must be a string")
  return Either.mapLeft(
    Criterion.make({ metricName: metric, threshold, operator: operator as string | undefined }),
    (e) => `uq_metric: ${e}`
  )
}

const isPositiveInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 1

/**
 * The checks of each kind's options, by option name: a problem as a phrase ("must be …"), or
 * `undefined` when the value is fine.
 *
 * @since 0.1.0
 * @category validation
 */
export const optionChecks: { readonly [K in Kind]: { readonly [name: string]: (v: Json.Json) => string | undefined } } =
  {
    active: {},
    reinforcement: {},
    uq: {
      models: (v) => {
        if (isPositiveInt(v)) return undefined
        if (!Array.isArray(v) || v.length === 0) return "must be an integer ≥ 1 or a non-empty list of model names"
        const bad = v.find((x) => typeof x !== "string" || !namePattern.test(x))
        if (bad !== undefined) {
          return `a model name uses letters, digits, '_', '.' and '-' (it names files), got ${JSON.stringify(bad)}`
        }
        const dup = v.find((x, k) => v.indexOf(x) !== k)
        return dup === undefined ? undefined : `the model ${JSON.stringify(dup)} is listed twice`
      },
      predictions: (v) => (isPositiveInt(v) ? undefined : "must be an integer ≥ 1"),
      uq_metric: (v) => (typeof v === "string" && v.length > 0 ? undefined : "must be a metric name"),
      uq_threshold: (v) => (typeof v === "number" && Number.isFinite(v) ? undefined : "must be a finite number"),
      uq_operator: (v) => (Metric.isOperator(v) ? undefined : `must be one of ${Metric.operators.join(" ")}`),
      query_size: (v) => (isPositiveInt(v) ? undefined : "must be an integer ≥ 1")
    },
    selector: {}
  }

/**
 * The kwargs the runner sets on a task of a kind (UQ: `--model_name` on the per-model tasks,
 * `--prediction` on predictions, `--query_size` on the uncertainty task when the option is set); they
 * are also placeholders of the task's command template.
 *
 * @since 0.1.0
 * @category getters
 */
export const injectedKwargs = (
  kind: Kind,
  task: string,
  options: { readonly [key: string]: Json.Json }
): ReadonlyArray<string> => {
  if (kind !== "uq") return []
  switch (task) {
    case "training":
    case "criterion":
      return ["model_name"]
    case "prediction":
      return ["model_name", "prediction"]
    case "uncertainty":
      return options.query_size === undefined ? [] : ["query_size"]
    default:
      return []
  }
}

/**
 * The options each learner kind accepts (`variants` is set by the compiler for every kind).
 *
 * @since 0.1.0
 * @category constants
 */
export const optionNames = (kind: Kind): ReadonlyArray<string> => Object.keys(optionChecks[kind] ?? {})

/**
 * What is wrong with a learner's kind options, given its tasks: each problem as a sentence.
 *
 * @since 0.1.0
 * @category validation
 */
export const optionProblems = (
  kind: Kind,
  options: { readonly [key: string]: Json.Json },
  tasks: ReadonlySet<string>
): ReadonlyArray<string> => {
  const problems: Array<string> = []
  const checks = optionChecks[kind] ?? {}
  for (const [key, value] of Object.entries(options)) {
    if (key === "variants") continue
    const check = checks[key]
    if (check === undefined) {
      const known = Object.keys(checks)
      problems.push(
        `unknown ${kind} learner option "${key}"${known.length > 0 ? ` (options: ${known.join(", ")})` : " (it has none)"}`
      )
      continue
    }
    const p = check(value)
    if (p !== undefined) problems.push(`${key} ${p}, got ${JSON.stringify(value)}`)
  }
  return problems.length > 0 ? problems : combinedOptionProblems(kind, options, tasks)
}

/**
 * What is wrong with how a learner's options go together and with its tasks (each option's own
 * value being fine): an uncertainty threshold without its metric or without an uncertainty task, a
 * selector mixing named and unnamed algorithms.
 *
 * @since 0.1.0
 * @category validation
 */
export const combinedOptionProblems = (
  kind: Kind,
  options: { readonly [key: string]: Json.Json },
  tasks: ReadonlySet<string>
): ReadonlyArray<string> => {
  const problems: Array<string> = []
  if (kind === "uq") {
    const uq = uncertaintyCriterion(options)
    if (Either.isLeft(uq)) problems.push(uq.left)
    else if (uq.right !== undefined && !tasks.has("uncertainty")) {
      problems.push('an uncertainty threshold (uq_metric, uq_threshold) needs an "uncertainty" task that computes it')
    }
    if (options.query_size !== undefined && !tasks.has("uncertainty")) {
      problems.push('query_size is passed to the "uncertainty" task, and there is none')
    }
  }
  if (kind === "selector" && tasks.has("active_learn") && variants(tasks, "active_learn").length > 0) {
    problems.push(
      'a selector\'s algorithms are all named (active_learn "name" = …) or it has one active_learn task, not both'
    )
  }
  return problems
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
  /** How the learners of the block are pruned by rank (`Population.asha`), if they are. */
  readonly population?: Population.Policy | undefined
  /** The tasks or task-seconds the block's learners may spend in all (`Population.budget`), if bounded. */
  readonly budget?: Population.Budget | undefined
  /** The sweep point of each parallel learner (absent when the block is not a sweep). */
  readonly points?: ReadonlyArray<Sweep.Point> | undefined
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
  readonly population?: Population.Policy | undefined
  readonly budget?: Population.Budget | undefined
  /** One sweep point per parallel learner: what distinguishes it, for plans, displays and results. */
  readonly points?: ReadonlyArray<Sweep.Point> | undefined
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
  let parallel = input.parallel ?? 1
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
      if (!hasSlot(tasks, slot))
        fail(`${/^[aeiou]/.test(kind) ? "an" : "a"} ${kind} learner needs a "${slot}" task`, { task: slot })
    }
  }
  const options = input.options ?? {}
  if (spec !== undefined) for (const p of optionProblems(kind, options, new Set(tasks.keys()))) fail(p)
  if (kind === "selector") {
    const count = algorithms(tasks.keys()).length
    if (input.parallel !== undefined && input.parallel !== count && count > 0) {
      fail(`a selector runs one learner per algorithm: parallel ${input.parallel} for ${count} algorithm(s)`)
    }
    if (count > 0) parallel = count
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
  const uqStop = kind === "uq" && options.uq_metric !== undefined
  if (maxIter === undefined && input.criterion === undefined && !uqStop) {
    fail("without max_iter (or with max_iter 0) the learner runs until its criterion is met, so it needs one")
  }

  if (input.population !== undefined) {
    for (const p of Population.problems(input.population, { criterion, maxIter })) fail(`population: ${p.message}`)
  }
  if (input.budget !== undefined) {
    for (const p of Population.budgetProblems(input.budget)) fail(`budget: ${p.message}`)
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
  if (input.points !== undefined && input.points.length !== parallel) {
    fail(`${input.points.length} sweep points for ${parallel} parallel learners`)
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
    options,
    ...(input.population === undefined ? {} : { population: input.population }),
    ...(input.budget === undefined ? {} : { budget: input.budget }),
    ...(input.points === undefined ? {} : { points: input.points })
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

/**
 * The sweep point of learner `index` as text (`n_labeled=200, learning_rate=0.1`), `undefined` when
 * the block is not a sweep.
 *
 * @since 0.1.0
 * @category rendering
 */
export const pointLabel = (def: LearnerDef, index: number): string | undefined => {
  const point = def.points?.[index]
  return point === undefined ? undefined : Sweep.label(point)
}
