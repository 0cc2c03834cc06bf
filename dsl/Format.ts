/**
 * `rose fmt`: one canonical layout for `.rose` files. Two-space indent; one statement per line;
 * `=` of consecutive task bindings and `{` of consecutive configuration entries aligned; objects on
 * one line when they fit in 100 columns and hold no comment, else one entry per line; at most one
 * blank line between statements (kept where the author left one). Comments are kept: a comment on
 * its own line stays before what follows it, a comment at the end of a line stays there, and one
 * inside an expression moves to the line before that expression's statement.
 *
 * A file with lexical or syntax errors is not formatted (its diagnostics come back instead).
 *
 * @since 0.1.0
 */
import type { IToken } from "chevrotain"
import * as Either from "effect/Either"
import type * as Ast from "./Ast.ts"
import * as Diagnostic from "./Diagnostic.ts"
import { guardDepth, type Parsed, parseText } from "./internal/parse.ts"
import { printExpr, printKey } from "./internal/print.ts"
import type * as Span from "./Span.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly file?: string | undefined
}

/**
 * The line width the formatter fits objects and options into.
 *
 * @since 0.1.0
 * @category constants
 */
export const width = 100

const pad = (n: number) => " ".repeat(n)

class Printer {
  readonly lines: Array<string> = []
  private next = 0
  private lastLine = 0
  private atBlockStart = true

  private readonly comments: ReadonlyArray<IToken>
  private readonly braces: ReadonlyArray<number>
  private readonly index: Span.LineIndex

  constructor(comments: ReadonlyArray<IToken>, braces: ReadonlyArray<number>, index: Span.LineIndex) {
    this.comments = comments
    this.braces = braces
    this.index = index
  }

  private lineOf(t: IToken): number {
    return this.index.positionAt(t.startOffset).line
  }

  private push(indent: number, text: string): void {
    this.lines.push(text === "" ? "" : pad(indent) + text)
  }

  private blankBefore(line: number): void {
    if (!this.atBlockStart && line > this.lastLine + 1 && this.lines.length > 0) this.lines.push("")
    this.atBlockStart = false
  }

  /** Emits, each on its own line, the comments that start before `offset`. */
  flush(offset: number, indent: number): void {
    while (this.next < this.comments.length && this.comments[this.next]!.startOffset < offset) {
      const c = this.comments[this.next++]!
      const line = this.lineOf(c)
      this.blankBefore(line)
      this.push(indent, c.image.trimEnd())
      this.lastLine = line
    }
  }

  /** Appends a comment that starts on `line` after `offset` to the last line. */
  trailing(line: number, offset: number): void {
    const c = this.comments[this.next]
    if (c !== undefined && c.startOffset >= offset && this.lineOf(c) === line) {
      this.next++
      this.lines[this.lines.length - 1] = `${this.lines[this.lines.length - 1]}  ${c.image.trimEnd()}`
    }
  }

  /** Whether a comment lies inside a span. */
  hasComment(span: Span.Span): boolean {
    for (let k = this.next; k < this.comments.length; k++) {
      const o = this.comments[k]!.startOffset
      if (o >= span.end.offset) return false
      if (o >= span.start.offset) return true
    }
    return false
  }

  /** Whether a comment on a line of its own lies between `from` and `to` (a trailing comment of the line `from` ends does not count). */
  hasOwnLineComment(from: Span.Position, to: number): boolean {
    for (let k = this.next; k < this.comments.length; k++) {
      const c = this.comments[k]!
      if (c.startOffset >= to) return false
      if (c.startOffset >= from.offset && this.lineOf(c) !== from.line) return true
    }
    return false
  }

  /** The source line of the first `{` at or after `offset`. */
  braceLine(offset: number): number | undefined {
    let lo = 0
    let hi = this.braces.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.braces[mid]! < offset) lo = mid + 1
      else hi = mid
    }
    const at = this.braces[lo]
    if (at !== undefined) return this.index.positionAt(at).line
    return undefined
  }

  /**
   * Emits a statement: comments before it, a blank line if the author left one, its lines, and a
   * comment at the end of its last line. `leaf` statements also hoist the comments inside them.
   */
  unit(span: Span.Span, indent: number, leaf: boolean, render: () => void): void {
    this.flush(span.start.offset, indent)
    if (leaf && this.hasComment(span)) this.flush(span.end.offset, indent)
    this.blankBefore(span.start.line)
    render()
    this.lastLine = Math.max(this.lastLine, span.end.line)
    this.trailing(span.end.line, span.end.offset)
  }

  line(indent: number, text: string): void {
    this.push(indent, text)
  }

  /** The next statement continues the current one: no blank line before it. */
  continuation(): void {
    this.atBlockStart = true
  }

  /** Opens a block whose `{` is on the current output line: keeps a comment that followed the `{`. */
  open(braceOffset: number, line: number | undefined): void {
    this.atBlockStart = true
    if (line !== undefined) {
      this.trailing(line, braceOffset)
      this.lastLine = line
    }
  }

  close(endOffset: number, indent: number): void {
    this.flush(endOffset - 1, indent)
    this.atBlockStart = false
  }
}

// ---------------------------------------------------------------------------------------------
// objects
// ---------------------------------------------------------------------------------------------

const inlineObject = (o: Ast.ObjectLit): string => printExpr(o)

/** Prints `head` followed by an object, on one line when it fits and holds no comment. */
const objectAfter = (p: Printer, head: string, o: Ast.ObjectLit, indent: number, tail = ""): void => {
  const one = `${head}${head === "" || head.endsWith(" ") ? "" : " "}${inlineObject(o)}${tail}`
  if (!p.hasComment(o.span) && indent + one.length <= width) {
    p.line(indent, one)
    return
  }
  p.line(indent, `${head}${head === "" || head.endsWith(" ") ? "" : " "}{`)
  p.open(o.span.start.offset, o.span.start.line)
  o.entries.forEach((e, k) => {
    const comma = k < o.entries.length - 1 ? "," : ""
    p.unit(e.span, indent + 2, true, () => p.line(indent + 2, `${printKey(e.key)}: ${printExpr(e.value)}${comma}`))
  })
  p.close(o.span.end.offset, indent + 2)
  p.line(indent, `}${tail}`)
}

// ---------------------------------------------------------------------------------------------
// statements
// ---------------------------------------------------------------------------------------------

const taskRef = (r: Ast.TaskRef): string =>
  r.qualifier === undefined ? r.name.text : `${r.name.text} ${r.qualifier.raw}`

const whenText = (w: Ast.When): string =>
  w._tag === "Always"
    ? ""
    : w._tag === "Default"
      ? "default"
      : `${w._tag === "At" ? "at" : "from"} ${printExpr(w.iteration)}`

const entryHead = (e: Ast.ConfigEntry): string => {
  const w = whenText(e.when)
  return w === "" ? taskRef(e.task) : `${taskRef(e.task)} ${w}`
}

const optionText = (o: Ast.TaskOption): string => {
  switch (o._tag) {
    case "With":
      return o.config === undefined ? "with {}" : `with ${inlineObject(o.config)}`
    case "Args":
      return o.value === undefined ? "args []" : `args ${printExpr(o.value)}`
    case "Resources":
      return o.config === undefined ? "resources {}" : `resources ${inlineObject(o.config)}`
    case "Retry":
      return `retry ${printExpr(o.times)}${o.on === undefined ? "" : ` on ${o.on.text}`}`
    case "Timeout":
      return `timeout ${o.duration?.raw ?? "?"}`
    case "Backend":
      return `backend ${o.name?.raw ?? '""'}`
    case "Env":
      return o.config === undefined ? "env {}" : `env ${inlineObject(o.config)}`
  }
}

const optionObject = (o: Ast.TaskOption): readonly [string, Ast.ObjectLit] | undefined => {
  switch (o._tag) {
    case "With":
      return o.config === undefined ? undefined : ["with", o.config]
    case "Resources":
      return o.config === undefined ? undefined : ["resources", o.config]
    case "Env":
      return o.config === undefined ? undefined : ["env", o.config]
    default:
      return undefined
  }
}

const bindingHead = (b: Ast.TaskBinding, refWidth: number): string => {
  const ref = taskRef(b.task).padEnd(refWidth)
  return b.binding === undefined ? `${ref} =` : `${ref} = ${b.binding.kind} ${printExpr(b.binding.value)}`
}

const printBinding = (p: Printer, b: Ast.TaskBinding, indent: number, refWidth: number): void => {
  const head = bindingHead(b, refWidth)
  const one = [head, ...b.options.map(optionText)].join(" ")
  if (!p.hasComment(b.span) && indent + one.length <= width) {
    p.line(indent, one)
    return
  }
  p.line(indent, head)
  for (const o of b.options) {
    const obj = optionObject(o)
    p.continuation()
    p.unit(o.span, indent + 2, obj === undefined, () => {
      if (obj === undefined) p.line(indent + 2, optionText(o))
      else objectAfter(p, obj[0], obj[1], indent + 2)
    })
  }
}

const printEntry = (p: Printer, e: Ast.ConfigEntry, indent: number, headWidth: number): void => {
  const head = entryHead(e).padEnd(headWidth)
  if (e.body === undefined) p.line(indent, head)
  else objectAfter(p, `${head} `, e.body, indent)
}

// runs of consecutive statements (no blank line, no comment between) share an alignment
const runs = <A extends { readonly span: Span.Span }>(
  p: Printer,
  items: ReadonlyArray<A>,
  isMember: (a: A) => boolean
): Map<A, number> => {
  const runOf = new Map<A, number>()
  let run = 0
  let prev: A | undefined
  items.forEach((item) => {
    if (!isMember(item)) {
      prev = undefined
      return
    }
    const gap =
      prev === undefined ||
      item.span.start.line > prev.span.end.line + 1 ||
      p.hasOwnLineComment(prev.span.end, item.span.start.offset)
    if (gap) run++
    runOf.set(item, run)
    prev = item
  })
  return runOf
}

const alignment = <A extends { readonly span: Span.Span }>(
  p: Printer,
  items: ReadonlyArray<A>,
  isMember: (a: A) => boolean,
  key: (a: A) => string
): Map<A, number> => {
  const runOf = runs(p, items, isMember)
  const widths = new Map<number, number>()
  for (const [item, run] of runOf) widths.set(run, Math.max(widths.get(run) ?? 0, key(item).length))
  const out = new Map<A, number>()
  for (const [item, run] of runOf) out.set(item, widths.get(run)!)
  return out
}

// `learner K { … }`, `learners { … }` and `sweep … { … }`: a head, then entries (one on the line when it fits)
const printSection = (
  p: Printer,
  s: { readonly entries: ReadonlyArray<Ast.ConfigEntry>; readonly span: Span.Span },
  head: string,
  headEnd: number,
  indent: number
): void => {
  const only = s.entries[0]
  if (s.entries.length === 1 && only !== undefined && !p.hasComment(s.span) && only.body !== undefined) {
    const one = `${head} ${entryHead(only)} ${inlineObject(only.body)} }`
    if (indent + one.length <= width) {
      p.line(indent, one)
      return
    }
  }
  p.line(indent, head)
  p.open(headEnd, p.braceLine(headEnd))
  const widths = alignment(p, s.entries, () => true, entryHead)
  for (const e of s.entries) {
    p.unit(e.span, indent + 2, false, () => printEntry(p, e, indent + 2, widths.get(e) ?? 0))
  }
  p.close(s.span.end.offset, indent + 2)
  p.line(indent, "}")
}

const sweepHead = (s: Ast.Sweep): { readonly text: string; readonly end: number } => {
  const parts = [s.generator, s.count, s.seedWord, s.seed].filter((x) => x !== undefined)
  const text = ["sweep", ...parts.map((x) => (x._tag === "Name" ? x.text : x.raw)), "{"].join(" ")
  return { text, end: parts.at(-1)?.span.end.offset ?? s.span.start.offset + "sweep".length }
}

const printItem = (p: Printer, item: Ast.LearnerItem, indent: number, refWidth: number): void => {
  switch (item._tag) {
    case "Parallel":
      p.line(indent, `parallel ${printExpr(item.value)}`)
      return
    case "MaxIter":
      p.line(indent, `max_iter ${printExpr(item.value)}`)
      return
    case "StopWhen": {
      const parts = ["stop when", item.metric?.text ?? "?"]
      if (item.operator !== undefined) parts.push(item.operator.text)
      parts.push(printExpr(item.threshold))
      p.line(indent, parts.join(" "))
      return
    }
    case "OnError":
      p.line(indent, `on_error ${item.value?.text ?? "?"}`)
      return
    case "Option":
      p.line(indent, `${item.name.text} ${printExpr(item.value)}`)
      return
    case "TaskBinding":
      printBinding(p, item, indent, refWidth)
      return
    case "LearnerSection":
      printSection(p, item, `learner ${printExpr(item.index)} {`, item.index.span.end.offset, indent)
      return
    case "LearnersSection":
      printSection(p, item, "learners {", item.span.start.offset + "learners".length, indent)
      return
    case "Sweep": {
      const head = sweepHead(item)
      printSection(p, item, head.text, head.end, indent)
      return
    }
  }
}

const isLeaf = (item: Ast.LearnerItem): boolean =>
  item._tag !== "TaskBinding" &&
  item._tag !== "LearnerSection" &&
  item._tag !== "LearnersSection" &&
  item._tag !== "Sweep"

const printBlock = (p: Printer, b: Ast.LearnerBlock): void => {
  p.line(0, `${b.kind}${b.name === undefined ? "" : ` ${b.name.raw}`} {`)
  const after = b.name?.span.end.offset ?? b.kindSpan.end.offset
  p.open(after, p.braceLine(after))
  const widths = alignment(
    p,
    b.items,
    (i) => i._tag === "TaskBinding",
    (i) => (i._tag === "TaskBinding" ? taskRef(i.task) : "")
  )
  for (const item of b.items) {
    p.unit(item.span, 2, isLeaf(item), () => printItem(p, item, 2, widths.get(item) ?? 0))
  }
  p.close(b.span.end.offset, 2)
  p.line(0, "}")
}

const printTop = (p: Printer, item: Ast.TopItem): void => {
  switch (item._tag) {
    case "BackendDecl": {
      const head = `backend ${item.kind?.text ?? "?"}${item.name === undefined ? "" : ` ${item.name.raw}`}`
      if (item.config === undefined) p.line(0, head)
      else objectAfter(p, head, item.config, 0)
      return
    }
    case "PluginDecl":
      p.line(0, `plugin ${item.path?.raw ?? '""'}`)
      return
    case "LetDecl":
      p.line(0, `let ${item.name?.text ?? "?"} = ${printExpr(item.value)}`)
      return
    case "LearnerBlock":
      printBlock(p, item)
      return
  }
}

/**
 * Formats a parsed file (which must have no lexical or syntax errors).
 *
 * @since 0.1.0
 * @category formatting
 */
export const formatParsed = (parsed: Parsed): string => {
  const p = new Printer(parsed.comments, parsed.braces, parsed.lines)
  for (const item of parsed.ast.items) {
    const leaf = item._tag === "PluginDecl" || item._tag === "LetDecl"
    p.unit(item.span, 0, leaf, () => printTop(p, item))
  }
  p.flush(Number.POSITIVE_INFINITY, 0)
  const out = p.lines.join("\n")
  return out === "" ? "" : `${out}\n`
}

/**
 * Formats a `.rose` text. `Left` holds the lexical and syntax diagnostics of a text that cannot be
 * formatted.
 *
 * @since 0.1.0
 * @category formatting
 */
export const format = (
  text: string,
  _options: Options = {}
): Either.Either<string, ReadonlyArray<Diagnostic.Diagnostic>> => {
  const parsed = parseText(text)
  if (parsed.broken) return Either.left(Diagnostic.sort(parsed.diagnostics.filter(Diagnostic.isError)))
  return guardDepth<Either.Either<string, ReadonlyArray<Diagnostic.Diagnostic>>>(
    () => Either.right(formatParsed(parsed)),
    (d) => Either.left([d])
  )
}

/**
 * Whether a text is already formatted (`rose fmt --check`).
 *
 * @since 0.1.0
 * @category formatting
 */
export const isFormatted = (text: string): Either.Either<boolean, ReadonlyArray<Diagnostic.Diagnostic>> =>
  Either.map(format(text), (f) => f === text)
