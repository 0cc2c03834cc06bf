/**
 * A program's plan without running it: for every parallel learner, iteration and task, the resolved
 * configuration and the command line the runner would build (what `rose plan` shows). Values that an
 * adaptive schedule computes from the previous iteration are shown symbolically: through the
 * schedule's `symbolic` form when it has one (the DSL provides it), else by calling it with no
 * previous iteration, and as `<depends on prev>` when that throws.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as CommandLine from "./CommandLine.ts"
import { shellArgv } from "./internal/taskCommand.ts"
import type * as Json from "./Json.ts"
import * as Learner from "./Learner.ts"
import * as Population from "./Population.ts"
import type * as Program from "./Program.ts"
import type * as Task from "./Task.ts"
import * as TaskConfig from "./TaskConfig.ts"
import * as TaskSchedule from "./TaskSchedule.ts"

/**
 * How many iterations a plan shows for a learner without `max_iter` (it runs until its criterion).
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultUnboundedIterations = 20

/**
 * What stands for the run directory in a plan (it is only known when a run starts).
 *
 * @since 0.1.0
 * @category constants
 */
export const runDirPlaceholder = "<run_dir>"

/**
 * What stands for a value computed from the previous iteration when it cannot be shown otherwise.
 *
 * @since 0.1.0
 * @category constants
 */
export const dependsOnPrev = TaskSchedule.dependsOnPrev

/**
 * One task of one iteration of one parallel learner.
 *
 * @since 0.1.0
 * @category models
 */
export interface Row {
  readonly learner: Learner.LearnerRef
  readonly iteration: number
  readonly task: string
  readonly binding: Task.Binding["_tag"]
  /** The resolved positional arguments and kwargs (kwargs keyed by the spelling that won). */
  readonly args: ReadonlyArray<Json.Json>
  readonly kwargs: { readonly [key: string]: Json.Json }
  /** The argv the runner would spawn, for exec and shell tasks whose config is fully known. */
  readonly argv: ReadonlyArray<string> | undefined
  /** The command as a line a reader can copy (quoted words), or a description for function tasks. */
  readonly command: string
  /** Some value depends on the previous iteration (shown symbolically or as `<depends on prev>`). */
  readonly symbolic: boolean
  /** Why the command could not be built (an unknown placeholder, an adaptive function that failed). */
  readonly problem: string | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface LearnerPlan {
  readonly learner: Learner.LearnerRef
  readonly kind: Learner.Kind
  readonly maxIter: number | undefined
  /** The iterations the plan shows (0 … shown - 1). */
  readonly shown: number
  /** Whether the learner may run more iterations than the plan shows. */
  readonly truncated: boolean
  readonly criterion: { readonly metric: string; readonly operator: string; readonly threshold: number } | undefined
  /** The block's population policy: its rungs (those below `max_iter`; the first ones without one). */
  readonly population?:
    | { readonly policy: "asha"; readonly keep: number; readonly rungs: ReadonlyArray<number>; readonly text: string }
    | undefined
  /** The block's budget: `budget: 300 tasks`. */
  readonly budget?:
    | { readonly tasks: number | undefined; readonly taskSeconds: number | undefined; readonly text: string }
    | undefined
  /** A sweep learner's point (`n_labeled=200, learning_rate=0.1`). */
  readonly point: string | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Plan {
  readonly learners: ReadonlyArray<LearnerPlan>
  readonly rows: ReadonlyArray<Row>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Iterations to show per learner (at most its `max_iter`); `max_iter` or 20 by default. */
  readonly iterations?: number | undefined
  /**
   * Only this learner, at these iterations (those past what the plan shows are left out): what an
   * editor's hover shows of one learner without paying for the plan of a whole sweep.
   */
  readonly only?: { readonly learner: Learner.LearnerRef; readonly iterations: ReadonlyArray<number> } | undefined
}

const loopOrder: { readonly [K in Learner.Kind]: ReadonlyArray<string> } = {
  active: ["simulation", "training", "active_learn", "criterion"],
  selector: ["simulation", "training", "active_learn", "criterion"],
  reinforcement: ["environment", "update", "criterion"],
  uq: ["simulation", "training", "prediction", "uncertainty", "active_learn", "criterion"]
}

/**
 * The tasks of a learner in the order an iteration runs them; tasks outside its kind's loop follow
 * in the order they were defined.
 *
 * @since 0.1.0
 * @category getters
 */
export const taskOrder = (def: Learner.LearnerDef): ReadonlyArray<string> => {
  const order = loopOrder[def.kind] ?? loopOrder.active
  const first = order.filter((t) => def.tasks.has(t))
  const rest = [...def.tasks.keys()].filter((t) => !order.includes(t))
  return [...first, ...rest]
}

/**
 * One run of a task in a learner's iteration as the runner makes it: the task, the name it runs
 * under and the kwargs the runner adds (a UQ learner's `--model_name`, `--prediction`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Step {
  readonly task: string
  readonly name: string
  readonly kwargs?: { readonly [key: string]: Json.Json } | undefined
}

/**
 * The steps of one iteration of learner `index` of a block, in the order the runner takes them:
 * a UQ learner's per-model tasks once per model (and prediction); a selector learner's own algorithm
 * only; a reinforcement learner's environments (all of them) first.
 *
 * @since 0.1.0
 * @category getters
 */
export const steps = (def: Learner.LearnerDef, index: number): ReadonlyArray<Step> => {
  const plain = (task: string): Step => ({ task, name: task })
  if (def.kind === "selector") {
    const algorithm = Learner.algorithms(def.tasks.keys())[index]
    const own = ["simulation", "training", ...(algorithm === undefined ? [] : [algorithm]), "criterion"]
    const others = [...def.tasks.keys()].filter((t) => !own.includes(t) && !t.startsWith("active_learn"))
    return [...own.filter((t) => def.tasks.has(t)), ...others].map(plain)
  }
  if (def.kind === "reinforcement") {
    const envs = [
      ...(def.tasks.has("environment") ? ["environment"] : []),
      ...Learner.variants(def.tasks.keys(), "environment")
    ]
    const order = [...envs, "update", "criterion"].filter((t) => def.tasks.has(t))
    return [...order, ...[...def.tasks.keys()].filter((t) => !order.includes(t))].map(plain)
  }
  if (def.kind !== "uq") return taskOrder(def).map(plain)
  const models = Learner.modelNames(def.options)
  const predictions = typeof def.options.predictions === "number" ? def.options.predictions : 1
  const out: Array<Step> = []
  const has = (t: string) => def.tasks.has(t)
  if (has("simulation")) out.push(plain("simulation"))
  for (const m of models) {
    out.push({ task: "training", name: `training@${m}`, kwargs: { "--model_name": m } })
    for (let p = 0; p < predictions; p++) {
      out.push({ task: "prediction", name: `prediction@${m}.${p}`, kwargs: { "--model_name": m, "--prediction": p } })
    }
  }
  if (has("uncertainty")) {
    const q = def.options.query_size
    out.push(
      q === undefined
        ? plain("uncertainty")
        : { task: "uncertainty", name: "uncertainty", kwargs: { "--query_size": q } }
    )
  }
  out.push(plain("active_learn"))
  if (has("criterion")) {
    for (const m of models) out.push({ task: "criterion", name: `criterion@${m}`, kwargs: { "--model_name": m } })
  }
  const known = new Set(["simulation", "training", "prediction", "uncertainty", "active_learn", "criterion"])
  return [...out, ...[...def.tasks.keys()].filter((t) => !known.has(t)).map(plain)]
}

const safeWord = /^[A-Za-z0-9_@%+=:,./<>[\]-]+$/

/**
 * Quotes a word the way a POSIX shell reads it back (single quotes when needed).
 *
 * @since 0.1.0
 * @category rendering
 */
export const quote = (word: string): string =>
  word.length > 0 && safeWord.test(word) ? word : `'${word.replaceAll("'", `'"'"'`)}'`

/**
 * An argv as one copyable line.
 *
 * @since 0.1.0
 * @category rendering
 */
export const showArgv = (argv: ReadonlyArray<string>): string => argv.map(quote).join(" ")

const resolve = (
  def: Learner.LearnerDef,
  task: Task.TaskDef,
  schedule: TaskSchedule.TaskSchedule | undefined,
  ref: Learner.LearnerRef,
  iteration: number,
  kwargs: { readonly [key: string]: Json.Json } | undefined
): TaskSchedule.Resolution =>
  Either.getOrThrow(
    // Reading "plan" never fails: a symbolic form that throws becomes the row's problem.
    TaskSchedule.resolveWith(
      task.defaults,
      schedule,
      { iteration, learner: ref, maxIter: def.maxIter, prev: undefined },
      { reading: "plan", kwargs }
    )
  )

const withoutMarker = (resolved: TaskConfig.Resolved): TaskConfig.Resolved => ({
  args: resolved.args,
  kwargs: resolved.kwargs.filter((k) => k.key !== dependsOnPrev)
})

const commandOf = (
  task: Task.TaskDef,
  resolution: TaskSchedule.Resolution,
  ref: Learner.LearnerRef,
  iteration: number
): { readonly argv: ReadonlyArray<string> | undefined; readonly command: string; readonly problem?: string } => {
  const binding = task.binding
  const unknown = resolution.resolved.kwargs.some((k) => k.key === dependsOnPrev)
  const resolved = withoutMarker(resolution.resolved)
  const suffix = unknown ? ` ${dependsOnPrev}` : ""
  switch (binding._tag) {
    case "Exec": {
      const argv = CommandLine.render(binding.template, resolved, {
        here: task.here,
        workdir: `${runDirPlaceholder}/learners/${Learner.folder(ref)}`,
        run_dir: runDirPlaceholder,
        iteration,
        learner: ref.index,
        learner_name: ref.name
      })
      if (Either.isLeft(argv)) {
        return { argv: undefined, command: CommandLine.show(binding.template).join(" "), problem: argv.left.message }
      }
      return { argv: unknown ? undefined : argv.right, command: `${showArgv(argv.right)}${suffix}` }
    }
    case "Shell": {
      const argv = shellArgv(binding.script, task.name, resolved)
      return { argv: unknown ? undefined : argv, command: `${showArgv(argv)}${suffix}` }
    }
    case "CommandFunction":
      return { argv: undefined, command: `<the command line function ${binding.name}(args, kwargs, ctx) returns>` }
    case "InProcess":
      return { argv: undefined, command: `<in-process function ${binding.name}>` }
  }
}

/**
 * How many iterations the plan shows for a learner.
 *
 * @since 0.1.0
 * @category getters
 */
export const iterationsShown = (def: Learner.LearnerDef, requested: number | undefined): number => {
  const cap = def.maxIter ?? Number.POSITIVE_INFINITY
  const wanted = requested ?? def.maxIter ?? defaultUnboundedIterations
  return Math.max(0, Math.min(cap, Math.floor(wanted)))
}

/**
 * Builds the plan of a program. Pure: nothing runs, no command function is called.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (program: Program.Program, options: Options = {}): Plan => {
  const learners: Array<LearnerPlan> = []
  const rows: Array<Row> = []
  const only = options.only
  for (const def of program.learners) {
    if (only !== undefined && def.name !== only.learner.name) continue
    const shown = iterationsShown(def, options.iterations)
    for (let index = 0; index < def.parallel; index++) {
      if (only !== undefined && index !== only.learner.index) continue
      const order = steps(def, index)
      const ref: Learner.LearnerRef = { name: def.name, index }
      learners.push({
        learner: ref,
        kind: def.kind,
        maxIter: def.maxIter,
        shown,
        truncated: def.maxIter === undefined || shown < def.maxIter,
        criterion:
          def.criterion === undefined
            ? undefined
            : { metric: def.criterion.metric, operator: def.criterion.operator, threshold: def.criterion.threshold },
        ...(def.population === undefined
          ? {}
          : {
              population: {
                policy: "asha",
                keep: def.population.keep,
                rungs: Population.rungsOf(def.population, def.maxIter),
                text: Population.describe(def.population, def.maxIter)
              }
            }),
        ...(def.budget === undefined ? {} : { budget: { ...def.budget, text: Population.describeBudget(def.budget) } }),
        point: Learner.pointLabel(def, index)
      })
      const config = def.configs[index]
      const iterations =
        only === undefined
          ? Array.from({ length: shown }, (_, k) => k)
          : [...new Set(only.iterations)].filter((k) => k >= 0 && k < shown).sort((a, b) => a - b)
      for (const iteration of iterations) {
        for (const step of order) {
          const task = def.tasks.get(step.task)!
          const resolution = resolve(def, task, config?.get(step.task), ref, iteration, step.kwargs)
          const cmd = commandOf(task, resolution, ref, iteration)
          rows.push({
            learner: ref,
            iteration,
            task: step.name,
            binding: task.binding._tag,
            args: resolution.resolved.args,
            kwargs: TaskConfig.kwargsRecord(resolution.resolved),
            argv: cmd.argv,
            command: cmd.command,
            symbolic: resolution.symbolic,
            problem: resolution.problem ?? cmd.problem
          })
        }
      }
    }
  }
  return { learners, rows }
}

/**
 * The plan as JSON (`rose plan --format json`).
 *
 * @since 0.1.0
 * @category rendering
 */
export const toJson = (plan: Plan): Json.JsonObject => ({
  learners: plan.learners.map((l) => ({
    name: l.learner.name,
    index: l.learner.index,
    kind: l.kind,
    maxIter: l.maxIter ?? null,
    shown: l.shown,
    truncated: l.truncated,
    criterion: l.criterion === undefined ? null : { ...l.criterion },
    ...(l.population === undefined
      ? {}
      : { population: { policy: l.population.policy, keep: l.population.keep, rungs: [...l.population.rungs] } }),
    ...(l.budget === undefined ? {} : { budget: Population.budgetToJson(l.budget) }),
    point: l.point ?? null
  })),
  rows: plan.rows.map((r) => ({
    learner: { name: r.learner.name, index: r.learner.index },
    iteration: r.iteration,
    task: r.task,
    binding: r.binding,
    args: [...r.args],
    kwargs: { ...r.kwargs },
    argv: r.argv === undefined ? null : [...r.argv],
    command: r.command,
    symbolic: r.symbolic,
    problem: r.problem ?? null
  }))
})
