/**
 * `<run>/results.json`: how every learner ended. Fields may be added, none renamed (DESIGN §4.5).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as Event from "./Event.ts"
import * as Json from "./Json.ts"
import * as Ranking from "./Ranking.ts"

/**
 * @since 0.1.0
 * @category schemas
 */
export const LearnerResult = Schema.Struct({
  name: Schema.String,
  index: Schema.Number,
  kind: Schema.String,
  iterations: Schema.Number,
  /** Its task attempts that ended, finished or failed, retries included (absent before 0.3.0). */
  tasks: Schema.optional(Schema.Number),
  stopReason: Event.StopReason,
  /** Why a `pruned` learner was pruned: `rank 3 of 4 at iteration 2, mse 0.21`. */
  pruned: Schema.optional(Schema.String),
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
  ),
  /** A sweep's learners: their point as text (`n_labeled=200, learning_rate=0.1`) and per task. */
  label: Schema.optional(Schema.String),
  point: Schema.optional(
    Schema.Record({ key: Schema.String, value: Schema.Record({ key: Schema.String, value: Json.Json }) })
  )
})

/**
 * @since 0.1.0
 * @category models
 */
export type LearnerResult = typeof LearnerResult.Type

/**
 * One learner of a selector block in its ranking.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Ranked = Schema.Struct({
  rank: Schema.Number,
  /** `pick[1]` */
  learner: Schema.String,
  index: Schema.Number,
  /** The algorithm's name (`random` for the task `active_learn.random`). */
  algorithm: Schema.String,
  task: Schema.String,
  stopReason: Event.StopReason,
  converged: Schema.Boolean,
  iterations: Schema.Number,
  /** The last value of the metric, `null` if there is none. */
  final: Schema.NullOr(Schema.Number),
  /** `false` for a learner that failed, was stopped or has no value: it cannot win. */
  eligible: Schema.Boolean
})

/**
 * @since 0.1.0
 * @category models
 */
export type Ranked = typeof Ranked.Type

/**
 * The outcome of a selector block: its learners ranked (converged first, then by the final metric
 * in the metric's direction, then by fewer iterations), and the winner (`null` when none is
 * eligible).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Selection = Schema.Struct({
  metric: Schema.String,
  operator: Schema.String,
  direction: Schema.NullOr(Schema.Literal("minimize", "maximize")),
  ranking: Schema.Array(Ranked),
  winner: Schema.NullOr(Schema.Struct({ learner: Schema.String, index: Schema.Number, algorithm: Schema.String }))
})

/**
 * @since 0.1.0
 * @category models
 */
export type Selection = typeof Selection.Type

/**
 * @since 0.1.0
 * @category schemas
 */
export const Results = Schema.Struct({
  /** The run's id: its first session's, which names its directory (a resume keeps it). */
  runId: Schema.String,
  /** The id of the session that wrote this file, when it is not the run's first (a resume). */
  sessionId: Schema.optional(Schema.String),
  status: Event.RunStatus,
  startedAt: Schema.String,
  finishedAt: Schema.String,
  durationMs: Schema.Number,
  learners: Schema.Array(LearnerResult),
  /** Selector blocks' rankings, by block name (only when the program has a selector). */
  selection: Schema.optional(Schema.Record({ key: Schema.String, value: Selection })),
  /** `true` when tasks ran on a synthetic (dry-run) backend: the metrics are made up. */
  dryRun: Schema.optional(Schema.Boolean),
  /** Every learner, best first by its metric (absent in files written before 0.1.0 had it). */
  ranking: Schema.optional(Schema.Array(Ranking.Standing))
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

const better = (direction: "minimize" | "maximize" | null, a: number | null, b: number | null): number => {
  if (a === b) return 0
  if (a === null) return 1
  if (b === null) return -1
  if (direction === null) return 0
  return direction === "minimize" ? a - b : b - a
}

/**
 * Ranks a selector block's learners: those that can win (not failed, stopped or interrupted, and
 * with a metric value) first; among them the ones whose criterion was met; then the better final
 * value in the metric's direction; then fewer iterations; then the order of the algorithms.
 *
 * @since 0.1.0
 * @category constructors
 */
export const rank = (
  criterion: {
    readonly metric: string
    readonly operator: string
    readonly direction: "minimize" | "maximize" | undefined
  },
  learners: ReadonlyArray<{ readonly result: LearnerResult; readonly task: string; readonly algorithm: string }>
): Selection => {
  const rows = learners.map(({ result, task, algorithm }) => {
    const final = result.metric?.history.at(-1) ?? null
    const ok = result.stopReason === "criterion_met" || result.stopReason === "max_iter"
    return {
      learner: `${result.name}[${result.index}]`,
      index: result.index,
      algorithm,
      task,
      stopReason: result.stopReason,
      converged: result.stopReason === "criterion_met",
      iterations: result.iterations,
      final,
      eligible: ok && final !== null
    }
  })
  const direction = criterion.direction ?? null
  const sorted = [...rows].sort(
    (a, b) =>
      Number(b.eligible) - Number(a.eligible) ||
      Number(b.converged) - Number(a.converged) ||
      better(direction, a.final, b.final) ||
      a.iterations - b.iterations ||
      a.index - b.index
  )
  const ranking = sorted.map((r, k) => ({ rank: k + 1, ...r }))
  const top = ranking[0]
  return {
    metric: criterion.metric,
    operator: criterion.operator,
    direction,
    ranking,
    winner: top?.eligible ? { learner: top.learner, index: top.index, algorithm: top.algorithm } : null
  }
}

/**
 * Ranks a run's learners (see `Ranking.rank`) from their results and the resolved configuration of
 * each one's last iteration, keyed `name[k]`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const ranking = (
  learners: ReadonlyArray<LearnerResult>,
  configs: (learner: LearnerResult) => Ranking.Entry["config"] = () => ({})
): ReadonlyArray<Ranking.Standing> =>
  Ranking.rank(
    learners.map((l) => ({
      name: l.name,
      index: l.index,
      metric: l.metric === null ? undefined : l.metric,
      value: l.metric?.history.at(-1),
      failed: l.stopReason === "error",
      iterations: l.iterations,
      tasks: l.tasks,
      config: configs(l)
    }))
  )
