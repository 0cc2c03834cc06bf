/**
 * The expression half of the `.rose` grammar: a `CstParser` with the expression rules, which the
 * statement rules of `RoseParser` extend (Chevrotain's grammar inheritance). It runs no self-analysis
 * itself: the finished parser does, once every rule is defined.
 *
 * @since 0.1.0
 */
import { CstParser, type IParserConfig } from "chevrotain"
import * as T from "../Tokens.ts"

export class ExpressionParser extends CstParser {
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

  constructor(config: IParserConfig) {
    super([...T.allTokens], config)
  }

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
