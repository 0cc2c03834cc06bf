/**
 * Checks of a learner block's tasks: each bound once with a valid qualifier, the tasks its kind
 * requires, a criterion task exactly when there is a stop criterion, and a way to stop at all.
 *
 * @since 0.1.0
 */
import * as Learner from "../../core/Learner.ts"
import * as Ast from "../Ast.ts"
import type { TaskModel } from "../CheckedModel.ts"
import * as Diagnostic from "../Diagnostic.ts"
import { ruleBinding } from "./checkBinding.ts"
import { type Ctx, err } from "./checkContext.ts"
import type { Settings } from "./checkSettings.ts"
import { ruleTaskOptions } from "./checkTaskOptions.ts"
import { closest } from "./suggest.ts"

const qualifierPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/

export function checkTasks(ctx: Ctx, block: Ast.LearnerBlock, settings: Settings): ReadonlyArray<TaskModel> {
  const tasks: Array<TaskModel> = []
  const seen = new Map<string, Ast.TaskBinding>()
  const maxIter = settings.maxIter ?? null
  for (const item of block.items) {
    if (item._tag !== "TaskBinding") continue
    const name = Ast.taskName(item.task)
    const qualifier = item.task.qualifier
    if (qualifier !== undefined && !qualifierPattern.test(qualifier.value)) {
      err(
        ctx,
        Diagnostic.Codes.InvalidTaskQualifier,
        `a task qualifier uses letters, digits, '_', '.' and '-' (it names files), got ${qualifier.raw}`,
        qualifier.span
      )
    }
    const first = seen.get(name)
    if (first !== undefined) {
      err(
        ctx,
        Diagnostic.Codes.DuplicateTask,
        `task "${name}" is already bound at line ${first.span.start.line}`,
        item.task.span
      )
      continue
    }
    seen.set(name, item)
    const binding = item.binding === undefined ? undefined : ruleBinding(ctx, item.binding, maxIter)
    tasks.push({ name, node: item, binding, ...ruleTaskOptions(ctx, item, maxIter) })
  }
  return tasks
}

const article = (word: string): string => (/^[aeiou]/.test(word) ? "an" : "a")

export function ruleRequiredTasks(
  ctx: Ctx,
  block: Ast.LearnerBlock,
  tasks: ReadonlyArray<TaskModel>,
  settings: Settings
): void {
  if (ctx.broken) return
  const names = new Set(tasks.map((t) => t.name))
  const at = block.name === undefined ? block.kindSpan : { start: block.kindSpan.start, end: block.name.span.end }
  const spec = Learner.kinds[block.kind]
  // A bound name that is none of the kind's tasks but close to a missing one is most likely it, misspelled.
  const strays = tasks.filter(
    (t) => ![...spec.required, ...spec.optional].some((slot) => Learner.hasSlot(new Set([t.name]), slot))
  )
  const misspelled = (slot: string, why: string, code: Diagnostic.Code): boolean => {
    const name = closest(
      slot,
      strays.map((t) => t.name)
    )
    const task = strays.find((t) => t.name === name)
    if (task === undefined) return false
    err(
      ctx,
      code,
      `unknown task "${task.name}" for ${article(block.kind)} ${block.kind} learner; did you mean "${slot}"? (${why})`,
      task.node.task.span
    )
    return true
  }
  for (const slot of spec.required) {
    if (!Learner.hasSlot(names, slot)) {
      const why = `learner "${Ast.learnerName(block)}" needs a "${slot}" task`
      if (misspelled(slot, why, Diagnostic.Codes.MissingTask)) continue
      err(
        ctx,
        Diagnostic.Codes.MissingTask,
        `${block.kind} learner "${Ast.learnerName(block)}" has no "${slot}" task (it needs ${Learner.kinds[block.kind].required.join(", ")}): bind it, e.g. ${slot} = exec "…"`,
        at
      )
    }
  }
  const stopWhy = "stop when needs a criterion task"
  if (
    settings.stopNode !== undefined &&
    !names.has("criterion") &&
    !misspelled("criterion", stopWhy, Diagnostic.Codes.StopWithoutCriterionTask)
  ) {
    err(
      ctx,
      Diagnostic.Codes.StopWithoutCriterionTask,
      'stop when needs a "criterion" task that prints the metric: criterion = exec "…"',
      settings.stopNode.span
    )
  }
  if (settings.stopNode === undefined) {
    const criterion = tasks.find((t) => t.name === "criterion")
    if (criterion !== undefined) {
      err(
        ctx,
        Diagnostic.Codes.CriterionTaskWithoutStop,
        "a criterion task needs a stop criterion to compare with: stop when METRIC < THRESHOLD",
        criterion.node.task.span
      )
    }
  }
  for (const problem of Learner.combinedOptionProblems(block.kind, settings.options, names)) {
    err(ctx, Diagnostic.Codes.InvalidLearnerOption, problem, at)
  }
  const uqStop = block.kind === "uq" && settings.options.uq_metric !== undefined
  if (settings.maxIter === undefined && settings.maxIterKnown && settings.stopNode === undefined && !uqStop) {
    err(
      ctx,
      Diagnostic.Codes.NoStopCondition,
      settings.maxIterNode === undefined
        ? "the learner has neither max_iter nor a stop criterion, so it would never stop: add max_iter N or stop when …"
        : 'max_iter 0 means "until the criterion is met", but there is no stop criterion: add stop when …',
      settings.maxIterNode?.span ?? at
    )
  }
}

/** A selector runs one learner per algorithm (`active_learn "name" = …`): that is its `parallel`. */
export function ruleSelectorParallel(ctx: Ctx, tasks: ReadonlyArray<TaskModel>, settings: Settings): void {
  const count = Learner.algorithms(tasks.map((t) => t.name)).length
  if (count === 0) return
  if (settings.parallelNode !== undefined && settings.parallelKnown && settings.parallel !== count) {
    err(
      ctx,
      Diagnostic.Codes.InvalidParallel,
      `a selector runs one learner per algorithm: it has ${count}, so parallel is ${count} (or leave it out)`,
      settings.parallelNode.span
    )
  }
  settings.parallel = count
  settings.parallelKnown = true
}
