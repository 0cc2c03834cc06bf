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
import type * as Backend from "./Backend.ts"
import type * as Criterion from "./Criterion.ts"
import type * as Host from "./Host.ts"
import * as IterationState from "./IterationState.ts"
import type * as Json from "./Json.ts"
import type * as Learner from "./Learner.ts"
import type * as LearnerConfig from "./LearnerConfig.ts"
import type * as Results from "./Results.ts"
import * as Rose from "./Rose.ts"
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
export interface TaskOptions extends Rose.TaskOptions {
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
  protected readonly tasks = new Map<string, Rose.TaskSpec>()
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
      this.tasks.set(task, Rose.exec(body as string | ReadonlyArray<string>, options))
    } else if (options.asExecutable === false) {
      const f = body as Exclude<TaskBody, string | ReadonlyArray<string>>
      this.tasks.set(
        task,
        Rose.fn(
          Object.defineProperty((ctx: Task.TaskContext) => f(ctx.args, ctx.kwargs, ctx), "name", { value: f.name }),
          options
        )
      )
    } else {
      this.tasks.set(task, Rose.command(body as Task.CommandFunction, options))
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

  protected launch(
    parallel: number,
    configs:
      | ReadonlyArray<LearnerConfig.LearnerConfig | LearnerConfig.LearnerConfigInput | null | undefined>
      | undefined,
    options: StartOptions
  ): LearnerRun {
    if (this.#current !== undefined && !this.#done) {
      throw new Error("this learner is already running; await its run (or stop it) before starting another")
    }
    const program = Rose.make({
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
            onError: options.onError
          }
        }
      ]
    })
    if (Either.isLeft(program)) throw program.left
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
        const h = yield* Runner.prepare(program.right, { out: options.out })
        resolveHandle(h)
        const subscription = yield* PubSub.subscribe(h.events)
        const signals = yield* Effect.serviceOption(Signals.Signals)
        let caught: Signals.Signal | undefined
        if (Option.isSome(signals)) {
          const s = signals.value
          // Added before `watch` so it runs after our handlers are removed: the signal then ends the
          // process as it would have without us, once the run is cleaned up.
          yield* Effect.addFinalizer(() => (caught === undefined ? Effect.void : s.reraise(caught)))
          yield* s.watch((signal) => {
            if (caught !== undefined) {
              Effect.runFork(s.reraise(signal))
              return
            }
            caught = signal
            Effect.runFork(h.interrupt)
          })
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

  start(
    options: StartOptions & {
      readonly initialConfig?: LearnerConfig.LearnerConfig | LearnerConfig.LearnerConfigInput | null
    } = {}
  ): LearnerRun {
    return this.launch(1, options.initialConfig == null ? undefined : [options.initialConfig], options)
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

  start(
    options: StartOptions & {
      readonly parallelLearners?: number
      readonly learnerConfigs?: ReadonlyArray<
        LearnerConfig.LearnerConfig | LearnerConfig.LearnerConfigInput | null | undefined
      >
    } = {}
  ): LearnerRun {
    return this.launch(options.parallelLearners ?? 2, options.learnerConfigs, options)
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

  start(
    options: StartOptions & {
      readonly initialConfig?: LearnerConfig.LearnerConfig | LearnerConfig.LearnerConfigInput | null
    } = {}
  ): LearnerRun {
    return this.launch(1, options.initialConfig == null ? undefined : [options.initialConfig], options)
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

  start(
    options: StartOptions & {
      readonly parallelLearners?: number
      readonly learnerConfigs?: ReadonlyArray<
        LearnerConfig.LearnerConfig | LearnerConfig.LearnerConfigInput | null | undefined
      >
    } = {}
  ): LearnerRun {
    return this.launch(options.parallelLearners ?? 2, options.learnerConfigs, options)
  }
}
