/**
 * Sweeps: one learner per point of a grid, a zip of lists or a seeded random sample. A point gives
 * each task of the learner kwargs of its own; the block's `parallel` is the number of points, and
 * each learner is named by its point (`n_labeled=200, learning_rate=0.1`).
 *
 * ```ts
 * Rose.active("sweep", {
 *   sweep: Rose.grid({ simulation: { n_labeled: [100, 200, 400] }, training: { learning_rate: [0.1, 0.01] } }),
 *   …
 * })
 * ```
 *
 * @since 0.1.0
 */
import type * as Json from "./Json.ts"

/**
 * A value drawn at random: uniformly in `[low, high]`, log-uniformly (both > 0), or an integer in
 * `low … high`. A list of values is drawn from uniformly.
 *
 * @since 0.1.0
 * @category models
 */
export interface Distribution {
  readonly _tag: "Distribution"
  readonly kind: "uniform" | "log_uniform" | "int_uniform"
  readonly low: number
  readonly high: number
}

/**
 * Per task, per key: the values a key takes.
 *
 * @since 0.1.0
 * @category models
 */
export interface Space<V> {
  readonly [task: string]: { readonly [key: string]: V }
}

/**
 * Per task, the kwargs of one learner.
 *
 * @since 0.1.0
 * @category models
 */
export interface Point {
  readonly [task: string]: { readonly [key: string]: Json.Json }
}

/**
 * @since 0.1.0
 * @category models
 */
export type Generator = "grid" | "zip" | "random"

/**
 * The points of a sweep; `problem` says why there are none when the space is invalid.
 *
 * @since 0.1.0
 * @category models
 */
export interface Sweep {
  readonly _tag: "Sweep"
  readonly generator: Generator
  readonly points: ReadonlyArray<Point>
  readonly problem: string | undefined
  /** The values each key was given (what PBT's `"resample"` draws from). */
  readonly space?: Space<Distribution | ReadonlyArray<Json.Json>> | undefined
}

const axes = <V>(space: Space<V>): Array<{ readonly task: string; readonly key: string; readonly values: V }> =>
  Object.entries(space).flatMap(([task, keys]) => Object.entries(keys).map(([key, values]) => ({ task, key, values })))

const pointOf = (coords: ReadonlyArray<{ readonly task: string; readonly key: string; readonly value: Json.Json }>) => {
  const out: Record<string, Record<string, Json.Json>> = {}
  for (const c of coords) (out[c.task] ??= {})[c.key] = c.value
  return out
}

const invalid = (generator: Generator, problem: string): Sweep => ({ _tag: "Sweep", generator, points: [], problem })

const emptyList = <V>(list: ReadonlyArray<{ task: string; key: string; values: ReadonlyArray<V> }>) =>
  list.find((a) => a.values.length === 0)

/**
 * Every combination of the values, the first key varying slowest (as nested loops).
 *
 * @since 0.1.0
 * @category constructors
 */
export const grid = (space: Space<ReadonlyArray<Json.Json>>): Sweep => {
  const list = axes(space)
  if (list.length === 0) return invalid("grid", "a grid needs at least one key")
  const empty = emptyList(list)
  if (empty !== undefined) return invalid("grid", `${empty.task}.${empty.key} has no values`)
  let coords: Array<Array<{ task: string; key: string; value: Json.Json }>> = [[]]
  for (const a of list)
    coords = coords.flatMap((c) => a.values.map((value) => [...c, { task: a.task, key: a.key, value }]))
  return { _tag: "Sweep", generator: "grid", points: coords.map(pointOf), problem: undefined, space }
}

/**
 * The k-th values of every list together: lists of one length N give N points.
 *
 * @since 0.1.0
 * @category constructors
 */
export const zip = (space: Space<ReadonlyArray<Json.Json>>): Sweep => {
  const list = axes(space)
  if (list.length === 0) return invalid("zip", "a zip needs at least one key")
  const empty = emptyList(list)
  if (empty !== undefined) return invalid("zip", `${empty.task}.${empty.key} has no values`)
  const n = list[0]!.values.length
  const other = list.find((a) => a.values.length !== n)
  if (other !== undefined) {
    return invalid(
      "zip",
      `a zip takes lists of one length: ${list[0]!.task}.${list[0]!.key} has ${n} values, ${other.task}.${other.key} has ${other.values.length}`
    )
  }
  const points = Array.from({ length: n }, (_, k) =>
    pointOf(list.map((a) => ({ task: a.task, key: a.key, value: a.values[k]! })))
  )
  return { _tag: "Sweep", generator: "zip", points, problem: undefined, space }
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const uniform = (low: number, high: number): Distribution => ({
  _tag: "Distribution",
  kind: "uniform",
  low,
  high
})

/**
 * @since 0.1.0
 * @category constructors
 */
export const logUniform = (low: number, high: number): Distribution => ({
  _tag: "Distribution",
  kind: "log_uniform",
  low,
  high
})

/**
 * @since 0.1.0
 * @category constructors
 */
export const intUniform = (low: number, high: number): Distribution => ({
  _tag: "Distribution",
  kind: "int_uniform",
  low,
  high
})

/**
 * Why a distribution cannot be drawn from, or `undefined`.
 *
 * @since 0.1.0
 * @category getters
 */
export const distributionProblem = (d: Distribution): string | undefined => {
  if (!Number.isFinite(d.low) || !Number.isFinite(d.high) || d.low > d.high) {
    return `${d.kind}(${d.low}, ${d.high}) needs finite bounds with low ≤ high`
  }
  if (d.kind === "log_uniform" && d.low <= 0) return `log_uniform(${d.low}, ${d.high}) needs bounds > 0`
  if (d.kind === "int_uniform" && (!Number.isInteger(d.low) || !Number.isInteger(d.high))) {
    return `int_uniform(${d.low}, ${d.high}) needs integer bounds`
  }
  return undefined
}

/**
 * A seeded generator of numbers in [0, 1) (mulberry32): small, fast and the same on every runtime,
 * so a seed names one sample everywhere.
 *
 * @since 0.3.0
 * @category random
 */
export const mulberry32 = (seed: number): (() => number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * The value a list or a distribution gives for `r` in [0, 1).
 *
 * @since 0.3.0
 * @category random
 */
export const draw = (v: Distribution | ReadonlyArray<Json.Json>, r: number): Json.Json => {
  if (Array.isArray(v)) return v[Math.floor(r * v.length)]!
  const d = v as Distribution
  switch (d.kind) {
    case "uniform":
      return d.low + r * (d.high - d.low)
    case "log_uniform":
      return Math.exp(Math.log(d.low) + r * (Math.log(d.high) - Math.log(d.low)))
    case "int_uniform":
      return d.low + Math.floor(r * (d.high - d.low + 1))
  }
}

/**
 * `count` points drawn with `seed`: the same seed gives the same points on every run and runtime.
 *
 * @since 0.1.0
 * @category constructors
 */
export const random = (options: {
  readonly count: number
  readonly seed: number
  readonly space: Space<Distribution | ReadonlyArray<Json.Json>>
}): Sweep => {
  const { count, seed, space } = options
  if (!Number.isInteger(count) || count < 1) return invalid("random", `count must be an integer ≥ 1, got ${count}`)
  if (!Number.isInteger(seed)) return invalid("random", `seed must be an integer, got ${seed}`)
  const list = axes(space)
  if (list.length === 0) return invalid("random", "a random sweep needs at least one key")
  for (const a of list) {
    const problem = Array.isArray(a.values)
      ? a.values.length === 0
        ? "has no values"
        : undefined
      : distributionProblem(a.values as Distribution)
    if (problem !== undefined) return invalid("random", `${a.task}.${a.key}: ${problem}`)
  }
  const next = mulberry32(seed)
  const points = Array.from({ length: count }, () =>
    pointOf(list.map((a) => ({ task: a.task, key: a.key, value: draw(a.values, next()) })))
  )
  return { _tag: "Sweep", generator: "random", points, problem: undefined, space }
}

const shownValue = (v: Json.Json): string =>
  typeof v === "number" ? String(Number(v.toPrecision(4))) : typeof v === "string" ? v : JSON.stringify(v)

/**
 * A point as users see it, `n_labeled=200, learning_rate=0.1`; a key set for two tasks is
 * qualified by its task (`training.n=…`).
 *
 * @since 0.1.0
 * @category rendering
 */
export const label = (point: Point): string => {
  const count = new Map<string, number>()
  for (const keys of Object.values(point)) for (const k of Object.keys(keys)) count.set(k, (count.get(k) ?? 0) + 1)
  return Object.entries(point)
    .flatMap(([task, keys]) =>
      Object.entries(keys).map(([k, v]) => `${count.get(k)! > 1 ? `${task}.${k}` : k}=${shownValue(v)}`)
    )
    .join(", ")
}
