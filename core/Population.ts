/**
 * Population policies of a learner block. Successive halving, asynchronous (ASHA): at rung
 * iterations each learner of the block is ranked, by its criterion metric, against the learners that
 * reached the same rung before it; one outside the kept fraction is pruned. Nobody waits for the
 * learners that have not reached the rung yet, so the decisions depend only on the order in which
 * learners arrive at each rung, which the journal records (`rung_reached`), so a resumed run keeps
 * the same rung tables.
 *
 * @since 0.3.0
 */
import type * as Criterion from "./Criterion.ts"
import type * as Event from "./Event.ts"
import type * as Json from "./Json.ts"
import type * as Metric from "./Metric.ts"

/**
 * Successive halving: rungs every `every` iterations (after iterations `every - 1`, `2·every - 1`,
 * …) or at the listed iterations; a learner stays when it is in the best `keep` fraction of its rung.
 *
 * @since 0.3.0
 * @category models
 */
export interface Asha {
  readonly _tag: "Asha"
  readonly every: number | undefined
  readonly rungs: ReadonlyArray<number> | undefined
  readonly keep: number
}

/**
 * @since 0.3.0
 * @category models
 */
export type Policy = Asha

/**
 * @since 0.3.0
 * @category models
 */
export interface AshaInput {
  /** A rung after every `every` iterations (an integer ≥ 1). */
  readonly every?: number | undefined
  /** The iterations (0-based) that are rungs; instead of `every`. */
  readonly rungs?: ReadonlyArray<number> | undefined
  /** The fraction of each rung that goes on, in (0, 1); default 1/2. */
  readonly keep?: number | undefined
}

/**
 * An ASHA policy (validated with the learner block it is declared on).
 *
 * @since 0.3.0
 * @category constructors
 */
export const asha = (input: AshaInput): Asha => ({
  _tag: "Asha",
  every: input.every,
  rungs: input.rungs === undefined ? undefined : [...input.rungs].sort((a, b) => a - b),
  keep: input.keep ?? 0.5
})

/** A learner of a block: its name and index. */
type Ref = { readonly name: string; readonly index: number }

const isIndex = (v: number) => Number.isInteger(v) && v >= 0

/**
 * Whether iteration `iteration` (0-based) is a rung of the policy.
 *
 * @since 0.3.0
 * @category predicates
 */
export const isRung = (policy: Policy, iteration: number): boolean =>
  policy.rungs !== undefined
    ? policy.rungs.includes(iteration)
    : policy.every !== undefined && (iteration + 1) % policy.every === 0

/**
 * The rungs of a policy below `maxIter` (the first `limit` of them without one).
 *
 * @since 0.3.0
 * @category getters
 */
export const rungsOf = (policy: Policy, maxIter: number | undefined, limit = 8): ReadonlyArray<number> => {
  if (policy.rungs !== undefined) return policy.rungs.filter((r) => maxIter === undefined || r < maxIter)
  const out: Array<number> = []
  const every = policy.every ?? 0
  if (every < 1) return out
  for (let r = every - 1; maxIter === undefined ? out.length < limit : r < maxIter; r += every) out.push(r)
  return out
}

/**
 * Which way a criterion's metric improves: `<`/`<=` lower is better, `>`/`>=` higher; `==`/`!=` have
 * no direction.
 *
 * @since 0.3.0
 * @category getters
 */
export const direction = (operator: Metric.Operator): "lower" | "higher" | undefined =>
  operator === "<" || operator === "<=" ? "lower" : operator === ">" || operator === ">=" ? "higher" : undefined

/**
 * The problems of a policy on a block, each as a phrase: no metric to rank by, a metric without a
 * direction, a rung the block never reaches, a bad `every` or `keep`.
 *
 * @since 0.3.0
 * @category validation
 */
export const problems = (
  policy: Policy,
  block: { readonly criterion: Criterion.Criterion | undefined; readonly maxIter: number | undefined }
): ReadonlyArray<{ readonly field: "criterion" | "every" | "rungs" | "keep"; readonly message: string }> => {
  const out: Array<{ field: "criterion" | "every" | "rungs" | "keep"; message: string }> = []
  if (block.criterion === undefined)
    out.push({ field: "criterion", message: "a population policy ranks by the criterion metric: add `stop when`" })
  else if (direction(block.criterion.operator) === undefined)
    out.push({
      field: "criterion",
      message: `a population policy ranks by the criterion metric, and ${block.criterion.operator} gives it no direction (use < <= > >=)`
    })
  if (!(policy.keep > 0 && policy.keep < 1))
    out.push({ field: "keep", message: `keep must be a fraction in (0, 1), got ${policy.keep}` })
  if (policy.every === undefined && policy.rungs === undefined)
    out.push({ field: "every", message: "asha needs `every: N` or `rungs: [ … ]`" })
  if (policy.every !== undefined && policy.rungs !== undefined)
    out.push({ field: "rungs", message: "asha takes `every` or `rungs`, not both" })
  if (policy.every !== undefined && !(Number.isInteger(policy.every) && policy.every >= 1))
    out.push({ field: "every", message: `every must be an integer ≥ 1, got ${policy.every}` })
  const max = block.maxIter
  if (policy.rungs !== undefined) {
    const bad = policy.rungs.find((r) => !isIndex(r))
    if (bad !== undefined) out.push({ field: "rungs", message: `a rung is an iteration, an integer ≥ 0, got ${bad}` })
    const beyond = policy.rungs.find((r) => max !== undefined && r >= max)
    if (beyond !== undefined)
      out.push({
        field: "rungs",
        message: `rung ${beyond} is beyond max_iter ${max} (iterations 0 … ${(max ?? 1) - 1})`
      })
  } else if (policy.every !== undefined && max !== undefined && policy.every > max)
    out.push({ field: "every", message: `the first rung (iteration ${policy.every - 1}) is beyond max_iter ${max}` })
  return out
}

/**
 * How a learner fared at a rung.
 *
 * @since 0.3.0
 * @category models
 */
export interface Verdict {
  readonly rank: number
  readonly of: number
  readonly pruned: boolean
  readonly reason: string
}

interface Entry {
  readonly index: number
  readonly value: number
  readonly verdict: Verdict
}

const formatValue = (v: number) => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4))))

/**
 * The rung tables of a run: per block and rung, the learners that reached it, in arrival order.
 *
 * @since 0.3.0
 * @category models
 */
export class Rungs {
  private readonly tables = new Map<string, Map<number, Array<Entry>>>()
  private readonly prunedBy = new Map<string, string>()

  private table(block: string, iteration: number): Array<Entry> {
    let byRung = this.tables.get(block)
    if (byRung === undefined) this.tables.set(block, (byRung = new Map()))
    let entries = byRung.get(iteration)
    if (entries === undefined) byRung.set(iteration, (entries = []))
    return entries
  }

  /**
   * Ranks a learner arriving at a rung against those already there (itself included; ties go to the
   * earlier arrival). It stays when the rung holds too few learners for the kept fraction to be one
   * (`⌊n · keep⌋ < 1`), or when its rank is at most `⌊n · keep⌋`; `ends` says it stops there anyway.
   * A learner judged at this rung before (an iteration re-run by a resume) keeps its verdict.
   */
  judge(
    policy: Policy,
    ref: Ref,
    iteration: number,
    value: number,
    criterion: Criterion.Criterion,
    ends: boolean
  ): Verdict {
    const entries = this.table(ref.name, iteration)
    const earlier = entries.find((e) => e.index === ref.index)
    if (earlier !== undefined) return earlier.verdict
    const lower = direction(criterion.operator) !== "higher"
    const better = (a: number, b: number) => (lower ? a < b : a > b)
    const rank = 1 + entries.filter((e) => better(e.value, value) || e.value === value).length
    const of = entries.length + 1
    const kept = Math.floor(of * policy.keep + 1e-9)
    const pruned = !ends && kept >= 1 && rank > kept
    const reason = `rank ${rank} of ${of} at iteration ${iteration}, ${criterion.metric} ${formatValue(value)}`
    const verdict = { rank, of, pruned, reason }
    this.add(ref, iteration, value, verdict)
    return verdict
  }

  private add(ref: Ref, iteration: number, value: number, verdict: Verdict) {
    this.table(ref.name, iteration).push({ index: ref.index, value, verdict })
    if (verdict.pruned) this.prunedBy.set(`${ref.name}[${ref.index}]`, verdict.reason)
  }

  /** Whether a learner has been judged at a rung. */
  judged(ref: Ref, iteration: number): boolean {
    return (
      this.tables
        .get(ref.name)
        ?.get(iteration)
        ?.some((e) => e.index === ref.index) === true
    )
  }

  /** The reason a learner was pruned, if it was. */
  pruned(ref: Ref): string | undefined {
    return this.prunedBy.get(`${ref.name}[${ref.index}]`)
  }

  /** A journaled rung decision, replayed in journal order. */
  replay(event: Extract<Event.Event, { _tag: "rung_reached" }>): void {
    if (this.table(event.learner.name, event.iteration).some((e) => e.index === event.learner.index)) return
    this.add(event.learner, event.iteration, event.metricValue, {
      rank: event.rank,
      of: event.of,
      pruned: event.pruned,
      reason: event.reason
    })
  }
}

/**
 * The rung tables a journal's `rung_reached` events make.
 *
 * @since 0.3.0
 * @category constructors
 */
export const fromEvents = (events: Iterable<Event.Event>): Rungs => {
  const rungs = new Rungs()
  for (const e of events) if (e._tag === "rung_reached") rungs.replay(e)
  return rungs
}

/**
 * A policy as JSON (`run.json`'s plan).
 *
 * @since 0.3.0
 * @category rendering
 */
export const toJson = (policy: Policy): Json.JsonObject => ({
  asha: {
    ...(policy.every === undefined ? {} : { every: policy.every }),
    ...(policy.rungs === undefined ? {} : { rungs: [...policy.rungs] }),
    keep: policy.keep
  }
})

/**
 * How a policy reads in `rose plan`: `asha: keep 1/2 at iterations 2, 5, 8, …`.
 *
 * @since 0.3.0
 * @category rendering
 */
export const describe = (policy: Policy, maxIter: number | undefined): string => {
  const rungs = rungsOf(policy, maxIter)
  const more = maxIter === undefined && policy.rungs === undefined ? ", …" : ""
  return `asha: keep ${Number(policy.keep.toPrecision(4))} of each rung at iteration${rungs.length === 1 ? "" : "s"} ${rungs.join(", ")}${more}`
}

/**
 * A block's budget: how many tasks its learners may start in all (every attempt counts), or how many
 * seconds its tasks may run in all (the backend-measured durations of their finished and failed
 * attempts). When it is spent, a learner about to start a task ends with `budget`; tasks already
 * running finish, so the learners still running get the capacity the stopped ones free.
 *
 * @since 0.3.0
 * @category models
 */
export interface Budget {
  readonly tasks: number | undefined
  readonly taskSeconds: number | undefined
}

/**
 * @since 0.3.0
 * @category models
 */
export interface BudgetInput {
  /** Task attempts the block may start in all (an integer ≥ 1). */
  readonly tasks?: number | undefined
  /** Seconds the block's tasks may run in all (> 0). */
  readonly taskSeconds?: number | undefined
}

/**
 * A budget (validated with the learner block it is declared on).
 *
 * @since 0.3.0
 * @category constructors
 */
export const budget = (input: BudgetInput): Budget => ({ tasks: input.tasks, taskSeconds: input.taskSeconds })

/**
 * The problems of a budget, each as a phrase: none given, a count that is not a positive integer, a
 * duration that is not positive.
 *
 * @since 0.3.0
 * @category validation
 */
export const budgetProblems = (
  b: Budget
): ReadonlyArray<{ readonly field: "tasks" | "taskSeconds"; readonly message: string }> => {
  const out: Array<{ field: "tasks" | "taskSeconds"; message: string }> = []
  if (b.tasks === undefined && b.taskSeconds === undefined)
    out.push({ field: "tasks", message: "a budget needs `tasks: N` or `task_seconds: S`" })
  if (b.tasks !== undefined && !(Number.isInteger(b.tasks) && b.tasks >= 1))
    out.push({ field: "tasks", message: `a task budget is an integer ≥ 1, got ${b.tasks}` })
  if (b.taskSeconds !== undefined && !(Number.isFinite(b.taskSeconds) && b.taskSeconds > 0))
    out.push({ field: "taskSeconds", message: `a task-seconds budget is a number > 0, got ${b.taskSeconds}` })
  return out
}

/**
 * A budget as JSON (`run.json`'s plan).
 *
 * @since 0.3.0
 * @category rendering
 */
export const budgetToJson = (b: Budget): Json.JsonObject => ({
  ...(b.tasks === undefined ? {} : { tasks: b.tasks }),
  ...(b.taskSeconds === undefined ? {} : { taskSeconds: b.taskSeconds })
})

/**
 * How a budget reads in `rose plan`: `budget: 300 tasks`, `budget: 600 task-seconds`, or both.
 *
 * @since 0.3.0
 * @category rendering
 */
export const describeBudget = (b: Budget): string =>
  `budget: ${[
    ...(b.tasks === undefined ? [] : [`${b.tasks} task${b.tasks === 1 ? "" : "s"}`]),
    ...(b.taskSeconds === undefined ? [] : [`${b.taskSeconds} task-seconds`])
  ].join(", ")}`
