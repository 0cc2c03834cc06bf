/**
 * Pieces of a correct file kept from one parse to the next (an editor's document, parsed again
 * after every keystroke): each top-level item and each `learner K { … }` section, keyed by its text
 * and the column it starts at. A piece whose text is unchanged is not parsed again; its tree is
 * reused, its spans moved by as many offsets and lines as the edits before it added or removed
 * (columns stay: the key fixes the first line's, and later lines start at column 1 either way).
 *
 * @since 0.1.0
 */
import type * as Ast from "../Ast.ts"
import type * as Span from "../Span.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface Piece {
  readonly offset: number
  readonly line: number
  readonly node: Ast.TopItem | Ast.LearnerItem
}

/**
 * The pieces of one parse, by key; the next parse reads them and writes its own.
 *
 * @since 0.1.0
 * @category models
 */
export type Pieces = ReadonlyMap<string, Piece>

/**
 * @since 0.1.0
 * @category constructors
 */
export const key = (text: string, start: number, end: number, column: number): string =>
  `${column}:${text.slice(start, end)}`

const movedSpan = (span: Span.Span, offset: number, line: number): Span.Span => ({
  start: { offset: span.start.offset + offset, line: span.start.line + line, column: span.start.column },
  end: { offset: span.end.offset + offset, line: span.end.line + line, column: span.end.column }
})

// Spans sit under these keys only (the ones `Ast.withoutSpans` removes); a test compares moved trees
// with fresh ones, spans included.
const spanKeys = new Set(["span", "opSpan", "kindSpan"])

const moved = (node: unknown, offset: number, line: number): unknown => {
  if (Array.isArray(node)) return node.map((n) => moved(n, offset, line))
  if (typeof node !== "object" || node === null) return node
  const out: Record<string, unknown> = {}
  for (const k in node) {
    const v = (node as Record<string, unknown>)[k]
    out[k] =
      typeof v !== "object" || v === null
        ? v
        : spanKeys.has(k)
          ? movedSpan(v as Span.Span, offset, line)
          : moved(v, offset, line)
  }
  return out
}

/**
 * A kept piece at its new place (the same tree when it did not move).
 *
 * @since 0.1.0
 * @category combinators
 */
export const at = <A extends Piece["node"]>(piece: Piece, offset: number, line: number): A =>
  (offset === piece.offset && line === piece.line
    ? piece.node
    : moved(piece.node, offset - piece.offset, line - piece.line)) as A
