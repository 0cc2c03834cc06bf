/**
 * Task definitions: what a task slot is bound to (an exec template, a shell script, a function that
 * builds the command line, or an in-process function) and its policies (timeout, retry, resources,
 * backend).
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as CommandLine from "./CommandLine.ts"
import type * as Json from "./Json.ts"
import type * as TaskConfig from "./TaskConfig.ts"
import type * as TaskSchedule from "./TaskSchedule.ts"

/**
 * The task slots of the learner kinds; any other name is a utility task.
 *
 * @since 0.1.0
 * @category constants
 */
export const slots = [
  "simulation",
  "training",
  "active_learn",
  "prediction",
  "criterion",
  "environment",
  "update",
  "uncertainty"
] as const

/**
 * @since 0.1.0
 * @category models
 */
export type Slot = (typeof slots)[number]

/**
 * What a task sees when it is built or run.
 *
 * @since 0.1.0
 * @category models
 */
export interface TaskContext {
  readonly runId: string
  readonly runDir: string
  /** The learner's working directory, as the backend sees it. */
  readonly workdir: string
  readonly learner: { readonly name: string; readonly index: number }
  readonly iteration: number
  readonly task: string
  readonly attempt: number
  readonly args: ReadonlyArray<Json.Json>
  readonly kwargs: { readonly [key: string]: Json.Json }
  /** What earlier tasks of this iteration produced (their state objects), keyed by task. */
  readonly results: { readonly [task: string]: unknown }
  readonly prev: TaskSchedule.PreviousIteration | undefined
  /** Aborted when the task is interrupted (stop, timeout, Ctrl-C). */
  readonly signal: AbortSignal
  /** UQ learners: the ensemble member a training, prediction or criterion task works for. */
  readonly model?: string | undefined
  /** UQ learners: the index of a prediction task (0 … predictions - 1). */
  readonly prediction?: number | undefined
  /**
   * Reinforcement learners: the experience bank's folder, and for an environment task the JSON Lines
   * file its experience goes to (the runner merges it into the bank after the environments ran).
   */
  readonly experience?: { readonly bank: string; readonly out?: string | undefined } | undefined
}

/**
 * A function that builds the full command line of an exec task (nothing is appended to it).
 *
 * @since 0.1.0
 * @category models
 */
export type CommandFunction = (
  args: ReadonlyArray<Json.Json>,
  kwargs: { readonly [key: string]: Json.Json },
  ctx: TaskContext
) => string | ReadonlyArray<string> | PromiseLike<string | ReadonlyArray<string>>

/**
 * A function run inside the runtime. It returns a value: a number (or `{ value }`) for a criterion,
 * an object (which becomes the task's state) for other tasks.
 *
 * @since 0.1.0
 * @category models
 */
export type InProcessFunction = (ctx: TaskContext) => unknown

/**
 * @since 0.1.0
 * @category models
 */
export type Binding =
  | {
      readonly _tag: "Exec"
      /** The command as written (for plans), and its compiled template. */
      readonly command: string | ReadonlyArray<string>
      readonly template: ReadonlyArray<CommandLine.Token>
    }
  | { readonly _tag: "Shell"; readonly script: string }
  | { readonly _tag: "CommandFunction"; readonly fn: CommandFunction; readonly name: string }
  | {
      readonly _tag: "InProcess"
      readonly fn: InProcessFunction | ((ctx: TaskContext) => Effect.Effect<unknown, unknown>)
      readonly name: string
      /** Set when `fn` returns an Effect rather than a value or a promise. */
      readonly effect: boolean
    }

/**
 * Resource requests, interpreted by the backend (cores gate the local backend's slots).
 *
 * @since 0.1.0
 * @category models
 */
export interface Resources {
  readonly cores?: number
  readonly gpus?: number
  /** SLURM-style size, e.g. "4G". */
  readonly memory?: string
  /** SLURM-style time limit, e.g. "00:10:00". */
  readonly time?: string
}

/**
 * Which failures a retry covers: infrastructure failures only (the default), or non-zero exits and
 * timeouts as well.
 *
 * @since 0.1.0
 * @category models
 */
export type RetryOn = "infrastructure" | "exit"

/**
 * @since 0.1.0
 * @category models
 */
export interface RetryPolicy {
  /** Attempts after the first. */
  readonly times: number
  readonly on: RetryOn
  /** The first backoff delay in milliseconds (doubling, with jitter). */
  readonly baseDelayMillis: number
}

/**
 * @since 0.1.0
 * @category constants
 */
export const defaultRetry: RetryPolicy = { times: 0, on: "infrastructure", baseDelayMillis: 500 }

/**
 * @since 0.1.0
 * @category models
 */
export interface TaskDef {
  readonly name: string
  readonly binding: Binding
  /** `with { … }`: the first layer of every resolution. */
  readonly defaults: TaskConfig.TaskConfigInput | undefined
  /** The folder of the file that defined the task: `{here}`. */
  readonly here: string
  readonly timeoutMillis: number | undefined
  readonly retry: RetryPolicy
  readonly resources: Resources
  readonly backend: string | undefined
  /** Environment variables added for this task. */
  readonly env: { readonly [name: string]: string }
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  name: string,
  binding: Binding,
  options: {
    readonly here: string
    readonly defaults?: TaskConfig.TaskConfigInput | undefined
    readonly timeoutMillis?: number | undefined
    readonly retry?: Partial<RetryPolicy> | undefined
    readonly resources?: Resources | undefined
    readonly backend?: string | undefined
    readonly env?: { readonly [name: string]: string } | undefined
  }
): TaskDef => ({
  name,
  binding,
  defaults: options.defaults,
  here: options.here,
  timeoutMillis: options.timeoutMillis,
  retry: { ...defaultRetry, ...options.retry },
  resources: options.resources ?? {},
  backend: options.backend,
  env: options.env ?? {}
})

/**
 * Whether a task runs a process (and so needs a working directory and output files).
 *
 * @since 0.1.0
 * @category predicates
 */
export const runsProcess = (task: TaskDef): boolean => task.binding._tag !== "InProcess"

/**
 * A JSON description of a task for plans and run.json.
 *
 * @since 0.1.0
 * @category rendering
 */
export const describe = (task: TaskDef): Json.Json => {
  const b = task.binding
  const binding: Json.Json =
    b._tag === "Exec"
      ? { exec: typeof b.command === "string" ? b.command : [...b.command] }
      : b._tag === "Shell"
        ? { shell: b.script }
        : b._tag === "CommandFunction"
          ? { function: b.name }
          : { inProcess: b.name }
  const out: Record<string, Json.Json> = { binding }
  if (task.defaults !== undefined) {
    out.with = {
      ...(task.defaults.args === undefined ? {} : { args: [...task.defaults.args] }),
      kwargs: { ...task.defaults.kwargs }
    }
  }
  if (task.timeoutMillis !== undefined) out.timeoutMillis = task.timeoutMillis
  if (task.retry.times > 0) out.retry = { times: task.retry.times, on: task.retry.on }
  if (Object.keys(task.resources).length > 0) out.resources = { ...task.resources }
  if (task.backend !== undefined) out.backend = task.backend
  if (Object.keys(task.env).length > 0) out.env = { ...task.env }
  return out
}
