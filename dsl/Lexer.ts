/**
 * The `.rose` lexer: one shared Chevrotain `Lexer` instance and `tokenize`, which never throws and
 * turns every lexical problem into a diagnostic (unexpected characters, unterminated strings, bad
 * escapes, numbers glued to letters).
 *
 * @since 0.1.0
 */
import { type ILexingError, type IToken, Lexer, type TokenType } from "chevrotain"
import * as Diagnostic from "./Diagnostic.ts"
import * as Span from "./Span.ts"
import * as Tokens from "./Tokens.ts"

/**
 * Builds a lexer. Production code uses the shared instance; the grammar test builds one with
 * validations on.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeLexer = (options: { readonly validate?: boolean } = {}): Lexer => {
  const lexer = new Lexer([...Tokens.allTokens], {
    // lines and columns come from a line index when needed: tracking them per token costs more
    // than the rest of lexing
    positionTracking: "onlyOffset",
    ensureOptimizations: true,
    skipValidations: options.validate !== true
  })
  // Offset-only tokens have no end offset, which the parser's node locations need. Build it into the
  // token (Chevrotain 11 picks its token factory per instance): adding it afterwards costs an
  // allocation per token. `tokenize` adds it itself if a Chevrotain version ignores this.
  const factory = lexer as unknown as {
    createTokenInstance?: (image: string, startOffset: number, tokenTypeIdx: number, tokenType: TokenType) => IToken
  }
  if (typeof factory.createTokenInstance === "function") {
    factory.createTokenInstance = (image, startOffset, tokenTypeIdx, tokenType) => ({
      image,
      startOffset,
      endOffset: startOffset + image.length - 1,
      tokenTypeIdx,
      tokenType
    })
  }
  return lexer
}

let shared: Lexer | undefined

/**
 * The shared lexer (built on first use).
 *
 * @since 0.1.0
 * @category constructors
 */
export const lexer = (): Lexer => {
  if (shared === undefined) shared = makeLexer()
  return shared
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Result {
  /** The tokens the parser reads (no whitespace, no comments). */
  readonly tokens: ReadonlyArray<IToken>
  /** Comments in source order (the formatter keeps them). */
  readonly comments: ReadonlyArray<IToken>
  readonly diagnostics: ReadonlyArray<Diagnostic.Diagnostic>
  /** Offsets → lines and columns for this text. */
  readonly lines: Span.LineIndex
}

/**
 * The span of a token (tokens carry offsets only; `lines` gives lines and columns).
 *
 * @since 0.1.0
 * @category spans
 */
export const tokenSpan = (t: IToken, lines: Span.LineIndex): Span.Span => ({
  start: lines.positionAt(t.startOffset),
  end: lines.positionAt((t.endOffset ?? t.startOffset) + 1)
})

/**
 * Whether a token has a real position (tokens inserted by error recovery, and EOF, have none).
 *
 * @since 0.1.0
 * @category spans
 */
export const isReal = (t: IToken | undefined): t is IToken =>
  t !== undefined && !Number.isNaN(t.startOffset) && t.startOffset >= 0 && t.isInsertedInRecovery !== true

const lexError = (e: ILexingError, text: string, lines: Span.LineIndex): Diagnostic.Diagnostic => {
  const chars = text.slice(e.offset, e.offset + e.length)
  const shown = chars.length > 20 ? `${chars.slice(0, 20)}…` : chars
  return Diagnostic.error(
    Diagnostic.Codes.UnexpectedCharacter,
    `unexpected character${chars.length > 1 ? "s" : ""} ${JSON.stringify(shown)}`,
    { start: lines.positionAt(e.offset), end: lines.positionAt(e.offset + e.length) }
  )
}

const escapes: { readonly [c: string]: string } = { '"': '"', "\\": "\\", n: "\n", t: "\t", r: "\r", "0": "\0" }

/**
 * Decodes the text of a string token (quotes included or, when unterminated, the opening quote only)
 * and reports bad escapes. Supported: `\"` `\\` `\n` `\t` `\r` `\0` `\u0041` `\u{1F600}`.
 *
 * @since 0.1.0
 * @category literals
 */
export const decodeString = (
  raw: string
): {
  readonly value: string
  readonly problems: ReadonlyArray<{ readonly offset: number; readonly length: number }>
} => {
  const closed = raw.length >= 2 && raw.endsWith('"') && !isEscapedQuote(raw)
  const body = raw.slice(1, closed ? -1 : undefined)
  if (!body.includes("\\")) return { value: body, problems: [] }
  let out = ""
  const problems: Array<{ offset: number; length: number }> = []
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!
    if (c !== "\\") {
      out += c
      continue
    }
    const e = body[i + 1]
    if (e === undefined) {
      problems.push({ offset: i + 1, length: 1 })
      break
    }
    const simple = escapes[e]
    if (simple !== undefined) {
      out += simple
      i++
      continue
    }
    if (e === "u") {
      const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(body.slice(i + 2))
      const plain = /^[0-9a-fA-F]{4}/.exec(body.slice(i + 2))
      const hex = braced?.[1] ?? plain?.[0]
      const cp = hex === undefined ? Number.NaN : Number.parseInt(hex, 16)
      if (hex !== undefined && cp <= 0x10ffff) {
        out += String.fromCodePoint(cp)
        i += 1 + (braced !== null ? braced[0].length : 4)
        continue
      }
    }
    problems.push({ offset: i + 1, length: 2 })
    out += e
    i++
  }
  return { value: out, problems }
}

// `"abc\"` is unterminated: its last quote is escaped.
const isEscapedQuote = (raw: string): boolean => {
  let n = 0
  for (let i = raw.length - 2; i >= 1 && raw[i] === "\\"; i--) n++
  return n % 2 === 1
}

/**
 * Tokenizes a text. Never throws.
 *
 * @since 0.1.0
 * @category lexing
 */
export const tokenize = (text: string): Result => {
  const result = lexer().tokenize(text)
  const lines = Span.lineIndex(text)
  const diagnostics: Array<Diagnostic.Diagnostic> = result.errors.map((e) => lexError(e, text, lines))
  const tokens = result.tokens
  if (tokens.length > 0 && tokens[0]!.endOffset === undefined) {
    for (const t of tokens) t.endOffset = t.startOffset + t.image.length - 1
  }
  for (const t of tokens) {
    const type = t.tokenType
    if (type === Tokens.StringToken || type === Tokens.UnterminatedString) {
      const span = tokenSpan(t, lines)
      if (type === Tokens.UnterminatedString) {
        diagnostics.push(
          Diagnostic.error(Diagnostic.Codes.UnterminatedString, "unterminated string: add the closing '\"'", span)
        )
      }
      if (t.image.includes("\\")) {
        for (const p of decodeString(t.image).problems) {
          const start = {
            offset: span.start.offset + p.offset,
            line: span.start.line,
            column: span.start.column + p.offset
          }
          diagnostics.push(
            Diagnostic.error(
              Diagnostic.Codes.InvalidEscape,
              `invalid escape ${JSON.stringify(t.image.slice(p.offset, p.offset + p.length))} (use \\" \\\\ \\n \\t \\r \\0 \\uXXXX or \\u{X…})`,
              { start, end: { offset: start.offset + p.length, line: start.line, column: start.column + p.length } }
            )
          )
        }
      }
    } else if (type === Tokens.BadNumber) {
      diagnostics.push(
        Diagnostic.error(
          Diagnostic.Codes.InvalidNumber,
          `invalid number ${JSON.stringify(t.image)} (a duration takes one of the units ms, s, m, h: 10m)`,
          tokenSpan(t, lines)
        )
      )
    }
  }
  const comments = result.groups[Tokens.commentGroup] ?? []
  if (comments.length > 0 && comments[0]!.endOffset === undefined) {
    for (const c of comments) c.endOffset = c.startOffset + c.image.length - 1
  }
  return { tokens, comments, diagnostics, lines }
}
