/**
 * What the semantic checks share: the context of one file's check and small helpers.
 *
 * @since 0.1.0
 */
import type * as Json from "../../core/Json.ts"
import type * as Ast from "../Ast.ts"
import * as Diagnostic from "../Diagnostic.ts"
import * as Expr from "../Expr.ts"
import type * as Span from "../Span.ts"
import { fold, type LetInfo, type Scope } from "./analyze.ts"

export interface Ctx {
  /** The file name diagnostics and backend origins use. */
  readonly file: string | undefined
  readonly here: string
  readonly broken: boolean
  readonly env: (name: string) => string | undefined
  readonly exists: ((path: string) => boolean) | undefined
  readonly backendKinds: ReadonlyArray<string>
  readonly lets: Map<string, LetInfo>
  readonly backendNames: Set<string>
  readonly diagnostics: Array<Diagnostic.Diagnostic>
  readonly report: (d: Diagnostic.Diagnostic) => void
}

export const scope = (ctx: Ctx, fields: Partial<Scope> & Pick<Scope, "allowed" | "where">): Scope => ({
  lets: ctx.lets,
  laterLets: new Set(),
  tasks: undefined,
  maxIter: undefined,
  learner: undefined,
  env: ctx.env,
  broken: ctx.broken,
  report: ctx.report,
  ...fields
})

export const err = (ctx: Ctx, code: Diagnostic.Code, message: string, span: Span.Span): void =>
  ctx.report(Diagnostic.error(code, message, span))

/** The folder of a file path ("." when it has none). */
export const folderOf = (file: string | undefined): string => {
  if (file === undefined) return "."
  const k = file.lastIndexOf("/")
  return k < 0 ? "." : k === 0 ? "/" : file.slice(0, k)
}

export const isInt = (v: Json.Json | undefined): v is number => typeof v === "number" && Number.isInteger(v)

/** A value as a message shows it: strings quoted. */
export const shown = (v: Json.Json): string => (typeof v === "string" ? JSON.stringify(v) : Expr.show(v))

/** Folds an expression that must be a constant integer within bounds; reports with `code` otherwise. */
export const constInt = (
  ctx: Ctx,
  e: Ast.Expr,
  s: Scope,
  code: Diagnostic.Code,
  what: string,
  min: number,
  max = Number.POSITIVE_INFINITY
): number | undefined => {
  const r = fold(e, s)
  if (!r.info.ok || r.value === undefined) return undefined
  if (!isInt(r.value) || r.value < min || r.value > max) {
    const range = max === Number.POSITIVE_INFINITY ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`
    err(ctx, code, `${what} must be ${range}, got ${shown(r.value)}`, e.span)
    return undefined
  }
  return r.value
}

/**
 * The span of `length` characters at `offset` in a string literal's value; the whole literal when
 * its columns do not map to its value (escapes, several lines, not a literal).
 */
export const stringOffsetSpan = (s: Ast.Expr, offset: number, length: number): Span.Span => {
  if (s._tag !== "String" || s.raw.includes("\\") || s.span.start.line !== s.span.end.line) return s.span
  const start = {
    offset: s.span.start.offset + 1 + offset,
    line: s.span.start.line,
    column: s.span.start.column + 1 + offset
  }
  const len = Math.max(1, Math.min(length, s.value.length - offset))
  return { start, end: { offset: start.offset + len, line: start.line, column: start.column + len } }
}
