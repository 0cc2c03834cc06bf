/**
 * The problems of a population policy on the learner block it is declared on: what the core model
 * (`Learner.make`) and the DSL checker report, each with the policy field it is about.
 *
 * @since 0.3.0
 */
import type * as Criterion from "./Criterion.ts"
import type * as Json from "./Json.ts"
import * as Population from "./Population.ts"
import type * as Sweep from "./Sweep.ts"

const isIndex = (v: number) => Number.isInteger(v) && v >= 0

/**
 * A problem of a policy on a block: the policy's field it is about (and for `perturb`, the task and
 * key), and a phrase.
 *
 * @since 0.3.0
 * @category models
 */
export interface Problem {
  readonly field: "criterion" | "every" | "rungs" | "keep" | "quantile" | "perturb" | "seed"
  readonly message: string
  /** The perturbed task and key a `perturb` problem is about. */
  readonly at?: { readonly task: string; readonly key?: string | undefined } | undefined
}

/**
 * What a policy is checked against: the block's criterion and `max_iter`; for PBT, its tasks, its
 * sweep's space (what `"resample"` draws from) and the values its task defaults and sweep points give
 * each key (a factor needs a number).
 *
 * @since 0.3.0
 * @category models
 */
export interface Block {
  readonly criterion: Criterion.Criterion | undefined
  readonly maxIter: number | undefined
  readonly tasks?: ReadonlySet<string> | undefined
  readonly space?: Sweep.Space<Sweep.Distribution | ReadonlyArray<Json.Json>> | undefined
  readonly known?: { readonly [task: string]: { readonly [key: string]: ReadonlyArray<Json.Json> } } | undefined
}

/**
 * The problems of a policy on a block, each as a phrase: no metric to rank by, a metric without a
 * direction, a rung the block never reaches, a bad `every` or `keep`; for PBT a bad `quantile` or
 * `seed`, nothing to perturb, factors for a key that is not a number, `"resample"` for a key the
 * sweep does not give.
 *
 * @since 0.3.0
 * @category validation
 */
export const problems = (policy: Population.Policy, block: Block): ReadonlyArray<Problem> => {
  const out: Array<Problem> = []
  if (block.criterion === undefined)
    out.push({ field: "criterion", message: "a population policy ranks by the criterion metric: add `stop when`" })
  else if (Population.direction(block.criterion.operator) === undefined)
    out.push({
      field: "criterion",
      message: `a population policy ranks by the criterion metric, and ${block.criterion.operator} gives it no direction (use < <= > >=)`
    })
  return policy._tag === "Asha" ? [...out, ...ashaProblems(policy, block)] : [...out, ...pbtProblems(policy, block)]
}

const ashaProblems = (policy: Population.Asha, block: Block): ReadonlyArray<Problem> => {
  const out: Array<Problem> = []
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

const pbtProblems = (policy: Population.Pbt, block: Block): ReadonlyArray<Problem> => {
  const out: Array<Problem> = []
  if (!(Number.isInteger(policy.every) && policy.every >= 1))
    out.push({ field: "every", message: `every must be an integer ≥ 1, got ${policy.every}` })
  // The last period must leave an iteration to run with what was copied.
  else if (block.maxIter !== undefined && policy.every >= block.maxIter)
    out.push({
      field: "every",
      message: `the first period (iteration ${policy.every - 1}) leaves no iteration before max_iter ${block.maxIter}`
    })
  if (!(policy.quantile > 0 && policy.quantile <= 0.5))
    out.push({ field: "quantile", message: `quantile must be a fraction in (0, 1/2], got ${policy.quantile}` })
  if (!Number.isInteger(policy.seed))
    out.push({ field: "seed", message: `seed must be an integer, got ${policy.seed}` })
  const keys = Object.entries(policy.perturb).flatMap(([task, ks]) =>
    Object.entries(ks).map(([key, how]) => ({ task, key, how }))
  )
  if (keys.length === 0)
    out.push({
      field: "perturb",
      message: "pbt needs keys to perturb: perturb: { training: { learning_rate: [0.8, 1.2] } }"
    })
  for (const task of Object.keys(policy.perturb)) {
    if (block.tasks !== undefined && !block.tasks.has(task))
      out.push({
        field: "perturb",
        at: { task },
        message: `the learner has no task "${task}" (its tasks: ${[...block.tasks].join(", ")})`
      })
  }
  for (const { task, key, how } of keys) {
    const at = { task, key }
    if (how === "resample") {
      if (block.space?.[task]?.[key] === undefined)
        out.push({
          field: "perturb",
          at,
          message: `"resample" draws from the block's sweep, which gives no values to ${task}.${key}`
        })
      continue
    }
    if (how.length === 0 || how.some((f) => typeof f !== "number" || !Number.isFinite(f) || f <= 0))
      out.push({ field: "perturb", at, message: `${task}.${key}: factors are a non-empty list of numbers > 0` })
    const other = block.known?.[task]?.[key]?.find((v) => typeof v !== "number")
    if (other !== undefined)
      out.push({
        field: "perturb",
        at,
        message: `${task}.${key} is ${JSON.stringify(other)}, not a number: multiply a number, or "resample" it`
      })
  }
  return out
}

/**
 * The values a block gives each key a PBT policy perturbs, what `Block.known` holds: its task's
 * default kwarg, then each sweep point's. Empty for ASHA.
 *
 * @since 0.3.0
 * @category getters
 */
export const knownValues = (
  policy: Population.Policy,
  kwargsOf: (task: string) => { readonly [key: string]: Json.Json } | undefined,
  points: ReadonlyArray<Sweep.Point> | undefined
): { [task: string]: { [key: string]: Array<Json.Json> } } => {
  const out: { [task: string]: { [key: string]: Array<Json.Json> } } = {}
  if (policy._tag !== "Pbt") return out
  for (const [task, keys] of Object.entries(policy.perturb))
    for (const key of Object.keys(keys)) {
      const own = kwargsOf(task)?.[key]
      const values = (points ?? []).flatMap((p) => (p[task]?.[key] === undefined ? [] : [p[task]![key]!]))
      ;(out[task] ??= {})[key] = own === undefined ? values : [own, ...values]
    }
  return out
}
