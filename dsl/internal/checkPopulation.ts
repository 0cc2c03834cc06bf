/**
 * Checks of a learner block's population policy, written as a setting whose value is an object:
 * `population { asha: { every: 3, keep: 1/2 } }` (or `rungs: [2, 5]` for `every`). The policy ranks
 * the block's learners by its criterion metric, so the block needs a `stop when` with a direction, and
 * every rung must be an iteration the block runs. The same block holds the block's budget, beside or
 * instead of a policy: `population { budget: { tasks: 300 } }` (or `task_seconds: 600`).
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
/** Not a policy: what the block may spend, read by `checkBudget`. */
const budgetKey = "budget"
const budgetFields = ["tasks", "task_seconds"]

const entryOf = (value: Ast.Expr, key: string): Entry | undefined =>
  value._tag === "Object" ? value.entries.find((e) => e.key.name === key) : undefined

const codeOf = (field: "criterion" | "every" | "rungs" | "keep"): Diagnostic.Code =>
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
    if (entry.key.name === budgetKey) continue
    if (!policies.includes(entry.key.name)) {
      const known = [...policies, budgetKey]
      err(
        ctx,
        Diagnostic.Codes.InvalidPopulation,
        `unknown population policy "${entry.key.name}" (policies: ${policies.join(", ")}; or a budget)${didYouMean(entry.key.name, known)}`,
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
  if (policy === undefined && entryOf(value, budgetKey) !== undefined) return undefined
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

/**
 * The budget of a `population { budget: { … } }` setting, or `undefined` when it has none or it has
 * problems (reported). A budget needs no criterion: it counts tasks and seconds, not metrics.
 */
export function checkBudget(ctx: Ctx, option: Ast.Option): Population.Budget | undefined {
  const entry = option.value._tag === "Object" ? entryOf(option.value, budgetKey) : undefined
  if (entry === undefined) return undefined
  const folded = fold(entry.value, scope(ctx, { allowed: 0, where: "a budget" }))
  if (folded.value === undefined) return undefined
  return readBudget(ctx, entry, folded.value)
}

function readBudget(ctx: Ctx, entry: Entry, value: Json.Json): Population.Budget | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    err(
      ctx,
      Diagnostic.Codes.InvalidBudget,
      `budget takes an object { tasks: N } or { task_seconds: S }, got ${shown(value)}`,
      entry.value.span
    )
    return undefined
  }
  let ok = true
  for (const key of Object.keys(value)) {
    if (budgetFields.includes(key)) continue
    err(
      ctx,
      Diagnostic.Codes.InvalidBudget,
      `unknown budget field "${key}" (fields: ${budgetFields.join(", ")})${didYouMean(key, budgetFields)}`,
      entryOf(entry.value, key)?.key.span ?? entry.key.span
    )
    ok = false
  }
  const { tasks, task_seconds } = value as { [key: string]: Json.Json }
  const wrong = (field: string, message: string) => {
    err(ctx, Diagnostic.Codes.InvalidBudgetAmount, message, entryOf(entry.value, field)?.value.span ?? entry.value.span)
    ok = false
  }
  if (tasks !== undefined && typeof tasks !== "number")
    wrong("tasks", `tasks must be an integer ≥ 1, got ${shown(tasks)}`)
  if (task_seconds !== undefined && typeof task_seconds !== "number")
    wrong("task_seconds", `task_seconds must be a number > 0, got ${shown(task_seconds)}`)
  if (!ok) return undefined
  const budget = Population.budget({
    tasks: tasks as number | undefined,
    taskSeconds: task_seconds as number | undefined
  })
  const problems = Population.budgetProblems(budget)
  for (const p of problems) {
    const field = entryOf(entry.value, p.field === "tasks" ? "tasks" : "task_seconds")
    const code =
      tasks === undefined && task_seconds === undefined
        ? Diagnostic.Codes.InvalidBudget
        : Diagnostic.Codes.InvalidBudgetAmount
    err(ctx, code, p.message, field?.value.span ?? entry.value.span)
  }
  return problems.length > 0 ? undefined : budget
}
