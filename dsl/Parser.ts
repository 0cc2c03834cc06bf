/**
 * The `.rose` grammar: a pure Chevrotain `CstParser` (no semantic actions), with error recovery on
 * and full node locations. The statements are here, the expressions in `internal/expressionGrammar.ts`
 * and the error messages in `internal/parserMessages.ts`. `generated/cst.ts` holds the CST types
 * generated from it (a test fails when they drift). One shared instance parses every input; grammar validations run in the test
 * suite and are skipped in production.
 *
 * @since 0.1.0
 */
import type { IRecognitionException, IToken } from "chevrotain"
import type * as Cst from "./generated/cst.ts"
import { ExpressionParser } from "./internal/expressionGrammar.ts"
import { errorMessageProvider } from "./internal/parserMessages.ts"
import * as T from "./Tokens.ts"

/**
 * Langium-style messages: one line, labels rather than token names.
 *
 * @since 0.1.0
 * @category errors
 */
export { errorMessageProvider }

/**
 * The grammar's statements (declarations, learner blocks, task bindings); the expressions are
 * `ExpressionParser`'s.
 *
 * @since 0.1.0
 * @category parsers
 */
export class RoseParser extends ExpressionParser {
  constructor(options: { readonly validate?: boolean; readonly recovery?: boolean } = {}) {
    super({
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
        { ALT: () => this.SUBRULE(this.learnersSection) },
        { ALT: () => this.SUBRULE(this.sweepStmt) },
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

  // learners { entries }: every learner of the block, reading `learner`
  learnersSection = this.RULE("learnersSection", () => {
    this.CONSUME(T.Learners)
    this.CONSUME(T.LCurly)
    this.MANY(() => this.SUBRULE(this.configEntry))
    this.CONSUME(T.RCurly)
  })

  // sweep GENERATOR [COUNT] [seed N] { TASK { key: values, … } … }
  sweepStmt = this.RULE("sweepStmt", () => {
    this.CONSUME(T.Sweep)
    this.CONSUME(T.Identifier, { LABEL: "generator" })
    this.OPTION(() => this.CONSUME(T.NumberToken, { LABEL: "count" }))
    this.OPTION2(() => {
      this.CONSUME2(T.Identifier, { LABEL: "seedWord" })
      this.CONSUME2(T.NumberToken, { LABEL: "seed" })
    })
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
