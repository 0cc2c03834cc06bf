/**
 * Go-to-definition (a `let` from where it is used; a task binding from a section entry, from
 * `prev.state.<task>`; a backend from `backend "name"`) and the document's outline (backends,
 * plugins, lets, learner blocks with their tasks and sections).
 *
 * @since 0.1.0
 */
import * as Ast from "../Ast.ts"
import type { Analysis } from "./Analysis.ts"
import { type DocumentSymbol, type Range, rangeOf, SymbolKind, within } from "./Protocol.ts"
import { wordAt } from "./Words.ts"

const blockAt = (ast: Ast.File, offset: number): Ast.LearnerBlock | undefined =>
  ast.items.find((i): i is Ast.LearnerBlock => i._tag === "LearnerBlock" && within(i.span, offset))

const bindingOf = (block: Ast.LearnerBlock | undefined, task: string): Ast.TaskBinding | undefined =>
  block?.items.find((i): i is Ast.TaskBinding => i._tag === "TaskBinding" && Ast.taskName(i.task) === task)

/**
 * Where the name at an offset is defined, if it names a `let`, a task or a backend.
 *
 * @since 0.1.0
 * @category navigation
 */
export const definition = (analysis: Analysis, offset: number): Range | undefined => {
  const ast = analysis.ast
  const block = blockAt(ast, offset)
  if (block !== undefined) {
    for (const item of block.items) {
      if (item._tag === "LearnerSection" && within(item.span, offset)) {
        const entry = item.entries.find((e) => within(e.task.span, offset))
        const binding = entry === undefined ? undefined : bindingOf(block, Ast.taskName(entry.task))
        if (binding !== undefined) return rangeOf(binding.task.span)
      }
      if (item._tag === "TaskBinding") {
        const named = item.options.find((o) => o._tag === "Backend")
        if (named?._tag === "Backend" && named.name !== undefined && within(named.name.span, offset)) {
          const decl = ast.items.find(
            (i) => i._tag === "BackendDecl" && (i.name?.value ?? i.kind?.text) === named.name!.value
          )
          if (decl?._tag === "BackendDecl") return rangeOf((decl.name ?? decl.kind ?? decl).span)
        }
      }
    }
  }
  const word = wordAt(analysis, offset)
  if (word === undefined) return undefined
  const before = analysis.text.slice(Math.max(0, word.span.start.offset - 11), word.span.start.offset)
  if (before === "prev.state.") {
    const binding = bindingOf(block, word.text)
    return binding === undefined ? undefined : rangeOf(binding.task.span)
  }
  const decl = ast.items.find((i): i is Ast.LetDecl => i._tag === "LetDecl" && i.name?.text === word.text)
  return decl?.name === undefined ? undefined : rangeOf(decl.name.span)
}

const symbol = (
  name: string,
  kind: DocumentSymbol["kind"],
  span: Ast.File["span"],
  selection: Ast.File["span"],
  detail?: string,
  children?: ReadonlyArray<DocumentSymbol>
): DocumentSymbol => ({
  name,
  kind,
  range: rangeOf(span),
  selectionRange: rangeOf(selection),
  ...(detail === undefined ? {} : { detail }),
  ...(children === undefined ? {} : { children })
})

const whenText = (w: Ast.When): string =>
  w._tag === "Always" ? "" : w._tag === "Default" ? " default" : w._tag === "At" ? " at" : " from"

const learnerItem = (item: Ast.LearnerItem): ReadonlyArray<DocumentSymbol> => {
  switch (item._tag) {
    case "TaskBinding":
      return [
        symbol(Ast.taskName(item.task), SymbolKind.Method, item.span, item.task.span, item.binding?.kind ?? "task")
      ]
    case "LearnerSection": {
      const index = item.index._tag === "Number" ? String(item.index.value) : "?"
      return [
        symbol(
          `learner ${index}`,
          SymbolKind.Namespace,
          item.span,
          item.index.span,
          undefined,
          item.entries.map((e) =>
            symbol(`${Ast.taskName(e.task)}${whenText(e.when)}`, SymbolKind.Property, e.span, e.task.span)
          )
        )
      ]
    }
    default:
      return []
  }
}

const topSymbol = (item: Ast.TopItem): ReadonlyArray<DocumentSymbol> => {
  switch (item._tag) {
    case "BackendDecl": {
      const kind = item.kind?.text ?? "backend"
      const selection = (item.name ?? item.kind ?? item).span
      return [symbol(item.name?.value ?? kind, SymbolKind.Module, item.span, selection, `backend ${kind}`)]
    }
    case "PluginDecl":
      return [symbol(item.path?.value ?? "plugin", SymbolKind.Module, item.span, (item.path ?? item).span, "plugin")]
    case "LetDecl":
      return item.name === undefined
        ? []
        : [symbol(item.name.text, SymbolKind.Constant, item.span, item.name.span, "let")]
    case "LearnerBlock":
      return [
        symbol(
          Ast.learnerName(item),
          SymbolKind.Class,
          item.span,
          (item.name ?? { span: item.kindSpan }).span,
          item.kind,
          item.items.flatMap(learnerItem)
        )
      ]
  }
}

/**
 * The outline of a document.
 *
 * @since 0.1.0
 * @category navigation
 */
export const symbols = (analysis: Analysis): ReadonlyArray<DocumentSymbol> => analysis.ast.items.flatMap(topSymbol)
