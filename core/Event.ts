/**
 * The events of a run: what the journal records, what observers (the live display, trackers,
 * `--json`) see. Every event has `v`, `seq`, `ts`, `type` and `runId`; the rest depends on its type.
 * Events are built as plain objects on the hot path and serialised with `JSON.stringify`; these
 * schemas decode them back (status, resume, report) and document them (`docs/events.md`).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as Json from "./Json.ts"

/**
 * @since 0.1.0
 * @category schemas
 */
export const LearnerRef = Schema.Struct({ name: Schema.String, index: Schema.Number })

/**
 * @since 0.1.0
 * @category schemas
 */
export const StopReason = Schema.Literal(
  "criterion_met",
  "max_iter",
  "error",
  "stopped",
  "interrupted",
  "pruned",
  "budget"
)

/**
 * @since 0.1.0
 * @category models
 */
export type StopReason = typeof StopReason.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const RunStatus = Schema.Literal("completed", "failed", "interrupted")

/**
 * @since 0.1.0
 * @category models
 */
export type RunStatus = typeof RunStatus.Type

const base = {
  v: Schema.Literal(1),
  seq: Schema.Number,
  ts: Schema.String,
  runId: Schema.String
}

const taskFields = {
  learner: LearnerRef,
  iteration: Schema.Number,
  task: Schema.String,
  attempt: Schema.Number,
  /** UQ learners: the ensemble member the task works for (its task is `training@<model>`, …). */
  model: Schema.optional(Schema.String),
  /** UQ learners: the index of a prediction task. */
  prediction: Schema.optional(Schema.Number)
}

const where = {
  pid: Schema.optional(Schema.Number),
  pgid: Schema.optional(Schema.Number),
  /** When the process `pid` started (boot id and start time): a resume signals it only if it matches. */
  startStamp: Schema.optional(Schema.String),
  host: Schema.optional(Schema.String),
  jobId: Schema.optional(Schema.String)
}

/**
 * A file's size and modification time (epoch millis), as a task left it.
 *
 * @since 0.2.0
 * @category schemas
 */
export const FileMark = Schema.Struct({ size: Schema.Number, mtimeMs: Schema.Number })

/**
 * A task failure as events, `results.json` and the report show it.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Failure = Schema.Struct({
  tag: Schema.String,
  message: Schema.String,
  task: Schema.optional(Schema.String),
  iteration: Schema.optional(Schema.Number),
  attempt: Schema.optional(Schema.Number),
  exitCode: Schema.optional(Schema.NullOr(Schema.Number)),
  signal: Schema.optional(Schema.NullOr(Schema.String)),
  stderrTail: Schema.optional(Schema.String)
})

/**
 * @since 0.1.0
 * @category models
 */
export type Failure = typeof Failure.Type

const ResolvedConfig = Schema.Struct({
  args: Schema.Array(Json.Json),
  kwargs: Schema.Record({ key: Schema.String, value: Json.Json })
})

/**
 * @since 0.1.0
 * @category schemas
 */
export const RunStarted = Schema.TaggedStruct("run_started", {
  ...base,
  runDir: Schema.String,
  pid: Schema.Number,
  planHash: Schema.String,
  learners: Schema.Array(
    Schema.Struct({
      name: Schema.String,
      kind: Schema.String,
      parallel: Schema.Number,
      maxIter: Schema.NullOr(Schema.Number)
    })
  ),
  resumedFrom: Schema.optional(Schema.String),
  /** Present when tasks run on a synthetic (dry-run) backend: the metrics are made up. */
  dryRun: Schema.optional(Schema.Boolean)
})

/**
 * @since 0.1.0
 * @category schemas
 */
export const TaskQueued = Schema.TaggedStruct("task_queued", { ...base, ...taskFields })

/**
 * Written before a task is handed to a backend that can re-attach to it: the ticket a resumed run
 * finds it by when the process dies before the task's start reaches the journal.
 *
 * @since 0.2.0
 * @category schemas
 */
export const TaskSubmitting = Schema.TaggedStruct("task_submitting", {
  ...base,
  ...taskFields,
  backend: Schema.String,
  ticket: Schema.String
})

/**
 * @since 0.1.0
 * @category schemas
 */
export const TaskStarted = Schema.TaggedStruct("task_started", {
  ...base,
  ...taskFields,
  ...where,
  config: ResolvedConfig,
  command: Schema.optional(Schema.Union(Schema.Array(Schema.String), Schema.String))
})

/**
 * @since 0.1.0
 * @category schemas
 */
export const TaskFinished = Schema.TaggedStruct("task_finished", {
  ...base,
  ...taskFields,
  ...where,
  exitCode: Schema.NullOr(Schema.Number),
  durationMs: Schema.Number,
  value: Schema.optional(Schema.Number),
  /**
   * Size and modification time of the files the task left (its `.out`/`.err`, files of its learner's
   * folder it wrote), by path: a resume keeps the task only while they are unchanged.
   */
  files: Schema.optional(Schema.Record({ key: Schema.String, value: FileMark })),
  /** What an in-process task returned, when it is JSON: a resume keeps the task with it. */
  result: Schema.optional(Json.Json)
})

/**
 * A task a resumed run did not run again: its earlier run finished (kept) or was re-attached to.
 *
 * @since 0.2.0
 * @category schemas
 */
export const TaskKept = Schema.TaggedStruct("task_kept", {
  ...base,
  ...taskFields,
  /** The session whose run of the task is kept. */
  from: Schema.String
})

/**
 * A task the run cancelled (Ctrl-C, a timeout, a stop): it is not running any more.
 *
 * @since 0.2.0
 * @category schemas
 */
export const TaskCancelled = Schema.TaggedStruct("task_cancelled", {
  ...base,
  ...taskFields,
  ...where
})

/**
 * @since 0.1.0
 * @category schemas
 */
export const TaskFailed = Schema.TaggedStruct("task_failed", {
  ...base,
  ...taskFields,
  ...where,
  durationMs: Schema.Number,
  error: Failure
})

/**
 * @since 0.1.0
 * @category schemas
 */
export const TaskRetried = Schema.TaggedStruct("task_retried", {
  ...base,
  ...taskFields,
  nextAttempt: Schema.Number,
  delayMs: Schema.Number,
  reason: Schema.String
})

/**
 * @since 0.1.0
 * @category schemas
 */
export const IterationCompleted = Schema.TaggedStruct("iteration_completed", {
  ...base,
  learner: LearnerRef,
  iteration: Schema.Number,
  metricName: Schema.NullOr(Schema.String),
  metricValue: Schema.NullOr(Schema.Number),
  metricThreshold: Schema.NullOr(Schema.Number),
  shouldStop: Schema.Boolean,
  /** Why the learner stops after this iteration, when it does. */
  stopReason: Schema.optional(Schema.Literal("criterion_met", "max_iter")),
  state: Schema.Record({ key: Schema.String, value: Json.Json }),
  config: Schema.Record({ key: Schema.String, value: ResolvedConfig })
})

/**
 * @since 0.1.0
 * @category schemas
 */
export const LearnerStopped = Schema.TaggedStruct("learner_stopped", {
  ...base,
  learner: LearnerRef,
  reason: StopReason,
  iterations: Schema.Number,
  failure: Schema.optional(Failure),
  /** Why a `pruned` learner was pruned: `rank 7 of 8 at iteration 2, mse 0.21`. */
  detail: Schema.optional(Schema.String)
})

/**
 * A learner of a block with a population policy reached a rung (an ASHA rung or a PBT period): its
 * rank (itself included) among the learners that reached the rung before it under ASHA, among the
 * block's learners at their latest periods under PBT, and whether it was pruned there (never under
 * PBT). A resumed run rebuilds its rung tables from these.
 *
 * @since 0.3.0
 * @category schemas
 */
export const RungReached = Schema.TaggedStruct("rung_reached", {
  ...base,
  learner: LearnerRef,
  iteration: Schema.Number,
  metricName: Schema.String,
  metricValue: Schema.Number,
  rank: Schema.Number,
  of: Schema.Number,
  pruned: Schema.Boolean,
  reason: Schema.String
})

/**
 * A learner in the bottom quantile of its block at a PBT period (its `rung_reached` says where it
 * stood) copied a better learner of the period's top quantile, `source`: its working folder became the source's as it was after the
 * period iteration, and its config the source's with the perturbed keys changed, from the next
 * iteration on. `from` holds the learner's own values of the perturbed keys at the period, `to` the
 * new ones, keyed `task.key`; `sourceConfig` the source's resolved config at the period, by task.
 * A resumed run restores the learner's config from these.
 *
 * @since 0.3.0
 * @category schemas
 */
export const Exploited = Schema.TaggedStruct("exploited", {
  ...base,
  learner: LearnerRef,
  iteration: Schema.Number,
  source: LearnerRef,
  rank: Schema.Number,
  of: Schema.Number,
  metricName: Schema.String,
  metricValue: Schema.Number,
  sourceValue: Schema.Number,
  from: Schema.Record({ key: Schema.String, value: Json.Json }),
  to: Schema.Record({ key: Schema.String, value: Json.Json }),
  sourceConfig: Schema.Record({ key: Schema.String, value: ResolvedConfig }),
  /** `rank 7 of 8 in the block at iteration 5, mse 0.21: copied sweep[2] (mse 0.011), learning_rate 0.1 → 0.08`. */
  reason: Schema.String
})

/**
 * A block's budget ran out: a learner of it was about to start a task and none was left. Written
 * once per block; the block's learners that start no more tasks end with `budget`.
 *
 * @since 0.3.0
 * @category schemas
 */
export const BudgetSpent = Schema.TaggedStruct("budget_spent", {
  ...base,
  /** The learner block whose budget it was. */
  block: Schema.String,
  /** The task attempts the block started in all. */
  tasks: Schema.Number,
  /** The seconds its finished and failed attempts ran in all. */
  taskSeconds: Schema.Number,
  /** The budget: `{ tasks }`, `{ taskSeconds }` or both. */
  budget: Schema.Struct({ tasks: Schema.optional(Schema.Number), taskSeconds: Schema.optional(Schema.Number) })
})

/**
 * @since 0.1.0
 * @category schemas
 */
export const RunFinished = Schema.TaggedStruct("run_finished", {
  ...base,
  status: RunStatus,
  durationMs: Schema.Number
})

/**
 * @since 0.1.0
 * @category schemas
 */
export const Event = Schema.Union(
  RunStarted,
  TaskQueued,
  TaskSubmitting,
  TaskStarted,
  TaskFinished,
  TaskKept,
  TaskCancelled,
  TaskFailed,
  TaskRetried,
  IterationCompleted,
  RungReached,
  Exploited,
  BudgetSpent,
  LearnerStopped,
  RunFinished
)

/**
 * @since 0.1.0
 * @category models
 */
export type Event = typeof Event.Type

/**
 * @since 0.1.0
 * @category models
 */
export type EventType = Event["_tag"]

/**
 * An event before the bus stamps it with `v`, `seq`, `ts` and `runId`.
 *
 * @since 0.1.0
 * @category models
 */
export type Draft = Event extends infer E ? (E extends Event ? Omit<E, "v" | "seq" | "ts" | "runId"> : never) : never

/**
 * The JSON form of an event: `_tag` is written as `type`.
 *
 * @since 0.1.0
 * @category encoding
 */
export const toJsonLine = (event: Event): string => {
  const { _tag, v, seq, ts, runId, ...rest } = event
  return JSON.stringify({ v, seq, ts, type: _tag, runId, ...rest })
}

/**
 * `toJsonLine` for an event stamped from a draft, without copying the event: the draft (whose first
 * key is `_tag`, as every draft the runner writes) is serialised and its `_tag` swapped for the
 * stamp. Falls back to `toJsonLine` for a draft of another shape.
 *
 * @since 0.1.0
 * @category encoding
 */
export const draftToJsonLine = (draft: Draft, event: Event): string => {
  const body = JSON.stringify(draft)
  const head = `{"_tag":"${draft._tag}"`
  if (!body.startsWith(head)) return toJsonLine(event)
  return `{"v":1,"seq":${event.seq},"ts":"${event.ts}","type":"${draft._tag}","runId":${JSON.stringify(event.runId)}${body.slice(head.length)}`
}

const decodeEvent = Schema.decodeUnknownEither(Event)

/**
 * Reads one journal line back into an event (`undefined` for a line that is not a valid event).
 *
 * @since 0.1.0
 * @category encoding
 */
export const fromJsonLine = (line: string): Event | undefined => {
  const parsed = Json.parse(line)
  if (!parsed.ok || !Json.isObject(parsed.value)) return undefined
  const { type, ...rest } = parsed.value as { type?: unknown }
  const decoded = decodeEvent({ _tag: type, ...rest })
  return decoded._tag === "Right" ? decoded.right : undefined
}

/**
 * Reads a whole journal: every valid line, and whether the last line was torn (a crash mid-write).
 *
 * @since 0.1.0
 * @category encoding
 */
export const parseJournal = (
  text: string
): {
  readonly events: ReadonlyArray<Event>
  readonly tornLine: string | undefined
  readonly invalid: number
  /** The 1-based numbers of the lines that are not events (the torn last line aside). */
  readonly invalidLines: ReadonlyArray<number>
} => {
  const lines = text.split("\n")
  const last = lines.pop() ?? ""
  const events: Array<Event> = []
  const invalidLines: Array<number> = []
  for (let at = 0; at < lines.length; at++) {
    const line = lines[at]!
    if (line.length === 0) continue
    const e = fromJsonLine(line)
    if (e === undefined) invalidLines.push(at + 1)
    else events.push(e)
  }
  const invalid = invalidLines.length
  let tornLine: string | undefined
  if (last.length > 0) {
    const e = fromJsonLine(last)
    if (e === undefined) tornLine = last
    else events.push(e)
  }
  return { events, tornLine, invalid, invalidLines }
}
