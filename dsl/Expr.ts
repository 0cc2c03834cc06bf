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
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import type * as Json from "../core/Json.ts"
import type * as TaskSchedule from "../core/TaskSchedule.ts"
import type * as Ast from "./Ast.ts"
import type * as Span from "./Span.ts"

/**
 * What an expression may read.
 *
 * @since 0.1.0
 * @category models
 */
export interface Context {
  /** The iteration, when known. */
  readonly iteration?: number | undefined
  /** The learner's index in its block, when known. */
  readonly learner?: number | undefined
  /** The learner block's `max_iter` (`null` when it has none), when known. */
  readonly maxIter?: number | null | undefined
  /** The learner's previous iteration (`undefined` at its first). */
  readonly prev?: TaskSchedule.PreviousIteration | undefined
  /** Values of the `let` constants. */
  readonly lets: ReadonlyMap<string, Json.Json>
  /** Environment lookup for `env("NAME", default)`. */
  readonly env: (name: string) => string | undefined
}

/**
 * An expression could not be evaluated.
 *
 * @since 0.1.0
 * @category errors
 */
export class ExprError extends Data.TaggedError("ExprError")<{
  readonly reason: string
  readonly span: Span.Span
  /** Set when `env("NAME")` found no variable and had no default. */
  readonly missingEnv?: string | undefined
}> {
  override get message(): string {
    return `${this.span.start.line}:${this.span.start.column}: ${this.reason}`
  }
}

/**
 * A type of the static checker: a set of these bits.
 *
 * @since 0.1.0
 * @category types
 */
export const Type = {
  Number: 1,
  String: 2,
  Boolean: 4,
  Null: 8,
  Array: 16,
  Object: 32,
  Any: 63
} as const

/**
 * @since 0.1.0
 * @category types
 */
export type TypeMask = number

/**
 * `number`, `string or null`, …
 *
 * @since 0.1.0
 * @category types
 */
export const typeName = (mask: TypeMask): string => {
  if (mask === Type.Any) return "any value"
  const parts: Array<string> = []
  if (mask & Type.Number) parts.push("a number")
  if (mask & Type.String) parts.push("a string")
  if (mask & Type.Boolean) parts.push("a boolean")
  if (mask & Type.Array) parts.push("an array")
  if (mask & Type.Object) parts.push("an object")
  if (mask & Type.Null) parts.push("null")
  return parts.length === 0 ? "nothing" : parts.join(" or ")
}

/**
 * @since 0.1.0
 * @category types
 */
export const typeOf = (v: Json.Json): TypeMask =>
  v === null
    ? Type.Null
    : typeof v === "number"
      ? Type.Number
      : typeof v === "string"
        ? Type.String
        : typeof v === "boolean"
          ? Type.Boolean
          : Array.isArray(v)
            ? Type.Array
            : Type.Object

const fail = (reason: string, span: Span.Span): never => {
  throw new ExprError({ reason, span })
}

const finite = (n: number, span: Span.Span, what: string): number =>
  Number.isFinite(n) ? n : fail(`${what} is not a finite number`, span)

const num = (v: Json.Json, span: Span.Span, what: string): number =>
  typeof v === "number" ? v : fail(`${what} needs a number, got ${typeName(typeOf(v))}`, span)

// ---------------------------------------------------------------------------------------------
// functions
// ---------------------------------------------------------------------------------------------

/**
 * A built-in function: arity, the types of its parameters and result (for the checker), and its
 * implementation.
 *
 * @since 0.1.0
 * @category models
 */
export interface FunctionSpec {
  readonly name: string
  readonly minArgs: number
  readonly maxArgs: number
  readonly signature: string
  /** The types each parameter accepts (the last one repeats). */
  readonly params: ReadonlyArray<TypeMask>
  readonly result: (args: ReadonlyArray<TypeMask>) => TypeMask
  readonly apply: (args: ReadonlyArray<Json.Json>, span: Span.Span, ctx: Context) => Json.Json
}

const numeric1 =
  (name: string, f: (x: number) => number): FunctionSpec["apply"] =>
  (args, span) =>
    finite(f(num(args[0]!, span, `${name}()`)), span, `${name}(${String(args[0])})`)

const numbersOf = (name: string, args: ReadonlyArray<Json.Json>, span: Span.Span): ReadonlyArray<number> => {
  const list = args.length === 1 && Array.isArray(args[0]) ? (args[0] as ReadonlyArray<Json.Json>) : args
  if (list.length === 0) fail(`${name}() of an empty list`, span)
  return list.map((v) => num(v, span, `${name}()`))
}

const strictDecimal = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

const toNumber = (name: string, v: Json.Json, span: Span.Span): number => {
  if (typeof v === "number") return v
  if (typeof v === "boolean") return v ? 1 : 0
  if (typeof v === "string" && strictDecimal.test(v.trim())) return finite(Number(v.trim()), span, `${name}("${v}")`)
  return fail(
    `${name}() cannot convert ${typeof v === "string" ? JSON.stringify(v) : typeName(typeOf(v))} to a number`,
    span
  )
}

/**
 * How `str()` and string concatenation show a value: numbers as JavaScript prints them (`0.1`,
 * `1e-7`), strings as they are, everything else as JSON.
 *
 * @since 0.1.0
 * @category functions
 */
export const show = (v: Json.Json): string =>
  typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(v)

const num1 = [Type.Number]

/**
 * The built-in functions.
 *
 * @since 0.1.0
 * @category functions
 */
export const functions: ReadonlyMap<string, FunctionSpec> = new Map(
  (
    [
      {
        name: "min",
        minArgs: 1,
        maxArgs: Number.POSITIVE_INFINITY,
        signature: "min(x, y, …)",
        params: [Type.Number | Type.Array],
        result: () => Type.Number,
        apply: (args, span) => Math.min(...numbersOf("min", args, span))
      },
      {
        name: "max",
        minArgs: 1,
        maxArgs: Number.POSITIVE_INFINITY,
        signature: "max(x, y, …)",
        params: [Type.Number | Type.Array],
        result: () => Type.Number,
        apply: (args, span) => Math.max(...numbersOf("max", args, span))
      },
      {
        name: "abs",
        minArgs: 1,
        maxArgs: 1,
        signature: "abs(x)",
        params: num1,
        result: () => Type.Number,
        apply: numeric1("abs", Math.abs)
      },
      {
        name: "floor",
        minArgs: 1,
        maxArgs: 1,
        signature: "floor(x)",
        params: num1,
        result: () => Type.Number,
        apply: numeric1("floor", Math.floor)
      },
      {
        name: "ceil",
        minArgs: 1,
        maxArgs: 1,
        signature: "ceil(x)",
        params: num1,
        result: () => Type.Number,
        apply: numeric1("ceil", Math.ceil)
      },
      {
        name: "round",
        minArgs: 1,
        maxArgs: 1,
        signature: "round(x)",
        params: num1,
        result: () => Type.Number,
        // halves away from zero
        apply: numeric1("round", (x) => Math.sign(x) * Math.round(Math.abs(x)))
      },
      {
        name: "sqrt",
        minArgs: 1,
        maxArgs: 1,
        signature: "sqrt(x)",
        params: num1,
        result: () => Type.Number,
        apply: numeric1("sqrt", Math.sqrt)
      },
      {
        name: "exp",
        minArgs: 1,
        maxArgs: 1,
        signature: "exp(x)",
        params: num1,
        result: () => Type.Number,
        apply: numeric1("exp", Math.exp)
      },
      {
        name: "log",
        minArgs: 1,
        maxArgs: 2,
        signature: "log(x[, base])",
        params: num1,
        result: () => Type.Number,
        apply: (args, span) => {
          const x = num(args[0]!, span, "log()")
          const r = args.length === 2 ? Math.log(x) / Math.log(num(args[1]!, span, "log()")) : Math.log(x)
          return finite(r, span, `log(${args.map(show).join(", ")})`)
        }
      },
      {
        name: "clamp",
        minArgs: 3,
        maxArgs: 3,
        signature: "clamp(x, low, high)",
        params: num1,
        result: () => Type.Number,
        apply: (args, span) => {
          const [x, lo, hi] = args.map((a) => num(a, span, "clamp()")) as [number, number, number]
          return Math.min(Math.max(x, lo), hi)
        }
      },
      {
        name: "str",
        minArgs: 1,
        maxArgs: 1,
        signature: "str(x)",
        params: [Type.Any],
        result: () => Type.String,
        apply: (args) => show(args[0]!)
      },
      {
        name: "int",
        minArgs: 1,
        maxArgs: 1,
        signature: "int(x)",
        params: [Type.Number | Type.String | Type.Boolean],
        result: () => Type.Number,
        // toward zero, as Python's int()
        apply: (args, span) => Math.trunc(toNumber("int", args[0]!, span))
      },
      {
        name: "float",
        minArgs: 1,
        maxArgs: 1,
        signature: "float(x)",
        params: [Type.Number | Type.String | Type.Boolean],
        result: () => Type.Number,
        apply: (args, span) => toNumber("float", args[0]!, span)
      },
      {
        name: "env",
        minArgs: 1,
        maxArgs: 2,
        signature: 'env("NAME"[, default])',
        params: [Type.String, Type.Any],
        result: (args) => Type.String | (args[1] ?? 0),
        apply: (args, span, ctx) => {
          const name = args[0]
          if (typeof name !== "string") return fail("env() needs the variable's name as a string", span)
          const value = ctx.env(name)
          if (value !== undefined) return value
          if (args.length === 2) return args[1]!
          throw new ExprError({
            reason: `the environment variable ${name} is not set (give a default: env("${name}", …))`,
            span,
            missingEnv: name
          })
        }
      }
    ] satisfies ReadonlyArray<FunctionSpec>
  ).map((f) => [f.name, f])
)

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
