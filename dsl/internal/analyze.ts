/**
 * Static analysis of expressions: names, functions, arity, types (as sets of JSON types), what an
 * expression depends on (`i`, `prev`, `learner`, `max_iter`), and constant folding.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import type * as Json from "../../core/Json.ts"
import type * as Ast from "../Ast.ts"
import * as Diagnostic from "../Diagnostic.ts"
import * as Expr from "../Expr.ts"
import { didYouMean } from "./suggest.ts"

const T = Expr.Type

/** What an expression depends on. */
export const Dep = { Iteration: 1, Prev: 2, Learner: 4, MaxIter: 8 } as const

export interface LetInfo {
  readonly type: Expr.TypeMask
  /** `undefined` when the let could not be evaluated (already reported). */
  readonly value: Json.Json | undefined
}

export interface Scope {
  readonly lets: ReadonlyMap<string, LetInfo>
  /** Lets defined after the one being analysed (top-level lets are sequential). */
  readonly laterLets: ReadonlySet<string>
  /** The dependencies allowed here (others are reported as not constant). */
  readonly allowed: number
  /** Where the expression is, for messages: "a let", "with { … }", … */
  readonly where: string
  /** The tasks of the learner, for `prev.state.<task>`; undefined outside learner configs. */
  readonly tasks: ReadonlySet<string> | undefined
  /** The value of `max_iter` in this learner block (`null`: none), undefined outside blocks. */
  readonly maxIter: number | null | undefined
  /** The learner index, when known (inside `learner K { … }`). */
  readonly learner: number | undefined
  readonly env: (name: string) => string | undefined
  /** Skip checks that resolve names declared elsewhere (the file had syntax errors). */
  readonly broken: boolean
  readonly report: (d: Diagnostic.Diagnostic) => void
}

export interface Info {
  readonly type: Expr.TypeMask
  readonly deps: number
  /** No error was reported inside (so evaluating it is meaningful). */
  readonly ok: boolean
}

const depNames: ReadonlyArray<readonly [number, string]> = [
  [Dep.Iteration, "i"],
  [Dep.Prev, "prev"],
  [Dep.Learner, "learner"],
  [Dep.MaxIter, "max_iter"]
]

const prevFieldTypes: { readonly [k: string]: Expr.TypeMask } = {
  iteration: T.Number | T.Null,
  metric: T.Number | T.Null,
  history: T.Array | T.Null,
  state: T.Object | T.Null
}

// names people reach for, in other tools, for the built-in variables
const aliases: { readonly [name: string]: string } = {
  it: "i",
  iter: "i",
  iteration: "i",
  idx: "learner",
  index: "learner",
  k: "learner",
  previous: "prev",
  last: "prev",
  maxIter: "max_iter",
  max_iters: "max_iter"
}

const isPrev = (e: Ast.Expr): boolean => e._tag === "Ident" && e.name === "prev"
const isPrevState = (e: Ast.Expr): boolean => e._tag === "Member" && e.name.text === "state" && isPrev(e.object)

const mismatch = (scope: Scope, e: Ast.Expr, message: string): void =>
  scope.report(Diagnostic.error(Diagnostic.Codes.TypeMismatch, message, e.span))

const expect = (scope: Scope, e: Ast.Expr, info: Info, allowed: Expr.TypeMask, what: string): boolean => {
  if (info.type & allowed) {
    if (info.type & T.Null && !(allowed & T.Null) && info.deps & Dep.Prev) {
      scope.report(
        Diagnostic.warning(
          Diagnostic.Codes.MaybeNull,
          `${what}: this value may be null (prev is null at the first iteration); give a default with ??`,
          e.span
        )
      )
    }
    return true
  }
  mismatch(scope, e, `${what} needs ${Expr.typeName(allowed)}, got ${Expr.typeName(info.type)}`)
  return false
}

const join = (a: Info, b: Info): Pick<Info, "deps" | "ok"> => ({ deps: a.deps | b.deps, ok: a.ok && b.ok })

/** Analyses an expression, reporting what is wrong with it. */
export const analyze = (e: Ast.Expr, scope: Scope): Info => {
  switch (e._tag) {
    case "Number":
      // the lexer reads 1e999 as a number; it has no finite value, so nothing may use it
      if (!Number.isFinite(e.value)) {
        const reason = `${e.raw} is too large for a number (the largest is about 1.8e308)`
        scope.report(Diagnostic.error(Diagnostic.Codes.EvaluationFailed, reason, e.span))
      }
      return { type: T.Number, deps: 0, ok: Number.isFinite(e.value) }
    case "String":
      return { type: T.String, deps: 0, ok: true }
    case "Boolean":
      return { type: T.Boolean, deps: 0, ok: true }
    case "Null":
      return { type: T.Null, deps: 0, ok: true }
    case "Missing":
      return { type: T.Any, deps: 0, ok: false }
    case "Paren":
      return analyze(e.expr, scope)
    case "Ident":
      return ident(e, scope)
    case "Member":
      return memberInfo(e, scope)
    case "Index": {
      const o = analyze(e.object, scope)
      const k = analyze(e.index, scope)
      let ok = o.ok && k.ok
      if (o.ok && !(o.type & (T.Array | T.Object | T.Null))) {
        mismatch(scope, e.object, `only arrays and objects can be indexed, got ${Expr.typeName(o.type)}`)
        ok = false
      }
      return { type: T.Any, ...join(o, k), ok }
    }
    case "Call":
      return call(e, scope)
    case "Unary": {
      const o = analyze(e.operand, scope)
      if (e.op === "not") {
        const ok = !o.ok || expect(scope, e.operand, o, T.Boolean, "not")
        return { type: T.Boolean, deps: o.deps, ok: o.ok && ok }
      }
      const ok = !o.ok || expect(scope, e.operand, o, T.Number, `unary '${e.op}'`)
      return { type: T.Number, deps: o.deps, ok: o.ok && ok }
    }
    case "Binary":
      return binary(e, scope)
    case "If": {
      const c = analyze(e.condition, scope)
      const a = analyze(e.consequent, scope)
      const b = analyze(e.alternative, scope)
      const ok = !c.ok || expect(scope, e.condition, c, T.Boolean, "the condition of if")
      return { type: a.type | b.type, deps: c.deps | a.deps | b.deps, ok: c.ok && a.ok && b.ok && ok }
    }
    case "Array": {
      let deps = 0
      let ok = true
      for (const x of e.elements) {
        const i = analyze(x, scope)
        deps |= i.deps
        ok &&= i.ok
      }
      return { type: T.Array, deps, ok }
    }
    case "Object": {
      let deps = 0
      let ok = duplicateKeys(e, scope, (k) => k.name)
      for (const entry of e.entries) {
        const i = analyze(entry.value, scope)
        deps |= i.deps
        ok &&= i.ok
      }
      return { type: T.Object, deps, ok }
    }
  }
}

/** Reports keys that repeat (by `identity`); returns whether there were none. */
export const duplicateKeys = (o: Ast.ObjectLit, scope: Scope, identity: (k: Ast.Key) => string): boolean => {
  const seen = new Map<string, Ast.Key>()
  let ok = true
  for (const entry of o.entries) {
    const id = identity(entry.key)
    const first = seen.get(id)
    if (first !== undefined) {
      scope.report(
        Diagnostic.error(
          Diagnostic.Codes.DuplicateKey,
          `duplicate key "${entry.key.name}" (already set at line ${first.span.start.line})`,
          entry.key.span
        )
      )
      ok = false
    } else seen.set(id, entry.key)
  }
  return ok
}

const ident = (e: Ast.Ident, scope: Scope): Info => {
  const use = (dep: number, type: Expr.TypeMask): Info => {
    if (!(scope.allowed & dep)) {
      scope.report(
        Diagnostic.error(
          Diagnostic.Codes.NotConstant,
          `\`${e.name}\` cannot be used in ${scope.where}: the value must be known before the run starts`,
          e.span
        )
      )
      return { type, deps: dep, ok: false }
    }
    return { type, deps: dep, ok: true }
  }
  switch (e.name) {
    case "i":
      return use(Dep.Iteration, T.Number)
    case "prev":
      return use(Dep.Prev, T.Object | T.Null)
    case "learner":
      return use(Dep.Learner, T.Number)
    case "max_iter":
      return use(Dep.MaxIter, scope.maxIter === null ? T.Null : T.Number)
  }
  const l = scope.lets.get(e.name)
  if (l !== undefined) return { type: l.type, deps: 0, ok: l.value !== undefined }
  if (scope.laterLets.has(e.name)) {
    scope.report(
      Diagnostic.error(
        Diagnostic.Codes.UsedBeforeDefinition,
        `"${e.name}" is used before its let; move the let above this line`,
        e.span
      )
    )
    return { type: T.Any, deps: 0, ok: false }
  }
  if (!scope.broken) {
    const candidates = [...Expr.variables, ...scope.lets.keys()]
    const alias = aliases[e.name]
    const hint = alias === undefined ? didYouMean(e.name, candidates) : `; did you mean "${alias}"?`
    scope.report(Diagnostic.error(Diagnostic.Codes.UnknownIdentifier, `unknown name "${e.name}"${hint}`, e.span))
  }
  return { type: T.Any, deps: 0, ok: false }
}

const memberInfo = (e: Ast.Member, scope: Scope): Info => {
  const o = analyze(e.object, scope)
  if (!o.ok) return { type: T.Any, deps: o.deps, ok: false }
  if (e.name.text === "") return { type: T.Any, deps: o.deps, ok: false }
  if (isPrev(e.object)) {
    const t = prevFieldTypes[e.name.text]
    if (t === undefined) {
      scope.report(
        Diagnostic.error(
          Diagnostic.Codes.UnknownField,
          `prev has no field "${e.name.text}" (fields: ${Expr.prevFields.join(", ")})${didYouMean(e.name.text, Expr.prevFields)}`,
          e.name.span
        )
      )
      return { type: T.Any, deps: o.deps, ok: false }
    }
    return { type: t, deps: o.deps, ok: true }
  }
  if (isPrevState(e.object)) {
    if (scope.tasks !== undefined && !scope.broken && !scope.tasks.has(e.name.text)) {
      scope.report(
        Diagnostic.error(
          Diagnostic.Codes.UnknownTask,
          `unknown task "${e.name.text}" in prev.state${didYouMean(e.name.text, scope.tasks)}`,
          e.name.span
        )
      )
      return { type: T.Any, deps: o.deps, ok: false }
    }
    return { type: T.Object | T.Null, deps: o.deps, ok: true }
  }
  if (!(o.type & (T.Object | T.Null))) {
    mismatch(scope, e.object, `cannot read "${e.name.text}" of ${Expr.typeName(o.type)}`)
    return { type: T.Any, deps: o.deps, ok: false }
  }
  return { type: T.Any, deps: o.deps, ok: true }
}

const call = (e: Ast.Call, scope: Scope): Info => {
  const args = e.args.map((a) => analyze(a, scope))
  let deps = 0
  let ok = true
  for (const a of args) {
    deps |= a.deps
    ok &&= a.ok
  }
  const f = Expr.functions.get(e.callee.text)
  if (f === undefined) {
    scope.report(
      Diagnostic.error(
        Diagnostic.Codes.UnknownFunction,
        `unknown function "${e.callee.text}"${didYouMean(e.callee.text, Expr.functions.keys())}`,
        e.callee.span
      )
    )
    return { type: T.Any, deps, ok: false }
  }
  if (e.args.length < f.minArgs || e.args.length > f.maxArgs) {
    const expected =
      f.minArgs === f.maxArgs
        ? `${f.minArgs}`
        : f.maxArgs === Number.POSITIVE_INFINITY
          ? `at least ${f.minArgs}`
          : `${f.minArgs} to ${f.maxArgs}`
    scope.report(
      Diagnostic.error(
        Diagnostic.Codes.WrongArity,
        `${f.signature} takes ${expected} argument${expected === "1" || expected === "at least 1" ? "" : "s"}, got ${e.args.length}`,
        e.span
      )
    )
    return { type: f.result(args.map((a) => a.type)), deps, ok: false }
  }
  args.forEach((a, k) => {
    if (!a.ok) return
    const allowed = f.params[Math.min(k, f.params.length - 1)]!
    if (!expect(scope, e.args[k]!, a, allowed, `${f.name}()`)) ok = false
  })
  return { type: f.result(args.map((a) => a.type)), deps, ok }
}

const binary = (e: Ast.Binary, scope: Scope): Info => {
  const l = analyze(e.left, scope)
  const r = analyze(e.right, scope)
  const base = join(l, r)
  const both = l.ok && r.ok
  switch (e.op) {
    case "??":
      return { type: (l.type & ~T.Null) | r.type, ...base }
    case "and":
    case "or": {
      const ok = !both || (expect(scope, e.left, l, T.Boolean, e.op) && expect(scope, e.right, r, T.Boolean, e.op))
      return { type: T.Boolean, ...base, ok: base.ok && ok }
    }
    case "==":
    case "!=":
      return { type: T.Boolean, ...base }
    case "<":
    case "<=":
    case ">":
    case ">=": {
      let ok = true
      if (both) {
        ok =
          expect(scope, e.left, l, T.Number | T.String, `'${e.op}'`) &&
          expect(scope, e.right, r, T.Number | T.String, `'${e.op}'`)
        if (ok && exact(l.type) && exact(r.type) && (l.type & ~T.Null) !== (r.type & ~T.Null)) {
          mismatch(
            scope,
            e,
            `'${e.op}' compares two numbers or two strings, got ${Expr.typeName(l.type)} and ${Expr.typeName(r.type)}`
          )
          ok = false
        }
      }
      return { type: T.Boolean, ...base, ok: base.ok && ok }
    }
    case "+": {
      let ok = true
      if (both) {
        ok =
          expect(scope, e.left, l, T.Number | T.String, "'+'") && expect(scope, e.right, r, T.Number | T.String, "'+'")
        if (ok && exact(l.type) && exact(r.type) && (l.type & ~T.Null) !== (r.type & ~T.Null)) {
          mismatch(
            scope,
            e,
            `'+' adds two numbers or joins two strings, got ${Expr.typeName(l.type)} and ${Expr.typeName(r.type)} (use str())`
          )
          ok = false
        }
      }
      const type =
        (l.type | r.type) & T.String ? ((l.type | r.type) & T.Number ? T.Number | T.String : T.String) : T.Number
      return { type, ...base, ok: base.ok && ok }
    }
    default: {
      const ok =
        !both || (expect(scope, e.left, l, T.Number, `'${e.op}'`) && expect(scope, e.right, r, T.Number, `'${e.op}'`))
      return { type: T.Number, ...base, ok: base.ok && ok }
    }
  }
}

// a single JSON type, possibly nullable
const exact = (t: Expr.TypeMask): boolean => {
  const v = t & ~T.Null
  return v !== 0 && (v & (v - 1)) === 0
}

/** The names of the dependencies in a mask, for messages. */
export const describeDeps = (deps: number): string =>
  depNames
    .filter(([d]) => deps & d)
    .map(([, n]) => n)
    .join(", ")

/**
 * Analyses and, when it is constant here (depends on nothing but what the scope knows: `learner`
 * in a section, `max_iter` in a block), evaluates an expression. Reports evaluation failures.
 */
export const fold = (
  e: Ast.Expr,
  scope: Scope
): { readonly info: Info; readonly value: Json.Json | undefined; readonly constant: boolean } => {
  const info = analyze(e, scope)
  const known = (scope.learner === undefined ? 0 : Dep.Learner) | (scope.maxIter === undefined ? 0 : Dep.MaxIter)
  const constant = (info.deps & ~known) === 0
  if (!info.ok || !constant) return { info, value: undefined, constant }
  const lets = new Map<string, Json.Json>()
  for (const [k, v] of scope.lets) if (v.value !== undefined) lets.set(k, v.value)
  const r = Expr.evaluateEither(e, { lets, env: scope.env, learner: scope.learner, maxIter: scope.maxIter })
  if (Either.isLeft(r)) {
    const code =
      r.left.missingEnv === undefined ? Diagnostic.Codes.EvaluationFailed : Diagnostic.Codes.MissingEnvironmentVariable
    scope.report(Diagnostic.error(code, r.left.reason, r.left.span))
    return { info: { ...info, ok: false }, value: undefined, constant }
  }
  return { info, value: r.right, constant }
}
