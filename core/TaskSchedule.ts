/**
 * How one task's configuration varies with the iteration: layers that apply always, from an
 * iteration on (piecewise), at exactly one iteration, or by default when no `from`/`at` layer matched.
 * A layer's source is a static `TaskConfig` or an adaptive function of the iteration and of what the
 * learner saw in its previous iteration, evaluated lazily, once per task submission, for any iteration.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type * as Json from "./Json.ts"
import * as TaskConfig from "./TaskConfig.ts"

/**
 * What an adaptive schedule sees.
 *
 * @since 0.1.0
 * @category models
 */
export interface ScheduleContext {
  readonly iteration: number
  readonly learner: { readonly name: string; readonly index: number }
  readonly maxIter: number | undefined
  /** The previous iteration of this learner; `undefined` at its first iteration. */
  readonly prev: PreviousIteration | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface PreviousIteration {
  readonly iteration: number
  readonly metric: number | undefined
  readonly metricHistory: ReadonlyArray<number>
  /** `state.<task>.<key>` of the previous iteration. */
  readonly state: { readonly [task: string]: { readonly [key: string]: Json.Json } }
}

/**
 * An adaptive configuration: `fn(i, ctx)` returns the layer's config for iteration `i`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Adaptive {
  readonly _tag: "Adaptive"
  readonly fn: (iteration: number, ctx: ScheduleContext) => TaskConfig.TaskConfigInput
  /** A human-readable form (the DSL keeps its expressions here) for run.json. */
  readonly describe?: () => Json.Json
  /**
   * For `rose plan`: the config at iteration `i` with values that depend on `prev` left symbolic
   * (e.g. the string `"<prev.metric * 2>"`). Without it, plans call `fn` with `prev` undefined.
   */
  readonly symbolic?: (iteration: number, ctx: ScheduleContext) => TaskConfig.TaskConfigInput
}

/**
 * @since 0.1.0
 * @category models
 */
export type Source = TaskConfig.TaskConfigInput | Adaptive

/**
 * @since 0.1.0
 * @category models
 */
export type Layer =
  | { readonly _tag: "Always"; readonly source: Source }
  | { readonly _tag: "From"; readonly iteration: number; readonly source: Source }
  | { readonly _tag: "At"; readonly iteration: number; readonly source: Source }
  | { readonly _tag: "Default"; readonly source: Source }

const TypeId: unique symbol = Symbol.for("rose/TaskSchedule")

/**
 * @since 0.1.0
 * @category models
 */
export interface TaskSchedule {
  readonly [TypeId]: typeof TypeId
  /** The task the schedule was made for, when its constructor was told (checked when a learner is built). */
  readonly task: string | undefined
  readonly layers: ReadonlyArray<Layer>
}

/**
 * @since 0.1.0
 * @category guards
 */
export const isTaskSchedule = (u: unknown): u is TaskSchedule => typeof u === "object" && u !== null && TypeId in u

/**
 * @since 0.1.0
 * @category guards
 */
export const isAdaptive = (u: unknown): u is Adaptive =>
  typeof u === "object" && u !== null && (u as { _tag?: unknown })._tag === "Adaptive" && "fn" in u

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (layers: ReadonlyArray<Layer>, task?: string): TaskSchedule => ({
  [TypeId]: TypeId,
  task,
  layers
})

/**
 * @since 0.1.0
 * @category constructors
 */
export const adaptive = (
  fn: (iteration: number, ctx: ScheduleContext) => TaskConfig.TaskConfigInput,
  options?: {
    readonly describe?: () => Json.Json
    readonly symbolic?: (iteration: number, ctx: ScheduleContext) => TaskConfig.TaskConfigInput
  }
): Adaptive => ({ _tag: "Adaptive", fn, ...options })

/**
 * A schedule that applies the same source at every iteration.
 *
 * @since 0.1.0
 * @category constructors
 */
export const always = (source: Source, task?: string): TaskSchedule => make([{ _tag: "Always", source }], task)

/**
 * The Python toolkit's per-iteration dict: exact keys, `-1` (or `"default"`) as the fallback.
 *
 * @since 0.1.0
 * @category constructors
 */
export const exact = (entries: { readonly [iteration: string]: Source }, task?: string): TaskSchedule =>
  make(
    Object.keys(entries).map((key): Layer => {
      const source = entries[key]!
      return key === "-1" || key === "default"
        ? { _tag: "Default", source }
        : { _tag: "At", iteration: Number(key), source }
    }),
    task
  )

/**
 * Piecewise: the entry with the greatest key `j <= i` applies at iteration `i`; `-1`/`"default"`
 * applies before the first key.
 *
 * @since 0.1.0
 * @category constructors
 */
export const piecewise = (entries: { readonly [iteration: string]: Source }, task?: string): TaskSchedule =>
  make(
    Object.keys(entries).map((key): Layer => {
      const source = entries[key]!
      return key === "-1" || key === "default"
        ? { _tag: "Default", source }
        : { _tag: "From", iteration: Number(key), source }
    }),
    task
  )

/**
 * Concatenates schedules for one task: later layers of the same kind win.
 *
 * @since 0.1.0
 * @category combinators
 */
export const combine = (...schedules: ReadonlyArray<TaskSchedule>): TaskSchedule =>
  make(
    schedules.flatMap((s) => s.layers),
    schedules.find((s) => s.task !== undefined)?.task
  )

/**
 * The layers that apply at iteration `i`, in merge order (DESIGN §4.2 steps 2 to 5).
 *
 * @since 0.1.0
 * @category resolution
 */
export const layersAt = (schedule: TaskSchedule, i: number): ReadonlyArray<Layer> => {
  const always: Array<Layer> = []
  let from: Layer | undefined
  let fromAt = -1
  let at: Layer | undefined
  let fallback: Layer | undefined
  for (const layer of schedule.layers) {
    switch (layer._tag) {
      case "Always":
        always.push(layer)
        break
      case "From":
        if (layer.iteration <= i && layer.iteration >= fromAt) {
          from = layer
          fromAt = layer.iteration
        }
        break
      case "At":
        if (layer.iteration === i) at = layer
        break
      case "Default":
        fallback = layer
        break
    }
  }
  const out = always
  if (from !== undefined) out.push(from)
  if (at !== undefined) out.push(at)
  if (from === undefined && at === undefined && fallback !== undefined) out.push(fallback)
  return out
}

/**
 * Evaluates a layer's source for iteration `i`.
 *
 * @since 0.1.0
 * @category resolution
 */
export const evaluate = (source: Source, ctx: ScheduleContext): TaskConfig.TaskConfigInput =>
  isAdaptive(source) ? source.fn(ctx.iteration, ctx) : source

/**
 * How a resolution reads adaptive layers:
 *
 * - `"run"`, as the runner does: their function is called with the real previous iteration and what
 *   it returns must be a task config; the first that throws or returns something else fails the
 *   resolution.
 * - `"plan"`, as `rose plan` does (there is no previous iteration): their `symbolic` form when they
 *   have one (when it throws, that layer is left out and the resolution says why); else their
 *   function, and when that throws (most likely it reads `prev`), the kwarg `dependsOnPrev` stands
 *   for what it would have set.
 *
 * @since 0.1.0
 * @category resolution
 */
export type Reading = "run" | "plan"

/**
 * The kwarg a `"plan"` resolution sets in place of an adaptive layer it could not compute without
 * the previous iteration.
 *
 * @since 0.1.0
 * @category resolution
 */
export const dependsOnPrev = "<depends on prev>"

/**
 * @since 0.1.0
 * @category resolution
 */
export interface ResolveOptions {
  /** Default `"run"`. */
  readonly reading?: Reading | undefined
  /** Kwargs set on top of every layer: what the runner adds to one run of a task (`--model_name`). */
  readonly kwargs?: { readonly [key: string]: Json.Json } | undefined
}

/**
 * @since 0.1.0
 * @category resolution
 */
export interface Resolution {
  readonly resolved: TaskConfig.Resolved
  /** Some value was computed without the previous iteration it depends on (`"plan"` only). */
  readonly symbolic: boolean
  /** Why an adaptive layer's symbolic form could not be read (`"plan"` only). */
  readonly problem: string | undefined
}

/**
 * An adaptive layer threw, or returned something that is not a task config.
 *
 * @since 0.1.0
 * @category errors
 */
export class AdaptiveConfigError extends Data.TaggedError("AdaptiveConfigError")<{
  readonly iteration: number
  readonly reason: string
  /** What the function threw, if it threw. */
  readonly thrown?: unknown
}> {
  override get message(): string {
    return `the adaptive config at iteration ${this.iteration}: ${this.reason}`
  }
}

const decodeConfig = Schema.decodeUnknownEither(Schema.Struct(TaskConfig.TaskConfig.fields), {
  onExcessProperty: "error"
})

const noLayers: ReadonlyArray<Layer> = []

const reasonOf = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/** Calls a user function, turning what it throws into a value. */
const attempt = <A>(
  f: () => A
): { readonly ok: true; readonly value: A } | { readonly ok: false; readonly error: unknown } => {
  try {
    return { ok: true, value: f() }
  } catch (error) {
    return { ok: false, error }
  }
}

/**
 * Resolves a task's configuration at one iteration: the task's defaults, then the layers of the
 * learner's schedule that apply at `ctx.iteration`, merged in order, then `options.kwargs`. The
 * runner, `rose plan` and the tests all resolve through this function; `options.reading` says how
 * adaptive layers are read.
 *
 * @since 0.1.0
 * @category resolution
 */
export const resolveWith = (
  defaults: TaskConfig.TaskConfigInput | undefined,
  schedule: TaskSchedule | undefined,
  ctx: ScheduleContext,
  options: ResolveOptions = {}
): Either.Either<Resolution, AdaptiveConfigError> => {
  const iteration = ctx.iteration
  const planning = options.reading === "plan"
  const merger = new TaskConfig.Merger().apply(defaults)
  let symbolic = false
  let problem: string | undefined
  const layers = schedule === undefined ? noLayers : layersAt(schedule, iteration)
  for (let k = 0; k < layers.length; k++) {
    const source = layers[k]!.source
    if (!isAdaptive(source)) {
      merger.apply(source)
      continue
    }
    if (planning && source.symbolic !== undefined) {
      const shown = attempt(() => source.symbolic!(iteration, ctx))
      if (shown.ok) {
        merger.apply(shown.value)
        symbolic = true
      } else problem = `the adaptive config at iteration ${iteration} failed: ${reasonOf(shown.error)}`
      continue
    }
    const computed = attempt(() => source.fn(iteration, ctx))
    if (planning) {
      if (computed.ok) merger.apply(computed.value)
      else {
        symbolic = true
        merger.apply({ kwargs: { [dependsOnPrev]: true } })
      }
      continue
    }
    if (!computed.ok) {
      return Either.left(
        new AdaptiveConfigError({ iteration, reason: reasonOf(computed.error), thrown: computed.error })
      )
    }
    const checked = decodeConfig(computed.value)
    if (Either.isLeft(checked)) {
      return Either.left(
        new AdaptiveConfigError({ iteration, reason: ParseResult.TreeFormatter.formatErrorSync(checked.left) })
      )
    }
    merger.apply(computed.value)
  }
  if (options.kwargs !== undefined) merger.apply({ kwargs: options.kwargs })
  return Either.right({ resolved: merger.result(), symbolic, problem })
}

/**
 * Resolves a task's configuration at one iteration as the runner does (`resolveWith`, reading
 * `"run"`). Throws what an adaptive function throws, or an `AdaptiveConfigError` when it returns
 * something that is not a task config.
 *
 * @since 0.1.0
 * @category resolution
 */
export const resolve = (
  defaults: TaskConfig.TaskConfigInput | undefined,
  schedule: TaskSchedule | undefined,
  ctx: ScheduleContext
): TaskConfig.Resolved =>
  Either.getOrThrowWith(resolveWith(defaults, schedule, ctx), (e) => ("thrown" in e ? e.thrown : e)).resolved

/**
 * Whether any layer of the schedule is adaptive (its values are only known when the task runs).
 *
 * @since 0.1.0
 * @category predicates
 */
export const isAdaptiveSchedule = (schedule: TaskSchedule): boolean => schedule.layers.some((l) => isAdaptive(l.source))
