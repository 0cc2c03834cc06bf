/**
 * Checks of a learner block's settings: `parallel`, `max_iter`, `stop when`, `on_error` and the
 * options of its kind (`models 3`), each set at most once.
 *
 * @since 0.1.0
 */
import type * as Json from "../../core/Json.ts"
import type * as Learner from "../../core/Learner.ts"
import * as Metric from "../../core/Metric.ts"
import type * as Population from "../../core/Population.ts"
import type * as Ast from "../Ast.ts"
import type { LearnerModel } from "../CheckedModel.ts"
import * as Diagnostic from "../Diagnostic.ts"
import { fold } from "./analyze.ts"
import { type Ctx, constInt, err, scope, shown } from "./checkContext.ts"
import { checkBudget, checkPopulation, populationSetting } from "./checkPopulation.ts"
import { kindOptions, learnerKeywords } from "./options.ts"
import { didYouMean } from "./suggest.ts"

/** What a block's settings say; the later rules read it, and a selector's rule corrects `parallel`. */
export interface Settings {
  parallel: number
  /** false when `parallel` was given but invalid (learner indices are then not range-checked). */
  parallelKnown: boolean
  parallelNode: Ast.Parallel | undefined
  maxIter: number | undefined
  maxIterNode: Ast.MaxIter | undefined
  /** false when `max_iter` was given but invalid (already reported). */
  maxIterKnown: boolean
  stop: LearnerModel["stop"]
  stopNode: Ast.StopWhen | undefined
  onError: Learner.OnError
  options: Record<string, Json.Json>
  population: Population.Policy | undefined
  budget: Population.Budget | undefined
}

const settingName = (item: Ast.LearnerItem): string | undefined => {
  switch (item._tag) {
    case "Parallel":
      return "parallel"
    case "MaxIter":
      return "max_iter"
    case "StopWhen":
      return "stop when"
    case "OnError":
      return "on_error"
    case "Option":
      return item.name.text
    case "LearnersSection":
      return "learners { … }"
    case "Sweep":
      return "sweep"
    default:
      return undefined
  }
}

function ruleDuplicateSettings(ctx: Ctx, block: Ast.LearnerBlock): Set<Ast.LearnerItem> {
  const seen = new Map<string, Ast.LearnerItem>()
  const duplicates = new Set<Ast.LearnerItem>()
  for (const item of block.items) {
    const name = settingName(item)
    if (name === undefined) continue
    const first = seen.get(name)
    if (first === undefined) {
      seen.set(name, item)
      continue
    }
    duplicates.add(item)
    err(
      ctx,
      Diagnostic.Codes.DuplicateSetting,
      `${name} is already set at line ${first.span.start.line}`,
      item._tag === "Option" ? item.name.span : item.span
    )
  }
  return duplicates
}

function ruleStopWhen(ctx: Ctx, stopWhen: Ast.StopWhen): Settings["stop"] {
  const blockScope = scope(ctx, { allowed: 0, where: "a stop criterion" })
  const folded = fold(stopWhen.threshold, blockScope)
  let threshold: number | undefined
  if (folded.info.ok && folded.value !== undefined) {
    if (typeof folded.value === "number" && Number.isFinite(folded.value)) threshold = folded.value
    else
      err(
        ctx,
        Diagnostic.Codes.InvalidThreshold,
        `the threshold must be a number, got ${shown(folded.value)}`,
        stopWhen.threshold.span
      )
  }
  if (stopWhen.metric === undefined) return undefined
  const metric = stopWhen.metric.text
  const known = Metric.lookup(metric) !== undefined
  if (stopWhen.operator === undefined && !known) {
    err(
      ctx,
      Diagnostic.Codes.UnknownMetric,
      `unknown metric "${metric}": give an operator (stop when ${metric} < 0.1) or use a known metric${didYouMean(metric, Metric.names)}`,
      stopWhen.metric.span
    )
    return undefined
  }
  if (!known) {
    const hint = didYouMean(metric, Metric.names)
    if (hint !== "") {
      ctx.report(
        Diagnostic.warning(
          Diagnostic.Codes.UnlistedMetric,
          `"${metric}" is not in the metric table${hint}`,
          stopWhen.metric.span
        )
      )
    }
  }
  if (threshold === undefined) return undefined
  return { metric, operator: stopWhen.operator?.text as Metric.Operator | undefined, threshold }
}

function ruleOption(ctx: Ctx, block: Ast.LearnerBlock, option: Ast.Option, options: Record<string, Json.Json>): void {
  const table = kindOptions[block.kind]
  const problemOf = table[option.name.text]
  if (problemOf === undefined && option.value._tag === "Object") {
    err(
      ctx,
      Diagnostic.Codes.UnknownLearnerOption,
      `a configuration entry goes inside a learner section: learner 0 { ${option.name.text} { … } }`,
      option.name.span
    )
    return
  }
  if (problemOf === undefined) {
    const known = Object.keys(table)
    err(
      ctx,
      Diagnostic.Codes.UnknownLearnerOption,
      `unknown ${block.kind} learner setting "${option.name.text}"${known.length > 0 ? ` (options: ${known.join(", ")})` : ""}${didYouMean(option.name.text, [...learnerKeywords, ...known])}`,
      option.name.span
    )
    return
  }
  const folded = fold(option.value, scope(ctx, { allowed: 0, where: `the option ${option.name.text}` }))
  if (folded.value === undefined) return
  const problem = problemOf(folded.value)
  if (problem !== undefined) {
    err(
      ctx,
      Diagnostic.Codes.InvalidLearnerOption,
      `${option.name.text} ${problem}, got ${shown(folded.value)}`,
      option.value.span
    )
    return
  }
  options[option.name.text] = folded.value
}

export function checkSettings(ctx: Ctx, block: Ast.LearnerBlock): Settings {
  const duplicates = ruleDuplicateSettings(ctx, block)
  const settings: Settings = {
    parallel: 1,
    parallelKnown: true,
    parallelNode: undefined,
    maxIter: undefined,
    maxIterNode: undefined,
    maxIterKnown: true,
    stop: undefined,
    stopNode: undefined,
    onError: "continue",
    options: {},
    population: undefined,
    budget: undefined
  }
  let population: Ast.Option | undefined
  const constant = (where: string) => scope(ctx, { allowed: 0, where })
  for (const item of block.items) {
    if (duplicates.has(item)) continue
    switch (item._tag) {
      case "Parallel": {
        settings.parallelNode = item
        const count = constInt(
          ctx,
          item.value,
          constant("parallel"),
          Diagnostic.Codes.InvalidParallel,
          "parallel",
          1,
          100_000
        )
        if (count !== undefined) settings.parallel = count
        else settings.parallelKnown = false
        break
      }
      case "MaxIter": {
        settings.maxIterNode = item
        const count = constInt(ctx, item.value, constant("max_iter"), Diagnostic.Codes.InvalidMaxIter, "max_iter", 0)
        if (count === undefined) settings.maxIterKnown = false
        else if (count > 0) settings.maxIter = count
        break
      }
      case "StopWhen":
        settings.stopNode = item
        settings.stop = ruleStopWhen(ctx, item)
        break
      case "OnError": {
        const value = item.value
        if (value === undefined) break
        if (value.text === "continue" || value.text === "abort") settings.onError = value.text
        else {
          err(
            ctx,
            Diagnostic.Codes.InvalidOnError,
            `on_error is continue or abort, got "${value.text}"${didYouMean(value.text, ["continue", "abort"])}`,
            value.span
          )
        }
        break
      }
      case "Option":
        if (item.name.text === populationSetting) population = item
        else ruleOption(ctx, block, item, settings.options)
        break
    }
  }
  if (population !== undefined) {
    settings.population = checkPopulation(ctx, population, settings)
    settings.budget = checkBudget(ctx, population)
  }
  return settings
}
