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

const isPosition = (u: object): u is Span.Position => {
  const p = u as Partial<Span.Position>
  return typeof p.offset === "number" && typeof p.line === "number" && typeof p.column === "number"
}

const moved = (node: unknown, offset: number, line: number): unknown => {
  if (Array.isArray(node)) return node.map((n) => moved(n, offset, line))
  if (typeof node !== "object" || node === null) return node
  if (isPosition(node) && Object.keys(node).length === 3) {
    return { offset: node.offset + offset, line: node.line + line, column: node.column }
  }
  const out: Record<string, unknown> = {}
  for (const k in node) out[k] = moved((node as Record<string, unknown>)[k], offset, line)
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
