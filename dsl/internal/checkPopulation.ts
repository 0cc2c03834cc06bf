/**
 * Checks of a learner block's population policy, written as a setting whose value is an object:
 * `population { asha: { every: 3, keep: 1/2 } }` (or `rungs: [2, 5]` for `every`), or
 * `population { pbt: { every: 3, quantile: 1/4, seed: 7, perturb: { training: { learning_rate:
 * [0.8, 1.2] } } } }`. The policy ranks the block's learners by its criterion metric, so the block
 * needs a `stop when` with a direction, and every rung must be an iteration the block runs. A PBT
 * policy is checked after the block's tasks and sweep: what it perturbs must be theirs. The same
 * block holds the block's budget, beside or instead of a policy: `population { budget: { tasks: 300 } }`
 * (or `task_seconds: 600`).
 *
 * @since 0.3.0
 */
import * as Either from "effect/Either"
import * as Criterion from "../../core/Criterion.ts"
import type * as Json from "../../core/Json.ts"
import type * as Metric from "../../core/Metric.ts"
import * as Population from "../../core/Population.ts"
import * as PopulationProblems from "../../core/PopulationProblems.ts"
import type * as Sweep from "../../core/Sweep.ts"
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

/** What a PBT policy is checked against: the block's tasks (their `with` kwargs) and its sweep. */
export interface BlockContents {
  readonly tasks: ReadonlyArray<{ readonly name: string; readonly defaults: { readonly kwargs?: unknown } | undefined }>
  readonly points: ReadonlyArray<Sweep.Point> | undefined
  readonly space: Sweep.Space<Sweep.Distribution | ReadonlyArray<Json.Json>> | undefined
}

const policies = ["asha", "pbt"]
const ashaFields = ["every", "rungs", "keep"]
const pbtFields = ["every", "quantile", "perturb", "seed"]
/** Not a policy: what the block may spend, read by `checkBudget`. */
const budgetKey = "budget"
const budgetFields = ["tasks", "task_seconds"]

const entryOf = (value: Ast.Expr, key: string): Entry | undefined =>
  value._tag === "Object" ? value.entries.find((e) => e.key.name === key) : undefined

const codeOf = (field: PopulationProblems.Problem["field"]): Diagnostic.Code => {
  switch (field) {
    case "criterion":
      return Diagnostic.Codes.PopulationWithoutMetric
    case "keep":
      return Diagnostic.Codes.InvalidKeepFraction
    case "quantile":
      return Diagnostic.Codes.InvalidQuantile
    case "perturb":
      return Diagnostic.Codes.InvalidPerturb
    case "seed":
      return Diagnostic.Codes.InvalidPopulation
    case "every":
    case "rungs":
      return Diagnostic.Codes.InvalidRung
  }
}

/** Where a problem points: the perturbed key, its task, or the policy's field. */
const spanOf = (policyEntry: Entry, p: PopulationProblems.Problem) => {
  if (p.field === "perturb" && p.at !== undefined) {
    const perturb = entryOf(policyEntry.value, "perturb")
    const task = perturb === undefined ? undefined : entryOf(perturb.value, p.at.task)
    const key = task === undefined || p.at.key === undefined ? undefined : entryOf(task.value, p.at.key)
    const at = key ?? task
    if (at !== undefined) return p.at.key === undefined || key === undefined ? at.key.span : at.value.span
  }
  return entryOf(policyEntry.value, p.field)?.value.span ?? policyEntry.key.span
}

/**
 * The policy of a `population { … }` setting, or `undefined` when it has problems (reported). Runs
 * after the block's other settings, whose `max_iter` and `stop when` it needs.
 */
export function checkPopulation(
  ctx: Ctx,
  option: Ast.Option,
  settings: BlockSettings,
  contents: BlockContents
): Population.Policy | undefined {
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
    if (policy !== undefined) {
      err(ctx, Diagnostic.Codes.InvalidPopulation, "population takes one policy: asha or pbt, not both", entry.key.span)
      broken = true
      continue
    }
    const read = entry.key.name === "pbt" ? readPbt(ctx, entry, folded.value) : readAsha(ctx, entry, folded.value)
    if (read === undefined) broken = true
    else policy = read
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
  const problems = PopulationProblems.problems(policy, {
    criterion,
    maxIter: settings.maxIter,
    tasks: new Set(contents.tasks.map((t) => t.name)),
    space: contents.space,
    known: PopulationProblems.knownValues(
      policy,
      (task) =>
        contents.tasks.find((t) => t.name === task)?.defaults?.kwargs as
          | { readonly [key: string]: Json.Json }
          | undefined,
      contents.points
    )
  })
  const entry = value.entries.find((e) => e.key.name === (policy._tag === "Pbt" ? "pbt" : "asha"))
  for (const p of problems)
    err(ctx, codeOf(p.field), p.message, entry === undefined ? option.name.span : spanOf(entry, p))
  return problems.length > 0 ? undefined : policy
}

function readPbt(ctx: Ctx, entry: Entry, value: Json.Json): Population.Policy | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    err(
      ctx,
      Diagnostic.Codes.InvalidPopulation,
      `pbt takes an object { every: N, perturb: { task: { key: [0.8, 1.2] } } }, got ${shown(value)}`,
      entry.value.span
    )
    return undefined
  }
  let ok = true
  for (const key of Object.keys(value)) {
    if (pbtFields.includes(key)) continue
    err(
      ctx,
      Diagnostic.Codes.InvalidPopulation,
      `unknown pbt field "${key}" (fields: ${pbtFields.join(", ")})${didYouMean(key, pbtFields)}`,
      entryOf(entry.value, key)?.key.span ?? entry.key.span
    )
    ok = false
  }
  const { every, quantile, perturb, seed } = value as { [key: string]: Json.Json }
  const wrong = (span: Ast.Expr["span"] | undefined, message: string, code: Diagnostic.Code) => {
    err(ctx, code, message, span ?? entry.value.span)
    ok = false
  }
  const at = (field: string) => entryOf(entry.value, field)?.value.span
  if (every === undefined)
    wrong(entry.key.span, "pbt needs `every: N`, the iterations between periods", Diagnostic.Codes.InvalidRung)
  else if (typeof every !== "number")
    wrong(at("every"), `every must be an integer ≥ 1, got ${shown(every)}`, Diagnostic.Codes.InvalidRung)
  if (quantile !== undefined && typeof quantile !== "number")
    wrong(
      at("quantile"),
      `quantile must be a fraction in (0, 1/2], got ${shown(quantile)}`,
      Diagnostic.Codes.InvalidQuantile
    )
  if (seed !== undefined && typeof seed !== "number")
    wrong(at("seed"), `seed must be an integer, got ${shown(seed)}`, Diagnostic.Codes.InvalidPopulation)
  const how: Record<string, Record<string, Population.Perturbation | true>> = {}
  if (perturb === undefined)
    wrong(entry.key.span, "pbt needs `perturb: { task: { key: [0.8, 1.2] } }`", Diagnostic.Codes.InvalidPerturb)
  else if (typeof perturb !== "object" || perturb === null || Array.isArray(perturb))
    wrong(at("perturb"), `perturb takes { task: { key: … } }, got ${shown(perturb)}`, Diagnostic.Codes.InvalidPerturb)
  else {
    const perturbNode = entryOf(entry.value, "perturb")
    for (const [task, keys] of Object.entries(perturb)) {
      const taskNode = perturbNode === undefined ? undefined : entryOf(perturbNode.value, task)
      if (typeof keys !== "object" || keys === null || Array.isArray(keys)) {
        wrong(
          taskNode?.value.span,
          `perturb.${task} takes { key: [0.8, 1.2] }, got ${shown(keys)}`,
          Diagnostic.Codes.InvalidPerturb
        )
        continue
      }
      for (const [key, v] of Object.entries(keys)) {
        const keySpan = taskNode === undefined ? undefined : entryOf(taskNode.value, key)?.value.span
        if (v === "resample" || v === true) (how[task] ??= {})[key] = v
        else if (Array.isArray(v) && v.every((f) => typeof f === "number")) (how[task] ??= {})[key] = v as Array<number>
        else
          wrong(
            keySpan,
            `${task}.${key}: a list of factors ([0.8, 1.2]), true for those, or "resample"; got ${shown(v)}`,
            Diagnostic.Codes.InvalidPerturb
          )
      }
    }
  }
  if (!ok) return undefined
  return Population.pbt({
    every: every as number,
    quantile: quantile as number | undefined,
    seed: seed as number | undefined,
    perturb: how
  })
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
