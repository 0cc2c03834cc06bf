/**
 * The tokens of the `.rose` language.
 *
 * Order matters: Chevrotain tries the patterns of `allTokens` in order and takes the first that
 * matches (not the longest), so
 *
 * 1. whitespace and comments come first (they are the most frequent);
 * 2. strings, then the unterminated-string catch-all (which is a `StringLiteral` too, so the parser
 *    goes on while the lexer reports it);
 * 3. durations (`10m`) before numbers, numbers before the "number glued to letters" error token;
 * 4. keywords before `Identifier`, each with `longer_alt: Identifier` so that `parallelism` is one
 *    identifier and not `parallel` + `ism`;
 * 5. two-character operators before their one-character prefixes (`**` before `*`, `==` before `=`,
 *    `<=` before `<`, `??` before any `?`).
 *
 * Keywords carry the `Keyword` category (so an object key or a member name may be a keyword) and a
 * readable label used in error messages.
 *
 * @since 0.1.0
 */
import { createToken, Lexer, type TokenType } from "chevrotain"

/**
 * The lexer group of comments: kept out of the parser's input, used by the formatter.
 *
 * @since 0.1.0
 * @category constants
 */
export const commentGroup = "comments"

// ---------------------------------------------------------------------------------------------
// categories
// ---------------------------------------------------------------------------------------------

/**
 * Every keyword: lets an object key (`timeout: 5`) or a member name be spelled like a keyword.
 *
 * @since 0.1.0
 * @category categories
 */
export const Keyword = createToken({ name: "Keyword", pattern: Lexer.NA })

/**
 * The learner kinds `active`, `reinforcement`, `uq`, `selector`.
 *
 * @since 0.1.0
 * @category categories
 */
export const LearnerKind = createToken({ name: "LearnerKind", pattern: Lexer.NA, label: "a learner kind" })

/**
 * A string: complete or (an error the lexer reports) unterminated.
 *
 * @since 0.1.0
 * @category categories
 */
export const StringLiteral = createToken({ name: "StringLiteral", pattern: Lexer.NA, label: "a string" })

/**
 * `<`, `<=`, `>`, `>=`, `==`, `!=`.
 *
 * @since 0.1.0
 * @category categories
 */
export const CompareOp = createToken({ name: "CompareOp", pattern: Lexer.NA, label: "a comparison operator" })

/**
 * The binary operators: `??`, `or`, `and`, comparisons, `+ - * / %` (not `**`, which binds tighter
 * than a unary minus). Their precedence is applied when the AST is built.
 *
 * @since 0.1.0
 * @category categories
 */
export const BinaryOp = createToken({ name: "BinaryOp", pattern: Lexer.NA, label: "an operator" })

// ---------------------------------------------------------------------------------------------
// trivia
// ---------------------------------------------------------------------------------------------

/**
 * @since 0.1.0
 * @category tokens
 */
export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\r\n\uFEFF]+/, group: Lexer.SKIPPED })

/**
 * `# …` to the end of the line.
 *
 * @since 0.1.0
 * @category tokens
 */
export const Comment = createToken({ name: "Comment", pattern: /#[^\r\n]*/, group: commentGroup })

// ---------------------------------------------------------------------------------------------
// literals
// ---------------------------------------------------------------------------------------------

/**
 * `"…"` with backslash escapes; no newline inside.
 *
 * @since 0.1.0
 * @category tokens
 */
export const StringToken = createToken({
  name: "StringToken",
  pattern: /"(?:[^"\\\r\n]|\\[^\r\n])*"/,
  categories: [StringLiteral],
  label: "a string"
})

/**
 * A string that reaches the end of its line without its closing quote (reported by the lexer,
 * parsed as a string so that the rest of the file is still checked).
 *
 * @since 0.1.0
 * @category tokens
 */
export const UnterminatedString = createToken({
  name: "UnterminatedString",
  pattern: /"(?:[^"\\\r\n]|\\[^\r\n])*\\?/,
  categories: [StringLiteral],
  label: "a string"
})

/**
 * `10m`, `1.5h`, `250ms`, `30s`.
 *
 * @since 0.1.0
 * @category tokens
 */
export const Duration = createToken({
  name: "Duration",
  pattern: /\d+(?:\.\d+)?(?:ms|s|m|h)(?![A-Za-z0-9_])/,
  label: "a duration such as 10m"
})

/**
 * `42`, `0.5`, `1e-3`.
 *
 * @since 0.1.0
 * @category tokens
 */
export const NumberToken = createToken({
  name: "NumberToken",
  pattern: /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![A-Za-z0-9_])/,
  label: "a number"
})

/**
 * A number glued to letters (`10min`, `3x`): an error the lexer reports.
 *
 * @since 0.1.0
 * @category tokens
 */
export const BadNumber = createToken({
  name: "BadNumber",
  pattern: /\d+(?:\.\d+)?[A-Za-z0-9_.]*/,
  // a number or a duration to the parser, so that only the lexer reports it
  categories: [NumberToken, Duration],
  label: "a number"
})

/**
 * @since 0.1.0
 * @category tokens
 */
export const Identifier = createToken({ name: "Identifier", pattern: /[A-Za-z_][A-Za-z0-9_]*/, label: "a name" })

// ---------------------------------------------------------------------------------------------
// keywords
// ---------------------------------------------------------------------------------------------

const keyword = (word: string, extra: ReadonlyArray<TokenType> = []): TokenType =>
  createToken({
    name: `Kw_${word}`,
    pattern: new RegExp(word),
    longer_alt: Identifier,
    categories: [Keyword, ...extra],
    label: `'${word}'`
  })

/** @since 0.1.0 @category keywords */
export const Active = keyword("active", [LearnerKind])
/** @since 0.1.0 @category keywords */
export const Reinforcement = keyword("reinforcement", [LearnerKind])
/** @since 0.1.0 @category keywords */
export const Uq = keyword("uq", [LearnerKind])
/** @since 0.1.0 @category keywords */
export const Selector = keyword("selector", [LearnerKind])
/** @since 0.1.0 @category keywords */
export const Backend = keyword("backend")
/** @since 0.1.0 @category keywords */
export const Plugin = keyword("plugin")
/** @since 0.1.0 @category keywords */
export const Let = keyword("let")
/** @since 0.1.0 @category keywords */
export const Parallel = keyword("parallel")
/** @since 0.1.0 @category keywords */
export const MaxIter = keyword("max_iter")
/** @since 0.1.0 @category keywords */
export const Stop = keyword("stop")
/** @since 0.1.0 @category keywords */
export const When = keyword("when")
/** @since 0.1.0 @category keywords */
export const OnError = keyword("on_error")
/** @since 0.1.0 @category keywords */
export const Learner = keyword("learner")
/** @since 0.1.0 @category keywords */
export const Learners = keyword("learners")
/** @since 0.1.0 @category keywords */
export const Sweep = keyword("sweep")
/** @since 0.1.0 @category keywords */
export const At = keyword("at")
/** @since 0.1.0 @category keywords */
export const From = keyword("from")
/** @since 0.1.0 @category keywords */
export const Default = keyword("default")
/** @since 0.1.0 @category keywords */
export const Exec = keyword("exec")
/** @since 0.1.0 @category keywords */
export const Shell = keyword("shell")
/** @since 0.1.0 @category keywords */
export const Call = keyword("call")
/** @since 0.1.0 @category keywords */
export const With = keyword("with")
/** @since 0.1.0 @category keywords */
export const Args = keyword("args")
/** @since 0.1.0 @category keywords */
export const Resources = keyword("resources")
/** @since 0.1.0 @category keywords */
export const Retry = keyword("retry")
/** @since 0.1.0 @category keywords */
export const On = keyword("on")
/** @since 0.1.0 @category keywords */
export const Timeout = keyword("timeout")
/** @since 0.1.0 @category keywords */
export const Env = keyword("env")
/** @since 0.1.0 @category keywords */
export const True = keyword("true")
/** @since 0.1.0 @category keywords */
export const False = keyword("false")
/** @since 0.1.0 @category keywords */
export const Null = keyword("null")
/** @since 0.1.0 @category keywords */
export const If = keyword("if")
/** @since 0.1.0 @category keywords */
export const Then = keyword("then")
/** @since 0.1.0 @category keywords */
export const Else = keyword("else")
/** @since 0.1.0 @category keywords */
export const And = keyword("and", [BinaryOp])
/** @since 0.1.0 @category keywords */
export const Or = keyword("or", [BinaryOp])
/** @since 0.1.0 @category keywords */
export const Not = keyword("not")

/**
 * Every keyword token, in lexer order.
 *
 * @since 0.1.0
 * @category constants
 */
export const keywords: ReadonlyArray<TokenType> = [
  Active,
  Reinforcement,
  Uq,
  Selector,
  Backend,
  Plugin,
  Let,
  Parallel,
  MaxIter,
  Stop,
  When,
  OnError,
  Learners,
  Learner,
  Sweep,
  At,
  From,
  Default,
  Exec,
  Shell,
  Call,
  With,
  Args,
  Resources,
  Retry,
  On,
  Timeout,
  Env,
  True,
  False,
  Null,
  If,
  Then,
  Else,
  And,
  Or,
  Not
]

/**
 * The words the lexer reads as keywords.
 *
 * @since 0.1.0
 * @category constants
 */
export const keywordWords: ReadonlyArray<string> = keywords.map((t) => t.name.slice(3))

// ---------------------------------------------------------------------------------------------
// punctuation and operators
// ---------------------------------------------------------------------------------------------

/** @since 0.1.0 @category tokens */
export const LCurly = createToken({ name: "LCurly", pattern: /\{/, label: "'{'" })
/** @since 0.1.0 @category tokens */
export const RCurly = createToken({ name: "RCurly", pattern: /\}/, label: "'}'" })
/** @since 0.1.0 @category tokens */
export const LBracket = createToken({ name: "LBracket", pattern: /\[/, label: "'['" })
/** @since 0.1.0 @category tokens */
export const RBracket = createToken({ name: "RBracket", pattern: /\]/, label: "']'" })
/** @since 0.1.0 @category tokens */
export const LParen = createToken({ name: "LParen", pattern: /\(/, label: "'('" })
/** @since 0.1.0 @category tokens */
export const RParen = createToken({ name: "RParen", pattern: /\)/, label: "')'" })
/** @since 0.1.0 @category tokens */
export const Comma = createToken({ name: "Comma", pattern: /,/, label: "','" })
/** @since 0.1.0 @category tokens */
export const Colon = createToken({ name: "Colon", pattern: /:/, label: "':'" })
/** @since 0.1.0 @category tokens */
export const Dot = createToken({ name: "Dot", pattern: /\./, label: "'.'" })
/** @since 0.1.0 @category tokens */
export const Coalesce = createToken({ name: "Coalesce", pattern: /\?\?/, categories: [BinaryOp], label: "'??'" })
/** @since 0.1.0 @category tokens */
export const StarStar = createToken({ name: "StarStar", pattern: /\*\*/, label: "'**'" })
/** @since 0.1.0 @category tokens */
export const Star = createToken({ name: "Star", pattern: /\*/, categories: [BinaryOp], label: "'*'" })
/** @since 0.1.0 @category tokens */
export const Slash = createToken({ name: "Slash", pattern: /\//, categories: [BinaryOp], label: "'/'" })
/** @since 0.1.0 @category tokens */
export const Percent = createToken({ name: "Percent", pattern: /%/, categories: [BinaryOp], label: "'%'" })
/** @since 0.1.0 @category tokens */
export const Plus = createToken({ name: "Plus", pattern: /\+/, categories: [BinaryOp], label: "'+'" })
/** @since 0.1.0 @category tokens */
export const Minus = createToken({ name: "Minus", pattern: /-/, categories: [BinaryOp], label: "'-'" })
/** @since 0.1.0 @category tokens */
export const EqEq = createToken({ name: "EqEq", pattern: /==/, categories: [CompareOp, BinaryOp], label: "'=='" })
/** @since 0.1.0 @category tokens */
export const NotEq = createToken({ name: "NotEq", pattern: /!=/, categories: [CompareOp, BinaryOp], label: "'!='" })
/** @since 0.1.0 @category tokens */
export const LtEq = createToken({ name: "LtEq", pattern: /<=/, categories: [CompareOp, BinaryOp], label: "'<='" })
/** @since 0.1.0 @category tokens */
export const GtEq = createToken({ name: "GtEq", pattern: />=/, categories: [CompareOp, BinaryOp], label: "'>='" })
/** @since 0.1.0 @category tokens */
export const Lt = createToken({ name: "Lt", pattern: /</, categories: [CompareOp, BinaryOp], label: "'<'" })
/** @since 0.1.0 @category tokens */
export const Gt = createToken({ name: "Gt", pattern: />/, categories: [CompareOp, BinaryOp], label: "'>'" })
/** @since 0.1.0 @category tokens */
export const Equals = createToken({ name: "Equals", pattern: /=/, label: "'='" })

/**
 * The lexer's token list, in matching order (see the module comment).
 *
 * @since 0.1.0
 * @category constants
 */
export const allTokens: ReadonlyArray<TokenType> = [
  WhiteSpace,
  Comment,
  StringToken,
  UnterminatedString,
  Duration,
  NumberToken,
  BadNumber,
  ...keywords,
  Identifier,
  LCurly,
  RCurly,
  LBracket,
  RBracket,
  LParen,
  RParen,
  Comma,
  Colon,
  Dot,
  Coalesce,
  StarStar,
  Star,
  Slash,
  Percent,
  Plus,
  Minus,
  EqEq,
  NotEq,
  LtEq,
  GtEq,
  Lt,
  Gt,
  Equals,
  // categories last: they match nothing themselves
  Keyword,
  LearnerKind,
  StringLiteral,
  CompareOp,
  BinaryOp
]
