/**
 * Building programs in TypeScript (exported as the `Rose` namespace): the same model a `.rose` file
 * compiles to, written as values, checked as a whole when the program is made.
 *
 * ```ts
 * import { Rose } from "rose-ts"
 *
 * export default Rose.program({
 *   here: import.meta.dirname,
 *   learners: [
 *     Rose.active("sweep", {
 *       parallel: 3,
 *       maxIter: 15,
 *       tasks: {
 *         simulation: Rose.exec("node ./tasks/sim.mjs", { with: { n_labeled: 100, n_features: 2 } }),
 *         training: Rose.exec("node ./tasks/train.mjs", { with: { learning_rate: 0.1 } }),
 *         active_learn: Rose.exec("node ./tasks/active.mjs"),
 *         criterion: Rose.exec("node ./tasks/check_mse.mjs")
 *       },
 *       stopWhen: { metricName: "mean_squared_error_mse", threshold: 0.1 }
 *     })
 *   ]
 * })
 * ```
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as CommandLine from "./CommandLine.ts"
import type * as Criterion from "./Criterion.ts"
import type * as Json from "./Json.ts"
import type * as Learner from "./Learner.ts"
import * as LearnerConfig from "./LearnerConfig.ts"
import * as Population from "./Population.ts"
import * as Program from "./Program.ts"
import * as Sweep from "./Sweep.ts"
import * as Task from "./Task.ts"
import type * as TaskConfig from "./TaskConfig.ts"
import * as TaskSchedule from "./TaskSchedule.ts"

/**
 * Task options shared by every binding.
 *
 * @since 0.1.0
 * @category models
 */
export interface TaskOptions {
  /** The task's default kwargs (the first layer of every resolution). */
  readonly with?: { readonly [key: string]: Json.Json } | undefined
  /** The task's default positional arguments. */
  readonly args?: ReadonlyArray<Json.Json> | undefined
  readonly timeoutMillis?: number | undefined
  readonly retry?:
    | number
    | { readonly times: number; readonly on?: Task.RetryOn; readonly baseDelayMillis?: number }
    | undefined
  readonly resources?: Task.Resources | undefined
  readonly backend?: string | undefined
  readonly env?: { readonly [name: string]: string } | undefined
}

/**
 * A task not yet bound to its name and folder.
 *
 * @since 0.1.0
 * @category models
 */
export interface TaskSpec {
  readonly _tag: "TaskSpec"
  readonly build: (name: string, here: string) => Either.Either<Task.TaskDef, string>
}

const defaults = (options: TaskOptions): TaskConfig.TaskConfigInput | undefined =>
  options.with === undefined && options.args === undefined
    ? undefined
    : { ...(options.args === undefined ? {} : { args: options.args }), kwargs: options.with ?? {} }

const retryOf = (retry: TaskOptions["retry"]): Partial<Task.RetryPolicy> | undefined =>
  retry === undefined ? undefined : typeof retry === "number" ? { times: retry } : retry

const taskOptions = (options: TaskOptions, here: string) => ({
  here,
  defaults: defaults(options),
  timeoutMillis: options.timeoutMillis,
  retry: retryOf(options.retry),
  resources: options.resources,
  backend: options.backend,
  env: options.env
})

/**
 * A command run without a shell: a string split into words (nothing expanded) or an argv array.
 * `{name}` placeholders take kwargs or built-ins; unconsumed kwargs are appended as flags.
 *
 * @since 0.1.0
 * @category constructors
 */
export const exec = (command: string | ReadonlyArray<string>, options: TaskOptions = {}): TaskSpec => ({
  _tag: "TaskSpec",
  build: (name, here) => {
    const template = CommandLine.compile(command, here)
    return Either.isLeft(template)
      ? Either.left(`the command ${JSON.stringify(command)}: ${template.left.message}`)
      : Either.right(Task.make(name, { _tag: "Exec", command, template: template.right }, taskOptions(options, here)))
  }
})

/**
 * A script run by `/bin/sh -c` (kwargs arrive as its positional parameters).
 *
 * @since 0.1.0
 * @category constructors
 */
export const shell = (script: string, options: TaskOptions = {}): TaskSpec => ({
  _tag: "TaskSpec",
  build: (name, here) => Either.right(Task.make(name, { _tag: "Shell", script }, taskOptions(options, here)))
})

/**
 * A function that returns the task's full command line (nothing is appended to it).
 *
 * @since 0.1.0
 * @category constructors
 */
export const command = (fn: Task.CommandFunction, options: TaskOptions = {}): TaskSpec => ({
  _tag: "TaskSpec",
  build: (name, here) =>
    Either.right(Task.make(name, { _tag: "CommandFunction", fn, name: fn.name || name }, taskOptions(options, here)))
})

/**
 * A function run inside this process. It returns the task's result: a number or `{ value }` for a
 * criterion, an object (its state) for other tasks. It may return a promise.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fn = (f: (ctx: Task.TaskContext) => unknown, options: TaskOptions = {}): TaskSpec => ({
  _tag: "TaskSpec",
  build: (name, here) =>
    Either.right(
      Task.make(name, { _tag: "InProcess", fn: f, name: f.name || name, effect: false }, taskOptions(options, here))
    )
})

/**
 * Like `fn`, for a function that returns an `Effect`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const effect = (
  f: (ctx: Task.TaskContext) => Effect.Effect<unknown, unknown>,
  options: TaskOptions = {}
): TaskSpec => ({
  _tag: "TaskSpec",
  build: (name, here) =>
    Either.right(
      Task.make(name, { _tag: "InProcess", fn: f, name: f.name || name, effect: true }, taskOptions(options, here))
    )
})

/**
 * @since 0.1.0
 * @category models
 */
export interface LearnerSpec {
  /** Derived from `sweep` when there is one (another number is a problem). */
  readonly parallel?: number | undefined
  /** One learner per point (`Rose.grid`, `Rose.zip`, `Rose.random`), each named by its point. */
  readonly sweep?: Sweep.Sweep | undefined
  readonly maxIter?: number | undefined
  readonly tasks: { readonly [name: string]: TaskSpec | Task.TaskDef }
  readonly stopWhen?: Criterion.CriterionInput | undefined
  /**
   * One configuration per learner, or a function of the learner's index giving it. With a sweep,
   * its layers go on top of the point's kwargs.
   */
  readonly configs?: ReadonlyArray<ConfigInput> | ((learner: number) => ConfigInput) | undefined
  readonly onError?: Learner.OnError | undefined
  readonly here?: string | undefined
  readonly options?: { readonly [key: string]: Json.Json } | undefined
  /** How the block's learners are pruned by rank: `Rose.asha({ every: 3, keep: 0.5 })`. */
  readonly population?: Population.Policy | undefined
  /** What the block's learners may spend in all: `Rose.budget({ tasks: 300 })`. */
  readonly budget?: Population.Budget | undefined
}

/**
 * Successive halving (ASHA) for a block's learners: at every rung (`every: 3` gives iterations 2, 5,
 * 8, …; or `rungs: [2, 5]`), a learner outside the best `keep` fraction of the learners that reached
 * the rung so far is pruned.
 *
 * @since 0.3.0
 * @category constructors
 */
export const asha = (input: Population.AshaInput): Population.Policy => Population.asha(input)

/**
 * A budget for a block's learners: `{ tasks: 300 }` task attempts in all, or `{ taskSeconds: 600 }`
 * seconds of task time in all. When it is spent, a learner about to start a task ends with
 * stopReason `budget`, and the run ranks what the block has.
 *
 * @since 0.3.0
 * @category constructors
 */
export const budget = (input: Population.BudgetInput): Population.Budget => Population.budget(input)

/**
 * @since 0.1.0
 * @category models
 */
export type ConfigInput = LearnerConfig.LearnerConfig | LearnerConfig.LearnerConfigInput | null | undefined

/**
 * Every combination of the values of each task's keys: `Rose.grid({ training: { lr: [0.1, 0.01] } })`.
 *
 * @since 0.1.0
 * @category sweeps
 */
export const grid = Sweep.grid

/**
 * The k-th values of every list together.
 *
 * @since 0.1.0
 * @category sweeps
 */
export const zip = Sweep.zip

/**
 * `count` points drawn with `seed` from lists and `Rose.uniform`/`logUniform`/`intUniform`.
 *
 * @since 0.1.0
 * @category sweeps
 */
export const random = Sweep.random

/**
 * @since 0.1.0
 * @category sweeps
 */
export const uniform = Sweep.uniform

/**
 * @since 0.1.0
 * @category sweeps
 */
export const logUniform = Sweep.logUniform

/**
 * @since 0.1.0
 * @category sweeps
 */
export const intUniform = Sweep.intUniform

/**
 * A learner block not yet bound to its program's folder.
 *
 * @since 0.1.0
 * @category models
 */
export interface LearnerBlock {
  readonly _tag: "LearnerBlock"
  readonly kind: Learner.Kind
  readonly name: string
  readonly spec: LearnerSpec
}

const block =
  (kind: Learner.Kind) =>
  (name: string, spec: LearnerSpec): LearnerBlock => ({ _tag: "LearnerBlock", kind, name, spec })

/**
 * @since 0.1.0
 * @category constructors
 */
export const active = block("active")

/**
 * @since 0.1.0
 * @category constructors
 */
export const reinforcement = block("reinforcement")

/**
 * @since 0.1.0
 * @category constructors
 */
export const uq = block("uq")

/**
 * @since 0.1.0
 * @category constructors
 */
export const selector = block("selector")

/**
 * @since 0.1.0
 * @category models
 */
export interface ProgramSpec {
  /** The folder `./` paths and `{here}` refer to: usually `import.meta.dirname`. */
  readonly here?: string | undefined
  readonly learners: ReadonlyArray<LearnerBlock>
  readonly backends?: ReadonlyArray<Program.BackendChoice> | undefined
  /** Plugin modules the backends need (`rose run` loads them), relative to the program's module. */
  readonly plugins?: ReadonlyArray<string> | undefined
  readonly file?: string | undefined
}

const isTaskDef = (u: TaskSpec | Task.TaskDef): u is Task.TaskDef => !("_tag" in u && u._tag === "TaskSpec")

// A sweep's point is the first layer of each learner's schedules, under the learner's own config
const configsOf = (
  learner: LearnerBlock,
  taskNames: ReadonlySet<string>,
  problems: Array<Learner.Problem>
): { readonly parallel: number | undefined; readonly configs: Learner.LearnerInput["configs"] } => {
  const { sweep, configs } = learner.spec
  let parallel = learner.spec.parallel
  if (sweep !== undefined) {
    if (sweep.problem !== undefined) problems.push({ learner: learner.name, message: `the sweep: ${sweep.problem}` })
    else if (parallel !== undefined && parallel !== sweep.points.length) {
      problems.push({
        learner: learner.name,
        message: `parallel ${parallel} disagrees with the sweep's ${sweep.points.length} points (leave parallel out)`
      })
    }
    parallel = sweep.points.length
  }
  if (typeof configs !== "function" && sweep === undefined) return { parallel, configs }
  const count = parallel ?? 1
  const out: Array<ConfigInput> = []
  for (let k = 0; k < count; k++) {
    const own = typeof configs === "function" ? configs(k) : configs?.[k]
    const point = sweep?.points[k]
    if (point === undefined) {
      out.push(own)
      continue
    }
    const normalized = LearnerConfig.normalize(own, taskNames)
    if (Either.isLeft(normalized)) {
      for (const p of normalized.left)
        problems.push({ learner: learner.name, index: k, task: p.task, message: p.message })
      continue
    }
    const merged: Record<string, TaskSchedule.TaskSchedule> = {}
    for (const [task, kwargs] of Object.entries(point)) {
      if (!taskNames.has(task)) {
        problems.push({
          learner: learner.name,
          task,
          message: `the sweep sets "${task}", which is not a task of the learner`
        })
        continue
      }
      const base = TaskSchedule.always({ kwargs }, task)
      const ownSchedule = normalized.right.get(task)
      merged[task] = ownSchedule === undefined ? base : TaskSchedule.combine(base, ownSchedule)
    }
    for (const [task, schedule] of normalized.right) merged[task] ??= schedule
    out.push({ tasks: merged })
  }
  return { parallel, configs: out }
}

/**
 * Builds and validates a program.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (spec: ProgramSpec): Either.Either<Program.Program, Program.ProgramError> => {
  const problems: Array<Learner.Problem> = []
  const learners: Array<Learner.LearnerInput> = []
  for (const learner of spec.learners) {
    const here = learner.spec.here ?? spec.here ?? "."
    const tasks: Array<Task.TaskDef> = []
    for (const [name, task] of Object.entries(learner.spec.tasks)) {
      if (isTaskDef(task)) {
        tasks.push(task)
        continue
      }
      const def = task.build(name, here)
      if (Either.isLeft(def)) problems.push({ learner: learner.name, task: name, message: def.left })
      else tasks.push(def.right)
    }
    const shape = configsOf(learner, new Set(tasks.map((t) => t.name)), problems)
    learners.push({
      kind: learner.kind,
      name: learner.name,
      parallel: shape.parallel,
      maxIter: learner.spec.maxIter,
      tasks,
      criterion: learner.spec.stopWhen,
      configs: shape.configs,
      points: learner.spec.sweep?.points,
      onError: learner.spec.onError,
      here,
      options: learner.spec.options,
      population: learner.spec.population,
      budget: learner.spec.budget
    })
  }
  if (problems.length > 0) return Either.left(new Program.ProgramError({ problems }))
  return Program.make({ learners, backends: spec.backends, plugins: spec.plugins, source: { file: spec.file } })
}

/**
 * Builds a program, throwing a `ProgramError` that lists every problem if it is invalid (for the
 * default export of a program module).
 *
 * @since 0.1.0
 * @category constructors
 */
export const program = (spec: ProgramSpec): Program.Program => Either.getOrThrowWith(make(spec), (e) => e)
