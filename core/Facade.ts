/**
 * The Promise facade: the Python toolkit's learner classes with the same names, so its code ports
 * line by line. Each learner object owns a `ManagedRuntime` holding its backend layer.
 *
 * ```ts
 * const acl = new ParallelActiveLearner()
 * acl.simulationTask(async (args, kwargs) => `node sim.mjs --n_labeled ${kwargs["--n_labeled"] ?? 100}`)
 * acl.trainingTask(async () => "node train.mjs")
 * acl.activeLearnTask(async () => "node active.mjs")
 * acl.asStopCriterion({ metricName: MEAN_SQUARED_ERROR_MSE, threshold: 0.1 }, async () => "node check_mse.mjs")
 * for await (const state of acl.start({ parallelLearners: 2, maxIter: 10 })) console.log(state.metricValue)
 * await acl.shutdown()
 * ```
 *
 * @since 0.1.0
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import type * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import type * as Backend from "./Backend.ts"
import type * as Criterion from "./Criterion.ts"
import type * as Host from "./Host.ts"
import * as IterationState from "./IterationState.ts"
import type * as Json from "./Json.ts"
import type * as Learner from "./Learner.ts"
import * as LearnerConfig from "./LearnerConfig.ts"
import type * as Program from "./Program.ts"
import * as ProgramBuilder from "./ProgramBuilder.ts"
import type * as Results from "./Results.ts"
import * as Runner from "./Runner.ts"
import * as Signals from "./Signals.ts"
import type * as Task from "./Task.ts"
import * as TaskSchedule from "./TaskSchedule.ts"

/**
 * What a learner object runs on: a backend and the platform services.
 *
 * @since 0.1.0
 * @category models
 */
export type BackendLayer = Layer.Layer<
  Backend.Backend | FileSystem.FileSystem | Path.Path | Host.Host | Signals.Signals,
  unknown
>

/**
 * The run ended with at least one learner in error; `results` says which and why.
 *
 * @since 0.1.0
 * @category errors
 */
export class LearnerFailedError extends Data.TaggedError("LearnerFailedError")<{
  readonly results: Results.Results
}> {
  override get message(): string {
    const failed = this.results.learners.filter((l) => l.stopReason === "error")
    return `${failed.length} learner(s) failed:\n${failed
      .map((l) => `  ${l.name}[${l.index}]: ${l.failure?.message ?? "unknown error"}`)
      .join("\n")}`
  }
}

/**
 * The run was interrupted by a signal.
 *
 * @since 0.1.0
 * @category errors
 */
export class RunInterruptedError extends Data.TaggedError("RunInterruptedError")<{
  readonly results: Results.Results
}> {
  override get message(): string {
    return `the run ${this.results.runId} was interrupted; see its results.json`
  }
}

/**
 * Options of a task registration.
 *
 * @since 0.1.0
 * @category models
 */
export interface TaskOptions extends ProgramBuilder.TaskOptions {
  /** `false` runs the function in this process and uses what it returns (the Python toolkit's name). */
  readonly asExecutable?: boolean | undefined
}

/**
 * A task: a function building the full command line (or, with `asExecutable: false`, computing the
 * result in-process), or a command template to which kwargs are appended.
 *
 * @since 0.1.0
 * @category models
 */
export type TaskBody =
  | ((args: ReadonlyArray<Json.Json>, kwargs: { readonly [key: string]: Json.Json }, ctx: Task.TaskContext) => unknown)
  | string
  | ReadonlyArray<string>

/**
 * A running (or finished) run of a learner object: `await` it for the results, or iterate it for the
 * iteration states as they arrive; leaving the loop early stops the run and kills its tasks.
 *
 * @since 0.1.0
 * @category models
 */
export class LearnerRun implements PromiseLike<Results.Results>, AsyncIterable<IterationState.IterationState> {
  readonly #buffer: Array<IterationState.IterationState> = []
  #waiter: (() => void) | undefined
  #iterated = false
  #awaited = false
  #finished: Exit.Exit<Results.Results, unknown> | undefined
  readonly #result: Promise<Results.Results>
  readonly #handle: Promise<Runner.RunHandle>
  readonly #runtime: ManagedRuntime.ManagedRuntime<any, any>

  /** @internal */
  constructor(
    runtime: ManagedRuntime.ManagedRuntime<any, any>,
    handle: Promise<Runner.RunHandle>,
    result: Promise<Results.Results>
  ) {
    this.#runtime = runtime
    this.#handle = handle
    this.#result = result
    result.then(
      () => this.#wake(),
      () => this.#wake()
    )
  }

  /** @internal */
  push(state: IterationState.IterationState): void {
    if (this.#awaited && !this.#iterated) return
    this.#buffer.push(state)
    this.#wake()
  }

  /** @internal */
  end(exit: Exit.Exit<Results.Results, unknown>): void {
    this.#finished = exit
    this.#wake()
  }

  #wake() {
    const w = this.#waiter
    this.#waiter = undefined
    w?.()
  }

  /** The run's id and directory, once it is prepared. */
  get info(): Promise<{ readonly runId: string; readonly runDir: string }> {
    return this.#handle.then((h) => ({ runId: h.runId, runDir: h.runDir }))
  }

  // biome-ignore lint/suspicious/noThenProperty: a run is awaited for its results, like a promise.
  then<A = Results.Results, B = never>(
    onfulfilled?: ((value: Results.Results) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null
  ): PromiseLike<A | B> {
    this.#awaited = true
    if (!this.#iterated) this.#buffer.length = 0
    return this.#result.then(onfulfilled, onrejected)
  }

  [Symbol.asyncIterator](): AsyncIterator<IterationState.IterationState> {
    this.#iterated = true
    return {
      next: async () => {
        while (true) {
          const next = this.#buffer.shift()
          if (next !== undefined) return { done: false, value: next }
          if (this.#finished !== undefined) {
            await this.#result
            return { done: true, value: undefined }
          }
          await new Promise<void>((resolve) => {
            this.#waiter = resolve
          })
        }
      },
      return: async () => {
        await this.stop()
        await this.#result.catch(() => undefined)
        return { done: true, value: undefined }
      }
    }
  }

  /** Stops the run, or one learner of it (by index, or `{ name, index }`): it ends with `stopped`. */
  async stop(learner?: number | Learner.LearnerRef): Promise<void> {
    if (this.#finished !== undefined) return
    const handle = await this.#handle
    const ref = typeof learner === "number" ? { name: handle.program.learners[0]!.name, index: learner } : learner
    await this.#runtime.runPromise(handle.stop(ref))
  }

  /** Replaces the config of the tasks `config` names for a learner, from its next iteration on. */
  async setNextConfig(
    learner: number | Learner.LearnerRef,
    config: LearnerConfig.LearnerConfig | LearnerConfig.LearnerConfigInput
  ): Promise<void> {
    const handle = await this.#handle
    const ref = typeof learner === "number" ? { name: handle.program.learners[0]!.name, index: learner } : learner
    await this.#runtime.runPromise(handle.setNextConfig(ref, config))
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface LearnerOptions {
  /** The block name: learners work in `learners/<name>-<k>/` (default `learner`). */
  readonly name?: string | undefined
  /** The folder `./` paths in command templates refer to (default: the current directory). */
  readonly here?: string | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface StartOptions {
  readonly maxIter?: number | undefined
  /** The run directory (must be missing or empty). */
  readonly out?: string | undefined
  readonly onError?: Learner.OnError | undefined
}

/**
 * The shared part of every learner class.
 *
 * @since 0.1.0
 * @category models
 */
export abstract class BaseLearner {
  protected readonly tasks = new Map<string, ProgramBuilder.TaskSpec>()
  protected criterion: Criterion.CriterionInput | undefined
  protected readonly runtime: ManagedRuntime.ManagedRuntime<
    Backend.Backend | FileSystem.FileSystem | Path.Path | Host.Host | Signals.Signals,
    unknown
  >
  protected readonly name: string
  protected readonly here: string | undefined
  #current: LearnerRun | undefined
  #fiber: Fiber.RuntimeFiber<Results.Results, unknown> | undefined

  protected readonly kind: Learner.Kind

  constructor(kind: Learner.Kind, backend: BackendLayer, options: LearnerOptions = {}) {
    this.kind = kind
    this.runtime = ManagedRuntime.make(backend)
    this.name = options.name ?? "learner"
    this.here = options.here
  }

  protected register(task: string, body: TaskBody, options: TaskOptions = {}) {
    if (typeof body === "string" || Array.isArray(body)) {
      this.tasks.set(task, ProgramBuilder.exec(body as string | ReadonlyArray<string>, options))
    } else if (options.asExecutable === false) {
      const f = body as Exclude<TaskBody, string | ReadonlyArray<string>>
      this.tasks.set(
        task,
        ProgramBuilder.fn(
          Object.defineProperty((ctx: Task.TaskContext) => f(ctx.args, ctx.kwargs, ctx), "name", { value: f.name }),
          options
        )
      )
    } else {
      this.tasks.set(task, ProgramBuilder.command(body as Task.CommandFunction, options))
    }
    return body
  }

  /** Registers a utility task under a name of its own. */
  utilityTask<F extends TaskBody>(name: string, body: F, options?: TaskOptions): F {
    return this.register(name, body, options) as F
  }

  /**
   * Registers the criterion task and the stop criterion it feeds: the task's value (the last stdout
   * line, or what the function returns) is compared with `threshold`.
   */
  asStopCriterion<F extends TaskBody>(
    criterion: { readonly metricName: string; readonly threshold: number; readonly operator?: string },
    body: F,
    options?: TaskOptions
  ): F {
    this.criterion = criterion
    return this.register("criterion", body, options) as F
  }

  /** A per-iteration schedule: exact iteration keys, `-1` for every other iteration. */
  createIterationSchedule(
    task: string,
    schedule: {
      readonly [iteration: number]: {
        readonly args?: ReadonlyArray<Json.Json>
        readonly kwargs?: { readonly [k: string]: Json.Json }
      }
    }
  ): TaskSchedule.TaskSchedule {
    return TaskSchedule.exact(schedule, task)
  }

  /** A piecewise schedule: the entry with the greatest key ≤ i applies (a curriculum). */
  createPiecewiseSchedule(
    task: string,
    schedule: {
      readonly [iteration: number]: {
        readonly args?: ReadonlyArray<Json.Json>
        readonly kwargs?: { readonly [k: string]: Json.Json }
      }
    }
  ): TaskSchedule.TaskSchedule {
    return TaskSchedule.piecewise(schedule, task)
  }

  /**
   * An adaptive schedule: `fn(i, ctx)` gives the config of iteration `i`, evaluated when the task
   * is submitted (for any `i`); `ctx.prev` holds the previous iteration's metric and state.
   */
  createAdaptiveSchedule(
    task: string,
    fn: (
      iteration: number,
      ctx: TaskSchedule.ScheduleContext
    ) => { readonly args?: ReadonlyArray<Json.Json>; readonly kwargs?: { readonly [k: string]: Json.Json } }
  ): TaskSchedule.TaskSchedule {
    return TaskSchedule.always(TaskSchedule.adaptive(fn), task)
  }

  /** The program of this learner's block with these settings; throws a `ProgramError` if invalid. */
  protected build(
    parallel: number,
    configs:
      | ReadonlyArray<LearnerConfig.LearnerConfig | LearnerConfig.LearnerConfigInput | null | undefined>
      | undefined,
    options: StartOptions,
    kindOptions?: { readonly [key: string]: Json.Json }
  ): Program.Program {
    const program = ProgramBuilder.make({
      here: this.here,
      learners: [
        {
          _tag: "LearnerBlock",
          kind: this.kind,
          name: this.name,
          spec: {
            parallel,
            maxIter: options.maxIter,
            tasks: Object.fromEntries(this.tasks),
            stopWhen: this.criterion,
            configs,
            onError: options.onError,
            options: kindOptions
          }
        }
      ]
    })
    if (Either.isLeft(program)) throw program.left
    return program.right
  }

  protected launch(program: Program.Program, options: StartOptions): LearnerRun {
    if (this.#current !== undefined && !this.#done) {
      throw new Error("this learner is already running; await its run (or stop it) before starting another")
    }
    let resolveHandle!: (h: Runner.RunHandle) => void
    let rejectHandle!: (e: unknown) => void
    const handle = new Promise<Runner.RunHandle>((res, rej) => {
      resolveHandle = res
      rejectHandle = rej
    })
    handle.catch(() => undefined)
    let resolveResult!: (r: Results.Results) => void
    let rejectResult!: (e: unknown) => void
    const result = new Promise<Results.Results>((res, rej) => {
      resolveResult = res
      rejectResult = rej
    })
    result.catch(() => undefined)
    const run = new LearnerRun(this.runtime, handle, result)
    const effect = Effect.scoped(
      Effect.gen(function* () {
        const h = yield* Runner.prepare(program, { out: options.out })
        resolveHandle(h)
        const subscription = yield* PubSub.subscribe(h.events)
        const signals = yield* Effect.serviceOption(Signals.Signals)
        if (Option.isSome(signals)) {
          const s = signals.value
          const caught = yield* Ref.make(Option.none<Signals.Signal>())
          // Added before the signals are taken over, so it runs after they are given back: the signal
          // then ends the process as it would have without us, once the run is cleaned up.
          yield* Effect.addFinalizer(() =>
            Effect.flatMap(Ref.get(caught), Option.match({ onNone: () => Effect.void, onSome: s.reraise }))
          )
          yield* Signals.cancelOnSignal({
            onFirst: (signal) => Effect.zipRight(Ref.set(caught, Option.some(signal)), h.interrupt),
            onAgain: (signal) => s.reraise(signal)
          }).pipe(Effect.provideService(Signals.Signals, s))
        }
        yield* h.start
        const track = IterationState.makeTracker()
        while (true) {
          const event = yield* Queue.take(subscription)
          if (event._tag === "iteration_completed") run.push(track(event))
          if (event._tag === "run_finished") break
        }
        const results = yield* h.await
        if (results.status === "failed") return yield* new LearnerFailedError({ results })
        if (results.status === "interrupted") return yield* new RunInterruptedError({ results })
        return results
      })
    )
    const fiber = this.runtime.runFork(effect)
    this.#fiber = fiber
    fiber.addObserver((exit) => {
      run.end(exit)
      if (Exit.isSuccess(exit)) resolveResult(exit.value)
      else {
        const error = Option.getOrElse(Cause.failureOption(exit.cause), () => new Error(Cause.pretty(exit.cause)))
        rejectHandle(error)
        rejectResult(error)
      }
    })
    this.#current = run
    return run
  }

  get #done(): boolean {
    return this.#fiber === undefined || this.#fiber.unsafePoll() !== null
  }

  /** Stops the current run, or one of its learners. */
  async stop(learner?: number | Learner.LearnerRef): Promise<void> {
    await this.#current?.stop(learner)
  }

  /** Sets the config of the tasks `config` names for a learner (index 0 by default) from its next iteration. */
  async setNextConfig(
    learnerOrConfig: number | LearnerConfig.LearnerConfig | LearnerConfig.LearnerConfigInput,
    config?: LearnerConfig.LearnerConfig | LearnerConfig.LearnerConfigInput
  ): Promise<void> {
    if (this.#current === undefined) throw new Error("setNextConfig needs a running learner: call start() first")
    if (typeof learnerOrConfig === "number") await this.#current.setNextConfig(learnerOrConfig, config ?? {})
    else await this.#current.setNextConfig(0, learnerOrConfig)
  }

  /** Stops what still runs and releases the backend (its connections, pools and processes). */
  async shutdown(): Promise<void> {
    const fiber = this.#fiber
    if (fiber !== undefined && fiber.unsafePoll() === null) {
      await this.#current?.stop().catch(() => undefined)
      await this.runtime.runPromise(Fiber.await(fiber))
    }
    await this.runtime.dispose()
  }
}

/**
 * Active learners: simulation → training → active learning → criterion per iteration.
 *
 * @since 0.1.0
 * @category models
 */
export abstract class ActiveLearnerBase extends BaseLearner {
  simulationTask<F extends TaskBody>(body: F, options?: TaskOptions): F {
    return this.register("simulation", body, options) as F
  }
  trainingTask<F extends TaskBody>(body: F, options?: TaskOptions): F {
    return this.register("training", body, options) as F
  }
  activeLearnTask<F extends TaskBody>(body: F, options?: TaskOptions): F {
    return this.register("active_learn", body, options) as F
  }
  predictionTask<F extends TaskBody>(body: F, options?: TaskOptions): F {
    return this.register("prediction", body, options) as F
  }
}

/**
 * One active learner.
 *
 * @since 0.1.0
 * @category models
 */
export class SequentialActiveLearner extends ActiveLearnerBase {
  constructor(backend: BackendLayer, options?: LearnerOptions) {
    super("active", backend, options)
  }

  /** The program `start` runs with these options, without running it (e.g. a program module's default export). */
  program(
    options: StartOptions & {
      readonly initialConfig?: LearnerConfig.LearnerConfig | LearnerConfig.LearnerConfigInput | null
    } = {}
  ): Program.Program {
    return this.build(1, options.initialConfig == null ? undefined : [options.initialConfig], options)
  }

  start(
    options: StartOptions & {
      readonly initialConfig?: LearnerConfig.LearnerConfig | LearnerConfig.LearnerConfigInput | null
    } = {}
  ): LearnerRun {
    return this.launch(this.program(options), options)
  }
}

/**
 * Several active learners of the same definition, each with its own config and stop criterion.
 *
 * @since 0.1.0
 * @category models
 */
export class ParallelActiveLearner extends ActiveLearnerBase {
  constructor(backend: BackendLayer, options?: LearnerOptions) {
    super("active", backend, options)
  }

  /** The program `start` runs with these options, without running it (e.g. a program module's default export). */
  program(
    options: StartOptions & {
      readonly parallelLearners?: number
      readonly learnerConfigs?: ReadonlyArray<
        LearnerConfig.LearnerConfig | LearnerConfig.LearnerConfigInput | null | undefined
      >
    } = {}
  ): Program.Program {
    return this.build(options.parallelLearners ?? 2, options.learnerConfigs, options)
  }

  start(
    options: StartOptions & {
      readonly parallelLearners?: number
      readonly learnerConfigs?: ReadonlyArray<
        LearnerConfig.LearnerConfig | LearnerConfig.LearnerConfigInput | null | undefined
      >
    } = {}
  ): LearnerRun {
    return this.launch(this.program(options), options)
  }
}

/**
 * Reinforcement learners: environment → update → criterion per iteration.
 *
 * @since 0.1.0
 * @category models
 */
export abstract class ReinforcementLearnerBase extends BaseLearner {
  environmentTask<F extends TaskBody>(body: F, options?: TaskOptions): F {
    return this.register("environment", body, options) as F
  }
  updateTask<F extends TaskBody>(body: F, options?: TaskOptions): F {
    return this.register("update", body, options) as F
  }
}

/**
 * One reinforcement learner.
 *
 * @since 0.1.0
 * @category models
 */
export class SequentialReinforcementLearner extends ReinforcementLearnerBase {
  constructor(backend: BackendLayer, options?: LearnerOptions) {
    super("reinforcement", backend, options)
  }

  /** The program `start` runs with these options, without running it (e.g. a program module's default export). */
  program(
    options: StartOptions & {
      readonly initialConfig?: LearnerConfig.LearnerConfig | LearnerConfig.LearnerConfigInput | null
    } = {}
  ): Program.Program {
    return this.build(1, options.initialConfig == null ? undefined : [options.initialConfig], options)
  }

  start(
    options: StartOptions & {
      readonly initialConfig?: LearnerConfig.LearnerConfig | LearnerConfig.LearnerConfigInput | null
    } = {}
  ): LearnerRun {
    return this.launch(this.program(options), options)
  }
}

/**
 * Several reinforcement learners of the same definition.
 *
 * @since 0.1.0
 * @category models
 */
export class ParallelReinforcementLearner extends ReinforcementLearnerBase {
  constructor(backend: BackendLayer, options?: LearnerOptions) {
    super("reinforcement", backend, options)
  }

  /** The program `start` runs with these options, without running it (e.g. a program module's default export). */
  program(
    options: StartOptions & {
      readonly parallelLearners?: number
      readonly learnerConfigs?: ReadonlyArray<
        LearnerConfig.LearnerConfig | LearnerConfig.LearnerConfigInput | null | undefined
      >
    } = {}
  ): Program.Program {
    return this.build(options.parallelLearners ?? 2, options.learnerConfigs, options)
  }

  start(
    options: StartOptions & {
      readonly parallelLearners?: number
      readonly learnerConfigs?: ReadonlyArray<
        LearnerConfig.LearnerConfig | LearnerConfig.LearnerConfigInput | null | undefined
      >
    } = {}
  ): LearnerRun {
    return this.launch(this.program(options), options)
  }
}

const qualifierPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/

const checkQualifier = (what: string, name: string) => {
  if (typeof name !== "string" || !qualifierPattern.test(name)) {
    throw new Error(`${what} ${JSON.stringify(name)}: a name uses letters, digits, '_', '.' and '-' (it names files)`)
  }
}

type LearnerConfigs = ReadonlyArray<LearnerConfig.LearnerConfig | LearnerConfig.LearnerConfigInput | null | undefined>

/**
 * A reinforcement learner with several named environments (the Python toolkit's
 * `ParallelExperience`): each iteration runs every environment concurrently, merges their experience
 * into the learner's bank, then runs the update and the criterion. Each environment is a task of its
 * own (`environment.<name>`), configurable per learner and iteration under `tasks`.
 *
 * @since 0.1.0
 * @category models
 */
export class ParallelExperience extends BaseLearner {
  constructor(backend: BackendLayer, options?: LearnerOptions) {
    super("reinforcement", backend, options)
  }

  /** Registers the environment `name` (the task `environment.<name>`). */
  environmentTask<F extends TaskBody>(name: string, body: F, options?: TaskOptions): F {
    checkQualifier("environment", name)
    return this.register(`environment.${name}`, body, options) as F
  }
  updateTask<F extends TaskBody>(body: F, options?: TaskOptions): F {
    return this.register("update", body, options) as F
  }

  /** The program `start` runs with these options, without running it (e.g. a program module's default export). */
  program(
    options: StartOptions & {
      readonly initialConfig?: LearnerConfig.LearnerConfig | LearnerConfig.LearnerConfigInput | null
      /** Several learners of this definition, each with its own bank (default 1). */
      readonly parallelLearners?: number
      readonly learnerConfigs?: LearnerConfigs
    } = {}
  ): Program.Program {
    const configs = options.learnerConfigs ?? (options.initialConfig == null ? undefined : [options.initialConfig])
    return this.build(options.parallelLearners ?? 1, configs, options)
  }

  start(
    options: StartOptions & {
      readonly initialConfig?: LearnerConfig.LearnerConfig | LearnerConfig.LearnerConfigInput | null
      /** Several learners of this definition, each with its own bank (default 1). */
      readonly parallelLearners?: number
      readonly learnerConfigs?: LearnerConfigs
    } = {}
  ): LearnerRun {
    return this.launch(this.program(options), options)
  }
}

/**
 * The uncertainty criterion of a UQ learner: the uncertainty task's value (its last stdout line, or
 * what the function returns) compared with `threshold`; meeting it stops the learner.
 *
 * @since 0.1.0
 * @category models
 */
export interface UncertaintyOptions {
  readonly uqMetricName: string
  readonly threshold: number
  readonly operator?: string | undefined
  /** Passed to the uncertainty task as `--query_size N`. */
  readonly querySize?: number | undefined
}

/**
 * UQ learners: an ensemble of models sharing one simulation per iteration, each trained and asked
 * for predictions concurrently; an uncertainty task; active learning; a criterion per model.
 *
 * @since 0.1.0
 * @category models
 */
export abstract class UQLearnerBase extends BaseLearner {
  #uncertainty: UncertaintyOptions | undefined

  simulationTask<F extends TaskBody>(body: F, options?: TaskOptions): F {
    return this.register("simulation", body, options) as F
  }
  /** Training, once per model: it gets `--model_name` (and `ctx.model`). */
  trainingTask<F extends TaskBody>(body: F, options?: TaskOptions): F {
    return this.register("training", body, options) as F
  }
  /** Prediction, `numPredictions` times per model: it gets `--model_name` and `--prediction`. */
  predictionTask<F extends TaskBody>(body: F, options?: TaskOptions): F {
    return this.register("prediction", body, options) as F
  }
  activeLearnTask<F extends TaskBody>(body: F, options?: TaskOptions): F {
    return this.register("active_learn", body, options) as F
  }
  /** An uncertainty task without a threshold: it runs, its state is kept, it stops nothing. */
  uncertaintyTask<F extends TaskBody>(body: F, options?: TaskOptions): F {
    this.#uncertainty = undefined
    return this.register("uncertainty", body, options) as F
  }
  /** The uncertainty task and the threshold that stops the learner (the Python toolkit's `uncertainty_quantification`). */
  uncertaintyQuantification<F extends TaskBody>(uq: UncertaintyOptions, body: F, options?: TaskOptions): F {
    this.#uncertainty = { ...uq }
    return this.register("uncertainty", body, options) as F
  }

  protected uqOptions(modelNames: ReadonlyArray<string> | number, numPredictions: number | undefined) {
    const out: Record<string, Json.Json> = {
      models: typeof modelNames === "number" ? modelNames : [...modelNames],
      predictions: numPredictions ?? 1
    }
    const uq = this.#uncertainty
    if (uq !== undefined) {
      out.uq_metric = uq.uqMetricName
      out.uq_threshold = uq.threshold
      if (uq.operator !== undefined && uq.operator !== "") out.uq_operator = uq.operator
      if (uq.querySize !== undefined) out.query_size = uq.querySize
    }
    return out
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface UQStartOptions extends StartOptions {
  /** The ensemble: model names, or how many (`m0`, `m1`, …). */
  readonly modelNames: ReadonlyArray<string> | number
  /** Predictions per model and iteration (default 1). */
  readonly numPredictions?: number | undefined
}

/**
 * One UQ learner.
 *
 * @since 0.1.0
 * @category models
 */
export class SeqUQLearner extends UQLearnerBase {
  constructor(backend: BackendLayer, options?: LearnerOptions) {
    super("uq", backend, options)
  }

  /** The program `start` runs with these options, without running it (e.g. a program module's default export). */
  program(
    options: UQStartOptions & {
      readonly learningConfig?: LearnerConfig.LearnerConfig | LearnerConfig.LearnerConfigInput | null
      readonly initialConfig?: LearnerConfig.LearnerConfig | LearnerConfig.LearnerConfigInput | null
    }
  ): Program.Program {
    const config = options.learningConfig ?? options.initialConfig
    return this.build(
      1,
      config == null ? undefined : [config],
      options,
      this.uqOptions(options.modelNames, options.numPredictions)
    )
  }

  start(
    options: UQStartOptions & {
      readonly learningConfig?: LearnerConfig.LearnerConfig | LearnerConfig.LearnerConfigInput | null
      readonly initialConfig?: LearnerConfig.LearnerConfig | LearnerConfig.LearnerConfigInput | null
    }
  ): LearnerRun {
    return this.launch(this.program(options), options)
  }
}

/**
 * Several UQ learners of the same definition, each with its own config (by index, or keyed by the
 * names in `learnerNames`, learner k being `learnerNames[k]`).
 *
 * @since 0.1.0
 * @category models
 */
export class ParallelUQLearner extends UQLearnerBase {
  constructor(backend: BackendLayer, options?: LearnerOptions) {
    super("uq", backend, options)
  }

  /** The program `start` runs with these options, without running it (e.g. a program module's default export). */
  program(
    options: UQStartOptions & {
      readonly learnerNames?: ReadonlyArray<string>
      readonly parallelLearners?: number
      readonly learnerConfigs?:
        | LearnerConfigs
        | {
            readonly [learnerName: string]:
              | LearnerConfig.LearnerConfig
              | LearnerConfig.LearnerConfigInput
              | null
              | undefined
          }
    }
  ): Program.Program {
    const names = options.learnerNames
    const parallel = names?.length ?? options.parallelLearners ?? 2
    let configs: LearnerConfigs | undefined
    const given = options.learnerConfigs
    if (given === undefined || Array.isArray(given)) configs = given as LearnerConfigs | undefined
    else {
      if (names === undefined) throw new Error("learnerConfigs keyed by name needs learnerNames")
      const record = given as { readonly [name: string]: LearnerConfig.LearnerConfig | null | undefined }
      const unknown = Object.keys(record).filter((k) => !names.includes(k))
      if (unknown.length > 0) {
        throw new Error(`learnerConfigs names ${unknown.join(", ")}, not in learnerNames (${names.join(", ")})`)
      }
      configs = names.map((n) => record[n] ?? null)
    }
    return this.build(parallel, configs, options, this.uqOptions(options.modelNames, options.numPredictions))
  }

  start(
    options: UQStartOptions & {
      readonly learnerNames?: ReadonlyArray<string>
      readonly parallelLearners?: number
      readonly learnerConfigs?:
        | LearnerConfigs
        | {
            readonly [learnerName: string]:
              | LearnerConfig.LearnerConfig
              | LearnerConfig.LearnerConfigInput
              | null
              | undefined
          }
    }
  ): LearnerRun {
    return this.launch(this.program(options), options)
  }
}

/**
 * The algorithm selector: several active-learning algorithms (`activeLearnTask(name, …)`) run as
 * concurrent learners sharing the simulation, training and criterion, each in its own folder; when
 * the run ends, `results.selection[<name>]` ranks them (converged first, then the final metric in
 * its direction, then fewer iterations) and names the winner. Learner k runs the k-th algorithm.
 *
 * @since 0.1.0
 * @category models
 */
export class AlgorithmSelector extends BaseLearner {
  readonly #algorithms: Array<string> = []

  constructor(backend: BackendLayer, options?: LearnerOptions) {
    super("selector", backend, options)
  }

  simulationTask<F extends TaskBody>(body: F, options?: TaskOptions): F {
    return this.register("simulation", body, options) as F
  }
  trainingTask<F extends TaskBody>(body: F, options?: TaskOptions): F {
    return this.register("training", body, options) as F
  }
  /** Registers the algorithm `name` (the task `active_learn.<name>`). */
  activeLearnTask<F extends TaskBody>(name: string, body: F, options?: TaskOptions): F {
    checkQualifier("algorithm", name)
    if (!this.#algorithms.includes(name)) this.#algorithms.push(name)
    return this.register(`active_learn.${name}`, body, options) as F
  }

  /** The algorithms in the order of their learners. */
  get algorithms(): ReadonlyArray<string> {
    return [...this.#algorithms]
  }

  /** The program `start` runs with these options, without running it (e.g. a program module's default export). */
  program(
    options: StartOptions & {
      /** A config per algorithm; its `active_learn` entry configures that algorithm's task. */
      readonly algorithmConfigs?: {
        readonly [algorithm: string]: LearnerConfig.LearnerConfig | LearnerConfig.LearnerConfigInput | null | undefined
      }
    } = {}
  ): Program.Program {
    const given = options.algorithmConfigs ?? {}
    const unknown = Object.keys(given).filter((k) => !this.#algorithms.includes(k))
    if (unknown.length > 0) {
      throw new Error(
        `algorithmConfigs names ${unknown.join(", ")}, not a registered algorithm (${this.#algorithms.join(", ")})`
      )
    }
    const configs = this.#algorithms.map((name): LearnerConfig.LearnerConfigInput | null => {
      const c = given[name]
      if (c == null) return null
      const input = c instanceof LearnerConfig.LearnerConfig ? c.input : c
      const { active_learn, ...rest } = input
      return active_learn === undefined
        ? rest
        : { ...rest, tasks: { ...rest.tasks, [`active_learn.${name}`]: active_learn } }
    })
    return this.build(this.#algorithms.length, configs, options)
  }

  start(
    options: StartOptions & {
      /** A config per algorithm; its `active_learn` entry configures that algorithm's task. */
      readonly algorithmConfigs?: {
        readonly [algorithm: string]: LearnerConfig.LearnerConfig | LearnerConfig.LearnerConfigInput | null | undefined
      }
    } = {}
  ): LearnerRun {
    return this.launch(this.program(options), options)
  }
}
