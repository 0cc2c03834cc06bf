/**
 * The CSV tracker: `<run>/metrics.csv` (or a configured path), one row per learner × iteration with
 * the learner, its index, the iteration, the metric's name, value and threshold, whether the learner
 * stops there and why, and the resolved kwargs of each task flattened into `<task>.<key>` columns
 * (optionally the tasks' state as `state.<task>.<key>`). Columns appear as values do (an adaptive
 * schedule may add a kwarg later): the file is then rewritten with the wider header, so it is a valid
 * CSV at every moment; otherwise rows are appended.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as FileError from "../core/FileError.ts"
import type * as IterationState from "../core/IterationState.ts"
import type * as Json from "../core/Json.ts"
import * as RunDir from "../core/RunDir.ts"
import type * as Plugin from "./Plugin.ts"

/**
 * @since 0.1.0
 * @category schemas
 */
export const ConfigSchema = Schema.Struct({
  /** The file, relative to the run directory; `metrics.csv` by default. */
  path: Schema.optional(Schema.String.pipe(Schema.minLength(1))),
  /** Also write each task's state (`state.<task>.<key>` columns). */
  state: Schema.optional(Schema.Boolean)
})

/**
 * @since 0.1.0
 * @category models
 */
export type Config = typeof ConfigSchema.Type

const FIXED = ["learner", "index", "iteration", "metric", "value", "threshold", "should_stop", "stop_reason"] as const

/**
 * One CSV field (RFC 4180 quoting when needed).
 *
 * @since 0.1.0
 * @category rendering
 */
export const field = (value: Json.Json | undefined): string => {
  const text =
    value === undefined || value === null
      ? ""
      : typeof value === "string"
        ? value
        : typeof value === "number" || typeof value === "boolean"
          ? String(value)
          : JSON.stringify(value)
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

const keyName = (key: string) => key.replace(/^-+/, "")

/**
 * The cells of one iteration state, by column.
 *
 * @since 0.1.0
 * @category rendering
 */
export const cells = (state: IterationState.IterationState, withState: boolean): Map<string, Json.Json> => {
  const row = new Map<string, Json.Json>([
    ["learner", state.learner.name],
    ["index", state.learner.index],
    ["iteration", state.iteration],
    ["metric", state.metricName],
    ["value", state.metricValue],
    ["threshold", state.metricThreshold],
    ["should_stop", state.shouldStop]
  ])
  for (const [task, config] of Object.entries(state.currentConfig)) {
    if (config.args.length > 0) row.set(`${task}.args`, [...config.args])
    for (const [key, value] of Object.entries(config.kwargs)) row.set(`${task}.${keyName(key)}`, value)
  }
  if (withState) {
    for (const [task, values] of Object.entries(state.state)) {
      for (const [key, value] of Object.entries(values)) row.set(`state.${task}.${key}`, value)
    }
  }
  return row
}

/**
 * Makes a CSV tracker writing to `file`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  file: string,
  options: { readonly state?: boolean | undefined } = {}
): Effect.Effect<Plugin.Tracker, never, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const columns: Array<string> = [...FIXED]
    const known = new Set<string>(columns)
    const rows: Array<Map<string, Json.Json>> = []
    const lastRow = new Map<string, Map<string, Json.Json>>()
    const line = (row: Map<string, Json.Json>) => `${columns.map((c) => field(row.get(c))).join(",")}\n`
    const header = () => `${columns.map((c) => field(c)).join(",")}\n`
    // A write that fails dies: the tracker's dispatcher counts it, the run goes on.
    const rewrite = Effect.suspend(() => RunDir.writeAtomic(file, header() + rows.map(line).join(""))).pipe(
      Effect.provideService(FileSystem.FileSystem, fs),
      Effect.orDie
    )
    const key = (l: { readonly name: string; readonly index: number }) => `${l.name}\u0000${l.index}`
    return {
      onStart: () => rewrite,
      onIteration: (state) =>
        Effect.suspend(() => {
          const row = cells(state, options.state === true)
          let widened = false
          for (const c of row.keys()) {
            if (!known.has(c)) {
              known.add(c)
              columns.push(c)
              widened = true
            }
          }
          rows.push(row)
          lastRow.set(key(state.learner), row)
          return widened
            ? rewrite
            : fs
                .writeFileString(file, line(row), { flag: "a" })
                .pipe(Effect.mapError(FileError.fromCause("write", file)), Effect.orDie)
        }),
      onStop: (event) =>
        Effect.suspend(() => {
          const row = lastRow.get(key(event.learner))
          if (row === undefined) return Effect.void
          row.set("stop_reason", event.reason)
          return rewrite
        })
    } satisfies Plugin.Tracker
  })

/**
 * The `csv` tracker kind of the built-in plugin.
 *
 * @since 0.1.0
 * @category plugins
 */
export const kind: Plugin.TrackerKind<Config> = {
  description: "one CSV row per learner × iteration: metric, threshold, stop, and the resolved kwargs per task",
  config: ConfigSchema,
  make: (config, run) =>
    Effect.gen(function* () {
      const path = yield* Path.Path
      const file = path.resolve(run.runDir, config.path ?? "metrics.csv")
      return yield* make(file, { state: config.state })
    })
}
