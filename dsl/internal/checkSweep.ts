/**
 * Checks of a block's `sweep grid|zip|random [COUNT] [seed N] { TASK { key: values } … }`: a known
 * generator, a count and a seed for `random` (and only there), known tasks, constant lists (or
 * distributions for `random`), and a `parallel` that agrees. The points it yields set the block's
 * `parallel`, so it runs before the learner sections are checked.
 *
 * @since 0.1.0
 */
import type * as Json from "../../core/Json.ts"
import * as Sweep from "../../core/Sweep.ts"
import * as Ast from "../Ast.ts"
import type { LayerModel } from "../CheckedModel.ts"
import * as Diagnostic from "../Diagnostic.ts"
import { fold } from "./analyze.ts"
import { type Ctx, err, scope, shown } from "./checkContext.ts"
import type { Settings } from "./checkSettings.ts"
import { didYouMean } from "./suggest.ts"

const generators = ["grid", "zip", "random"] as const
const distributions: ReadonlyArray<Sweep.Distribution["kind"]> = ["uniform", "log_uniform", "int_uniform"]

type Value = ReadonlyArray<Json.Json> | Sweep.Distribution

/** A checked sweep: its points, and the entry each task's values came from. */
export interface SweepModel {
  readonly points: ReadonlyArray<Sweep.Point>
  readonly entries: ReadonlyMap<string, Ast.ConfigEntry>
  /** The values each key was given (what PBT's `"resample"` draws from). */
  readonly space: Sweep.Space<Sweep.Distribution | ReadonlyArray<Json.Json>> | undefined
}

/** Learner k's sweep point as a schedule layer per task (applying at every iteration). */
export const pointLayers = (sweep: SweepModel, k: number): Map<string, LayerModel> => {
  const out = new Map<string, LayerModel>()
  for (const [task, kwargs] of Object.entries(sweep.points[k] ?? {})) {
    const node = sweep.entries.get(task)!
    const exprOf = (key: string) => node.body?.entries.find((e) => e.key.name === key)?.value ?? node.task.name
    const entries = Object.entries(kwargs).map(([key, value]) => ({
      key,
      isArgs: false,
      expr: exprOf(key) as Ast.Expr,
      value,
      deps: 0
    }))
    out.set(task, { when: { _tag: "Always" }, entries, node })
  }
  return out
}

/**
 * The block's sweep (`undefined` without one, or when it is invalid: the number of learners is then
 * unknown, so learner indices are not range-checked).
 */
export function checkSweep(
  ctx: Ctx,
  block: Ast.LearnerBlock,
  settings: Settings,
  taskNames: ReadonlySet<string>
): SweepModel | undefined {
  const node = block.items.find((i): i is Ast.Sweep => i._tag === "Sweep")
  if (node === undefined) return undefined
  const sweep =
    node.generator === undefined
      ? undefined
      : sweepOf(ctx, block, { ...node, generator: node.generator }, settings, taskNames)
  if (sweep === undefined) settings.parallelKnown = false
  return sweep
}

function sweepOf(
  ctx: Ctx,
  block: Ast.LearnerBlock,
  node: Ast.Sweep & { readonly generator: Ast.Name },
  settings: Settings,
  taskNames: ReadonlySet<string>
): SweepModel | undefined {
  const generator = node.generator.text
  if (block.kind === "selector") {
    err(
      ctx,
      Diagnostic.Codes.InvalidSweep,
      "a selector runs one learner per algorithm: it cannot sweep (use an active block)",
      node.generator.span
    )
    return undefined
  }
  if (!(generators as ReadonlyArray<string>).includes(generator)) {
    err(
      ctx,
      Diagnostic.Codes.InvalidSweep,
      `unknown sweep "${generator}": a sweep is grid, zip or random${didYouMean(generator, generators)}`,
      node.generator.span
    )
    return undefined
  }
  const sizes = ruleCountAndSeed(ctx, node, generator)
  const space = sweepSpace(ctx, node, generator, taskNames)
  if (space === undefined || sizes === undefined) return undefined
  const entries = new Map(node.entries.map((e) => [Ast.taskName(e.task), e]))
  const sweep =
    generator === "grid"
      ? Sweep.grid(space as Sweep.Space<ReadonlyArray<Json.Json>>)
      : generator === "zip"
        ? Sweep.zip(space as Sweep.Space<ReadonlyArray<Json.Json>>)
        : Sweep.random({ count: sizes.count, seed: sizes.seed, space })
  if (sweep.problem !== undefined) {
    err(ctx, Diagnostic.Codes.InvalidSweep, `the ${generator} sweep: ${sweep.problem}`, node.generator.span)
    return undefined
  }
  const count = sweep.points.length
  if (settings.parallelNode !== undefined && settings.parallelKnown && settings.parallel !== count) {
    err(
      ctx,
      Diagnostic.Codes.SweepParallelMismatch,
      `parallel ${settings.parallel} disagrees with the sweep, which gives ${count} learners: leave parallel out`,
      settings.parallelNode.value.span
    )
  }
  settings.parallel = count
  settings.parallelKnown = true
  return { points: sweep.points, entries, space: sweep.space }
}

function ruleCountAndSeed(
  ctx: Ctx,
  node: Ast.Sweep,
  generator: string
): { readonly count: number; readonly seed: number } | undefined {
  if (node.seedWord !== undefined && node.seedWord.text !== "seed") {
    err(
      ctx,
      Diagnostic.Codes.InvalidSweep,
      `expected "seed", got "${node.seedWord.text}": sweep random 8 seed 1 { … }`,
      node.seedWord.span
    )
    return undefined
  }
  if (generator !== "random") {
    const extra = node.count ?? node.seed
    if (extra === undefined) return { count: 0, seed: 0 }
    err(
      ctx,
      Diagnostic.Codes.InvalidSweep,
      `a ${generator} sweep takes no count or seed: its values give the learners`,
      extra.span
    )
    return undefined
  }
  if (node.count === undefined || node.seed === undefined) {
    const missing = node.count === undefined ? (node.seed === undefined ? "a count and a seed" : "a count") : "a seed"
    err(
      ctx,
      Diagnostic.Codes.SweepRandomIncomplete,
      `a random sweep needs ${missing}, so that a run draws the same learners again: sweep random 8 seed 1 { … }`,
      node.generator!.span
    )
    return undefined
  }
  for (const [n, what, min] of [
    [node.count, "count", 1],
    [node.seed, "seed", 0]
  ] as const) {
    if (!Number.isInteger(n.value) || n.value < min) {
      err(
        ctx,
        Diagnostic.Codes.SweepRandomIncomplete,
        `the ${what} of a random sweep must be an integer ≥ ${min}, got ${n.raw}`,
        n.span
      )
      return undefined
    }
  }
  return { count: node.count.value, seed: node.seed.value }
}

function sweepSpace(
  ctx: Ctx,
  node: Ast.Sweep,
  generator: string,
  taskNames: ReadonlySet<string>
): Sweep.Space<Value> | undefined {
  const constant = scope(ctx, { allowed: 0, where: "a sweep" })
  const space: Record<string, Record<string, Value>> = {}
  let ok = true
  for (const entry of node.entries) {
    const task = Ast.taskName(entry.task)
    if (!taskNames.has(task)) {
      ok = false
      err(
        ctx,
        Diagnostic.Codes.UnknownTask,
        `unknown task "${task}" in the sweep${didYouMean(task, taskNames)}`,
        entry.task.qualifier === undefined ? entry.task.name.span : entry.task.span
      )
    }
    if (entry.when._tag !== "Always") {
      ok = false
      err(
        ctx,
        Diagnostic.Codes.InvalidSweep,
        "a sweep's values apply at every iteration: put at/from/default entries in a learners { … } section",
        entry.when.span
      )
    }
    if (space[task] !== undefined) {
      ok = false
      err(ctx, Diagnostic.Codes.DuplicateConfigEntry, `${task} is already in the sweep: merge the two`, entry.task.span)
    }
    const keys: Record<string, Value> = {}
    space[task] = keys
    for (const e of entry.body?.entries ?? []) {
      const value = sweepValue(ctx, e.value, generator, constant)
      if (value === undefined) ok = false
      else if (keys[e.key.name] !== undefined) {
        ok = false
        err(ctx, Diagnostic.Codes.DuplicateKey, `duplicate key "${e.key.name}" in the sweep`, e.key.span)
      } else keys[e.key.name] = value
    }
  }
  return ok ? space : undefined
}

function sweepValue(ctx: Ctx, e: Ast.Expr, generator: string, constant: ReturnType<typeof scope>): Value | undefined {
  if (e._tag === "Call" && (distributions as ReadonlyArray<string>).includes(e.callee.text)) {
    if (generator !== "random") {
      err(
        ctx,
        Diagnostic.Codes.InvalidSweep,
        `${e.callee.text}(…) draws values at random: it belongs in a random sweep, a ${generator} takes lists`,
        e.callee.span
      )
      return undefined
    }
    const bounds = e.args.map((a) => fold(a, constant).value)
    if (bounds.length !== 2 || bounds.some((b) => typeof b !== "number")) {
      err(ctx, Diagnostic.Codes.InvalidSweep, `${e.callee.text}(low, high) takes two numbers`, e.span)
      return undefined
    }
    const d: Sweep.Distribution = {
      _tag: "Distribution",
      kind: e.callee.text as Sweep.Distribution["kind"],
      low: bounds[0] as number,
      high: bounds[1] as number
    }
    const problem = Sweep.distributionProblem(d)
    if (problem !== undefined) err(ctx, Diagnostic.Codes.InvalidSweep, problem, e.span)
    return problem === undefined ? d : undefined
  }
  const folded = fold(e, constant)
  if (folded.value === undefined) return undefined
  if (!Array.isArray(folded.value)) {
    const also = generator === "random" ? ", or uniform(low, high), log_uniform(…), int_uniform(…)" : ""
    err(
      ctx,
      Diagnostic.Codes.InvalidSweep,
      `a sweep key takes a list of values${also}, got ${shown(folded.value)}`,
      e.span
    )
    return undefined
  }
  if (folded.value.length === 0) {
    err(ctx, Diagnostic.Codes.EmptySweepList, "an empty list gives no learners: give at least one value", e.span)
    return undefined
  }
  return folded.value
}
