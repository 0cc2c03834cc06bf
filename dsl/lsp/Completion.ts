/**
 * Completion: what may be written at the cursor. At the top level, declarations; after `backend`,
 * the backend kinds (with their options inside the configuration object); in a learner block, its
 * settings, the task slots of its kind (required ones first), its kind options and the task
 * options; after `=`, the binding kinds; after `stop when`, the metric table with each metric's
 * direction; in a `learner K { … }` section, the block's bound tasks (and `at`, `from`, `default`
 * after one); in a value, the variables, the `let` names and the functions of the expression
 * language, `prev`'s fields after `prev.`, the block's tasks after `prev.state.`.
 *
 * @since 0.1.0
 */
import * as Learner from "../../core/Learner.ts"
import * as Metric from "../../core/Metric.ts"
import * as Ast from "../Ast.ts"
import * as Expr from "../Expr.ts"
import { learnerKeywords } from "../internal/options.ts"
import * as Tokens from "../Tokens.ts"
import type { Analysis } from "./Analysis.ts"
import { backendKinds } from "./Analysis.ts"
import * as Context from "./Context.ts"
import { type CompletionItem, CompletionKind } from "./Protocol.ts"

const keyword = (label: string, detail?: string, insertText?: string): CompletionItem => ({
  label,
  kind: CompletionKind.Keyword,
  ...(detail === undefined ? {} : { detail }),
  ...(insertText === undefined ? {} : { insertText })
})

const topLevel: ReadonlyArray<CompletionItem> = [
  keyword("backend", 'declare a backend: backend KIND ["name"] { … }'),
  keyword("plugin", 'load a plugin module: plugin "./path.ts"'),
  keyword("let", "a constant: let NAME = EXPR"),
  keyword("active", "an active-learning block"),
  keyword("reinforcement", "a reinforcement-learning block"),
  keyword("uq", "an uncertainty-driven block"),
  keyword("selector", "an algorithm-selection block")
]

const settingDetail: { readonly [k: string]: string } = {
  parallel: "run N learners of this definition",
  max_iter: "at most N iterations",
  stop: "the stop criterion: stop when METRIC [OP] THRESHOLD",
  on_error: "continue | abort",
  learner: "the configuration of learner K: learner K { … }"
}

const taskOptions: ReadonlyArray<CompletionItem> = [
  keyword("with", "the task's default kwargs: with { key: value }"),
  keyword("args", "the task's default positional arguments: args [ … ]"),
  keyword("resources", "resources { cores, gpus, memory, time }"),
  keyword("retry", "retry N [on exit | on infrastructure]"),
  keyword("timeout", "timeout DURATION (250ms, 30s, 10m, 1.5h)"),
  keyword("backend", 'backend "name": a declared backend'),
  keyword("env", 'environment variables: env { NAME: "value" }')
]

const metricItems: ReadonlyArray<CompletionItem> = Metric.table.map((m) => ({
  label: m.name,
  kind: CompletionKind.Event,
  detail: `${m.direction === "minimize" ? "lower is better" : "higher is better"}: stops when value ${m.operator} threshold`,
  ...(m.note === undefined ? {} : { documentation: m.note })
}))

const functionItems: ReadonlyArray<CompletionItem> = [...Expr.functions.values()].map((f) => ({
  label: f.name,
  kind: CompletionKind.Function,
  detail: f.signature,
  insertText: `${f.name}(`
}))

const variableDetail: { readonly [k: string]: string } = {
  i: "the iteration, 0-based",
  learner: "the learner's index in its block",
  max_iter: "the block's max_iter (null without one)",
  prev: "the previous iteration (null at the first): prev.metric, prev.history, prev.state, prev.iteration"
}

const resourceItems: ReadonlyArray<CompletionItem> = [
  { label: "cores", kind: CompletionKind.Property, detail: "an integer ≥ 1" },
  { label: "gpus", kind: CompletionKind.Property, detail: "an integer ≥ 0" },
  { label: "memory", kind: CompletionKind.Property, detail: 'a string such as "4G"' },
  { label: "time", kind: CompletionKind.Property, detail: 'a string such as "00:10:00"' }
]

/** The block around an offset (the last one starting before it, for a file that lost its braces). */
const blockAt = (ast: Ast.File, offset: number): Ast.LearnerBlock | undefined => {
  let found: Ast.LearnerBlock | undefined
  for (const item of ast.items) {
    if (item._tag === "LearnerBlock" && item.span.start.offset <= offset) found = item
  }
  return found
}

const bindings = (block: Ast.LearnerBlock | undefined): ReadonlyArray<Ast.TaskBinding> =>
  block === undefined ? [] : block.items.filter((i): i is Ast.TaskBinding => i._tag === "TaskBinding")

const lets = (ast: Ast.File): ReadonlyArray<Ast.LetDecl> =>
  ast.items.filter((i): i is Ast.LetDecl => i._tag === "LetDecl")

const valueItems = (analysis: Analysis): ReadonlyArray<CompletionItem> => [
  ...Expr.variables.map((v) => ({ label: v, kind: CompletionKind.Variable, detail: variableDetail[v] ?? "" })),
  ...lets(analysis.ast).flatMap((l) =>
    l.name === undefined
      ? []
      : [
          {
            label: l.name.text,
            kind: CompletionKind.Constant,
            detail: `let ${l.name.text}`,
            ...(analysis.model?.lets.has(l.name.text) === true
              ? { documentation: `= ${JSON.stringify(analysis.model.lets.get(l.name.text))}` }
              : {})
          }
        ]
  ),
  ...functionItems,
  keyword("true"),
  keyword("false"),
  keyword("null"),
  keyword("if", "if C then A else B")
]

const blockItems = (block: Ast.LearnerBlock | undefined): ReadonlyArray<CompletionItem> => {
  const kind = block?.kind ?? "active"
  const spec = Learner.kinds[kind]
  const bound = new Set(bindings(block).map((b) => b.task.name.text))
  const slot = (name: string, required: boolean): CompletionItem => ({
    label: name,
    kind: CompletionKind.Field,
    detail: `${required ? "required" : "optional"} task of ${kind}${bound.has(name) ? " (bound)" : ""}`,
    insertText: `${name} = exec "`,
    // unbound required slots first, then the other slots, then everything else
    sortText: `${required && !bound.has(name) ? "0" : bound.has(name) ? "2" : "1"}${name}`
  })
  return [
    ...spec.required.map((s) => slot(s, true)),
    ...spec.optional.map((s) => slot(s, false)),
    ...learnerKeywords.map((k) => ({
      ...keyword(k, settingDetail[k], k === "stop" ? "stop when " : undefined),
      sortText: `3${k}`
    })),
    ...Learner.optionNames(kind).map((o) => ({
      label: o,
      kind: CompletionKind.Property,
      detail: `an option of ${kind}`,
      sortText: `4${o}`
    })),
    ...taskOptions.map((o) => ({ ...o, sortText: `5${o.label}` }))
  ]
}

const sectionItems = (block: Ast.LearnerBlock | undefined): ReadonlyArray<CompletionItem> =>
  bindings(block).map((b) => ({
    label: b.task.qualifier === undefined ? b.task.name.text : `${b.task.name.text} "${b.task.qualifier.value}"`,
    kind: CompletionKind.Field,
    detail: `task ${Ast.taskName(b.task)}${b.binding === undefined ? "" : ` (${b.binding.kind})`}`
  }))

const withKeys = (block: Ast.LearnerBlock | undefined, task: string): ReadonlyArray<CompletionItem> => {
  const binding = bindings(block).find((b) => Ast.taskName(b.task) === task)
  const config = binding?.options.find((o) => o._tag === "With")
  if (config?._tag !== "With" || config.config === undefined) return []
  return config.config.entries.map((e) => ({
    label: e.key.raw,
    kind: CompletionKind.Property,
    detail: `a kwarg of ${task}`
  }))
}

const is = (t: { readonly tokenType: unknown } | undefined, type: unknown): boolean => t?.tokenType === type

/**
 * The completions at an offset of an analysed text.
 *
 * @since 0.1.0
 * @category completion
 */
export const complete = (analysis: Analysis, offset: number): ReadonlyArray<CompletionItem> => {
  const context = Context.at(analysis.text, offset)
  const items = candidates(analysis, offset, context)
  const prefix = context.prefix
  return prefix === "" ? items : items.filter((i) => i.label.startsWith(prefix))
}

const candidates = (analysis: Analysis, offset: number, context: Context.Context): ReadonlyArray<CompletionItem> => {
  const before = context.before
  const last = before[before.length - 1]
  const second = before[before.length - 2]
  const frame = Context.owner(context)
  const block = blockAt(analysis.ast, offset)
  if (is(last, Tokens.When) && is(second, Tokens.Stop)) return metricItems
  if (is(last, Tokens.Dot) && second?.image === "prev") {
    return Expr.prevFields.map((f) => ({ label: f, kind: CompletionKind.Field, detail: `prev.${f}` }))
  }
  if (is(last, Tokens.Dot) && second?.image === "state" && before[before.length - 4]?.image === "prev") {
    return bindings(block).map((b) => ({
      label: Ast.taskName(b.task),
      kind: CompletionKind.Field,
      detail: "what the task printed as its state"
    }))
  }
  if (frame === undefined) {
    if (is(last, Tokens.Backend)) {
      const known = analysis.environment.backends
      return known === undefined
        ? backendKinds(analysis.environment).map((k) => ({ label: k, kind: CompletionKind.Module }))
        : known.map((b) => ({
            label: b.kind,
            kind: CompletionKind.Module,
            ...(b.description === undefined ? {} : { detail: b.description })
          }))
    }
    if (is(last, Tokens.Equals)) return valueItems(analysis)
    return topLevel
  }
  if (frame._tag === "BackendConfig" && Context.atKey(context)) {
    const known = analysis.environment.backends?.find((b) => b.kind === frame.kind)
    return (known?.options ?? []).map((o) => ({
      label: o,
      kind: CompletionKind.Property,
      detail: `an option of the ${frame.kind} backend`
    }))
  }
  if (frame._tag === "Resources" && Context.atKey(context)) return resourceItems
  if (frame._tag === "Block") {
    if (is(last, Tokens.Equals)) {
      return [
        keyword("exec", "run a command without a shell"),
        keyword("shell", "run a script through a shell"),
        keyword("call", 'run an exported function: call "./module.ts#function"')
      ]
    }
    if (is(last, Tokens.OnError)) return [keyword("continue"), keyword("abort")]
    if (is(last, Tokens.Backend)) {
      return analysis.ast.items.flatMap((i) =>
        i._tag === "BackendDecl" && i.kind !== undefined
          ? [
              {
                label: `"${i.name?.value ?? i.kind.text}"`,
                kind: CompletionKind.Value,
                detail: `backend ${i.kind.text}`
              }
            ]
          : []
      )
    }
    return blockItems(block)
  }
  if (frame._tag === "Section" && context.frames[context.frames.length - 1]?._tag === "Section") {
    const bound = bindings(block)
    const afterTask =
      last !== undefined &&
      (bound.some((b) => b.task.name.text === last.image && b.task.qualifier === undefined) ||
        (last.tokenType === Tokens.StringToken && bound.some((b) => b.task.name.text === second?.image)))
    if (afterTask) {
      return [
        keyword("at", "at iteration N exactly"),
        keyword("from", "from iteration N on"),
        keyword("default", "where no at or from entry applies")
      ]
    }
    return sectionItems(block)
  }
  if ((frame._tag === "Entry" || frame._tag === "With") && Context.atKey(context)) {
    return frame.task === undefined ? [] : withKeys(block, frame.task)
  }
  return valueItems(analysis)
}
