/**
 * Source positions and spans. Lines and columns are 1-based (as people count them), offsets are
 * 0-based UTF-16 indices into the text; a span's `end` is exclusive.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 * @category models
 */
export interface Position {
  readonly offset: number
  readonly line: number
  readonly column: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Span {
  readonly start: Position
  /** Exclusive: the position just after the last character. */
  readonly end: Position
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const position = (offset: number, line: number, column: number): Position => ({ offset, line, column })

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (start: Position, end: Position): Span => ({ start, end })

/**
 * A zero-width span at a position.
 *
 * @since 0.1.0
 * @category constructors
 */
export const point = (at: Position): Span => ({ start: at, end: at })

/**
 * The start of a file.
 *
 * @since 0.1.0
 * @category constants
 */
export const origin: Span = point(position(0, 1, 1))

/**
 * The smallest span covering both.
 *
 * @since 0.1.0
 * @category combinators
 */
export const merge = (a: Span, b: Span): Span => ({
  start: a.start.offset <= b.start.offset ? a.start : b.start,
  end: a.end.offset >= b.end.offset ? a.end : b.end
})

/**
 * The zero-width span at the end of a span.
 *
 * @since 0.1.0
 * @category combinators
 */
export const after = (span: Span): Span => point(span.end)

/**
 * Maps offsets to positions for one text (binary search over line starts).
 *
 * @since 0.1.0
 * @category models
 */
export interface LineIndex {
  readonly positionAt: (offset: number) => Position
  readonly lineText: (line: number) => string
  readonly lineCount: number
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const lineIndex = (text: string): LineIndex => {
  const starts: Array<number> = [0]
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 10) starts.push(i + 1)
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++
      starts.push(i + 1)
    }
  }
  // lookups come mostly in increasing order: try the last line found and the next one first; and
  // many nodes start or end at the same offsets: share their positions (cached per line, then column:
  // one array as long as the text would be in V8's slow dictionary mode)
  let last = 0
  const cache: Array<Array<Position | undefined> | undefined> = new Array(starts.length).fill(undefined)
  const positionAt = (offset: number): Position => {
    const o = offset < 0 ? 0 : Math.min(offset, text.length)
    let lo: number
    const a = starts[last]!
    const b = starts[last + 1]
    if (o >= a && (b === undefined || o < b)) lo = last
    else if (b !== undefined && o >= b && (starts[last + 2] === undefined || o < starts[last + 2]!)) lo = last + 1
    else {
      lo = 0
      let hi = starts.length - 1
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1
        if (starts[mid]! <= o) lo = mid
        else hi = mid - 1
      }
    }
    last = lo
    const column = o - starts[lo]!
    let row = cache[lo]
    if (row === undefined) {
      row = []
      cache[lo] = row
    }
    const hit = row[column]
    if (hit !== undefined) return hit
    const p = { offset: o, line: lo + 1, column: column + 1 }
    row[column] = p
    return p
  }
  const lineText = (line: number): string => {
    const start = starts[line - 1]
    if (start === undefined) return ""
    const next = starts[line]
    let end = next === undefined ? text.length : next
    while (end > start && (text.charCodeAt(end - 1) === 10 || text.charCodeAt(end - 1) === 13)) end--
    return text.slice(start, end)
  }
  return { positionAt, lineText, lineCount: starts.length }
}
