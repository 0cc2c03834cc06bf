/**
 * The name under the cursor, read from the text (a name is letters, digits and `_`).
 *
 * @since 0.1.0
 */
import type * as Span from "../Span.ts"
import type { Analysis } from "./Analysis.ts"

const isNameChar = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95

/**
 * The name the offset is in or just after, with its span.
 *
 * @since 0.1.0
 * @category getters
 */
export const wordAt = (
  analysis: Analysis,
  offset: number
): { readonly text: string; readonly span: Span.Span } | undefined => {
  const text = analysis.text
  let start = offset
  while (start > 0 && isNameChar(text.charCodeAt(start - 1))) start--
  let end = offset
  while (end < text.length && isNameChar(text.charCodeAt(end))) end++
  if (start === end || (text.charCodeAt(start) >= 48 && text.charCodeAt(start) <= 57)) return undefined
  const lines = analysis.parsed.lines
  return { text: text.slice(start, end), span: { start: lines.positionAt(start), end: lines.positionAt(end) } }
}
