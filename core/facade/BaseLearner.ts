/**
 * What every learner class of the Promise facade shares: registering tasks and the stop criterion,
 * making schedules, building its block's program, running it on its own runtime, stopping it.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import type * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import type * as Criterion from "../Criterion.ts"
import type * as Json from "../Json.ts"
import type * as Learner from "../Learner.ts"
import type * as LearnerConfig from "../LearnerConfig.ts"
import type * as Population from "../Population.ts"
import type * as Program from "../Program.ts"
import * as ProgramBuilder from "../ProgramBuilder.ts"
import type * as Results from "../Results.ts"
import type * as Sweep from "../Sweep.ts"
import type * as Task from "../Task.ts"
import * as TaskSchedule from "../TaskSchedule.ts"
import * as LearnerRun from "./LearnerRun.ts"

/**
 * What a learner object runs on: a backend and the platform services.
 *
 * @since 0.1.0
 * @category models
 */
export type BackendLayer = Layer.Layer<LearnerRun.Services, unknown>

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
  /**
   * How the learners are pruned by rank (`Rose.asha({ every: 3, keep: 0.5 })`): the stop
   * criterion's metric ranks them, and a pruned learner ends with stopReason `pruned`.
   */
  readonly population?: Population.Policy | undefined
  /**
   * What the learners may spend in all (`Rose.budget({ tasks: 300 })`): when it is spent, a learner
   * about to start a task ends with stopReason `budget`.
   */
  readonly budget?: Population.Budget | undefined
}

/**
 * A learner block besides its tasks, as a class derives it from its start options.
 *
 * @since 0.3.0
 * @category models
 */
export interface BlockShape {
  /** Left out with a sweep: the sweep's points say how many learners there are. */
  readonly parallel: number | undefined
  readonly configs: ProgramBuilder.LearnerSpec["configs"]
  readonly sweep?: Sweep.Sweep | undefined
  readonly kindOptions?: { readonly [key: string]: Json.Json } | undefined
}

/** A task body as the program builder's task. */
const taskSpec = (body: TaskBody, options: TaskOptions): ProgramBuilder.TaskSpec => {
  if (typeof body === "string" || Array.isArray(body)) {
    return ProgramBuilder.exec(body as string | ReadonlyArray<string>, options)
  }
  const f = body as Exclude<TaskBody, string | ReadonlyArray<string>>
  if (options.asExecutable === false) {
    return ProgramBuilder.fn(
      Object.defineProperty((ctx: Task.TaskContext) => f(ctx.args, ctx.kwargs, ctx), "name", { value: f.name }),
      options
    )
  }
  return ProgramBuilder.command(f as Task.CommandFunction, options)
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
  protected readonly runtime: ManagedRuntime.ManagedRuntime<LearnerRun.Services, unknown>
  protected readonly name: string
  protected readonly here: string | undefined
  #current: LearnerRun.LearnerRun | undefined
  #fiber: Fiber.RuntimeFiber<Results.Results, unknown> | undefined

  protected readonly kind: Learner.Kind

  constructor(kind: Learner.Kind, backend: BackendLayer, options: LearnerOptions = {}) {
    this.kind = kind
    this.runtime = ManagedRuntime.make(backend)
    this.name = options.name ?? "learner"
    this.here = options.here
  }

  protected register(task: string, body: TaskBody, options: TaskOptions = {}) {
    this.tasks.set(task, taskSpec(body, options))
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
  protected build(block: BlockShape, options: StartOptions): Program.Program {
    const program = ProgramBuilder.make({
      here: this.here,
      learners: [
        {
          _tag: "LearnerBlock",
          kind: this.kind,
          name: this.name,
          spec: {
            parallel: block.parallel,
            sweep: block.sweep,
            maxIter: options.maxIter,
            tasks: Object.fromEntries(this.tasks),
            stopWhen: this.criterion,
            configs: block.configs,
            onError: options.onError,
            options: block.kindOptions,
            population: options.population,
            budget: options.budget
          }
        }
      ]
    })
    if (Either.isLeft(program)) throw program.left
    return program.right
  }

  protected launch(program: Program.Program, options: StartOptions): LearnerRun.LearnerRun {
    if (this.#current !== undefined && !this.#done) {
      throw new Error("this learner is already running; await its run (or stop it) before starting another")
    }
    const { fiber, run } = LearnerRun.start(this.runtime, program, options)
    this.#fiber = fiber
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
