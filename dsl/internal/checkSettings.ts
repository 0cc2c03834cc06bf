/**
 * Checks of a learner block's settings: `parallel`, `max_iter`, `stop when`, `on_error` and the
 * options of its kind (`models 3`), each set at most once.
 *
 * @since 0.1.0
 */
import type * as Json from "../../core/Json.ts"
import type * as Learner from "../../core/Learner.ts"
import * as Metric from "../../core/Metric.ts"
import type * as Ast from "../Ast.ts"
import type { LearnerModel } from "../CheckedModel.ts"
import * as Diagnostic from "../Diagnostic.ts"
import { fold } from "./analyze.ts"
import { type Ctx, constInt, err, scope, shown } from "./checkContext.ts"
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

function ruleStopWhen(ctx: Ctx, s: Ast.StopWhen): Settings["stop"] {
  const blockScope = scope(ctx, { allowed: 0, where: "a stop criterion" })
  const t = fold(s.threshold, blockScope)
  let threshold: number | undefined
  if (t.info.ok && t.value !== undefined) {
    if (typeof t.value === "number" && Number.isFinite(t.value)) threshold = t.value
    else
      err(
        ctx,
        Diagnostic.Codes.InvalidThreshold,
        `the threshold must be a number, got ${shown(t.value)}`,
        s.threshold.span
      )
  }
  if (s.metric === undefined) return undefined
  const metric = s.metric.text
  const known = Metric.lookup(metric) !== undefined
  if (s.operator === undefined && !known) {
    err(
      ctx,
      Diagnostic.Codes.UnknownMetric,
      `unknown metric "${metric}": give an operator (stop when ${metric} < 0.1) or use a known metric${didYouMean(metric, Metric.names)}`,
      s.metric.span
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
          s.metric.span
        )
      )
    }
  }
  if (threshold === undefined) return undefined
  return { metric, operator: s.operator?.text as Metric.Operator | undefined, threshold }
}

function ruleOption(ctx: Ctx, block: Ast.LearnerBlock, o: Ast.Option, options: Record<string, Json.Json>): void {
  const table = kindOptions[block.kind]
  const check = table[o.name.text]
  if (check === undefined && o.value._tag === "Object") {
    err(
      ctx,
      Diagnostic.Codes.UnknownLearnerOption,
      `a configuration entry goes inside a learner section: learner 0 { ${o.name.text} { … } }`,
      o.name.span
    )
    return
  }
  if (check === undefined) {
    const known = Object.keys(table)
    err(
      ctx,
      Diagnostic.Codes.UnknownLearnerOption,
      `unknown ${block.kind} learner setting "${o.name.text}"${known.length > 0 ? ` (options: ${known.join(", ")})` : ""}${didYouMean(o.name.text, [...learnerKeywords, ...known])}`,
      o.name.span
    )
    return
  }
  const r = fold(o.value, scope(ctx, { allowed: 0, where: `the option ${o.name.text}` }))
  if (r.value === undefined) return
  const problem = check(r.value)
  if (problem !== undefined) {
    err(ctx, Diagnostic.Codes.InvalidLearnerOption, `${o.name.text} ${problem}, got ${shown(r.value)}`, o.value.span)
    return
  }
  options[o.name.text] = r.value
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
    options: {}
  }
  const constant = (where: string) => scope(ctx, { allowed: 0, where })
  for (const item of block.items) {
    if (duplicates.has(item)) continue
    switch (item._tag) {
      case "Parallel": {
        settings.parallelNode = item
        const n = constInt(
          ctx,
          item.value,
          constant("parallel"),
          Diagnostic.Codes.InvalidParallel,
          "parallel",
          1,
          100_000
        )
        if (n !== undefined) settings.parallel = n
        else settings.parallelKnown = false
        break
      }
      case "MaxIter": {
        settings.maxIterNode = item
        const n = constInt(ctx, item.value, constant("max_iter"), Diagnostic.Codes.InvalidMaxIter, "max_iter", 0)
        if (n === undefined) settings.maxIterKnown = false
        else if (n > 0) settings.maxIter = n
        break
      }
      case "StopWhen":
        settings.stopNode = item
        settings.stop = ruleStopWhen(ctx, item)
        break
      case "OnError": {
        const v = item.value
        if (v === undefined) break
        if (v.text === "continue" || v.text === "abort") settings.onError = v.text
        else {
          err(
            ctx,
            Diagnostic.Codes.InvalidOnError,
            `on_error is continue or abort, got "${v.text}"${didYouMean(v.text, ["continue", "abort"])}`,
            v.span
          )
        }
        break
      }
      case "Option":
        ruleOption(ctx, block, item, settings.options)
        break
    }
  }
  return settings
}
