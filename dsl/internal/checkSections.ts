/**
 * Checks of a learner block's sections, `learner K { TASK [at N | from N | default] { … } }`: the
 * index in range and configured once, known tasks, and each task and condition given once. They
 * become each learner's schedule layers, in source order.
 *
 * @since 0.1.0
 */
import * as Ast from "../Ast.ts"
import type { LayerModel, LearnerModel, TaskModel, WhenModel } from "../CheckedModel.ts"
import * as Diagnostic from "../Diagnostic.ts"
import { Dep } from "./analyze.ts"
import { configEntries } from "./checkConfig.ts"
import { type Ctx, constInt, err, scope } from "./checkContext.ts"
import type { Settings } from "./checkSettings.ts"
import { pointLayers, type SweepModel } from "./checkSweep.ts"
import { didYouMean } from "./suggest.ts"

const whenKey = (w: WhenModel): string => (w._tag === "At" || w._tag === "From" ? `${w._tag} ${w.iteration}` : w._tag)

const whenText = (w: WhenModel): string =>
  w._tag === "At"
    ? `at ${w.iteration}`
    : w._tag === "From"
      ? `from ${w.iteration}`
      : w._tag === "Default"
        ? "default"
        : "(unconditional)"

export function checkSections(
  ctx: Ctx,
  block: Ast.LearnerBlock,
  settings: Settings,
  tasks: ReadonlyArray<TaskModel>,
  sweep: SweepModel | undefined
): LearnerModel["configs"] {
  const taskNames = new Set(tasks.map((t) => t.name))
  const configs = new Map<number, Map<string, Array<LayerModel>>>()
  const sectionAt = new Map<number, Ast.LearnerSection>()
  for (const item of block.items) {
    if (item._tag !== "LearnerSection") continue
    const index = constInt(
      ctx,
      item.index,
      scope(ctx, { allowed: 0, where: "a learner index" }),
      Diagnostic.Codes.LearnerIndexOutOfRange,
      `the learner index (parallel ${settings.parallel})`,
      0,
      settings.parallelKnown ? settings.parallel - 1 : Number.POSITIVE_INFINITY
    )
    if (index === undefined) {
      checkEntries(ctx, item, settings, taskNames, undefined)
      continue
    }
    const first = sectionAt.get(index)
    if (first !== undefined) {
      err(
        ctx,
        Diagnostic.Codes.DuplicateLearnerIndex,
        `learner ${index} is already configured at line ${first.span.start.line}; put its entries in one section`,
        item.index.span
      )
      checkEntries(ctx, item, settings, taskNames, index)
      continue
    }
    sectionAt.set(index, item)
    configs.set(index, checkEntries(ctx, item, settings, taskNames, index))
  }
  return withShared(ctx, block, settings, taskNames, sweep, configs)
}

// Under each learner's own section: first `learners { … }` (its values folded with that learner's
// index), then the learner's sweep point, so the more specific layer wins key by key
function withShared(
  ctx: Ctx,
  block: Ast.LearnerBlock,
  settings: Settings,
  taskNames: ReadonlySet<string>,
  sweep: SweepModel | undefined,
  own: Map<number, Map<string, Array<LayerModel>>>
): LearnerModel["configs"] {
  const formula = block.items.find((i): i is Ast.LearnersSection => i._tag === "LearnersSection")
  if (formula === undefined && sweep === undefined) return own
  const before = ctx.diagnostics.filter(Diagnostic.isError).length
  if (formula !== undefined) checkEntries(ctx, formula, settings, taskNames, undefined)
  if (ctx.diagnostics.filter(Diagnostic.isError).length > before) return own
  // the entries were reported once above; per learner they are only folded again
  const quiet: Ctx = { ...ctx, diagnostics: [], report: () => {} }
  const out = new Map<number, ReadonlyMap<string, ReadonlyArray<LayerModel>>>()
  for (let k = 0; k < settings.parallel; k++) {
    const shared =
      formula === undefined
        ? new Map<string, Array<LayerModel>>()
        : checkEntries(quiet, formula, settings, taskNames, k)
    const point = sweep === undefined ? new Map<string, LayerModel>() : pointLayers(sweep, k)
    const mine = own.get(k) ?? new Map<string, Array<LayerModel>>()
    const merged = new Map<string, Array<LayerModel>>()
    for (const task of taskNames) {
      const layers = [
        ...(shared.get(task) ?? []),
        ...(point.has(task) ? [point.get(task)!] : []),
        ...(mine.get(task) ?? [])
      ]
      if (layers.length > 0) merged.set(task, layers)
    }
    out.set(k, merged)
  }
  return out
}

function checkEntries(
  ctx: Ctx,
  section: { readonly entries: ReadonlyArray<Ast.ConfigEntry> },
  settings: Settings,
  taskNames: ReadonlySet<string>,
  learner: number | undefined
): Map<string, Array<LayerModel>> {
  const out = new Map<string, Array<LayerModel>>()
  const seen = new Map<string, Ast.ConfigEntry>()
  const valueScope = scope(ctx, {
    allowed: Dep.Iteration | Dep.Prev | Dep.Learner | Dep.MaxIter,
    where: "a configuration",
    tasks: taskNames,
    maxIter: settings.maxIter ?? null,
    learner
  })
  for (const entry of section.entries) {
    const task = Ast.taskName(entry.task)
    if (!taskNames.has(task)) {
      if (!ctx.broken) {
        err(
          ctx,
          Diagnostic.Codes.UnknownTask,
          `unknown task "${task}"${didYouMean(task, taskNames)}`,
          entry.task.qualifier === undefined ? entry.task.name.span : entry.task.span
        )
      }
    }
    let when: WhenModel | undefined
    switch (entry.when._tag) {
      case "Always":
      case "Default":
        when = { _tag: entry.when._tag }
        break
      case "At":
      case "From": {
        const iteration = constInt(
          ctx,
          entry.when.iteration,
          scope(ctx, { allowed: 0, where: "an iteration key" }),
          Diagnostic.Codes.InvalidIteration,
          `the iteration of '${entry.when._tag.toLowerCase()}'`,
          0
        )
        if (iteration !== undefined) when = { _tag: entry.when._tag, iteration }
        break
      }
    }
    const body = entry.body === undefined ? undefined : configEntries(ctx, entry.body, valueScope)
    if (when === undefined || body === undefined) continue
    const key = `${task}\u0000${whenKey(when)}`
    const first = seen.get(key)
    if (first !== undefined) {
      err(
        ctx,
        Diagnostic.Codes.DuplicateConfigEntry,
        `${task} ${whenText(when)} is already configured at line ${first.span.start.line}; merge the two entries`,
        entry.task.span
      )
      continue
    }
    seen.set(key, entry)
    if (!taskNames.has(task)) continue
    let layers = out.get(task)
    if (layers === undefined) out.set(task, (layers = []))
    layers.push({ when, entries: body.entries, node: entry })
  }
  return out
}
