/**
 * The front of the pipeline: text → tokens → CST → AST, every problem a diagnostic.
 *
 * @since 0.1.0
 */
import type { IRecognitionException, IToken, TokenType } from "chevrotain"
import type * as Ast from "../Ast.ts"
import * as CstToAst from "../CstToAst.ts"
import * as Diagnostic from "../Diagnostic.ts"
import * as Lexer from "../Lexer.ts"
import * as Parser from "../Parser.ts"
import * as Span from "../Span.ts"
import * as Tokens from "../Tokens.ts"
import * as Pieces from "./pieces.ts"

export interface Parsed {
  readonly text: string
  readonly ast: Ast.File
  /** Offsets of the `{` tokens, in order (the formatter keeps comments after them); the tokens
   * themselves are not kept, so a large file's token vector dies with the parse. */
  readonly braces: ReadonlyArray<number>
  readonly comments: ReadonlyArray<IToken>
  readonly lines: Span.LineIndex
  /** Lexical and syntax diagnostics. */
  readonly diagnostics: ReadonlyArray<Diagnostic.Diagnostic>
  /** Whether the file had lexical or syntax errors (semantic checks then skip what is unsafe). */
  readonly broken: boolean
  /** The pieces of a correct file, for the next parse of an edited version (`parseText`'s `previous`). */
  readonly pieces: Pieces.Pieces
}

const codeOf = (e: IRecognitionException): Diagnostic.Code => {
  switch (e.name) {
    case "NoViableAltException":
      return Diagnostic.Codes.NoViableAlternative
    case "NotAllInputParsedException":
      return Diagnostic.Codes.ExtraInput
    default:
      return Diagnostic.Codes.UnexpectedToken
  }
}

const errorSpan = (e: IRecognitionException, tokens: ReadonlyArray<IToken>, lines: Span.LineIndex): Span.Span => {
  if (Lexer.isReal(e.token)) return Lexer.tokenSpan(e.token, lines)
  // recovery-inserted tokens and EOF have no position: anchor at the end of the previous token
  const prev = (e as { previousToken?: IToken }).previousToken
  if (Lexer.isReal(prev)) return Span.after(Lexer.tokenSpan(prev, lines))
  const last = tokens[tokens.length - 1]
  return Lexer.isReal(last) ? Span.after(Lexer.tokenSpan(last, lines)) : Span.origin
}

const starts = new Set<TokenType>([Tokens.Backend, Tokens.Plugin, Tokens.Let, ...Tokens.keywords.filter(isKind)])

function isKind(t: TokenType): boolean {
  return t.CATEGORIES?.includes(Tokens.LearnerKind) === true
}

/**
 * The fast path for a correct file: parse it piece by piece (each top-level item; each
 * `learner K { … }` section of a block apart from the rest of the block) without error recovery,
 * converting each piece's CST to AST at once. A whole file's CST is large and long-lived, and the
 * garbage collector's cost of keeping it grows faster than the file; pieces die young. Any error,
 * or a piece that is not what it looked like, returns `undefined`, and the caller parses the whole
 * file with recovery (the reference behaviour: the AST is the same, a test compares them).
 * Pieces whose text the previous parse saw are taken from it (see `pieces.ts`); `kept` receives
 * this parse's pieces.
 */
const parsePieces = (
  text: string,
  tokens: ReadonlyArray<IToken>,
  lines: Span.LineIndex,
  previous: Pieces.Pieces,
  kept: Map<string, Pieces.Piece> | undefined
): Ast.File | undefined => {
  const items: Array<Ast.TopItem> = []
  // a kept piece when `previous` has one for the tokens from..to (inclusive)
  const reuse = <A extends Pieces.Piece["node"]>(
    from: IToken,
    to: IToken,
    parse: () => A | undefined
  ): A | undefined => {
    if (kept === undefined) return parse()
    const start = lines.positionAt(from.startOffset)
    const k = Pieces.key(text, from.startOffset, (to.endOffset ?? to.startOffset) + 1, start.column)
    const hit = previous.get(k)
    const node = hit === undefined ? parse() : Pieces.at<A>(hit, start.offset, start.line)
    if (node !== undefined) kept.set(k, { offset: start.offset, line: start.line, node })
    return node
  }
  let i = 0
  while (i < tokens.length) {
    const end = kept === undefined || previous.size === 0 ? undefined : wholeItem(tokens, i)
    if (end !== undefined) {
      const hit = reuse<Ast.TopItem>(tokens[i]!, tokens[end - 1]!, () => undefined)
      if (hit !== undefined) {
        items.push(hit)
        i = end
        continue
      }
    }
    // a top-level item runs to the next top-level keyword outside brackets
    let depth = 0
    let j = i
    const sections: Array<Array<IToken>> = []
    const rest: Array<IToken> = []
    const block = isKind(tokens[i]!.tokenType)
    for (; j < tokens.length; j++) {
      const t = tokens[j]!
      const type = t.tokenType
      if (j > i && depth === 0 && starts.has(type)) break
      if (block && depth === 1 && type === Tokens.Learner) {
        const end = sectionEnd(tokens, j)
        if (end !== undefined) {
          sections.push(tokens.slice(j, end + 1))
          j = end
          continue
        }
      }
      if (type === Tokens.LCurly || type === Tokens.LBracket || type === Tokens.LParen) depth++
      else if (type === Tokens.RCurly || type === Tokens.RBracket || type === Tokens.RParen) depth--
      rest.push(t)
    }
    const cst = Parser.parsePiece("topItem", rest)
    if (cst === undefined) return undefined
    const item = CstToAst.topItemAst(cst, lines)
    if (item === undefined) return undefined
    let whole: Ast.TopItem = item
    if (sections.length > 0) {
      if (item._tag !== "LearnerBlock") return undefined
      const extra: Array<Ast.LearnerItem> = []
      for (const section of sections) {
        const converted = reuse<Ast.LearnerItem>(section[0]!, section[section.length - 1]!, () => {
          const s = Parser.parsePiece("learnerItem", section)
          return s === undefined ? undefined : CstToAst.learnerItemAst(s, lines)
        })
        if (converted === undefined) return undefined
        extra.push(converted)
      }
      const merged = [...item.items, ...extra].sort((a, b) => a.span.start.offset - b.span.start.offset)
      whole = { ...item, items: merged }
    }
    reuse(tokens[i]!, tokens[j - 1]!, () => whole)
    items.push(whole)
    i = j
  }
  return { _tag: "File", items, span: { start: Span.position(0, 1, 1), end: lines.positionAt(text.length) } }
}

// The end (exclusive) of the top-level item starting at token i: the next top-level keyword outside
// brackets, as `parsePieces` splits.
const wholeItem = (tokens: ReadonlyArray<IToken>, i: number): number => {
  let depth = 0
  let j = i
  for (; j < tokens.length; j++) {
    const type = tokens[j]!.tokenType
    if (j > i && depth === 0 && starts.has(type)) break
    if (type === Tokens.LCurly || type === Tokens.LBracket || type === Tokens.LParen) depth++
    else if (type === Tokens.RCurly || type === Tokens.RBracket || type === Tokens.RParen) depth--
  }
  return j
}

// `learner K {` … its matching `}`: the index of the `}`, or undefined when this is not a section
const sectionEnd = (tokens: ReadonlyArray<IToken>, at: number): number | undefined => {
  let k = at + 1
  if (tokens[k]?.tokenType === Tokens.Minus) k++
  const index = tokens[k]?.tokenType
  if (index !== Tokens.NumberToken && index !== Tokens.Identifier) return undefined
  if (tokens[k + 1]?.tokenType !== Tokens.LCurly) return undefined
  let depth = 0
  for (let m = k + 1; m < tokens.length; m++) {
    const type = tokens[m]!.tokenType
    if (type === Tokens.LCurly || type === Tokens.LBracket || type === Tokens.LParen) depth++
    else if (type === Tokens.RCurly || type === Tokens.RBracket || type === Tokens.RParen) {
      depth--
      if (depth === 0) return type === Tokens.RCurly ? m : undefined
    }
  }
  return undefined
}

const bracesOf = (tokens: ReadonlyArray<IToken>): ReadonlyArray<number> => {
  const out: Array<number> = []
  for (const t of tokens) if (t.tokenType === Tokens.LCurly) out.push(t.startOffset)
  return out
}

/** How deep brackets may nest; deeper files are refused before parsing (the parser recurses). */
export const maxNesting = 256

const nestingProblem = (tokens: ReadonlyArray<IToken>, lines: Span.LineIndex): Diagnostic.Diagnostic | undefined => {
  let depth = 0
  for (const t of tokens) {
    const type = t.tokenType
    if (type === Tokens.LCurly || type === Tokens.LBracket || type === Tokens.LParen) {
      if (++depth > maxNesting) return tooDeep(Lexer.tokenSpan(t, lines))
    } else if (type === Tokens.RCurly || type === Tokens.RBracket || type === Tokens.RParen) depth--
  }
  return undefined
}

const tooDeep = (span: Span.Span): Diagnostic.Diagnostic =>
  Diagnostic.error(
    Diagnostic.Codes.NestingTooDeep,
    `the file nests brackets or operators too deeply to be read (at most ${maxNesting} levels)`,
    span
  )

const isStackOverflow = (u: unknown): boolean => u instanceof RangeError

/**
 * Runs a stage of the pipeline, turning a stack overflow (an input nested past what recursion can
 * follow, such as thousands of `-` or `**` in a row) into an `E104` diagnostic: the pipeline never
 * throws.
 */
export const guardDepth = <A>(f: () => A, onOverflow: (d: Diagnostic.Diagnostic) => A): A => {
  try {
    return f()
  } catch (u) {
    if (isStackOverflow(u)) return onOverflow(tooDeep(Span.origin))
    throw u
  }
}

const refused = (text: string, lexed: Lexer.Result, d: Diagnostic.Diagnostic): Parsed => ({
  text,
  ast: { _tag: "File", items: [], span: { start: Span.position(0, 1, 1), end: lexed.lines.positionAt(text.length) } },
  braces: bracesOf(lexed.tokens),
  comments: lexed.comments,
  lines: lexed.lines,
  diagnostics: [...lexed.diagnostics, d],
  broken: true,
  pieces: new Map()
})

/**
 * Lexes and parses a text: the fast path for a correct file, else the whole file with recovery.
 * `incremental` keeps the pieces of this parse for the next one, and takes those of `previous`, the
 * parse of an earlier version of the same document, whose text did not change (an editor parses
 * after every keystroke).
 */
export const parseText = (
  text: string,
  incremental?: { readonly previous: Parsed | undefined } | undefined
): Parsed => {
  const lexed = Lexer.tokenize(text)
  const deep = nestingProblem(lexed.tokens, lexed.lines)
  if (deep !== undefined) return refused(text, lexed, deep)
  return guardDepth(
    () => parseLexed(text, lexed, incremental === undefined ? undefined : (incremental.previous?.pieces ?? new Map())),
    (d) => refused(text, lexed, d)
  )
}

const parseLexed = (text: string, lexed: Lexer.Result, previous: Pieces.Pieces | undefined): Parsed => {
  const kept = previous === undefined ? undefined : new Map<string, Pieces.Piece>()
  const fast = parsePieces(text, lexed.tokens, lexed.lines, previous ?? new Map(), kept)
  if (fast !== undefined) {
    return {
      text,
      ast: fast,
      braces: bracesOf(lexed.tokens),
      comments: lexed.comments,
      lines: lexed.lines,
      diagnostics: lexed.diagnostics,
      broken: Diagnostic.hasErrors(lexed.diagnostics),
      pieces: kept ?? new Map()
    }
  }
  // an error: nothing is kept from this version, but the last correct one's pieces still help
  return { ...parseWhole(text, lexed), pieces: previous ?? new Map() }
}

/**
 * Parses the whole text with recovery (what `parseText` does for a file with syntax errors; tests
 * compare it with the fast path on correct files).
 */
export const parseWhole = (text: string, lexed: Lexer.Result = Lexer.tokenize(text)): Parsed => {
  const parsed = Parser.parseTokens(lexed.tokens)
  const diagnostics: Array<Diagnostic.Diagnostic> = [...lexed.diagnostics]
  // recovery may report one spot twice (a failed alternative, then the loop around it): keep the first
  const seen = new Set<number>()
  for (const e of parsed.errors) {
    const span = errorSpan(e, lexed.tokens, lexed.lines)
    const key = span.start.offset
    if (seen.has(key)) continue
    seen.add(key)
    diagnostics.push(Diagnostic.error(codeOf(e), e.message, span))
  }
  const ast = CstToAst.toAst(parsed.cst, lexed.lines, text.length)
  return {
    text,
    ast,
    braces: bracesOf(lexed.tokens),
    comments: lexed.comments,
    lines: lexed.lines,
    diagnostics,
    broken: Diagnostic.hasErrors(diagnostics),
    pieces: new Map()
  }
}
