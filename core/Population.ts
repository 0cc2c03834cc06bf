/**
 * Population policies of a learner block. Successive halving, asynchronous (ASHA): at rung
 * iterations each learner of the block is ranked, by its criterion metric, against the learners that
 * reached the same rung before it; one outside the kept fraction is pruned. Population based
 * training (PBT): at period iterations a learner ranked in the bottom quantile of its block (each
 * other learner by its value at the latest period it reached) copies a learner of the period's top
 * quantile, its working folder and config, with some keys perturbed. Nobody waits for the learners
 * that have not reached the rung yet, so the decisions depend only on the order in which learners
 * arrive at the rungs, which the journal records (`rung_reached`), so a resumed run keeps the same
 * rung tables.
 *
 * @since 0.3.0
 */
import type * as Criterion from "./Criterion.ts"
import type * as Event from "./Event.ts"
import type * as Json from "./Json.ts"
import type * as LearnerConfig from "./LearnerConfig.ts"
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
 * How PBT changes a copied key: multiplied by one of the factors (an integral key stays an integer:
 * one whose sweep values are all integers, or, outside the sweep, an integer of at least 10 in
 * absolute value), or drawn again from the values the block's sweep gives it.
 *
 * @since 0.3.0
 * @category models
 */
export type Perturbation = ReadonlyArray<number> | "resample"

/**
 * Population based training: periods every `every` iterations (after iterations `every - 1`,
 * `2·every - 1`, …); a learner in the bottom `quantile` of its block (the others ranked by their
 * latest period values) copies one of the top `quantile` of the period's learners so far that is
 * better than itself (its working folder and config), perturbing the `perturb` keys. The choices are
 * drawn with `seed`.
 *
 * @since 0.3.0
 * @category models
 */
export interface Pbt {
  readonly _tag: "Pbt"
  readonly every: number
  readonly quantile: number
  readonly perturb: { readonly [task: string]: { readonly [key: string]: Perturbation } }
  readonly seed: number
}

/**
 * @since 0.3.0
 * @category models
 */
export type Policy = Asha | Pbt

/**
 * @since 0.3.0
 * @category models
 */
export interface PbtInput {
  /** A period after every `every` iterations (an integer ≥ 1). */
  readonly every: number
  /** The bottom fraction that copies the top one, in (0, 1/2]; default 1/4. */
  readonly quantile?: number | undefined
  /**
   * Per task, per key: factors to multiply by (`true` for the default ×0.8 / ×1.2), or `"resample"`
   * to draw from the block's sweep.
   */
  readonly perturb: { readonly [task: string]: { readonly [key: string]: Perturbation | true } }
  /** Seeds the choices of source learner and perturbation (an integer; default 0). */
  readonly seed?: number | undefined
}

/**
 * The factors a perturbed key is multiplied by unless told otherwise.
 *
 * @since 0.3.0
 * @category constants
 */
export const defaultFactors: ReadonlyArray<number> = [0.8, 1.2]

/**
 * A PBT policy (validated with the learner block it is declared on).
 *
 * @since 0.3.0
 * @category constructors
 */
export const pbt = (input: PbtInput): Pbt => ({
  _tag: "Pbt",
  every: input.every,
  quantile: input.quantile ?? 0.25,
  perturb: Object.fromEntries(
    Object.entries(input.perturb).map(([task, keys]) => [
      task,
      Object.fromEntries(Object.entries(keys).map(([key, p]) => [key, p === true ? defaultFactors : p]))
    ])
  ),
  seed: input.seed ?? 0
})

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

/**
 * Whether iteration `iteration` (0-based) is a rung of the policy.
 *
 * @since 0.3.0
 * @category predicates
 */
export const isRung = (policy: Policy, iteration: number): boolean =>
  policy._tag === "Asha" && policy.rungs !== undefined
    ? policy.rungs.includes(iteration)
    : policy.every !== undefined && (iteration + 1) % policy.every === 0

/**
 * The rungs of a policy below `maxIter` (the first `limit` of them without one).
 *
 * @since 0.3.0
 * @category getters
 */
export const rungsOf = (policy: Policy, maxIter: number | undefined, limit = 8): ReadonlyArray<number> => {
  if (policy._tag === "Asha" && policy.rungs !== undefined)
    return policy.rungs.filter((r) => maxIter === undefined || r < maxIter)
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

/**
 * What a learner ran with at a PBT period, kept in its entry of the period's table: what a learner
 * that copies it starts from.
 *
 * @since 0.3.0
 * @category models
 */
export interface Standing {
  /** The config each task of the period iteration was resolved to. */
  readonly resolved: {
    readonly [task: string]: {
      readonly args: ReadonlyArray<Json.Json>
      readonly kwargs: { readonly [key: string]: Json.Json }
    }
  }
  /** The learner's schedules then. */
  readonly config: LearnerConfig.Normalized
}

/**
 * A learner's entry in a rung's table.
 *
 * @since 0.3.0
 * @category models
 */
export interface Entry {
  readonly index: number
  readonly value: number
  readonly verdict: Verdict
  standing: Standing | undefined
}

const formatValue = (v: number) => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4))))

/**
 * How many learners a table of `of` keeps (ASHA) or copies from (PBT's top quantile).
 *
 * @since 0.3.0
 * @category getters
 */
export const cut = (policy: Policy, of: number): number =>
  Math.floor(of * (policy._tag === "Asha" ? policy.keep : policy.quantile) + 1e-9)

/**
 * Whether a PBT verdict puts the learner in the bottom quantile of its block, so that it copies a
 * top learner of the period if one is better (never at its last iteration).
 *
 * @since 0.3.0
 * @category predicates
 */
export const exploits = (policy: Pbt, verdict: Verdict, ends: boolean): boolean => {
  const c = cut(policy, verdict.of)
  return !ends && c >= 1 && verdict.rank > verdict.of - c
}

/**
 * The rung tables of a run: per block and rung, the learners that reached it, in arrival order.
 *
 * @since 0.3.0
 * @category models
 */
export class Rungs {
  private readonly tables = new Map<string, Map<number, Array<Entry>>>()
  private readonly prunedBy = new Map<string, string>()
  private readonly exploitedAt = new Set<string>()

  private table(block: string, iteration: number): Array<Entry> {
    let byRung = this.tables.get(block)
    if (byRung === undefined) this.tables.set(block, (byRung = new Map()))
    let entries = byRung.get(iteration)
    if (entries === undefined) byRung.set(iteration, (entries = []))
    return entries
  }

  /**
   * Ranks a learner arriving at a rung (itself included; ties go to the others). Under ASHA it is
   * ranked against those already at the rung, and stays when the rung holds too few learners for the
   * kept fraction to be one (`⌊n · keep⌋ < 1`), or when its rank is at most `⌊n · keep⌋`; `ends` says
   * it stops there anyway. Under PBT it is ranked against the latest value of every other learner of
   * the block (as Ray Tune's PBT does): ranking only against the earlier arrivals at the period would
   * spare the learners that arrive among the first, whatever their value. PBT never prunes. A learner
   * judged at this rung before (an iteration re-run by a resume) keeps its verdict.
   */
  judge(
    policy: Policy,
    ref: Ref,
    iteration: number,
    value: number,
    criterion: Criterion.Criterion,
    ends: boolean,
    standing?: Standing
  ): Verdict {
    const entries = this.table(ref.name, iteration)
    const earlier = entries.find((e) => e.index === ref.index)
    if (earlier !== undefined) return earlier.verdict
    const lower = direction(criterion.operator) !== "higher"
    const better = (a: number, b: number) => (lower ? a < b : a > b)
    const others = policy._tag === "Pbt" ? this.latest(ref) : entries.map((e) => e.value)
    const rank = 1 + others.filter((v) => better(v, value) || v === value).length
    const of = others.length + 1
    const kept = cut(policy, of)
    const pruned = policy._tag === "Asha" && !ends && kept >= 1 && rank > kept
    const among = policy._tag === "Pbt" ? " in the block" : ""
    const reason = `rank ${rank} of ${of}${among} at iteration ${iteration}, ${criterion.metric} ${formatValue(value)}`
    const verdict = { rank, of, pruned, reason }
    this.add(ref, iteration, value, verdict, standing)
    return verdict
  }

  /**
   * The value of every other learner of `ref`'s block at the latest rung it reached so far: its entry
   * of the highest rung iteration in the tables, which the journal's `rung_reached` events rebuild.
   */
  private latest(ref: Ref): ReadonlyArray<number> {
    const at = new Map<number, { readonly iteration: number; readonly value: number }>()
    for (const [iteration, entries] of this.tables.get(ref.name) ?? [])
      for (const e of entries)
        if (e.index !== ref.index && (at.get(e.index)?.iteration ?? -1) < iteration)
          at.set(e.index, { iteration, value: e.value })
    return [...at.values()].map((l) => l.value)
  }

  /**
   * The best `count` learners of a rung's table as it stood when `ref` arrived (itself left out),
   * best first, ties to the earlier arrival.
   */
  top(ref: Ref, iteration: number, count: number, criterion: Criterion.Criterion): ReadonlyArray<Entry> {
    const entries = this.table(ref.name, iteration)
    const at = entries.findIndex((e) => e.index === ref.index)
    const lower = direction(criterion.operator) !== "higher"
    return entries
      .slice(0, at < 0 ? entries.length : at + 1)
      .filter((e) => e.index !== ref.index)
      .map((e, order) => ({ e, order }))
      .sort((a, b) =>
        a.e.value === b.e.value ? a.order - b.order : lower ? a.e.value - b.e.value : b.e.value - a.e.value
      )
      .slice(0, count)
      .map(({ e }) => e)
  }

  /** A learner's entry at a rung, if it has one. */
  entry(ref: Ref, iteration: number): Entry | undefined {
    return this.tables
      .get(ref.name)
      ?.get(iteration)
      ?.find((e) => e.index === ref.index)
  }

  /** Records that a learner copied another at a period (it does not copy again there on resume). */
  markExploited(ref: Ref, iteration: number): void {
    this.exploitedAt.add(`${ref.name}[${ref.index}]@${iteration}`)
  }

  /** Whether a learner copied another at a period. */
  exploited(ref: Ref, iteration: number): boolean {
    return this.exploitedAt.has(`${ref.name}[${ref.index}]@${iteration}`)
  }

  private add(ref: Ref, iteration: number, value: number, verdict: Verdict, standing?: Standing) {
    this.table(ref.name, iteration).push({ index: ref.index, value, verdict, standing })
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

  /** A journaled rung decision, replayed in journal order (a PBT entry gets its standing later). */
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
  for (const e of events) {
    if (e._tag === "rung_reached") rungs.replay(e)
    else if (e._tag === "exploited") rungs.markExploited(e.learner, e.iteration)
  }
  return rungs
}

/**
 * A policy as JSON (`run.json`'s plan).
 *
 * @since 0.3.0
 * @category rendering
 */
export const toJson = (policy: Policy): Json.JsonObject =>
  policy._tag === "Pbt"
    ? {
        pbt: {
          every: policy.every,
          quantile: policy.quantile,
          perturb: Object.fromEntries(
            Object.entries(policy.perturb).map(([task, keys]) => [
              task,
              Object.fromEntries(Object.entries(keys).map(([k, p]) => [k, p === "resample" ? p : [...p]]))
            ])
          ),
          seed: policy.seed
        }
      }
    : {
        asha: {
          ...(policy.every === undefined ? {} : { every: policy.every }),
          ...(policy.rungs === undefined ? {} : { rungs: [...policy.rungs] }),
          keep: policy.keep
        }
      }

/**
 * What a PBT policy perturbs, as `rose plan` shows it: `training.learning_rate ×0.8/×1.2`,
 * `simulation.n_labeled resampled`.
 *
 * @since 0.3.0
 * @category rendering
 */
export const perturbText = (policy: Pbt): string =>
  Object.entries(policy.perturb)
    .flatMap(([task, keys]) =>
      Object.entries(keys).map(
        ([k, p]) => `${task}.${k} ${p === "resample" ? "resampled" : p.map((f) => `×${formatValue(f)}`).join("/")}`
      )
    )
    .join(", ")

/**
 * How a policy reads in `rose plan`: `asha: keep 1/2 at iterations 2, 5, 8, …`, or `pbt: the bottom
 * 0.25 copies the top 0.25 at iterations 2, 5, …; perturbs training.learning_rate ×0.8/×1.2`.
 *
 * @since 0.3.0
 * @category rendering
 */
export const describe = (policy: Policy, maxIter: number | undefined): string => {
  const rungs = rungsOf(policy, maxIter)
  const more = maxIter === undefined && (policy._tag === "Pbt" || policy.rungs === undefined) ? ", …" : ""
  const at = `iteration${rungs.length === 1 ? "" : "s"} ${rungs.join(", ")}${more}`
  if (policy._tag === "Pbt") {
    const q = formatValue(policy.quantile)
    return `pbt: the bottom ${q} copies the top ${q} at ${at}; perturbs ${perturbText(policy)} (seed ${policy.seed})`
  }
  return `asha: keep ${Number(policy.keep.toPrecision(4))} of each rung at ${at}`
}

/** A block's budget sits beside its policy (`population { …, budget: { … } }`); its own module holds it. */
export type { Budget, BudgetInput } from "./PopulationBudget.ts"
export { budget, budgetProblems, budgetToJson, describeBudget } from "./PopulationBudget.ts"
