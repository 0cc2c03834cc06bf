/**
 * Checks of a learner block, rule family by rule family (settings, tasks, sections, placeholders),
 * and of the learner blocks of a file together. Each rule is a named function reporting
 * diagnostics with a stable code.
 *
 * @since 0.1.0
 */
import * as Ast from "../Ast.ts"
import type { LearnerModel } from "../CheckedModel.ts"
import * as Diagnostic from "../Diagnostic.ts"
import * as Span from "../Span.ts"
import { type Ctx, err } from "./checkContext.ts"
import { rulePlaceholders } from "./checkPlaceholders.ts"
import { checkSections } from "./checkSections.ts"
import { checkSettings } from "./checkSettings.ts"
import { checkSweep } from "./checkSweep.ts"
import { checkTasks, ruleRequiredTasks, ruleSelectorParallel } from "./checkTasks.ts"

const learnerNamePattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/

export function checkLearner(ctx: Ctx, block: Ast.LearnerBlock): LearnerModel {
  const name = Ast.learnerName(block)
  if (block.name !== undefined && !learnerNamePattern.test(name)) {
    err(
      ctx,
      Diagnostic.Codes.InvalidLearnerName,
      `a learner name uses letters, digits, '_', '.' and '-' (it names a folder), got ${block.name.raw}`,
      block.name.span
    )
  }
  const settings = checkSettings(ctx, block)
  const tasks = checkTasks(ctx, block, settings)
  if (block.kind === "selector") ruleSelectorParallel(ctx, tasks, settings)
  ruleRequiredTasks(ctx, block, tasks, settings)
  const sweep = checkSweep(ctx, block, settings, new Set(tasks.map((t) => t.name)))
  const configs = checkSections(ctx, block, settings, tasks, sweep)
  rulePlaceholders(ctx, block.kind, settings.options, tasks, configs)
  return {
    node: block,
    name,
    kind: block.kind,
    parallel: settings.parallel,
    maxIter: settings.maxIter,
    stop: settings.stop,
    onError: settings.onError,
    options: settings.options,
    population: settings.population,
    budget: settings.budget,
    tasks,
    configs,
    ...(sweep === undefined ? {} : { points: sweep.points })
  }
}

export function ruleLearnerNames(ctx: Ctx, learners: ReadonlyArray<LearnerModel>, file: Ast.File): void {
  const seen = new Map<string, LearnerModel>()
  for (const l of learners) {
    const first = seen.get(l.name)
    if (first !== undefined) {
      err(
        ctx,
        Diagnostic.Codes.DuplicateLearnerName,
        `a learner block named "${l.name}" already exists at line ${first.node.span.start.line}; name this one: ${l.kind} "other" { … }`,
        l.node.name?.span ?? l.node.kindSpan
      )
    } else seen.set(l.name, l)
  }
  if (learners.length === 0 && !ctx.broken) {
    err(
      ctx,
      Diagnostic.Codes.NoLearners,
      'the file has no learner block: add active "name" { … }',
      Span.point(file.span.start)
    )
  }
}
