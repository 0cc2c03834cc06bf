/**
 * The parser's error messages, Langium-style: one line, labels rather than token names ("Expecting
 * X but found `y`."), with a "did you mean" for misspelt keywords.
 *
 * @since 0.1.0
 */
import {
  defaultParserErrorProvider,
  EOF,
  type IParserErrorMessageProvider,
  type IToken,
  type TokenType
} from "chevrotain"
import * as T from "../Tokens.ts"
import { closest } from "./suggest.ts"

const labelOf = (t: TokenType): string => {
  if (t === EOF) return "end of file"
  return t.LABEL ?? t.name
}

const shown = (t: IToken | undefined): string =>
  t === undefined || t.tokenType === EOF
    ? "end of file"
    : `\`${t.image.length > 30 ? `${t.image.slice(0, 30)}…` : t.image}\``

const keywordWord = (t: TokenType): string | undefined => (t.name.startsWith("Kw_") ? t.name.slice(3) : undefined)

const suggestKeyword = (actual: IToken | undefined, expected: Iterable<TokenType>): string => {
  if (actual === undefined || actual.tokenType !== T.Identifier) return ""
  const words: Array<string> = []
  for (const t of expected) {
    const w = keywordWord(t)
    if (w !== undefined) words.push(w)
    else if (t === T.LearnerKind || t === T.Keyword) {
      for (const k of T.keywords) {
        if (t === T.Keyword || k.CATEGORIES?.includes(T.LearnerKind) === true) words.push(keywordWord(k)!)
      }
    }
  }
  const c = closest(actual.image, words)
  return c === undefined ? "" : `; did you mean '${c}'?`
}

const describeAlternatives = (paths: ReadonlyArray<ReadonlyArray<TokenType>>): string => {
  const firsts: Array<string> = []
  for (const p of paths) {
    const t = p[0]
    if (t === undefined) continue
    const l = labelOf(t)
    if (!firsts.includes(l)) firsts.push(l)
  }
  if (firsts.length === 0) return "something else"
  if (firsts.length === 1) return firsts[0]!
  if (firsts.length > 8) return `${firsts.slice(0, 8).join(", ")}, …`
  return `${firsts.slice(0, -1).join(", ")} or ${firsts[firsts.length - 1]}`
}

const ruleDescriptions: { readonly [rule: string]: string } = {
  topItem: "a declaration (active, reinforcement, uq, selector, backend, plugin, let)",
  learnerItem:
    "a learner setting (parallel, max_iter, stop when, on_error), a task binding (name = exec …) or a section (learner N { … })",
  binding: 'a binding: exec "command", exec ["argv", …], shell "script" or call "./module.ts#function"',
  taskOption: "a task option (with, args, resources, retry, timeout, backend, env)",
  operand: "an expression",
  expression: "an expression",
  when: "'at N', 'from N' or 'default'",
  objectEntry: "a key",
  accessor: "'.name' or '[index]'"
}

const topLevelKeywords = ["active", "reinforcement", "uq", "selector", "backend", "plugin", "let"]
const learnerKeywords = ["parallel", "max_iter", "stop", "on_error", "learner"]

/** The messages of every parser error. */
export const errorMessageProvider: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, ruleName }) {
    if (expected === EOF && ruleName === "program") {
      const hint =
        actual.tokenType === T.Identifier
          ? ((c) => (c === undefined ? "" : `; did you mean '${c}'?`))(closest(actual.image, topLevelKeywords))
          : ""
      return `Expecting ${ruleDescriptions.topItem} but found ${shown(actual)}${hint}`
    }
    if (expected === T.RCurly && ruleName === "learnerBlock") {
      const hint =
        actual.tokenType === T.Identifier
          ? ((c) => (c === undefined ? "" : `; did you mean '${c}'?`))(closest(actual.image, learnerKeywords))
          : ""
      return `Expecting ${ruleDescriptions.learnerItem} or '}' but found ${shown(actual)}${hint}`
    }
    return `Expecting ${labelOf(expected)} but found ${shown(actual)}${suggestKeyword(actual, [expected])}`
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `Expecting ${ruleDescriptions.topItem} but found ${shown(firstRedundant)}`
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    const first = actual[0]
    const second = actual[1]?.tokenType
    if (
      ruleName === "learnerItem" &&
      first?.tokenType === T.Identifier &&
      (second === T.At || second === T.From || second === T.Default)
    ) {
      return `Expecting ${ruleDescriptions.learnerItem} but found \`${first.image} ${actual[1]!.image}\`: configuration entries go inside a section, learner K { ${first.image} ${actual[1]!.image} … }`
    }
    const paths = expectedPathsPerAlt.flat()
    const what = ruleDescriptions[ruleName] ?? describeAlternatives(paths)
    return `Expecting ${what} but found ${shown(first)}${suggestKeyword(first, paths.map((p) => p[0]!).filter(Boolean))}`
  },
  buildEarlyExitMessage(options) {
    const first = options.actual[0]
    const what = ruleDescriptions[options.ruleName] ?? describeAlternatives(options.expectedIterationPaths)
    return first === undefined
      ? defaultParserErrorProvider.buildEarlyExitMessage(options)
      : `Expecting at least one ${what} but found ${shown(first)}`
  }
}
