/**
 * Who won: a run's learners ranked by the last value of their criterion's metric, best first in
 * the direction its operator gives (`<`, `<=`: lower is better; `>`, `>=`: higher; `==`: closer to
 * the threshold), each with the configuration keys whose values differ from its siblings'.
 *
 * Learners are ranked against those with the same metric only; a learner without a value ranks
 * after every learner with one, and a failed learner keeps its place by value but is marked.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as Json from "./Json.ts"
import * as Metric from "./Metric.ts"

/**
 * One learner's place.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Standing = Schema.Struct({
  /** 1 is best; equal values share a rank. Counted among the learners with the same metric. */
  rank: Schema.Number,
  /** `name[k]` */
  learner: Schema.String,
  name: Schema.String,
  index: Schema.Number,
  /** The criterion's metric, `null` for a learner without one. */
  metric: Schema.NullOr(Schema.String),
  operator: Schema.NullOr(Schema.String),
  /** The metric's last value, `null` if there is none. */
  value: Schema.NullOr(Schema.Number),
  /** Whether the learner ended with an error. */
  failed: Schema.Boolean,
  /** The iterations it completed (absent in files written before 0.3.0 had it). */
  iterations: Schema.optionalWith(Schema.Number, { exact: true }),
  /** Its task attempts that ended, finished or failed, retries included (absent before 0.3.0). */
  tasks: Schema.optionalWith(Schema.Number, { exact: true }),
  /**
   * The resolved configuration of its last iteration, only the keys (`task.kwarg`, `task[i]` for
   * positional arguments) whose values differ between the learners of its block.
   */
  config: Schema.Record({ key: Schema.String, value: Json.Json })
})

/**
 * @since 0.1.0
 * @category models
 */
export type Standing = typeof Standing.Type

/**
 * What ranking needs of a learner.
 *
 * @since 0.1.0
 * @category models
 */
export interface Entry {
  readonly name: string
  readonly index: number
  readonly metric: { readonly name: string; readonly operator: string; readonly threshold: number } | undefined
  readonly value: number | undefined
  readonly failed: boolean
  /** Iterations completed. */
  readonly iterations: number
  /** Task attempts that ended, `undefined` when not known (a results.json from before 0.3.0). */
  readonly tasks: number | undefined
  /** Per task, the resolved args and kwargs of its last iteration (empty if none ran). */
  readonly config: {
    readonly [task: string]: { readonly args: ReadonlyArray<Json.Json>; readonly kwargs: Json.JsonObject }
  }
}

/**
 * The direction of a criterion: its operator's, else the metric table's.
 *
 * @since 0.1.0
 * @category getters
 */
export const direction = (metric: string, operator: string): Metric.Direction | "closest" | undefined => {
  if (operator === "==") return "closest"
  const fromOperator = Metric.isOperator(operator) ? Metric.directionOf(operator) : undefined
  return fromOperator ?? Metric.lookup(metric)?.direction
}

const flatten = (config: Entry["config"]): Map<string, Json.Json> => {
  const out = new Map<string, Json.Json>()
  for (const [task, c] of Object.entries(config)) {
    c.args.forEach((v, i) => {
      out.set(`${task}[${i}]`, v)
    })
    for (const [k, v] of Object.entries(c.kwargs)) out.set(`${task}.${k}`, v)
  }
  return out
}

/** The keys whose values are not the same in every learner of a block (a missing key differs). */
const differing = (entries: ReadonlyArray<Entry>): Map<Entry, Json.JsonObject> => {
  const flat = new Map(entries.map((e) => [e, flatten(e.config)]))
  const out = new Map<Entry, Json.JsonObject>()
  const blocks = new Map<string, Array<Entry>>()
  for (const e of entries) blocks.set(e.name, [...(blocks.get(e.name) ?? []), e])
  for (const members of blocks.values()) {
    // A learner that ran no iteration has no config to compare: it neither adds nor hides a key.
    const ran = members.filter((e) => flat.get(e)!.size > 0)
    const keys = new Set(ran.flatMap((e) => [...flat.get(e)!.keys()]))
    const varying = [...keys].filter((k) => {
      const seen = new Set(ran.map((e) => JSON.stringify(flat.get(e)!.get(k) ?? null)))
      return seen.size > 1
    })
    for (const e of members) {
      const f = flat.get(e)!
      out.set(e, f.size === 0 ? {} : Object.fromEntries(varying.map((k) => [k, f.get(k) ?? null])))
    }
  }
  return out
}

const score = (e: Entry): number | undefined => {
  if (e.value === undefined || e.metric === undefined || !Number.isFinite(e.value)) return undefined
  const d = direction(e.metric.name, e.metric.operator)
  if (d === "minimize") return e.value
  if (d === "maximize") return -e.value
  if (d === "closest") return Math.abs(e.value - e.metric.threshold)
  return 0
}

/**
 * Ranks learners (given in the run's order, which breaks ties): per metric, by the score in its
 * direction, learners without a value last; learners without a metric after all others.
 *
 * @since 0.1.0
 * @category constructors
 */
export const rank = (entries: ReadonlyArray<Entry>): ReadonlyArray<Standing> => {
  const configs = differing(entries)
  const groups = new Map<string | undefined, Array<Entry>>()
  for (const e of entries) {
    const key = e.metric?.name
    groups.set(key, [...(groups.get(key) ?? []), e])
  }
  const ordered = [...groups.entries()].sort(([a], [b]) => Number(a === undefined) - Number(b === undefined))
  const out: Array<Standing> = []
  for (const [, members] of ordered) {
    const scored = members.map((e, order) => ({ e, order, s: score(e) }))
    scored.sort(
      (a, b) => Number(a.s === undefined) - Number(b.s === undefined) || (a.s ?? 0) - (b.s ?? 0) || a.order - b.order
    )
    scored.forEach((x, i) => {
      const previous = i === 0 ? undefined : scored[i - 1]!
      const tied = previous !== undefined && previous.s === x.s
      const rank = tied ? out.at(-1)!.rank : i + 1
      out.push({
        rank,
        learner: `${x.e.name}[${x.e.index}]`,
        name: x.e.name,
        index: x.e.index,
        metric: x.e.metric?.name ?? null,
        operator: x.e.metric?.operator ?? null,
        value: x.e.value ?? null,
        failed: x.e.failed,
        iterations: x.e.iterations,
        ...(x.e.tasks === undefined ? {} : { tasks: x.e.tasks }),
        config: configs.get(x.e) ?? {}
      })
    })
  }
  return out
}

/**
 * A configuration's differing keys as `key=value` text.
 *
 * @since 0.1.0
 * @category rendering
 */
export const configText = (config: Json.JsonObject): string =>
  Object.entries(config)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ")

/**
 * What ranks a learner, as words: `lower is better`, `higher is better`, `closest to 0.5`.
 *
 * @since 0.1.0
 * @category rendering
 */
export const directionText = (metric: string, operator: string, threshold?: number): string => {
  const d = direction(metric, operator)
  return d === "minimize"
    ? "lower is better"
    : d === "maximize"
      ? "higher is better"
      : d === "closest"
        ? `closest to ${threshold ?? "the threshold"} is better`
        : "no direction"
}
