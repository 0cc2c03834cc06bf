/**
 * `<run>/results.json`: how every learner ended. Fields may be added, none renamed (DESIGN §4.5).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as Event from "./Event.ts"
import * as Json from "./Json.ts"

/**
 * @since 0.1.0
 * @category schemas
 */
export const LearnerResult = Schema.Struct({
  name: Schema.String,
  index: Schema.Number,
  kind: Schema.String,
  iterations: Schema.Number,
  stopReason: Event.StopReason,
  metric: Schema.NullOr(
    Schema.Struct({
      name: Schema.String,
      operator: Schema.String,
      threshold: Schema.Number,
      history: Schema.Array(Schema.Number)
    })
  ),
  state: Schema.Record({ key: Schema.String, value: Json.Json }),
  failure: Schema.NullOr(
    Schema.Struct({
      task: Schema.String,
      iteration: Schema.Number,
      attempt: Schema.Number,
      exitCode: Schema.NullOr(Schema.Number),
      stderrTail: Schema.String,
      message: Schema.String,
      tag: Schema.String
    })
  )
})

/**
 * @since 0.1.0
 * @category models
 */
export type LearnerResult = typeof LearnerResult.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const Results = Schema.Struct({
  runId: Schema.String,
  status: Event.RunStatus,
  startedAt: Schema.String,
  finishedAt: Schema.String,
  durationMs: Schema.Number,
  learners: Schema.Array(LearnerResult)
})

/**
 * @since 0.1.0
 * @category models
 */
export type Results = typeof Results.Type

/**
 * The process exit code for a run's status (DESIGN §4.7; signals are the CLI's business).
 *
 * @since 0.1.0
 * @category getters
 */
export const exitCode = (results: Results): number => (results.status === "completed" ? 0 : 1)
