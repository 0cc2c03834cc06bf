/**
 * The shapes of the Language Server Protocol (3.17) the language service answers with, written out
 * here so that the service is plain data in, plain data out: the protocol library lives with the
 * connection (`cli/Lsp.ts`), and these types are structurally the protocol's own. Positions are
 * 0-based lines and UTF-16 characters, as `Span` offsets are.
 *
 * @since 0.1.0
 */
import type * as Span from "../Span.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface Position {
  readonly line: number
  readonly character: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Range {
  readonly start: Position
  readonly end: Position
}

/**
 * `DiagnosticSeverity`: 1 error, 2 warning.
 *
 * @since 0.1.0
 * @category models
 */
export interface Diagnostic {
  readonly range: Range
  readonly severity: 1 | 2
  readonly code: string
  readonly source: "rose"
  readonly message: string
}

/**
 * `CompletionItemKind` values used here.
 *
 * @since 0.1.0
 * @category constants
 */
export const CompletionKind = {
  Function: 3,
  Field: 5,
  Variable: 6,
  Module: 9,
  Property: 10,
  Value: 12,
  Keyword: 14,
  Constant: 21,
  Event: 23
} as const

/**
 * @since 0.1.0
 * @category models
 */
export interface CompletionItem {
  readonly label: string
  readonly kind: (typeof CompletionKind)[keyof typeof CompletionKind]
  readonly detail?: string
  readonly documentation?: string
  readonly insertText?: string
  readonly sortText?: string
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Hover {
  readonly contents: { readonly kind: "markdown"; readonly value: string }
  readonly range: Range
}

/**
 * @since 0.1.0
 * @category models
 */
export interface TextEdit {
  readonly range: Range
  readonly newText: string
}

/**
 * `SymbolKind` values used here.
 *
 * @since 0.1.0
 * @category constants
 */
export const SymbolKind = {
  Module: 2,
  Namespace: 3,
  Class: 5,
  Method: 6,
  Property: 7,
  Function: 12,
  Variable: 13,
  Constant: 14,
  Object: 19
} as const

/**
 * @since 0.1.0
 * @category models
 */
export interface DocumentSymbol {
  readonly name: string
  readonly detail?: string
  readonly kind: (typeof SymbolKind)[keyof typeof SymbolKind]
  readonly range: Range
  readonly selectionRange: Range
  readonly children?: ReadonlyArray<DocumentSymbol>
}

/**
 * A span as a range.
 *
 * @since 0.1.0
 * @category conversions
 */
export const rangeOf = (span: Span.Span): Range => ({
  start: { line: span.start.line - 1, character: span.start.column - 1 },
  end: { line: span.end.line - 1, character: span.end.column - 1 }
})

/**
 * The offset of a position in a text (clamped to the text; a character past its line's end is the
 * line's end).
 *
 * @since 0.1.0
 * @category conversions
 */
export const offsetAt = (text: string, position: Position): number => {
  let offset = 0
  for (let line = 0; line < position.line; line++) {
    const next = text.indexOf("\n", offset)
    if (next < 0) return text.length
    offset = next + 1
  }
  const end = text.indexOf("\n", offset)
  const lineEnd = end < 0 ? text.length : end > offset && text[end - 1] === "\r" ? end - 1 : end
  return Math.min(offset + Math.max(0, position.character), lineEnd)
}

/**
 * Whether an offset lies within a span (its end included: the cursor just after a word is on it).
 *
 * @since 0.1.0
 * @category conversions
 */
export const within = (span: Span.Span, offset: number): boolean =>
  span.start.offset <= offset && offset <= span.end.offset
