/**
 * Checks of a learner block: its settings, task bindings and options, learner sections and
 * placeholders. Each rule is a named function reporting diagnostics with a stable code.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as CommandLine from "../../core/CommandLine.ts"
import type * as Json from "../../core/Json.ts"
import * as Learner from "../../core/Learner.ts"
import * as Metric from "../../core/Metric.ts"
import type * as Task from "../../core/Task.ts"
import * as TaskConfig from "../../core/TaskConfig.ts"
import * as Ast from "../Ast.ts"
import type { BindingModel, EntryModel, LayerModel, LearnerModel, TaskModel, WhenModel } from "../Check.ts"
import * as Diagnostic from "../Diagnostic.ts"
import * as Expr from "../Expr.ts"
import * as Span from "../Span.ts"
import { Dep, fold, type Scope } from "./analyze.ts"
import { type Ctx, constInt, err, isInt, scope, shown } from "./checkContext.ts"
import { kindOptions, learnerKeywords } from "./options.ts"
import { didYouMean } from "./suggest.ts"

// ---------------------------------------------------------------------------------------------
// learner blocks
// ---------------------------------------------------------------------------------------------

interface Settings {
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

function checkSettings(ctx: Ctx, block: Ast.LearnerBlock): Settings {
  const duplicates = ruleDuplicateSettings(ctx, block)
  const st: Settings = {
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
        st.parallelNode = item
        const n = constInt(
          ctx,
          item.value,
          constant("parallel"),
          Diagnostic.Codes.InvalidParallel,
          "parallel",
          1,
          100_000
        )
        if (n !== undefined) st.parallel = n
        else st.parallelKnown = false
        break
      }
      case "MaxIter": {
        st.maxIterNode = item
        const n = constInt(ctx, item.value, constant("max_iter"), Diagnostic.Codes.InvalidMaxIter, "max_iter", 0)
        if (n === undefined) st.maxIterKnown = false
        else if (n > 0) st.maxIter = n
        break
      }
      case "StopWhen":
        st.stopNode = item
        st.stop = ruleStopWhen(ctx, item)
        break
      case "OnError": {
        const v = item.value
        if (v === undefined) break
        if (v.text === "continue" || v.text === "abort") st.onError = v.text
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
        ruleOption(ctx, block, item, st.options)
        break
    }
  }
  return st
}

// --- tasks ---------------------------------------------------------------------------------------

const callTarget = /^(.+)#([A-Za-z_$][A-Za-z0-9_$]*)$/
const qualifierPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/

const stringOffsetSpan = (s: Ast.Expr, offset: number, length: number): Span.Span => {
  // only literal strings without escapes map offsets of their value to columns
  if (s._tag !== "String" || s.raw.includes("\\") || s.span.start.line !== s.span.end.line) return s.span
  const start = {
    offset: s.span.start.offset + 1 + offset,
    line: s.span.start.line,
    column: s.span.start.column + 1 + offset
  }
  const len = Math.max(1, Math.min(length, s.value.length - offset))
  return { start, end: { offset: start.offset + len, line: start.line, column: start.column + len } }
}

function ruleBinding(ctx: Ctx, b: Ast.Binding, maxIter: number | null): BindingModel | undefined {
  const r = fold(b.value, scope(ctx, { allowed: Dep.MaxIter, where: `an ${b.kind} binding`, maxIter }))
  if (r.value === undefined) return undefined
  const v = r.value
  if (b.kind === "exec") {
    let command: string | ReadonlyArray<string>
    if (typeof v === "string") command = v
    else if (Array.isArray(v)) {
      const bad = v.findIndex((x) => typeof x !== "string")
      if (bad >= 0) {
        const at = b.value._tag === "Array" ? (b.value.elements[bad]?.span ?? b.value.span) : b.value.span
        err(
          ctx,
          Diagnostic.Codes.InvalidCommand,
          `exec takes an array of strings; element ${bad + 1} is ${Expr.typeName(Expr.typeOf(v[bad]!))} (quote it)`,
          at
        )
        return undefined
      }
      command = v as ReadonlyArray<string>
    } else {
      err(
        ctx,
        Diagnostic.Codes.InvalidCommand,
        `exec takes a command string or an array of strings, got ${Expr.typeName(Expr.typeOf(v))}`,
        b.value.span
      )
      return undefined
    }
    const t = CommandLine.compile(command, ctx.here)
    if (Either.isLeft(t)) {
      const whole = typeof command !== "string" || t.left.message === "the command is empty"
      const span = whole ? b.value.span : stringOffsetSpan(b.value, t.left.offset, 1)
      err(ctx, Diagnostic.Codes.InvalidCommand, `invalid command: ${t.left.message}`, span)
      return undefined
    }
    return { _tag: "Exec", command, template: t.right }
  }
  if (typeof v !== "string") {
    err(
      ctx,
      b.kind === "call" ? Diagnostic.Codes.InvalidCallTarget : Diagnostic.Codes.InvalidCommand,
      `${b.kind} takes a string, got ${Expr.typeName(Expr.typeOf(v))}`,
      b.value.span
    )
    return undefined
  }
  if (b.kind === "shell") {
    if (v.trim() === "") {
      err(ctx, Diagnostic.Codes.InvalidCommand, "the shell script is empty", b.value.span)
      return undefined
    }
    return { _tag: "Shell", script: v }
  }
  const m = callTarget.exec(v)
  if (m === null) {
    err(
      ctx,
      Diagnostic.Codes.InvalidCallTarget,
      `call takes "module#function", e.g. call "./tasks.ts#train", got ${JSON.stringify(v)}`,
      b.value.span
    )
    return undefined
  }
  const mod = m[1]!
  const module = CommandLine.isRelativePath(mod) ? CommandLine.resolvePath(ctx.here, mod) : mod
  return { _tag: "Call", target: v, module, exportName: m[2]! }
}

/** The kwargs (or `args`) of a configuration object: keys by identity, values analysed. */
function configEntries(
  ctx: Ctx,
  body: Ast.ObjectLit,
  s: Scope
): { readonly entries: ReadonlyArray<EntryModel>; readonly ok: boolean } {
  const entries: Array<EntryModel> = []
  let ok = true
  const seen = new Map<string, Ast.Key>()
  for (const entry of body.entries) {
    const isArgs = !entry.key.quoted && entry.key.name === "args"
    const id = isArgs ? "\u0000args" : TaskConfig.identity(entry.key.name)
    if (!isArgs && id === "") {
      err(
        ctx,
        Diagnostic.Codes.InvalidKey,
        `"${entry.key.name}" is not a usable key: it has no name after its dashes`,
        entry.key.span
      )
      ok = false
      continue
    }
    const first = seen.get(id)
    if (first !== undefined) {
      err(
        ctx,
        Diagnostic.Codes.DuplicateKey,
        `duplicate key "${entry.key.name}" (the same setting as "${first.name}" at line ${first.span.start.line})`,
        entry.key.span
      )
      ok = false
      continue
    }
    seen.set(id, entry.key)
    const r = fold(entry.value, s)
    if (!r.info.ok) ok = false
    if (isArgs && r.info.ok && !(r.info.type & Expr.Type.Array)) {
      err(
        ctx,
        Diagnostic.Codes.InvalidArgs,
        `args must be an array, got ${Expr.typeName(r.info.type)}`,
        entry.value.span
      )
      ok = false
      continue
    }
    entries.push({ key: entry.key.name, isArgs, expr: entry.value, value: r.value, deps: r.info.deps })
  }
  return { entries, ok }
}

const resourceKeys = ["cores", "gpus", "memory", "time"]

function ruleResources(ctx: Ctx, o: Ast.ObjectLit, s: Scope): Task.Resources {
  const out: { cores?: number; gpus?: number; memory?: string; time?: string } = {}
  const seen = new Set<string>()
  for (const e of o.entries) {
    const k = e.key.name
    if (!resourceKeys.includes(k)) {
      err(
        ctx,
        Diagnostic.Codes.InvalidResource,
        `unknown resource "${k}" (resources: ${resourceKeys.join(", ")})${didYouMean(k, resourceKeys)}`,
        e.key.span
      )
      continue
    }
    if (seen.has(k)) {
      err(ctx, Diagnostic.Codes.DuplicateKey, `duplicate key "${k}"`, e.key.span)
      continue
    }
    seen.add(k)
    const r = fold(e.value, s)
    if (r.value === undefined) continue
    const v = r.value
    if (k === "cores" || k === "gpus") {
      const min = k === "cores" ? 1 : 0
      if (isInt(v) && v >= min) out[k] = v
      else err(ctx, Diagnostic.Codes.InvalidResource, `${k} must be an integer ≥ ${min}, got ${shown(v)}`, e.value.span)
    } else if (typeof v === "string" && v.trim() !== "") out[k as "memory" | "time"] = v
    else {
      const example = k === "memory" ? '"4G"' : '"00:10:00"'
      err(
        ctx,
        Diagnostic.Codes.InvalidResource,
        `${k} must be a string such as ${example}, got ${shown(v)}`,
        e.value.span
      )
    }
  }
  return out
}

const envName = /^[A-Za-z_][A-Za-z0-9_]*$/

function ruleEnv(ctx: Ctx, o: Ast.ObjectLit, s: Scope): { readonly [name: string]: string } {
  const out: Record<string, string> = {}
  for (const e of o.entries) {
    const k = e.key.name
    if (!envName.test(k)) {
      err(
        ctx,
        Diagnostic.Codes.InvalidEnv,
        `"${k}" is not an environment variable name (letters, digits, _)`,
        e.key.span
      )
      continue
    }
    if (Object.hasOwn(out, k)) {
      err(ctx, Diagnostic.Codes.DuplicateKey, `duplicate key "${k}"`, e.key.span)
      continue
    }
    const r = fold(e.value, s)
    if (r.value === undefined) continue
    const v = r.value
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") out[k] = Expr.show(v)
    else
      err(
        ctx,
        Diagnostic.Codes.InvalidEnv,
        `the value of ${k} must be a string, got ${Expr.typeName(Expr.typeOf(v))}`,
        e.value.span
      )
  }
  return out
}

function ruleTaskOptions(
  ctx: Ctx,
  b: Ast.TaskBinding,
  maxIter: number | null
): Omit<TaskModel, "name" | "node" | "binding"> {
  const seen = new Map<string, Ast.TaskOption>()
  let defaults: { args?: ReadonlyArray<Json.Json>; kwargs: Record<string, Json.Json> } | undefined
  let timeoutMillis: number | undefined
  let retry: TaskModel["retry"]
  let resources: Task.Resources = {}
  let backend: string | undefined
  let env: { readonly [name: string]: string } = {}
  const s = (where: string) => scope(ctx, { allowed: Dep.MaxIter, where, maxIter })
  for (const o of b.options) {
    const first = seen.get(o._tag)
    if (first !== undefined) {
      err(
        ctx,
        Diagnostic.Codes.DuplicateTaskOption,
        `${o._tag.toLowerCase()} is already given at line ${first.span.start.line}`,
        o.span
      )
      continue
    }
    seen.set(o._tag, o)
    switch (o._tag) {
      case "With": {
        if (o.config === undefined) break
        const r = configEntries(
          ctx,
          o.config,
          s("with { … } (task defaults are constants; put values that change in learner sections)")
        )
        defaults ??= { kwargs: {} }
        for (const e of r.entries) {
          if (e.value === undefined) continue
          if (e.isArgs) {
            if (defaults.args !== undefined)
              err(ctx, Diagnostic.Codes.DuplicateKey, "args is also given by the args option", o.span)
            else defaults.args = e.value as ReadonlyArray<Json.Json>
          } else defaults.kwargs[e.key] = e.value
        }
        break
      }
      case "Args": {
        if (o.value === undefined) break
        const r = fold(o.value, s("args"))
        if (r.value === undefined) break
        defaults ??= { kwargs: {} }
        if (defaults.args !== undefined)
          err(ctx, Diagnostic.Codes.DuplicateKey, "args is also given in with { … }", o.span)
        else defaults.args = r.value as ReadonlyArray<Json.Json>
        break
      }
      case "Resources":
        if (o.config !== undefined) resources = ruleResources(ctx, o.config, s("resources"))
        break
      case "Retry": {
        const times = constInt(ctx, o.times, s("retry"), Diagnostic.Codes.InvalidRetry, "retry", 0, 1000)
        let on: Task.RetryOn = "infrastructure"
        if (o.on !== undefined && o.on.text !== "") {
          if (o.on.text === "exit" || o.on.text === "infrastructure") on = o.on.text
          else {
            err(
              ctx,
              Diagnostic.Codes.InvalidRetry,
              `retry … on takes exit or infrastructure, got "${o.on.text}"${didYouMean(o.on.text, ["exit", "infrastructure"])}`,
              o.on.span
            )
          }
        }
        if (times !== undefined) retry = { times, on }
        break
      }
      case "Timeout": {
        const d = o.duration
        if (d === undefined || Number.isNaN(d.millis)) break
        if (d.millis <= 0)
          err(ctx, Diagnostic.Codes.InvalidTimeout, `a timeout must be longer than 0, got ${d.raw}`, d.span)
        else timeoutMillis = d.millis
        break
      }
      case "Backend": {
        if (o.name === undefined) break
        const n = o.name.value
        if (!ctx.broken && !ctx.backendNames.has(n)) {
          const declared = [...ctx.backendNames]
          err(
            ctx,
            Diagnostic.Codes.UnknownBackendName,
            `unknown backend "${n}" (${declared.length === 0 ? 'no backend is declared: add backend KIND "name" { … }' : `declared: ${declared.join(", ")}`})${didYouMean(n, declared)}`,
            o.name.span
          )
        }
        backend = n
        break
      }
      case "Env":
        if (o.config !== undefined) env = ruleEnv(ctx, o.config, s("env"))
        break
    }
  }
  return { defaults, timeoutMillis, retry, resources, backend, env }
}

function checkTasks(ctx: Ctx, block: Ast.LearnerBlock, st: Settings): ReadonlyArray<TaskModel> {
  const tasks: Array<TaskModel> = []
  const seen = new Map<string, Ast.TaskBinding>()
  const maxIter = st.maxIter ?? null
  for (const item of block.items) {
    if (item._tag !== "TaskBinding") continue
    const name = Ast.taskName(item.task)
    const q = item.task.qualifier
    if (q !== undefined && !qualifierPattern.test(q.value)) {
      err(
        ctx,
        Diagnostic.Codes.InvalidTaskQualifier,
        `a task qualifier uses letters, digits, '_', '.' and '-' (it names files), got ${q.raw}`,
        q.span
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

function ruleRequiredTasks(ctx: Ctx, block: Ast.LearnerBlock, tasks: ReadonlyArray<TaskModel>, st: Settings): void {
  if (ctx.broken) return
  const names = new Set(tasks.map((t) => t.name))
  const at = block.name === undefined ? block.kindSpan : { start: block.kindSpan.start, end: block.name.span.end }
  for (const slot of Learner.kinds[block.kind].required) {
    if (!Learner.hasSlot(names, slot)) {
      err(
        ctx,
        Diagnostic.Codes.MissingTask,
        `${block.kind} learner "${Ast.learnerName(block)}" has no "${slot}" task (it needs ${Learner.kinds[block.kind].required.join(", ")}): bind it, e.g. ${slot} = exec "…"`,
        at
      )
    }
  }
  if (st.stopNode !== undefined && !names.has("criterion")) {
    err(
      ctx,
      Diagnostic.Codes.StopWithoutCriterionTask,
      'stop when needs a "criterion" task that prints the metric: criterion = exec "…"',
      st.stopNode.span
    )
  }
  if (st.stopNode === undefined) {
    const c = tasks.find((t) => t.name === "criterion")
    if (c !== undefined) {
      err(
        ctx,
        Diagnostic.Codes.CriterionTaskWithoutStop,
        "a criterion task needs a stop criterion to compare with: stop when METRIC < THRESHOLD",
        c.node.task.span
      )
    }
  }
  for (const p of Learner.combinedOptionProblems(block.kind, st.options, names)) {
    err(ctx, Diagnostic.Codes.InvalidLearnerOption, p, at)
  }
  const uqStop = block.kind === "uq" && st.options.uq_metric !== undefined
  if (st.maxIter === undefined && st.maxIterKnown && st.stopNode === undefined && !uqStop) {
    err(
      ctx,
      Diagnostic.Codes.NoStopCondition,
      st.maxIterNode === undefined
        ? "the learner has neither max_iter nor a stop criterion, so it would never stop: add max_iter N or stop when …"
        : 'max_iter 0 means "until the criterion is met", but there is no stop criterion: add stop when …',
      st.maxIterNode?.span ?? at
    )
  }
}

/** A selector runs one learner per algorithm (`active_learn "name" = …`): that is its `parallel`. */
function ruleSelectorParallel(ctx: Ctx, tasks: ReadonlyArray<TaskModel>, st: Settings): void {
  const count = Learner.algorithms(tasks.map((t) => t.name)).length
  if (count === 0) return
  if (st.parallelNode !== undefined && st.parallelKnown && st.parallel !== count) {
    err(
      ctx,
      Diagnostic.Codes.InvalidParallel,
      `a selector runs one learner per algorithm: it has ${count}, so parallel is ${count} (or leave it out)`,
      st.parallelNode.span
    )
  }
  st.parallel = count
  st.parallelKnown = true
}

// --- learner sections ----------------------------------------------------------------------------

const whenKey = (w: WhenModel): string => (w._tag === "At" || w._tag === "From" ? `${w._tag} ${w.iteration}` : w._tag)

const whenText = (w: WhenModel): string =>
  w._tag === "At"
    ? `at ${w.iteration}`
    : w._tag === "From"
      ? `from ${w.iteration}`
      : w._tag === "Default"
        ? "default"
        : "(unconditional)"

function checkSections(
  ctx: Ctx,
  block: Ast.LearnerBlock,
  st: Settings,
  tasks: ReadonlyArray<TaskModel>
): LearnerModel["configs"] {
  const taskNames = new Set(tasks.map((t) => t.name))
  const configs = new Map<number, Map<string, Array<LayerModel>>>()
  const sectionAt = new Map<number, Ast.LearnerSection>()
  for (const item of block.items) {
    if (item._tag !== "LearnerSection") continue
    const k = constInt(
      ctx,
      item.index,
      scope(ctx, { allowed: 0, where: "a learner index" }),
      Diagnostic.Codes.LearnerIndexOutOfRange,
      `the learner index (parallel ${st.parallel})`,
      0,
      st.parallelKnown ? st.parallel - 1 : Number.POSITIVE_INFINITY
    )
    if (k === undefined) {
      checkEntries(ctx, item, st, taskNames, undefined)
      continue
    }
    const first = sectionAt.get(k)
    if (first !== undefined) {
      err(
        ctx,
        Diagnostic.Codes.DuplicateLearnerIndex,
        `learner ${k} is already configured at line ${first.span.start.line}; put its entries in one section`,
        item.index.span
      )
      checkEntries(ctx, item, st, taskNames, k)
      continue
    }
    sectionAt.set(k, item)
    configs.set(k, checkEntries(ctx, item, st, taskNames, k))
  }
  return configs
}

function checkEntries(
  ctx: Ctx,
  section: Ast.LearnerSection,
  st: Settings,
  taskNames: ReadonlySet<string>,
  learner: number | undefined
): Map<string, Array<LayerModel>> {
  const out = new Map<string, Array<LayerModel>>()
  const seen = new Map<string, Ast.ConfigEntry>()
  const s = scope(ctx, {
    allowed: Dep.Iteration | Dep.Prev | Dep.Learner | Dep.MaxIter,
    where: "a configuration",
    tasks: taskNames,
    maxIter: st.maxIter ?? null,
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
        const it = constInt(
          ctx,
          entry.when.iteration,
          scope(ctx, { allowed: 0, where: "an iteration key" }),
          Diagnostic.Codes.InvalidIteration,
          `the iteration of '${entry.when._tag.toLowerCase()}'`,
          0
        )
        if (it !== undefined) when = { _tag: entry.when._tag, iteration: it }
        break
      }
    }
    const body = entry.body === undefined ? undefined : configEntries(ctx, entry.body, s)
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

// --- placeholders --------------------------------------------------------------------------------

function rulePlaceholders(
  ctx: Ctx,
  kind: Learner.Kind,
  options: { readonly [key: string]: Json.Json },
  tasks: ReadonlyArray<TaskModel>,
  configs: LearnerModel["configs"]
): void {
  if (ctx.broken) return
  for (const t of tasks) {
    if (t.binding?._tag !== "Exec") continue
    const holes = CommandLine.holes(t.binding.template)
    if (holes.length === 0) continue
    const known = new Set<string>(CommandLine.builtins)
    for (const k of Learner.injectedKwargs(kind, t.name, options)) known.add(k)
    for (const k of Object.keys(t.defaults?.kwargs ?? {})) known.add(TaskConfig.identity(k))
    for (const perTask of configs.values()) {
      for (const layer of perTask.get(t.name) ?? []) {
        for (const e of layer.entries) if (!e.isArgs) known.add(TaskConfig.identity(e.key))
      }
    }
    const reported = new Set<string>()
    for (const h of holes) {
      if (known.has(h) || reported.has(h)) continue
      reported.add(h)
      const v = t.node.binding!.value
      const offset = v._tag === "String" ? v.value.indexOf(`{${h}}`) : -1
      err(
        ctx,
        Diagnostic.Codes.UnknownPlaceholder,
        `unknown placeholder {${h}}: not a kwarg of task "${t.name}" (in with { … } or a learner section) nor a built-in (${CommandLine.builtins.join(", ")})${didYouMean(h, known)}`,
        offset < 0 ? v.span : stringOffsetSpan(v, offset, h.length + 2)
      )
    }
  }
}

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
  const st = checkSettings(ctx, block)
  const tasks = checkTasks(ctx, block, st)
  if (block.kind === "selector") ruleSelectorParallel(ctx, tasks, st)
  ruleRequiredTasks(ctx, block, tasks, st)
  const configs = checkSections(ctx, block, st, tasks)
  rulePlaceholders(ctx, block.kind, st.options, tasks, configs)
  return {
    node: block,
    name,
    kind: block.kind,
    parallel: st.parallel,
    maxIter: st.maxIter,
    stop: st.stop,
    onError: st.onError,
    options: st.options,
    tasks,
    configs
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
