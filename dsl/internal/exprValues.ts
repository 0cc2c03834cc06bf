/**
 * The values of the `.rose` expression language (`Expr` exports them): what an expression may read,
 * its error, the checker's types, and how a value shows in a string.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import type * as Json from "../../core/Json.ts"
import type * as TaskSchedule from "../../core/TaskSchedule.ts"
import type * as Span from "../Span.ts"

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

/** Throws the `ExprError` of a failed evaluation. */
export const fail = (reason: string, span: Span.Span): never => {
  throw new ExprError({ reason, span })
}

export const finite = (n: number, span: Span.Span, what: string): number =>
  Number.isFinite(n) ? n : fail(`${what} is not a finite number`, span)

export const num = (v: Json.Json, span: Span.Span, what: string): number =>
  typeof v === "number" ? v : fail(`${what} needs a number, got ${typeName(typeOf(v))}`, span)

/**
 * How `str()` and string concatenation show a value: numbers as JavaScript prints them (`0.1`,
 * `1e-7`), strings as they are, everything else as JSON.
 *
 * @since 0.1.0
 * @category functions
 */
export const show = (v: Json.Json): string =>
  typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(v)
