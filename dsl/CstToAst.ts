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

const tokenSpan = (t: IToken | undefined): Span.Span | undefined => (Lexer.isReal(t) ? Lexer.tokenSpan(t) : undefined)

const nodeSpan = (node: CstNode | undefined, fallback: Span.Span): Span.Span => {
  const loc = node?.location
  if (loc === undefined || Number.isNaN(loc.startOffset) || Number.isNaN(loc.endOffset ?? Number.NaN)) return fallback
  return {
    start: { offset: loc.startOffset, line: loc.startLine ?? 1, column: loc.startColumn ?? 1 },
    end: { offset: (loc.endOffset ?? loc.startOffset) + 1, line: loc.endLine ?? 1, column: (loc.endColumn ?? 0) + 1 }
  }
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

const expression = (node: Cst.ExpressionCstNode | undefined, fallback: Span.Span): Ast.Expr => {
  if (node === undefined) return missing(fallback)
  const span = nodeSpan(node, fallback)
  const c = node.children
  if (c.ifExpr?.[0] !== undefined) return ifExpr(c.ifExpr[0], span)
  if (c.coalesceExpr?.[0] !== undefined) return coalesce(c.coalesceExpr[0], span)
  return missing(span)
}

const ifExpr = (node: Cst.IfExprCstNode, fallback: Span.Span): Ast.Expr => {
  const span = nodeSpan(node, fallback)
  const c = node.children
  const condition = expression(c.condition?.[0], tokenSpan(c.Kw_if?.[0]) ?? span)
  const consequent = expression(c.consequent?.[0], tokenSpan(c.Kw_then?.[0]) ?? condition.span)
  const alternative = expression(c.alternative?.[0], tokenSpan(c.Kw_else?.[0]) ?? consequent.span)
  return { _tag: "If", condition, consequent, alternative, span }
}

// lhs (op rhs)*, left-associative
const chain = <N extends CstNode>(
  lhs: N | undefined,
  ops: ReadonlyArray<IToken> | undefined,
  rhs: ReadonlyArray<N> | undefined,
  convert: (n: N | undefined, fallback: Span.Span) => Ast.Expr,
  opOf: (t: IToken) => Ast.BinaryOp,
  fallback: Span.Span
): Ast.Expr => {
  let left = convert(lhs, fallback)
  if (ops === undefined) return left
  for (let k = 0; k < ops.length; k++) {
    const opTok = ops[k]!
    const opSpan = tokenSpan(opTok) ?? Span.after(left.span)
    const right = convert(rhs?.[k], opSpan)
    left = { _tag: "Binary", op: opOf(opTok), left, right, opSpan, span: Span.merge(left.span, right.span) }
  }
  return left
}

const coalesce = (node: Cst.CoalesceExprCstNode, fallback: Span.Span): Ast.Expr => {
  const c = node.children
  return chain(c.lhs?.[0], c.Coalesce, c.rhs, orExpr, () => "??", nodeSpan(node, fallback))
}

const orExpr = (node: Cst.OrExprCstNode | undefined, fallback: Span.Span): Ast.Expr => {
  if (node === undefined) return missing(fallback)
  const c = node.children
  return chain(c.lhs?.[0], c.Kw_or, c.rhs, andExpr, () => "or", nodeSpan(node, fallback))
}

const andExpr = (node: Cst.AndExprCstNode | undefined, fallback: Span.Span): Ast.Expr => {
  if (node === undefined) return missing(fallback)
  const c = node.children
  return chain(c.lhs?.[0], c.Kw_and, c.rhs, notExpr, () => "and", nodeSpan(node, fallback))
}

const notExpr = (node: Cst.NotExprCstNode | undefined, fallback: Span.Span): Ast.Expr => {
  if (node === undefined) return missing(fallback)
  const span = nodeSpan(node, fallback)
  const c = node.children
  if (c.Kw_not !== undefined) {
    const operand = notExpr(c.notExpr?.[0], tokenSpan(c.Kw_not[0]) ?? span)
    return { _tag: "Unary", op: "not", operand, span }
  }
  return comparison(c.comparison?.[0], span)
}

const comparison = (node: Cst.ComparisonCstNode | undefined, fallback: Span.Span): Ast.Expr => {
  if (node === undefined) return missing(fallback)
  const c = node.children
  return chain(c.lhs?.[0], c.CompareOp, c.rhs, additive, (t) => t.image as Ast.BinaryOp, nodeSpan(node, fallback))
}

const additive = (node: Cst.AdditiveCstNode | undefined, fallback: Span.Span): Ast.Expr => {
  if (node === undefined) return missing(fallback)
  const c = node.children
  return chain(c.lhs?.[0], c.AddOp, c.rhs, multiplicative, (t) => t.image as Ast.BinaryOp, nodeSpan(node, fallback))
}

const multiplicative = (node: Cst.MultiplicativeCstNode | undefined, fallback: Span.Span): Ast.Expr => {
  if (node === undefined) return missing(fallback)
  const c = node.children
  return chain(c.lhs?.[0], c.MulOp, c.rhs, unary, (t) => t.image as Ast.BinaryOp, nodeSpan(node, fallback))
}

const unary = (node: Cst.UnaryCstNode | undefined, fallback: Span.Span): Ast.Expr => {
  if (node === undefined) return missing(fallback)
  const span = nodeSpan(node, fallback)
  const c = node.children
  const opTok = c.Minus?.[0] ?? c.Plus?.[0]
  if (opTok !== undefined) {
    const operand = unary(c.unary?.[0], tokenSpan(opTok) ?? span)
    return { _tag: "Unary", op: opTok.image === "+" ? "+" : "-", operand, span }
  }
  return power(c.power?.[0], span)
}

const power = (node: Cst.PowerCstNode | undefined, fallback: Span.Span): Ast.Expr => {
  if (node === undefined) return missing(fallback)
  const span = nodeSpan(node, fallback)
  const c = node.children
  const base = postfix(c.postfix?.[0], span)
  const op = c.StarStar?.[0]
  if (op === undefined) return base
  const opSpan = tokenSpan(op) ?? Span.after(base.span)
  const exponent = unary(c.exponent?.[0], opSpan)
  return { _tag: "Binary", op: "**", left: base, right: exponent, opSpan, span: Span.merge(base.span, exponent.span) }
}

const postfix = (node: Cst.PostfixCstNode | undefined, fallback: Span.Span): Ast.Expr => {
  if (node === undefined) return missing(fallback)
  const c = node.children
  let expr = primary(c.primary?.[0], nodeSpan(node, fallback))
  for (const acc of c.accessor ?? []) {
    const a = acc.children
    const accSpan = nodeSpan(acc, Span.after(expr.span))
    if (a.Dot !== undefined) {
      const member = memberName(a.memberName?.[0])
      if (member === undefined) {
        expr = {
          _tag: "Member",
          object: expr,
          name: { _tag: "Name", text: "", span: Span.after(accSpan) },
          span: Span.merge(expr.span, accSpan)
        }
      } else {
        expr = { _tag: "Member", object: expr, name: member, span: Span.merge(expr.span, accSpan) }
      }
    } else {
      const index = expression(a.expression?.[0], accSpan)
      expr = { _tag: "Index", object: expr, index, span: Span.merge(expr.span, accSpan) }
    }
  }
  return expr
}

const memberName = (node: Cst.MemberNameCstNode | undefined): Ast.Name | undefined =>
  node === undefined ? undefined : name(node.children.Identifier?.[0] ?? node.children.Keyword?.[0])

const primary = (node: Cst.PrimaryCstNode | undefined, fallback: Span.Span): Ast.Expr => {
  if (node === undefined) return missing(fallback)
  const span = nodeSpan(node, fallback)
  const c = node.children
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
  if (c.Kw_true !== undefined) return { _tag: "Boolean", value: true, span }
  if (c.Kw_false !== undefined) return { _tag: "Boolean", value: false, span }
  if (c.Kw_null !== undefined) return { _tag: "Null", span }
  if (c.Kw_learner !== undefined) return { _tag: "Ident", name: "learner", span }
  if (c.Kw_max_iter !== undefined) return { _tag: "Ident", name: "max_iter", span }
  if (c.callOrName?.[0] !== undefined) return callOrName(c.callOrName[0], span)
  if (c.parenExpr?.[0] !== undefined) {
    const p = c.parenExpr[0]
    return {
      _tag: "Paren",
      expr: expression(p.children.expression?.[0], tokenSpan(p.children.LParen?.[0]) ?? span),
      span
    }
  }
  if (c.arrayLit?.[0] !== undefined) return arrayLit(c.arrayLit[0], span)
  if (c.objectLit?.[0] !== undefined) return objectLit(c.objectLit[0], span)
  return missing(span)
}

const callOrName = (node: Cst.CallOrNameCstNode, fallback: Span.Span): Ast.Expr => {
  const span = nodeSpan(node, fallback)
  const c = node.children
  const n = name(c.Identifier?.[0] ?? c.Kw_env?.[0])
  if (n === undefined) return missing(span)
  const argsNode = c.callArgs?.[0]
  if (argsNode === undefined) return { _tag: "Ident", name: n.text, span: n.span }
  const args = (argsNode.children.expression ?? []).map((e) => expression(e, span))
  return { _tag: "Call", callee: n, args, span }
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
    const k = e.children.objectKey?.[0]
    const keyTok = k?.children.Identifier?.[0] ?? k?.children.StringLiteral?.[0] ?? k?.children.Keyword?.[0]
    const keySpan = tokenSpan(keyTok)
    if (keyTok === undefined || keySpan === undefined) continue
    const quoted = k?.children.StringLiteral !== undefined
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
  const num = c.NumberToken?.[0]
  const id = c.Identifier?.[0]
  let inner: Ast.Expr
  const numSpan = tokenSpan(num)
  const idSpan = tokenSpan(id)
  if (num !== undefined && numSpan !== undefined)
    inner = { _tag: "Number", value: Number.parseFloat(num.image), raw: num.image, span: numSpan }
  else if (id !== undefined && idSpan !== undefined) inner = { _tag: "Ident", name: id.image, span: idSpan }
  else inner = missing(span)
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
      threshold: additive(s.additive?.[0], anchor),
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
    const entries: Array<Ast.ConfigEntry> = []
    for (const e of s.children.configEntry ?? []) {
      const entry = configEntry(e, sSpan)
      if (entry !== undefined) entries.push(entry)
    }
    return { _tag: "LearnerSection", index, entries, span: sSpan }
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
            span: Span.merge(Lexer.tokenSpan(ids[0]!), Lexer.tokenSpan(ids[ids.length - 1]!))
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
 * Builds the AST of a file from its CST. `end` is the position of the end of the text.
 *
 * @since 0.1.0
 * @category conversions
 */
export const toAst = (cst: Cst.ProgramCstNode, end: Span.Position): Ast.File => {
  const span: Span.Span = { start: Span.position(0, 1, 1), end }
  const items: Array<Ast.TopItem> = []
  for (const t of cst.children.topItem ?? []) {
    const item = topItem(t, span)
    if (item !== undefined) items.push(item)
  }
  return { _tag: "File", items, span }
}
