/**
 * The expression language of `.rose` values and its evaluator: small, pure and deterministic.
 * Values are JSON (numbers are finite doubles); `prev` is `null` at a learner's first iteration and
 * reading a member of `null` gives `null`, so `prev.metric ?? 1` works everywhere.
 *
 * Operators: `+` (numbers, or two strings), `- * / % **` (numbers; `%` takes the sign of the
 * divisor, as in Python), comparisons (`< <= > >=` on two numbers or two strings, `== !=` on
 * anything, deeply), `and or not` (booleans), `??`, `if … then … else …`.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import type * as Json from "../core/Json.ts"
import type * as TaskSchedule from "../core/TaskSchedule.ts"
import type * as Ast from "./Ast.ts"
import { functions } from "./internal/exprFunctions.ts"
import { type Context, ExprError, fail, finite, num, typeName, typeOf } from "./internal/exprValues.ts"
import type * as Span from "./Span.ts"

/**
 * The built-in functions and their specification.
 *
 * @since 0.1.0
 */
export { type FunctionSpec, functions } from "./internal/exprFunctions.ts"
/**
 * What an expression may read, its error, the checker's types, and how a value shows in a string.
 *
 * @since 0.1.0
 */
export { type Context, ExprError, show, Type, type TypeMask, typeName, typeOf } from "./internal/exprValues.ts"

// ---------------------------------------------------------------------------------------------
// evaluation
// ---------------------------------------------------------------------------------------------

/**
 * The variables every expression may name (besides `let` constants).
 *
 * @since 0.1.0
 * @category constants
 */
export const variables: ReadonlyArray<string> = ["i", "learner", "max_iter", "prev"]

/**
 * `prev` as a value: `{ iteration, metric, history, state }`, or `null` at the first iteration.
 *
 * @since 0.1.0
 * @category evaluation
 */
export const prevValue = (prev: TaskSchedule.PreviousIteration | undefined): Json.Json =>
  prev === undefined
    ? null
    : {
        iteration: prev.iteration,
        metric: prev.metric ?? null,
        history: [...prev.metricHistory],
        state: prev.state
      }

/**
 * The fields of `prev`.
 *
 * @since 0.1.0
 * @category constants
 */
export const prevFields: ReadonlyArray<string> = ["iteration", "metric", "history", "state"]

const isObject = (v: Json.Json): v is { readonly [key: string]: Json.Json } =>
  typeof v === "object" && v !== null && !Array.isArray(v)

/**
 * Deep equality of JSON values.
 *
 * @since 0.1.0
 * @category evaluation
 */
export const equals = (a: Json.Json, b: Json.Json): boolean => {
  if (a === b) return true
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, k) => equals(x, b[k]!))
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a)
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && equals(a[k]!, b[k]!))
  }
  return false
}

const variable = (e: Ast.Ident, ctx: Context): Json.Json => {
  switch (e.name) {
    case "i":
      return ctx.iteration ?? fail("`i` (the iteration) is not known here", e.span)
    case "learner":
      return ctx.learner ?? fail("`learner` (the learner's index) is not known here", e.span)
    case "max_iter":
      return ctx.maxIter === undefined ? fail("`max_iter` is not known here", e.span) : ctx.maxIter
    case "prev":
      return prevValue(ctx.prev)
  }
  const v = ctx.lets.get(e.name)
  return v === undefined ? fail(`unknown name "${e.name}"`, e.span) : v
}

const member = (obj: Json.Json, key: string, span: Span.Span): Json.Json => {
  if (obj === null) return null
  if (isObject(obj)) return Object.hasOwn(obj, key) ? obj[key]! : null
  return fail(`cannot read "${key}" of ${typeName(typeOf(obj))}`, span)
}

const index = (obj: Json.Json, key: Json.Json, span: Span.Span): Json.Json => {
  if (obj === null) return null
  if (Array.isArray(obj)) {
    if (typeof key !== "number" || !Number.isInteger(key)) return fail("an array index must be an integer", span)
    const k = key < 0 ? obj.length + key : key
    return k >= 0 && k < obj.length ? obj[k]! : null
  }
  if (isObject(obj)) {
    if (typeof key !== "string") return fail("an object key must be a string", span)
    return Object.hasOwn(obj, key) ? obj[key]! : null
  }
  return fail(`cannot index ${typeName(typeOf(obj))}`, span)
}

const bool = (v: Json.Json, span: Span.Span, what: string): boolean =>
  typeof v === "boolean" ? v : fail(`${what} needs a boolean (true or false), got ${typeName(typeOf(v))}`, span)

const binary = (e: Ast.Binary, ctx: Context): Json.Json => {
  const op = e.op
  if (op === "and")
    return bool(evaluate(e.left, ctx), e.left.span, "and") && bool(evaluate(e.right, ctx), e.right.span, "and")
  if (op === "or")
    return bool(evaluate(e.left, ctx), e.left.span, "or") || bool(evaluate(e.right, ctx), e.right.span, "or")
  if (op === "??") {
    const l = evaluate(e.left, ctx)
    return l !== null ? l : evaluate(e.right, ctx)
  }
  const l = evaluate(e.left, ctx)
  const r = evaluate(e.right, ctx)
  switch (op) {
    case "==":
      return equals(l, r)
    case "!=":
      return !equals(l, r)
    case "<":
    case "<=":
    case ">":
    case ">=": {
      if (!((typeof l === "number" && typeof r === "number") || (typeof l === "string" && typeof r === "string"))) {
        return fail(
          `'${op}' compares two numbers or two strings, got ${typeName(typeOf(l))} and ${typeName(typeOf(r))}`,
          e.span
        )
      }
      return op === "<" ? l < r : op === "<=" ? l <= r : op === ">" ? l > r : l >= r
    }
    case "+":
      if (typeof l === "string" && typeof r === "string") return l + r
      if (typeof l === "number" && typeof r === "number") return finite(l + r, e.span, "the sum")
      return fail(
        `'+' adds two numbers or joins two strings, got ${typeName(typeOf(l))} and ${typeName(typeOf(r))} (use str())`,
        e.span
      )
  }
  const a = num(l, e.left.span, `'${op}'`)
  const b = num(r, e.right.span, `'${op}'`)
  switch (op) {
    case "-":
      return finite(a - b, e.span, "the difference")
    case "*":
      return finite(a * b, e.span, "the product")
    case "/":
      return b === 0 ? fail("division by zero", e.span) : finite(a / b, e.span, "the quotient")
    case "%":
      return b === 0 ? fail("modulo by zero", e.span) : finite(a - b * Math.floor(a / b), e.span, "the remainder")
    case "**":
      return finite(a ** b, e.span, "the power")
  }
}

/**
 * Evaluates an expression. Throws `ExprError` (use `evaluateEither` at boundaries).
 *
 * @since 0.1.0
 * @category evaluation
 */
export const evaluate = (e: Ast.Expr, ctx: Context): Json.Json => {
  switch (e._tag) {
    case "Number":
      return finite(e.value, e.span, e.raw)
    case "String":
      return e.value
    case "Boolean":
      return e.value
    case "Null":
      return null
    case "Ident":
      return variable(e, ctx)
    case "Member":
      return member(evaluate(e.object, ctx), e.name.text, e.span)
    case "Index":
      return index(evaluate(e.object, ctx), evaluate(e.index, ctx), e.span)
    case "Call": {
      const f = functions.get(e.callee.text)
      if (f === undefined) return fail(`unknown function "${e.callee.text}"`, e.callee.span)
      if (e.args.length < f.minArgs || e.args.length > f.maxArgs)
        return fail(`${f.signature}: wrong number of arguments`, e.span)
      return f.apply(
        e.args.map((a) => evaluate(a, ctx)),
        e.span,
        ctx
      )
    }
    case "Unary": {
      const v = evaluate(e.operand, ctx)
      if (e.op === "not") return !bool(v, e.operand.span, "not")
      const n = num(v, e.operand.span, `unary '${e.op}'`)
      return e.op === "-" ? -n : n
    }
    case "Binary":
      return binary(e, ctx)
    case "If":
      return bool(evaluate(e.condition, ctx), e.condition.span, "if")
        ? evaluate(e.consequent, ctx)
        : evaluate(e.alternative, ctx)
    case "Array":
      return e.elements.map((x) => evaluate(x, ctx))
    case "Object": {
      const out: Record<string, Json.Json> = {}
      for (const entry of e.entries) out[entry.key.name] = evaluate(entry.value, ctx)
      return out
    }
    case "Paren":
      return evaluate(e.expr, ctx)
    case "Missing":
      return fail("incomplete expression", e.span)
  }
}

/**
 * Evaluates an expression without throwing.
 *
 * @since 0.1.0
 * @category evaluation
 */
export const evaluateEither = (e: Ast.Expr, ctx: Context): Either.Either<Json.Json, ExprError> => {
  try {
    return Either.right(evaluate(e, ctx))
  } catch (u) {
    if (u instanceof ExprError) return Either.left(u)
    return Either.left(new ExprError({ reason: String(u), span: e.span }))
  }
}
