/**
 * CST → AST. A typed walk over the generated CST types (`generated/cst.ts`), so a grammar change
 * that renames or removes a child fails to compile here. It never throws: a child that error
 * recovery lost becomes `Missing` (an expression) or `undefined` (an optional part).
 *
 * @since 0.1.0
 */
import type { CstNode, IToken } from "chevrotain"
import type * as Ast from "./Ast.ts"
import type * as Cst from "./generated/cst.ts"
import * as Lexer from "./Lexer.ts"
import * as Span from "./Span.ts"

// the line index of the text being converted (set by toAst; the conversion is synchronous)
let lines: Span.LineIndex = Span.lineIndex("")

const tokenSpan = (t: IToken | undefined): Span.Span | undefined =>
  Lexer.isReal(t) ? Lexer.tokenSpan(t, lines) : undefined

const nodeSpan = (node: CstNode | undefined, fallback: Span.Span): Span.Span => {
  const loc = node?.location
  if (loc === undefined || Number.isNaN(loc.startOffset) || Number.isNaN(loc.endOffset ?? Number.NaN)) return fallback
  return { start: lines.positionAt(loc.startOffset), end: lines.positionAt((loc.endOffset ?? loc.startOffset) + 1) }
}

const missing = (at: Span.Span): Ast.Missing => ({ _tag: "Missing", span: Span.after(at) })

const name = (t: IToken | undefined): Ast.Name | undefined => {
  const span = tokenSpan(t)
  return span === undefined ? undefined : { _tag: "Name", text: t!.image, span }
}

const stringLit = (t: IToken | undefined): Ast.StringLit | undefined => {
  const span = tokenSpan(t)
  if (span === undefined) return undefined
  return { _tag: "String", value: Lexer.decodeString(t!.image).value, raw: t!.image, span }
}

const durationUnits: { readonly [unit: string]: number } = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

const duration = (t: IToken | undefined): Ast.Duration | undefined => {
  const span = tokenSpan(t)
  if (span === undefined) return undefined
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(t!.image)
  const millis = m === null ? Number.NaN : Math.round(Number(m[1]) * durationUnits[m[2]!]!)
  return { _tag: "Duration", raw: t!.image, millis, span }
}

// ---------------------------------------------------------------------------------------------
// expressions
// ---------------------------------------------------------------------------------------------

/** Binding strength of the binary operators; `not` (a prefix) sits between `and` and comparisons. */
const precedence: { readonly [op: string]: number } = {
  "??": 1,
  or: 2,
  and: 3,
  "==": 5,
  "!=": 5,
  "<": 5,
  "<=": 5,
  ">": 5,
  ">=": 5,
  "+": 6,
  "-": 6,
  "*": 7,
  "/": 7,
  "%": 7
}
const notPrecedence = 4

/** `operand (op operand)*` → a tree, by precedence climbing (all binary operators are left-associative). */
const expression = (node: Cst.ExpressionCstNode | undefined, fallback: Span.Span): Ast.Expr => {
  if (node === undefined) return missing(fallback)
  const span = nodeSpan(node, fallback)
  const operands = node.children.operand ?? []
  const ops = node.children.BinaryOp ?? []
  let i = 0
  let j = 0
  const unary = (anchor: Span.Span): Ast.Expr => {
    const operandNode = operands[i++]
    // leading `not`s bind looser than comparisons: `not a == b` is `not (a == b)`
    const nots: Array<Span.Span> = []
    let core = operandNode
    while (core?.children.Kw_not !== undefined && core.children.inner?.[0] !== undefined) {
      nots.push(tokenSpan(core.children.Kw_not[0]) ?? anchor)
      core = core.children.inner[0]
    }
    let e = operand(core, nots[nots.length - 1] ?? anchor)
    if (nots.length === 0) return e
    e = climb(e, notPrecedence + 1)
    for (let k = nots.length - 1; k >= 0; k--)
      e = { _tag: "Unary", op: "not", operand: e, span: Span.merge(nots[k]!, e.span) }
    return e
  }
  const climb = (first: Ast.Expr, min: number): Ast.Expr => {
    let left = first
    while (j < ops.length) {
      const opTok = ops[j]!
      const prec = precedence[opTok.image] ?? 0
      if (prec < min) break
      j++
      const opSpan = tokenSpan(opTok) ?? Span.after(left.span)
      const right = climb(unary(opSpan), prec + 1)
      left = {
        _tag: "Binary",
        op: opTok.image as Ast.BinaryOp,
        left,
        right,
        opSpan,
        span: Span.merge(left.span, right.span)
      }
    }
    return left
  }
  return climb(unary(span), 1)
}

const operand = (node: Cst.OperandCstNode | undefined, fallback: Span.Span): Ast.Expr => {
  if (node === undefined) return missing(fallback)
  const span = nodeSpan(node, fallback)
  const c = node.children
  const prefix = c.Minus?.[0] ?? c.Plus?.[0] ?? c.Kw_not?.[0]
  if (prefix !== undefined) {
    const inner = operand(c.inner?.[0], tokenSpan(prefix) ?? span)
    const op: Ast.UnaryOp = prefix.image === "+" ? "+" : prefix.image === "-" ? "-" : "not"
    return { _tag: "Unary", op, operand: inner, span }
  }
  if (c.Kw_if !== undefined) {
    const condition = expression(c.condition?.[0], tokenSpan(c.Kw_if[0]) ?? span)
    const consequent = expression(c.consequent?.[0], tokenSpan(c.Kw_then?.[0]) ?? condition.span)
    const alternative = expression(c.alternative?.[0], tokenSpan(c.Kw_else?.[0]) ?? consequent.span)
    return { _tag: "If", condition, consequent, alternative, span }
  }
  let expr = atom(c, span)
  for (const acc of c.accessor ?? []) {
    const a = acc.children
    const accSpan = nodeSpan(acc, Span.after(expr.span))
    if (a.Dot !== undefined) {
      const member = name(a.Identifier?.[0] ?? a.Keyword?.[0]) ?? { _tag: "Name", text: "", span: Span.after(accSpan) }
      expr = { _tag: "Member", object: expr, name: member, span: Span.merge(expr.span, accSpan) }
    } else {
      const index = expression(a.expression?.[0], accSpan)
      expr = { _tag: "Index", object: expr, index, span: Span.merge(expr.span, accSpan) }
    }
  }
  const pow = c.StarStar?.[0]
  if (pow === undefined) return expr
  const opSpan = tokenSpan(pow) ?? Span.after(expr.span)
  const exponent = operand(c.exponent?.[0], opSpan)
  return { _tag: "Binary", op: "**", left: expr, right: exponent, opSpan, span: Span.merge(expr.span, exponent.span) }
}

const atom = (c: Cst.OperandCstChildren, span: Span.Span): Ast.Expr => {
  const num = c.NumberToken?.[0]
  if (num !== undefined) {
    const s = tokenSpan(num)
    if (s === undefined) return missing(span)
    const value = Number(num.image)
    return {
      _tag: "Number",
      value: Number.isFinite(value) ? value : Number.parseFloat(num.image),
      raw: num.image,
      span: s
    }
  }
  if (c.StringLiteral !== undefined) return stringLit(c.StringLiteral[0]) ?? missing(span)
  const kw = c.Kw_true?.[0] ?? c.Kw_false?.[0] ?? c.Kw_null?.[0] ?? c.Kw_learner?.[0] ?? c.Kw_max_iter?.[0]
  if (kw !== undefined) {
    const s = tokenSpan(kw) ?? span
    switch (kw.image) {
      case "true":
        return { _tag: "Boolean", value: true, span: s }
      case "false":
        return { _tag: "Boolean", value: false, span: s }
      case "null":
        return { _tag: "Null", span: s }
      default:
        return { _tag: "Ident", name: kw.image, span: s }
    }
  }
  const n = name(c.Identifier?.[0] ?? c.Kw_env?.[0])
  if (n !== undefined) {
    const argsNode = c.callArgs?.[0]
    if (argsNode === undefined) return { _tag: "Ident", name: n.text, span: n.span }
    const callSpan = Span.merge(n.span, nodeSpan(argsNode, n.span))
    const args = (argsNode.children.expression ?? []).map((e) => expression(e, callSpan))
    return { _tag: "Call", callee: n, args, span: callSpan }
  }
  if (c.parenExpr?.[0] !== undefined) {
    const p = c.parenExpr[0]
    const pSpan = nodeSpan(p, span)
    return {
      _tag: "Paren",
      expr: expression(p.children.expression?.[0], tokenSpan(p.children.LParen?.[0]) ?? pSpan),
      span: pSpan
    }
  }
  if (c.arrayLit?.[0] !== undefined) return arrayLit(c.arrayLit[0], span)
  if (c.objectLit?.[0] !== undefined) return objectLit(c.objectLit[0], span)
  return missing(span)
}

/**
 * @since 0.1.0
 * @category conversions
 */
export const arrayLit = (node: Cst.ArrayLitCstNode, fallback: Span.Span): Ast.ArrayLit => {
  const span = nodeSpan(node, fallback)
  return { _tag: "Array", elements: (node.children.expression ?? []).map((e) => expression(e, span)), span }
}

/**
 * @since 0.1.0
 * @category conversions
 */
export const objectLit = (node: Cst.ObjectLitCstNode, fallback: Span.Span): Ast.ObjectLit => {
  const span = nodeSpan(node, fallback)
  const entries: Array<Ast.Entry> = []
  for (const e of node.children.objectEntry ?? []) {
    const k = e.children
    const keyTok = k.Identifier?.[0] ?? k.StringLiteral?.[0] ?? k.Keyword?.[0]
    const keySpan = tokenSpan(keyTok)
    if (keyTok === undefined || keySpan === undefined) continue
    const quoted = k.StringLiteral !== undefined
    const key: Ast.Key = {
      _tag: "Key",
      name: quoted ? Lexer.decodeString(keyTok.image).value : keyTok.image,
      quoted,
      raw: keyTok.image,
      span: keySpan
    }
    const value = expression(e.children.expression?.[0], tokenSpan(e.children.Colon?.[0]) ?? keySpan)
    entries.push({ _tag: "Entry", key, value, span: nodeSpan(e, Span.merge(keySpan, value.span)) })
  }
  return { _tag: "Object", entries, span }
}

// ---------------------------------------------------------------------------------------------
// declarations
// ---------------------------------------------------------------------------------------------

const intExpr = (node: Cst.IntExprCstNode | undefined, fallback: Span.Span): Ast.Expr => {
  if (node === undefined) return missing(fallback)
  const span = nodeSpan(node, fallback)
  const c = node.children
  const [id, idSpan] = [c.Identifier?.[0], tokenSpan(c.Identifier?.[0])]
  const inner: Ast.Expr =
    numberLit(c.NumberToken?.[0]) ??
    (idSpan === undefined ? missing(span) : { _tag: "Ident", name: id!.image, span: idSpan })
  return c.Minus !== undefined ? { _tag: "Unary", op: "-", operand: inner, span } : inner
}

const taskRef = (node: Cst.TaskRefCstNode | undefined, fallback: Span.Span): Ast.TaskRef | undefined => {
  if (node === undefined) return undefined
  const n = name(node.children.Identifier?.[0])
  if (n === undefined) return undefined
  const qualifier = stringLit(node.children.StringLiteral?.[0])
  return { _tag: "TaskRef", name: n, qualifier, span: nodeSpan(node, fallback) }
}

const taskOption = (node: Cst.TaskOptionCstNode, fallback: Span.Span): Ast.TaskOption | undefined => {
  const span = nodeSpan(node, fallback)
  const c = node.children
  const obj = (o: Cst.ObjectLitCstNode | undefined) => (o === undefined ? undefined : objectLit(o, span))
  if (c.Kw_with !== undefined) return { _tag: "With", config: obj(c.withConfig?.[0]), span }
  if (c.Kw_args !== undefined) {
    const a = c.arrayLit?.[0]
    return { _tag: "Args", value: a === undefined ? undefined : arrayLit(a, span), span }
  }
  if (c.Kw_resources !== undefined) return { _tag: "Resources", config: obj(c.resourcesConfig?.[0]), span }
  if (c.Kw_retry !== undefined) {
    return {
      _tag: "Retry",
      times: expression(c.expression?.[0], tokenSpan(c.Kw_retry[0]) ?? span),
      on:
        c.Kw_on === undefined
          ? undefined
          : (name(c.Identifier?.[0]) ?? { _tag: "Name", text: "", span: Span.after(span) }),
      span
    }
  }
  if (c.Kw_timeout !== undefined) return { _tag: "Timeout", duration: duration(c.Duration?.[0]), span }
  if (c.Kw_backend !== undefined) return { _tag: "Backend", name: stringLit(c.StringLiteral?.[0]), span }
  if (c.Kw_env !== undefined) return { _tag: "Env", config: obj(c.envConfig?.[0]), span }
  return undefined
}

const taskBinding = (node: Cst.TaskBindingCstNode, fallback: Span.Span): Ast.TaskBinding | undefined => {
  const span = nodeSpan(node, fallback)
  const c = node.children
  const task = taskRef(c.taskRef?.[0], span)
  if (task === undefined) return undefined
  const b = c.binding?.[0]
  let binding: Ast.Binding | undefined
  if (b !== undefined) {
    const kw = b.children.Kw_exec?.[0] ?? b.children.Kw_shell?.[0] ?? b.children.Kw_call?.[0]
    const kwSpan = tokenSpan(kw)
    if (kw !== undefined && kwSpan !== undefined) {
      binding = {
        _tag: "Binding",
        kind: kw.image as Ast.Binding["kind"],
        value: expression(b.children.expression?.[0], kwSpan),
        span: nodeSpan(b, kwSpan)
      }
    }
  }
  const options: Array<Ast.TaskOption> = []
  for (const o of c.taskOption ?? []) {
    const opt = taskOption(o, span)
    if (opt !== undefined) options.push(opt)
  }
  return { _tag: "TaskBinding", task, binding, options, span }
}

const configEntry = (node: Cst.ConfigEntryCstNode, fallback: Span.Span): Ast.ConfigEntry | undefined => {
  const span = nodeSpan(node, fallback)
  const c = node.children
  const task = taskRef(c.taskRef?.[0], span)
  if (task === undefined) return undefined
  let when: Ast.When = { _tag: "Always" }
  const w = c.when?.[0]
  if (w !== undefined) {
    const wSpan = nodeSpan(w, task.span)
    if (w.children.Kw_at !== undefined)
      when = { _tag: "At", iteration: intExpr(w.children.intExpr?.[0], wSpan), span: wSpan }
    else if (w.children.Kw_from !== undefined) {
      when = { _tag: "From", iteration: intExpr(w.children.intExpr?.[0], wSpan), span: wSpan }
    } else if (w.children.Kw_default !== undefined) when = { _tag: "Default", span: wSpan }
  }
  const body = c.objectLit?.[0] === undefined ? undefined : objectLit(c.objectLit[0], span)
  return { _tag: "ConfigEntry", task, when, body, span }
}

const configEntries = (nodes: Array<Cst.ConfigEntryCstNode> = [], span: Span.Span) =>
  nodes.flatMap((e) => configEntry(e, span) ?? [])

const numberLit = (t: IToken | undefined): Ast.NumberLit | undefined =>
  t === undefined || tokenSpan(t) === undefined
    ? undefined
    : { _tag: "Number", value: Number.parseFloat(t.image), raw: t.image, span: tokenSpan(t)! }

const learnerItem = (node: Cst.LearnerItemCstNode, fallback: Span.Span): Ast.LearnerItem | undefined => {
  const c = node.children
  const span = nodeSpan(node, fallback)
  if (c.parallelStmt?.[0] !== undefined) {
    const s = c.parallelStmt[0]
    const kw = tokenSpan(s.children.Kw_parallel?.[0]) ?? span
    return { _tag: "Parallel", value: expression(s.children.expression?.[0], kw), span: nodeSpan(s, span) }
  }
  if (c.maxIterStmt?.[0] !== undefined) {
    const s = c.maxIterStmt[0]
    const kw = tokenSpan(s.children.Kw_max_iter?.[0]) ?? span
    return { _tag: "MaxIter", value: expression(s.children.expression?.[0], kw), span: nodeSpan(s, span) }
  }
  if (c.stopStmt?.[0] !== undefined) {
    const s = c.stopStmt[0].children
    const metric = name(s.Identifier?.[0])
    const operator = name(s.CompareOp?.[0])
    const anchor = operator?.span ?? metric?.span ?? tokenSpan(s.Kw_when?.[0]) ?? span
    return {
      _tag: "StopWhen",
      metric,
      operator,
      threshold: expression(s.expression?.[0], anchor),
      span: nodeSpan(c.stopStmt[0], span)
    }
  }
  if (c.onErrorStmt?.[0] !== undefined) {
    const s = c.onErrorStmt[0]
    return { _tag: "OnError", value: name(s.children.Identifier?.[0]), span: nodeSpan(s, span) }
  }
  if (c.learnerSection?.[0] !== undefined) {
    const s = c.learnerSection[0]
    const sSpan = nodeSpan(s, span)
    const index = intExpr(s.children.intExpr?.[0], tokenSpan(s.children.Kw_learner?.[0]) ?? sSpan)
    return { _tag: "LearnerSection", index, entries: configEntries(s.children.configEntry, sSpan), span: sSpan }
  }
  if (c.learnersSection?.[0] !== undefined) {
    const sSpan = nodeSpan(c.learnersSection[0], span)
    return {
      _tag: "LearnersSection",
      entries: configEntries(c.learnersSection[0].children.configEntry, sSpan),
      span: sSpan
    }
  }
  if (c.sweepStmt?.[0] !== undefined) {
    const [s, sSpan] = [c.sweepStmt[0].children, nodeSpan(c.sweepStmt[0], span)]
    const [generator, count, seedWord] = [name(s.generator?.[0]), numberLit(s.count?.[0]), name(s.seedWord?.[0])]
    const [seed, entries] = [numberLit(s.seed?.[0]), configEntries(s.configEntry, sSpan)]
    return { _tag: "Sweep", generator, count, seedWord, seed, entries, span: sSpan }
  }
  if (c.taskBinding?.[0] !== undefined) return taskBinding(c.taskBinding[0], span)
  if (c.optionStmt?.[0] !== undefined) {
    const s = c.optionStmt[0]
    const n = name(s.children.Identifier?.[0])
    if (n === undefined) return undefined
    return { _tag: "Option", name: n, value: expression(s.children.expression?.[0], n.span), span: nodeSpan(s, span) }
  }
  return undefined
}

const kinds = new Set(["active", "reinforcement", "uq", "selector"])

const topItem = (node: Cst.TopItemCstNode, fallback: Span.Span): Ast.TopItem | undefined => {
  const c = node.children
  const span = nodeSpan(node, fallback)
  if (c.backendDecl?.[0] !== undefined) {
    const d = c.backendDecl[0]
    const dn = d.children.dashedName?.[0]
    const ids = (dn?.children.Identifier ?? []).filter(Lexer.isReal)
    const kind: Ast.Name | undefined =
      ids.length === 0
        ? undefined
        : {
            _tag: "Name",
            text: ids.map((t) => t.image).join("-"),
            span: Span.merge(Lexer.tokenSpan(ids[0]!, lines), Lexer.tokenSpan(ids[ids.length - 1]!, lines))
          }
    const o = d.children.objectLit?.[0]
    return {
      _tag: "BackendDecl",
      kind,
      name: stringLit(d.children.StringLiteral?.[0]),
      config: o === undefined ? undefined : objectLit(o, span),
      span: nodeSpan(d, span)
    }
  }
  if (c.pluginDecl?.[0] !== undefined) {
    const d = c.pluginDecl[0]
    return { _tag: "PluginDecl", path: stringLit(d.children.StringLiteral?.[0]), span: nodeSpan(d, span) }
  }
  if (c.letDecl?.[0] !== undefined) {
    const d = c.letDecl[0]
    const n = name(d.children.Identifier?.[0])
    const anchor = tokenSpan(d.children.Equals?.[0]) ?? n?.span ?? span
    return { _tag: "LetDecl", name: n, value: expression(d.children.expression?.[0], anchor), span: nodeSpan(d, span) }
  }
  if (c.learnerBlock?.[0] !== undefined) {
    const b = c.learnerBlock[0]
    const kindTok = b.children.LearnerKind?.[0]
    const kindSpan = tokenSpan(kindTok)
    if (kindTok === undefined || kindSpan === undefined || !kinds.has(kindTok.image)) return undefined
    const bSpan = nodeSpan(b, span)
    const items: Array<Ast.LearnerItem> = []
    for (const i of b.children.learnerItem ?? []) {
      const item = learnerItem(i, bSpan)
      if (item !== undefined) items.push(item)
    }
    return {
      _tag: "LearnerBlock",
      kind: kindTok.image as Ast.LearnerKind,
      kindSpan,
      name: stringLit(b.children.StringLiteral?.[0]),
      items,
      span: bSpan
    }
  }
  return undefined
}

/**
 * Converts the CST of one top-level item (the fast path parses files piece by piece).
 *
 * @since 0.1.0
 * @category conversions
 */
export const topItemAst = (node: Cst.TopItemCstNode, index: Span.LineIndex): Ast.TopItem | undefined => {
  lines = index
  return topItem(node, Span.origin)
}

/**
 * Converts the CST of one learner item (a learner section, when the fast path parses it apart).
 *
 * @since 0.1.0
 * @category conversions
 */
export const learnerItemAst = (node: Cst.LearnerItemCstNode, index: Span.LineIndex): Ast.LearnerItem | undefined => {
  lines = index
  return learnerItem(node, Span.origin)
}

/**
 * Builds the AST of a file from its CST. `index` maps the text's offsets to lines and columns;
 * `length` is the length of the text.
 *
 * @since 0.1.0
 * @category conversions
 */
export const toAst = (cst: Cst.ProgramCstNode, index: Span.LineIndex, length: number): Ast.File => {
  lines = index
  const span: Span.Span = { start: Span.position(0, 1, 1), end: index.positionAt(length) }
  const items: Array<Ast.TopItem> = []
  for (const t of cst.children.topItem ?? []) {
    const item = topItem(t, span)
    if (item !== undefined) items.push(item)
  }
  return { _tag: "File", items, span }
}
