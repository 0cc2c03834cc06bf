/**
 * The built-in functions of the `.rose` expression language (`Expr` exports them): `min max abs
 * floor ceil round sqrt exp log clamp str int float env`, with their arity and types for the checker.
 *
 * @since 0.1.0
 */
import type * as Json from "../../core/Json.ts"
import type * as Span from "../Span.ts"
import {
  type Context,
  ExprError,
  fail,
  finite,
  num,
  show,
  Type,
  type TypeMask,
  typeName,
  typeOf
} from "./exprValues.ts"

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
