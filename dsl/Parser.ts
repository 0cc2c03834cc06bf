/**
 * The `.rose` grammar: a pure Chevrotain `CstParser` (no semantic actions), with error recovery on
 * and full node locations. `generated/cst.ts` holds the CST types generated from it (a test fails
 * when they drift). One shared instance parses every input; grammar validations run in the test
 * suite and are skipped in production.
 *
 * @since 0.1.0
 */
import {
  CstParser,
  defaultParserErrorProvider,
  EOF,
  type IParserErrorMessageProvider,
  type IRecognitionException,
  type IToken,
  type TokenType
} from "chevrotain"
import type * as Cst from "./generated/cst.ts"
import { closest } from "./internal/suggest.ts"
import * as T from "./Tokens.ts"

// ---------------------------------------------------------------------------------------------
// error messages: "Expecting X but found `y`." with a "did you mean" for misspelt keywords
// ---------------------------------------------------------------------------------------------

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

/**
 * Langium-style messages: one line, labels rather than token names.
 *
 * @since 0.1.0
 * @category errors
 */
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

// ---------------------------------------------------------------------------------------------
// the grammar
// ---------------------------------------------------------------------------------------------

/**
 * @since 0.1.0
 * @category parsers
 */
export class RoseParser extends CstParser {
  // Alternatives and loop bodies of the hot rules, built once (Chevrotain's performance guide):
  // building them on every call allocates closures on the hottest paths. Declared first: fields
  // initialise in order, and the rules below use it.
  private readonly built: { [key: string]: unknown } = {}

  private once<A>(key: string, make: () => A): A {
    const hit = this.built[key]
    if (hit !== undefined) return hit as A
    const made = make()
    this.built[key] = made
    return made
  }

  constructor(options: { readonly validate?: boolean; readonly recovery?: boolean } = {}) {
    super([...T.allTokens], {
      recoveryEnabled: options.recovery !== false,
      nodeLocationTracking: "onlyOffset",
      // LL(2) is enough but for learnerItem (its OR says so); error messages compute their expected
      // paths to this depth, which is costly for deep expression rules
      maxLookahead: 2,
      errorMessageProvider,
      skipValidations: options.validate !== true
    })
    this.performSelfAnalysis()
  }

  // program := topItem*
  program = this.RULE("program", () => {
    this.MANY(() => this.SUBRULE(this.topItem))
  })

  topItem = this.RULE("topItem", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.backendDecl) },
      { ALT: () => this.SUBRULE(this.pluginDecl) },
      { ALT: () => this.SUBRULE(this.letDecl) },
      { ALT: () => this.SUBRULE(this.learnerBlock) }
    ])
  })

  // backend KIND ["name"] [{ key: value, … }]
  backendDecl = this.RULE("backendDecl", () => {
    this.CONSUME(T.Backend)
    this.SUBRULE(this.dashedName)
    this.OPTION(() => this.CONSUME(T.StringLiteral))
    this.OPTION2(() => this.SUBRULE(this.objectLit))
  })

  // dry-run: names joined by '-'
  dashedName = this.RULE("dashedName", () => {
    this.CONSUME(T.Identifier)
    this.MANY(() => {
      this.CONSUME(T.Minus)
      this.CONSUME2(T.Identifier)
    })
  })

  pluginDecl = this.RULE("pluginDecl", () => {
    this.CONSUME(T.Plugin)
    this.CONSUME(T.StringLiteral)
  })

  letDecl = this.RULE("letDecl", () => {
    this.CONSUME(T.Let)
    this.CONSUME(T.Identifier)
    this.CONSUME(T.Equals)
    this.SUBRULE(this.expression)
  })

  // active "name" { … }
  learnerBlock = this.RULE("learnerBlock", () => {
    this.CONSUME(T.LearnerKind)
    this.OPTION(() => this.CONSUME(T.StringLiteral))
    this.CONSUME(T.LCurly)
    this.MANY(() => this.SUBRULE(this.learnerItem))
    this.CONSUME(T.RCurly)
  })

  learnerItem = this.RULE("learnerItem", () => {
    this.OR({
      MAX_LOOKAHEAD: 3,
      DEF: [
        { ALT: () => this.SUBRULE(this.parallelStmt) },
        { ALT: () => this.SUBRULE(this.maxIterStmt) },
        { ALT: () => this.SUBRULE(this.stopStmt) },
        { ALT: () => this.SUBRULE(this.onErrorStmt) },
        { ALT: () => this.SUBRULE(this.learnerSection) },
        { ALT: () => this.SUBRULE(this.taskBinding) },
        // last: `name value` shares its first tokens with a binding (`name "q" = …`)
        { ALT: () => this.SUBRULE(this.optionStmt) }
      ]
    })
  })

  parallelStmt = this.RULE("parallelStmt", () => {
    this.CONSUME(T.Parallel)
    this.SUBRULE(this.expression)
  })

  maxIterStmt = this.RULE("maxIterStmt", () => {
    this.CONSUME(T.MaxIter)
    this.SUBRULE(this.expression)
  })

  // stop when METRIC [OP] THRESHOLD
  stopStmt = this.RULE("stopStmt", () => {
    this.CONSUME(T.Stop)
    this.CONSUME(T.When)
    this.CONSUME(T.Identifier)
    this.OPTION(() => this.CONSUME(T.CompareOp))
    this.SUBRULE(this.expression)
  })

  onErrorStmt = this.RULE("onErrorStmt", () => {
    this.CONSUME(T.OnError)
    this.CONSUME(T.Identifier)
  })

  // learner K { entries }
  learnerSection = this.RULE("learnerSection", () => {
    this.CONSUME(T.Learner)
    this.SUBRULE(this.intExpr)
    this.CONSUME(T.LCurly)
    this.MANY(() => this.SUBRULE(this.configEntry))
    this.CONSUME(T.RCurly)
  })

  // TASK [at N | from N | default] { key: value, … }
  configEntry = this.RULE("configEntry", () => {
    this.SUBRULE(this.taskRef)
    this.OPTION(() => this.SUBRULE(this.when))
    this.SUBRULE(this.objectLit)
  })

  when = this.RULE("when", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.At)
          this.SUBRULE(this.intExpr)
        }
      },
      {
        ALT: () => {
          this.CONSUME(T.From)
          this.SUBRULE2(this.intExpr)
        }
      },
      { ALT: () => this.CONSUME(T.Default) }
    ])
  })

  // [-] NUMBER | [-] NAME
  intExpr = this.RULE("intExpr", () => {
    this.OPTION(() => this.CONSUME(T.Minus))
    this.OR([{ ALT: () => this.CONSUME(T.NumberToken) }, { ALT: () => this.CONSUME(T.Identifier) }])
  })

  // TASK ["qualifier"] = binding option*
  taskBinding = this.RULE("taskBinding", () => {
    this.SUBRULE(this.taskRef)
    this.CONSUME(T.Equals)
    this.SUBRULE(this.binding)
    this.MANY(() => this.SUBRULE(this.taskOption))
  })

  taskRef = this.RULE("taskRef", () => {
    this.CONSUME(T.Identifier)
    this.OPTION(() => this.CONSUME(T.StringLiteral))
  })

  binding = this.RULE("binding", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Exec) },
      { ALT: () => this.CONSUME(T.Shell) },
      { ALT: () => this.CONSUME(T.Call) }
    ])
    this.SUBRULE(this.expression)
  })

  taskOption = this.RULE("taskOption", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.With)
          this.SUBRULE(this.objectLit, { LABEL: "withConfig" })
        }
      },
      {
        ALT: () => {
          this.CONSUME(T.Args)
          this.SUBRULE(this.arrayLit)
        }
      },
      {
        ALT: () => {
          this.CONSUME(T.Resources)
          this.SUBRULE2(this.objectLit, { LABEL: "resourcesConfig" })
        }
      },
      {
        ALT: () => {
          this.CONSUME(T.Retry)
          this.SUBRULE(this.expression)
          this.OPTION(() => {
            this.CONSUME(T.On)
            this.CONSUME(T.Identifier)
          })
        }
      },
      {
        ALT: () => {
          this.CONSUME(T.Timeout)
          this.CONSUME(T.Duration)
        }
      },
      {
        ALT: () => {
          this.CONSUME(T.Backend)
          this.CONSUME(T.StringLiteral)
        }
      },
      {
        ALT: () => {
          this.CONSUME(T.Env)
          this.SUBRULE3(this.objectLit, { LABEL: "envConfig" })
        }
      }
    ])
  })

  // NAME value (kind options such as `models 3`)
  optionStmt = this.RULE("optionStmt", () => {
    this.CONSUME(T.Identifier)
    this.SUBRULE(this.expression)
  })

  // ------------------------------------------------------------------------------------------
  // expressions, loosest first
  // ------------------------------------------------------------------------------------------

  // operand (op operand)*: a flat list, so that an atom costs two rule calls rather than one per
  // precedence level; CstToAst applies the precedence (?? < or < and < not < comparisons < + - < * / %)
  expression = this.RULE("expression", () => {
    this.SUBRULE(this.operand)
    this.MANY(
      this.once("expression.rest", () => () => {
        this.CONSUME(T.BinaryOp)
        this.SUBRULE2(this.operand)
      })
    )
  })

  // a prefix operator and its operand; `if … then … else …` (its else branch extends as far right as
  // it can); or an atom with its accessors and a right-associative ** (-2 ** 2 is -(2 ** 2))
  operand = this.RULE("operand", () => {
    this.OR(
      this.once("operand", () => [
        {
          ALT: () => {
            this.OR2(
              this.once("operand.prefix", () => [
                { ALT: () => this.CONSUME(T.Minus) },
                { ALT: () => this.CONSUME(T.Plus) },
                { ALT: () => this.CONSUME(T.Not) }
              ])
            )
            this.SUBRULE(this.operand, { LABEL: "inner" })
          }
        },
        {
          ALT: () => {
            this.CONSUME(T.If)
            this.SUBRULE(this.expression, { LABEL: "condition" })
            this.CONSUME(T.Then)
            this.SUBRULE2(this.expression, { LABEL: "consequent" })
            this.CONSUME(T.Else)
            this.SUBRULE3(this.expression, { LABEL: "alternative" })
          }
        },
        {
          ALT: () => {
            this.OR3(
              this.once("operand.atom", () => [
                { ALT: () => this.CONSUME(T.NumberToken) },
                { ALT: () => this.CONSUME(T.StringLiteral) },
                { ALT: () => this.CONSUME(T.True) },
                { ALT: () => this.CONSUME(T.False) },
                { ALT: () => this.CONSUME(T.Null) },
                { ALT: () => this.CONSUME(T.Learner) },
                { ALT: () => this.CONSUME(T.MaxIter) },
                {
                  // a name, or a call; `env` is a keyword (task option) and a function
                  ALT: () => {
                    this.OR4(
                      this.once("operand.name", () => [
                        { ALT: () => this.CONSUME(T.Identifier) },
                        { ALT: () => this.CONSUME(T.Env) }
                      ])
                    )
                    this.OPTION(this.once("operand.call", () => () => this.SUBRULE(this.callArgs)))
                  }
                },
                { ALT: () => this.SUBRULE(this.parenExpr) },
                { ALT: () => this.SUBRULE(this.arrayLit) },
                { ALT: () => this.SUBRULE(this.objectLit) }
              ])
            )
            this.MANY(this.once("operand.accessors", () => () => this.SUBRULE(this.accessor)))
            this.OPTION2(
              this.once("operand.power", () => () => {
                this.CONSUME(T.StarStar)
                this.SUBRULE2(this.operand, { LABEL: "exponent" })
              })
            )
          }
        }
      ])
    )
  })

  accessor = this.RULE("accessor", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Dot)
          this.OR2([{ ALT: () => this.CONSUME(T.Identifier) }, { ALT: () => this.CONSUME(T.Keyword) }])
        }
      },
      {
        ALT: () => {
          this.CONSUME(T.LBracket)
          this.SUBRULE(this.expression)
          this.CONSUME(T.RBracket)
        }
      }
    ])
  })

  callArgs = this.RULE("callArgs", () => {
    this.CONSUME(T.LParen)
    this.OPTION(() => {
      this.SUBRULE(this.expression)
      this.MANY(() => {
        this.CONSUME(T.Comma)
        this.SUBRULE2(this.expression)
      })
    })
    this.CONSUME(T.RParen)
  })

  parenExpr = this.RULE("parenExpr", () => {
    this.CONSUME(T.LParen)
    this.SUBRULE(this.expression)
    this.CONSUME(T.RParen)
  })

  arrayLit = this.RULE("arrayLit", () => {
    this.CONSUME(T.LBracket)
    this.OPTION(() => {
      this.SUBRULE(this.expression)
      this.MANY(() => {
        this.CONSUME(T.Comma)
        this.SUBRULE2(this.expression)
      })
      this.OPTION2(() => this.CONSUME2(T.Comma))
    })
    this.CONSUME(T.RBracket)
  })

  // commas between entries are optional (a newline reads as well)
  objectLit = this.RULE("objectLit", () => {
    this.CONSUME(T.LCurly)
    this.MANY(
      this.once("objectLit.entry", () => () => {
        this.SUBRULE(this.objectEntry)
        this.OPTION(this.once("objectLit.comma", () => () => this.CONSUME(T.Comma)))
      })
    )
    this.CONSUME(T.RCurly)
  })

  objectEntry = this.RULE("objectEntry", () => {
    this.OR(
      this.once("objectEntry.key", () => [
        { ALT: () => this.CONSUME(T.Identifier) },
        { ALT: () => this.CONSUME(T.StringLiteral) },
        { ALT: () => this.CONSUME(T.Keyword) }
      ])
    )
    this.CONSUME(T.Colon)
    this.SUBRULE(this.expression)
  })
}

let shared: RoseParser | undefined
let fast: RoseParser | undefined

/**
 * The shared parser with error recovery (built on first use, validations skipped).
 *
 * @since 0.1.0
 * @category parsers
 */
export const parser = (): RoseParser => {
  if (shared === undefined) shared = new RoseParser()
  return shared
}

// the same grammar without recovery: about a third faster on a correct file, and stops at the
// first error (the file is then parsed again with recovery, to report every error)
const fastParser = (): RoseParser => {
  if (fast === undefined) fast = new RoseParser({ recovery: false })
  return fast
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Result {
  readonly cst: Cst.ProgramCstNode
  readonly errors: ReadonlyArray<IRecognitionException>
}

const withoutStackTraces = <A>(f: () => A): A => {
  // Chevrotain recovers from errors by throwing exceptions; their stack traces are never read and
  // capturing them is most of the cost of parsing a broken file
  const errorClass = Error as { stackTraceLimit?: number | undefined }
  const limit = errorClass.stackTraceLimit
  errorClass.stackTraceLimit = 0
  try {
    return f()
  } finally {
    errorClass.stackTraceLimit = limit
  }
}

/**
 * Parses a token vector into a CST with error recovery. Never throws on bad input: errors are
 * collected.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseTokens = (tokens: ReadonlyArray<IToken>): Result =>
  withoutStackTraces(() => {
    const p = parser()
    p.input = tokens as Array<IToken>
    const cst = p.program() as Cst.ProgramCstNode
    return { cst, errors: [...p.errors] }
  })

/**
 * The rules the fast path parses pieces of a file with.
 *
 * @since 0.1.0
 * @category parsing
 */
export type PieceRule = "topItem" | "learnerItem"

/**
 * Parses one piece of a correct file (a top-level item, or a learner section) without error
 * recovery: `undefined` at the first error (the caller then parses the whole file with recovery).
 *
 * @since 0.1.0
 * @category parsing
 */
export const parsePiece = <R extends PieceRule>(
  rule: R,
  tokens: Array<IToken>
): (R extends "topItem" ? Cst.TopItemCstNode : Cst.LearnerItemCstNode) | undefined =>
  withoutStackTraces(() => {
    const f = fastParser()
    f.input = tokens
    const cst = f[rule]()
    return f.errors.length === 0
      ? (cst as R extends "topItem" ? Cst.TopItemCstNode : Cst.LearnerItemCstNode)
      : undefined
  })
