/**
 * The front of the pipeline: text → tokens → CST → AST, every problem a diagnostic.
 *
 * @since 0.1.0
 */
import type { IRecognitionException, IToken } from "chevrotain"
import type * as Ast from "../Ast.ts"
import * as CstToAst from "../CstToAst.ts"
import * as Diagnostic from "../Diagnostic.ts"
import * as Lexer from "../Lexer.ts"
import * as Parser from "../Parser.ts"
import * as Span from "../Span.ts"

export interface Parsed {
  readonly text: string
  readonly ast: Ast.File
  readonly tokens: ReadonlyArray<IToken>
  readonly comments: ReadonlyArray<IToken>
  readonly lines: Span.LineIndex
  /** Lexical and syntax diagnostics. */
  readonly diagnostics: ReadonlyArray<Diagnostic.Diagnostic>
  /** Whether the file had lexical or syntax errors (semantic checks then skip what is unsafe). */
  readonly broken: boolean
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

export const parseText = (text: string): Parsed => {
  const lexed = Lexer.tokenize(text)
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
    tokens: lexed.tokens,
    comments: lexed.comments,
    lines: lexed.lines,
    diagnostics,
    broken: Diagnostic.hasErrors(diagnostics)
  }
}
