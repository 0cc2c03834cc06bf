/**
 * Grammar hygiene, run by the test suite: the committed CST types match the grammar, every token
 * is used by the grammar, every keyword has a label.
 *
 * @since 0.1.0
 */
import { generateCstDts, type IProduction, NonTerminal, type Rule, Terminal, type TokenType } from "chevrotain"
import { RoseParser } from "../Parser.ts"
import * as T from "../Tokens.ts"

const header = `/* Generated from dsl/Parser.ts by generateCstDts; do not edit. A test fails when it drifts
 * (UPDATE_CST=1 npx vitest run --project unit test/unit/dsl/Grammar.test.ts regenerates it). */
`

/**
 * The text of `dsl/generated/cst.ts` for the current grammar (builds a validating parser).
 */
export const cstTypes = (): string => {
  const parser = new RoseParser({ validate: true })
  return header + generateCstDts(parser.getGAstProductions())
}

/**
 * The tokens the grammar never consumes (whitespace, comments and error-only tokens excepted).
 */
export const unusedTokens = (): ReadonlyArray<string> => {
  const parser = new RoseParser({ validate: true })
  const used = new Set<TokenType>()
  const walk = (p: IProduction): void => {
    if (p instanceof Terminal) used.add(p.terminalType)
    // a non-terminal's definition is its rule's, walked on its own
    else if (!(p instanceof NonTerminal))
      for (const q of (p as { definition?: ReadonlyArray<IProduction> }).definition ?? []) walk(q)
  }
  const rules: Record<string, Rule> = parser.getGAstProductions()
  for (const rule of Object.values(rules)) walk(rule)
  // a token is used when it or one of its categories is consumed
  const isUsed = (t: TokenType): boolean => used.has(t) || (t.CATEGORIES ?? []).some((c) => used.has(c))
  const exempt = new Set<TokenType>([T.WhiteSpace, T.Comment])
  return T.allTokens
    .filter((t) => !exempt.has(t) && !isUsed(t) && t.PATTERN !== undefined && !isCategory(t))
    .map((t) => t.name)
}

const isCategory = (t: TokenType): boolean =>
  t === T.Keyword || t === T.LearnerKind || t === T.StringLiteral || t === T.CompareOp || t === T.BinaryOp
