/**
 * Checked `.rose` model → `Program.Program`, through the core constructors only, so a `.rose` file
 * and the TypeScript API give the engine the same input.
 *
 * Per learner and task, the entries of `learner K { … }` become one `TaskSchedule` whose layers
 * (unconditional, `from j`, `at i`, `default`) keep their source order. A layer whose values are
 * all constant is a static `{ args, kwargs }`; one that reads `i` or `prev` is
 * `TaskSchedule.adaptive`, evaluated lazily for any iteration, with a `describe()` that keeps the
 * expressions' text and, when a value reads `prev`, a `symbolic()` for plans (such values shown as
 * `"<expr>"`).
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Exit from "effect/Exit"
import type * as Json from "../core/Json.ts"
import * as Learner from "../core/Learner.ts"
import * as Program from "../core/Program.ts"
import * as Task from "../core/Task.ts"
import type * as TaskConfig from "../core/TaskConfig.ts"
import * as TaskSchedule from "../core/TaskSchedule.ts"
import type * as CheckedModel from "./CheckedModel.ts"
import * as Diagnostic from "./Diagnostic.ts"
import * as Expr from "./Expr.ts"
import { Dep } from "./internal/analyze.ts"
import { printExpr } from "./internal/print.ts"

/**
 * Loads the export of a module for `call "./tasks.ts#train"`: the runtime provides it (the DSL
 * imports no runtime). `absolutePath` is resolved against the `.rose` file's folder. The effect runs
 * inside the run, when the task first runs; its failure fails the task.
 *
 * @since 0.1.0
 * @category models
 */
export type LoadFunction = (absolutePath: string, exportName: string) => Effect.Effect<unknown, unknown>

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly file?: string | undefined
  readonly text?: string | undefined
  readonly loadFunction?: LoadFunction | undefined
}

/**
 * A configuration value failed to evaluate while a learner ran (thrown by an adaptive schedule;
 * the runner catches it as the core contract says).
 *
 * @since 0.1.0
 * @category errors
 */
export class ConfigEvalError extends Data.TaggedError("ConfigEvalError")<{
  readonly file: string | undefined
  readonly line: number
  readonly column: number
  readonly reason: string
  readonly learner: string
  readonly index: number
  readonly task: string
  readonly key: string
  readonly iteration: number
}> {
  override get message(): string {
    return `${this.file ?? "<input>"}:${this.line}:${this.column}: ${this.reason} (learner "${this.learner}"[${this.index}], task "${this.task}", ${this.key}, iteration ${this.iteration})`
  }
}

/**
 * The in-process function of a `call` binding was not usable.
 *
 * @since 0.1.0
 * @category errors
 */
export class CallError extends Data.TaggedError("CallError")<{ readonly target: string; readonly reason: string }> {
  override get message(): string {
    return `call "${this.target}": ${this.reason}`
  }
}

// ---------------------------------------------------------------------------------------------
// bindings
// ---------------------------------------------------------------------------------------------

/** The outcome of `effect`, worked out by its first caller and shared by every later one. */
const memoized = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E> => {
  const lock = Effect.unsafeMakeSemaphore(1)
  let outcome: Exit.Exit<A, E> | undefined
  return lock.withPermits(1)(
    Effect.suspend(
      () =>
        outcome ??
        Effect.flatten(
          Effect.tap(Effect.exit(effect), (exit) => {
            outcome = exit
          })
        )
    )
  )
}

/**
 * Calls a task function as the runner calls one: what it throws or rejects with fails the task, a
 * promise is awaited, and its context's `signal` aborts when the task is interrupted.
 */
const callTaskFunction = (f: Task.InProcessFunction, ctx: Task.TaskContext): Effect.Effect<unknown, unknown> =>
  Effect.tryPromise({
    try: (signal) => Promise.resolve(f({ ...ctx, signal })),
    catch: (e) => e
  })

// The module is loaded when the task first runs (compiling imports nothing), once for every learner.
const inProcess = (
  b: Extract<CheckedModel.BindingModel, { _tag: "Call" }>,
  load: LoadFunction | undefined
): Task.Binding => {
  const exported: Effect.Effect<unknown, unknown> =
    load === undefined
      ? Effect.fail(new CallError({ target: b.target, reason: "no module loader was given to the compiler" }))
      : memoized(load(b.module, b.exportName))
  const fn = (ctx: Task.TaskContext): Effect.Effect<unknown, unknown> =>
    Effect.flatMap(exported, (f) =>
      typeof f === "function"
        ? callTaskFunction(f as Task.InProcessFunction, ctx)
        : Effect.fail(
            new CallError({ target: b.target, reason: `the export "${b.exportName}" of ${b.module} is not a function` })
          )
    )
  return { _tag: "InProcess", fn, name: b.target, effect: true }
}

const binding = (b: CheckedModel.BindingModel, load: LoadFunction | undefined): Task.Binding => {
  switch (b._tag) {
    case "Exec":
      return { _tag: "Exec", command: b.command, template: b.template }
    case "Shell":
      return { _tag: "Shell", script: b.script }
    case "Call":
      return inProcess(b, load)
  }
}

// ---------------------------------------------------------------------------------------------
// schedules
// ---------------------------------------------------------------------------------------------

interface LayerEnv {
  readonly file: string | undefined
  readonly learner: string
  readonly index: number
  readonly task: string
  readonly maxIter: number | null
  readonly lets: ReadonlyMap<string, Json.Json>
  readonly env: (name: string) => string | undefined
}

const staticSource = (entries: ReadonlyArray<CheckedModel.EntryModel>): TaskConfig.TaskConfigInput => {
  let args: ReadonlyArray<Json.Json> | undefined
  const kwargs: Record<string, Json.Json> = {}
  for (const e of entries) {
    if (e.isArgs) args = e.value as ReadonlyArray<Json.Json>
    else kwargs[e.key] = e.value!
  }
  return args === undefined ? { kwargs } : { args, kwargs }
}

const adaptiveSource = (entries: ReadonlyArray<CheckedModel.EntryModel>, env: LayerEnv): TaskSchedule.Adaptive => {
  const texts = entries.map((e) => (e.value === undefined ? printExpr(e.expr) : undefined))
  const evaluate = (i: number, ctx: TaskSchedule.ScheduleContext, symbolic: boolean): TaskConfig.TaskConfigInput => {
    const ectx: Expr.Context = {
      iteration: i,
      learner: ctx.learner?.index ?? env.index,
      maxIter: env.maxIter,
      prev: ctx.prev,
      lets: env.lets,
      env: env.env
    }
    let args: ReadonlyArray<Json.Json> | undefined
    const kwargs: Record<string, Json.Json> = {}
    entries.forEach((e, k) => {
      let v: Json.Json
      if (e.value !== undefined) v = e.value
      else if (symbolic && ctx.prev === undefined && i > 0 && e.deps & Dep.Prev) v = `<${texts[k]}>`
      else {
        try {
          v = Expr.evaluate(e.expr, ectx)
        } catch (u) {
          if (!(u instanceof Expr.ExprError)) throw u
          throw new ConfigEvalError({
            file: env.file,
            line: u.span.start.line,
            column: u.span.start.column,
            reason: u.reason,
            learner: env.learner,
            index: ectx.learner ?? env.index,
            task: env.task,
            key: e.isArgs ? "args" : `key "${e.key}"`,
            iteration: i
          })
        }
      }
      if (e.isArgs) {
        if (!Array.isArray(v) && !symbolic) {
          throw new ConfigEvalError({
            file: env.file,
            line: e.expr.span.start.line,
            column: e.expr.span.start.column,
            reason: `args must be an array, got ${Expr.typeName(Expr.typeOf(v))}`,
            learner: env.learner,
            index: ectx.learner ?? env.index,
            task: env.task,
            key: "args",
            iteration: i
          })
        }
        args = Array.isArray(v) ? v : [v]
      } else kwargs[e.key] = v
    })
    return args === undefined ? { kwargs } : { args, kwargs }
  }
  const describe = (): Json.Json => {
    let args: Json.Json | undefined
    const kwargs: Record<string, Json.Json> = {}
    entries.forEach((e, k) => {
      const v: Json.Json = e.value !== undefined ? e.value : { expr: texts[k]! }
      if (e.isArgs) args = v
      else kwargs[e.key] = v
    })
    return args === undefined ? { adaptive: true, kwargs } : { adaptive: true, args, kwargs }
  }
  // only values that read prev need a symbolic form: the others are known for any iteration, and a
  // plan computes them with fn
  const readsPrev = entries.some((e) => e.value === undefined && (e.deps & Dep.Prev) !== 0)
  return readsPrev
    ? TaskSchedule.adaptive((i, ctx) => evaluate(i, ctx, false), {
        describe,
        symbolic: (i, ctx) => evaluate(i, ctx, true)
      })
    : TaskSchedule.adaptive((i, ctx) => evaluate(i, ctx, false), { describe })
}

const layer = (w: CheckedModel.WhenModel, source: TaskSchedule.Source): TaskSchedule.Layer => {
  switch (w._tag) {
    case "Always":
      return { _tag: "Always", source }
    case "Default":
      return { _tag: "Default", source }
    case "At":
      return { _tag: "At", iteration: w.iteration, source }
    case "From":
      return { _tag: "From", iteration: w.iteration, source }
  }
}

const schedule = (
  task: string,
  layers: ReadonlyArray<CheckedModel.LayerModel>,
  env: LayerEnv
): TaskSchedule.TaskSchedule =>
  TaskSchedule.make(
    layers.map((l) =>
      layer(
        l.when,
        l.entries.every((e) => e.value !== undefined) ? staticSource(l.entries) : adaptiveSource(l.entries, env)
      )
    ),
    task
  )

// ---------------------------------------------------------------------------------------------
// learners and the program
// ---------------------------------------------------------------------------------------------

const learnerInput = (
  model: CheckedModel.Model,
  l: CheckedModel.LearnerModel,
  options: Options
): Learner.LearnerInput => {
  const tasks = l.tasks.flatMap((t) =>
    t.binding === undefined
      ? []
      : [
          Task.make(t.name, binding(t.binding, options.loadFunction), {
            here: model.here,
            defaults: t.defaults,
            timeoutMillis: t.timeoutMillis,
            retry: t.retry,
            resources: t.resources,
            backend: t.backend,
            env: t.env
          })
        ]
  )
  const configs: Array<{ readonly tasks: { readonly [task: string]: TaskSchedule.TaskSchedule } } | null> = []
  for (let k = 0; k < l.parallel; k++) {
    const perTask = l.configs.get(k)
    if (perTask === undefined || perTask.size === 0) {
      configs.push(null)
      continue
    }
    const schedules: Record<string, TaskSchedule.TaskSchedule> = {}
    for (const [task, layers] of perTask) {
      schedules[task] = schedule(task, layers, {
        file: options.file,
        learner: l.name,
        index: k,
        task,
        maxIter: l.maxIter ?? null,
        lets: model.lets,
        env: model.env
      })
    }
    configs.push({ tasks: schedules })
  }
  const variants: Record<string, Array<Json.Json>> = {}
  for (const t of l.tasks) {
    const q = t.node.task.qualifier
    if (q !== undefined) (variants[t.node.task.name.text] ??= []).push(t.name)
  }
  const kindOptions: Record<string, Json.Json> = { ...l.options }
  if (Object.keys(variants).length > 0) kindOptions.variants = variants
  return {
    kind: l.kind,
    name: l.name,
    parallel: l.parallel,
    maxIter: l.maxIter,
    tasks,
    criterion:
      l.stop === undefined
        ? undefined
        : { metricName: l.stop.metric, threshold: l.stop.threshold, operator: l.stop.operator },
    configs,
    onError: l.onError,
    here: model.here,
    options: kindOptions,
    population: l.population,
    budget: l.budget,
    points: l.points
  }
}

/**
 * Compiles a checked model (with no errors) into a program. A `Left` here means the checker
 * missed something the core model refuses: each problem comes back as an `E299` diagnostic.
 *
 * @since 0.1.0
 * @category compiling
 */
export const compile = (
  model: CheckedModel.Model,
  options: Options = {}
): Either.Either<Program.Program, ReadonlyArray<Diagnostic.Diagnostic>> => {
  const program = Program.make({
    learners: model.learners.map((l) => learnerInput(model, l, options)),
    backends: model.backends,
    plugins: model.plugins,
    source: { file: options.file, text: options.text }
  })
  if (Either.isRight(program)) return Either.right(program.right)
  return Either.left(
    program.left.problems.map((p) => {
      const node = model.learners.find((l) => l.name === p.learner)?.node
      return Diagnostic.error(
        Diagnostic.Codes.ProgramRejected,
        Learner.formatProblem(p),
        node?.name?.span ??
          node?.kindSpan ?? { start: { offset: 0, line: 1, column: 1 }, end: { offset: 0, line: 1, column: 1 } }
      )
    })
  )
}
