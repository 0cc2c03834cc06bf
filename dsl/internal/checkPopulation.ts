/**
 * Checks of a learner block's population policy, written as a setting whose value is an object:
 * `population { asha: { every: 3, keep: 1/2 } }` (or `rungs: [2, 5]` for `every`). The policy ranks
 * the block's learners by its criterion metric, so the block needs a `stop when` with a direction, and
 * every rung must be an iteration the block runs.
 *
 * @since 0.3.0
 */
import * as Either from "effect/Either"
import * as Criterion from "../../core/Criterion.ts"
import type * as Json from "../../core/Json.ts"
import type * as Metric from "../../core/Metric.ts"
import * as Population from "../../core/Population.ts"
import type * as Ast from "../Ast.ts"
import * as Diagnostic from "../Diagnostic.ts"
import { fold } from "./analyze.ts"
import type { Entry } from "./astExpressions.ts"
import { type Ctx, err, scope, shown } from "./checkContext.ts"
import { didYouMean } from "./suggest.ts"

/** The setting's name in a learner block. */
export const populationSetting = "population"

/** What the policy needs of the block's other settings. */
export interface BlockSettings {
  readonly maxIter: number | undefined
  readonly stop:
    | { readonly metric: string; readonly operator: Metric.Operator | undefined; readonly threshold: number }
    | undefined
  readonly stopNode: Ast.StopWhen | undefined
}

const policies = ["asha"]
const ashaFields = ["every", "rungs", "keep"]

const entryOf = (value: Ast.Expr, key: string): Entry | undefined =>
  value._tag === "Object" ? value.entries.find((e) => e.key.name === key) : undefined

const codeOf = (field: Population.Problem["field"]): Diagnostic.Code =>
  field === "criterion"
    ? Diagnostic.Codes.PopulationWithoutMetric
    : field === "keep"
      ? Diagnostic.Codes.InvalidKeepFraction
      : Diagnostic.Codes.InvalidRung

/**
 * The policy of a `population { … }` setting, or `undefined` when it has problems (reported). Runs
 * after the block's other settings, whose `max_iter` and `stop when` it needs.
 */
export function checkPopulation(ctx: Ctx, option: Ast.Option, settings: BlockSettings): Population.Policy | undefined {
  const value = option.value
  if (value._tag !== "Object") {
    err(
      ctx,
      Diagnostic.Codes.InvalidPopulation,
      "population takes an object: population { asha: { every: 3, keep: 1/2 } }",
      value.span
    )
    return undefined
  }
  let policy: Population.Policy | undefined
  let broken = false
  for (const entry of value.entries) {
    if (!policies.includes(entry.key.name)) {
      err(
        ctx,
        Diagnostic.Codes.InvalidPopulation,
        `unknown population policy "${entry.key.name}" (policies: ${policies.join(", ")})${didYouMean(entry.key.name, policies)}`,
        entry.key.span
      )
      broken = true
      continue
    }
    const folded = fold(entry.value, scope(ctx, { allowed: 0, where: "a population policy" }))
    if (folded.value === undefined) {
      broken = true
      continue
    }
    const asha = readAsha(ctx, entry, folded.value)
    if (asha === undefined) broken = true
    else policy = asha
  }
  if (broken) return undefined
  if (policy === undefined) {
    err(
      ctx,
      Diagnostic.Codes.InvalidPopulation,
      "population names no policy: population { asha: { every: 3 } }",
      value.span
    )
    return undefined
  }
  const stop = settings.stop
  const criterion =
    stop === undefined
      ? undefined
      : Either.getOrUndefined(
          Criterion.make({ metricName: stop.metric, threshold: stop.threshold, operator: stop.operator })
        )
  // A `stop when` that did not check is reported already; without one, the policy has nothing to rank by.
  if (stop === undefined && settings.stopNode !== undefined) return undefined
  const problems = Population.problems(policy, { criterion, maxIter: settings.maxIter })
  for (const p of problems) {
    const entry = value.entries.find((e) => e.key.name === "asha")
    const field = entry === undefined ? undefined : entryOf(entry.value, p.field)
    err(ctx, codeOf(p.field), p.message, field?.value.span ?? entry?.key.span ?? option.name.span)
  }
  return problems.length > 0 ? undefined : policy
}

function readAsha(ctx: Ctx, entry: Entry, value: Json.Json): Population.Policy | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    err(
      ctx,
      Diagnostic.Codes.InvalidPopulation,
      `asha takes an object { every: N, keep: F }, got ${shown(value)}`,
      entry.value.span
    )
    return undefined
  }
  let ok = true
  for (const key of Object.keys(value)) {
    if (ashaFields.includes(key)) continue
    err(
      ctx,
      Diagnostic.Codes.InvalidPopulation,
      `unknown asha field "${key}" (fields: ${ashaFields.join(", ")})${didYouMean(key, ashaFields)}`,
      entryOf(entry.value, key)?.key.span ?? entry.key.span
    )
    ok = false
  }
  const { every, rungs, keep } = value as { [key: string]: Json.Json }
  const wrong = (field: string, message: string, code: Diagnostic.Code) => {
    err(ctx, code, message, entryOf(entry.value, field)?.value.span ?? entry.value.span)
    ok = false
  }
  if (every !== undefined && typeof every !== "number")
    wrong("every", `every must be an integer ≥ 1, got ${shown(every)}`, Diagnostic.Codes.InvalidRung)
  if (rungs !== undefined && !(Array.isArray(rungs) && rungs.every((r) => typeof r === "number")))
    wrong("rungs", `rungs must be a list of iterations, got ${shown(rungs)}`, Diagnostic.Codes.InvalidRung)
  if (keep !== undefined && typeof keep !== "number")
    wrong("keep", `keep must be a fraction in (0, 1), got ${shown(keep)}`, Diagnostic.Codes.InvalidKeepFraction)
  if (!ok) return undefined
  return Population.asha({
    every: every as number | undefined,
    rungs: rungs as ReadonlyArray<number> | undefined,
    keep: keep as number | undefined
  })
}
