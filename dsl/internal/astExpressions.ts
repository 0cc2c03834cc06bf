/**
 * The expression nodes of the `.rose` syntax tree (`Ast` exports them): literals, names, members,
 * calls, operators, `if`, arrays and objects, and `Missing` where error recovery lost one.
 *
 * @since 0.1.0
 */
import type { Span } from "../Span.ts"

/**
 * A name as written, with its span.
 *
 * @since 0.1.0
 * @category models
 */
export interface Name {
  readonly _tag: "Name"
  readonly text: string
  readonly span: Span
}

/**
 * @since 0.1.0
 * @category models
 */
export interface NumberLit {
  readonly _tag: "Number"
  readonly value: number
  readonly raw: string
  readonly span: Span
}

/**
 * @since 0.1.0
 * @category models
 */
export interface StringLit {
  readonly _tag: "String"
  readonly value: string
  /** As written, quotes and escapes included. */
  readonly raw: string
  readonly span: Span
}

/**
 * @since 0.1.0
 * @category models
 */
export interface BooleanLit {
  readonly _tag: "Boolean"
  readonly value: boolean
  readonly span: Span
}

/**
 * @since 0.1.0
 * @category models
 */
export interface NullLit {
  readonly _tag: "Null"
  readonly span: Span
}

/**
 * A variable: `i`, `learner`, `max_iter`, `prev`, or a `let` constant.
 *
 * @since 0.1.0
 * @category models
 */
export interface Ident {
  readonly _tag: "Ident"
  readonly name: string
  readonly span: Span
}

/**
 * `object.name`
 *
 * @since 0.1.0
 * @category models
 */
export interface Member {
  readonly _tag: "Member"
  readonly object: Expr
  readonly name: Name
  readonly span: Span
}

/**
 * `object[index]`
 *
 * @since 0.1.0
 * @category models
 */
export interface Index {
  readonly _tag: "Index"
  readonly object: Expr
  readonly index: Expr
  readonly span: Span
}

/**
 * `name(args)`
 *
 * @since 0.1.0
 * @category models
 */
export interface Call {
  readonly _tag: "Call"
  readonly callee: Name
  readonly args: ReadonlyArray<Expr>
  readonly span: Span
}

/**
 * @since 0.1.0
 * @category models
 */
export type UnaryOp = "-" | "+" | "not"

/**
 * @since 0.1.0
 * @category models
 */
export interface Unary {
  readonly _tag: "Unary"
  readonly op: UnaryOp
  readonly operand: Expr
  readonly span: Span
}

/**
 * @since 0.1.0
 * @category models
 */
export type BinaryOp = "+" | "-" | "*" | "/" | "%" | "**" | "<" | "<=" | ">" | ">=" | "==" | "!=" | "and" | "or" | "??"

/**
 * @since 0.1.0
 * @category models
 */
export interface Binary {
  readonly _tag: "Binary"
  readonly op: BinaryOp
  readonly left: Expr
  readonly right: Expr
  readonly opSpan: Span
  readonly span: Span
}

/**
 * `if condition then consequent else alternative`
 *
 * @since 0.1.0
 * @category models
 */
export interface If {
  readonly _tag: "If"
  readonly condition: Expr
  readonly consequent: Expr
  readonly alternative: Expr
  readonly span: Span
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ArrayLit {
  readonly _tag: "Array"
  readonly elements: ReadonlyArray<Expr>
  readonly span: Span
}

/**
 * An object key: bare (`n_labeled`, a keyword such as `args`) or quoted (`"--n_labeled"`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Key {
  readonly _tag: "Key"
  readonly name: string
  readonly quoted: boolean
  readonly raw: string
  readonly span: Span
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Entry {
  readonly _tag: "Entry"
  readonly key: Key
  readonly value: Expr
  readonly span: Span
}

/**
 * `{ key: value, … }`: kwargs, backend configs, resources, env, and object values.
 *
 * @since 0.1.0
 * @category models
 */
export interface ObjectLit {
  readonly _tag: "Object"
  readonly entries: ReadonlyArray<Entry>
  readonly span: Span
}

/**
 * `(expr)`: kept so the formatter prints the parentheses the author wrote.
 *
 * @since 0.1.0
 * @category models
 */
export interface Paren {
  readonly _tag: "Paren"
  readonly expr: Expr
  readonly span: Span
}

/**
 * What error recovery could not rebuild.
 *
 * @since 0.1.0
 * @category models
 */
export interface Missing {
  readonly _tag: "Missing"
  readonly span: Span
}

/**
 * @since 0.1.0
 * @category models
 */
export type Expr =
  | NumberLit
  | StringLit
  | BooleanLit
  | NullLit
  | Ident
  | Member
  | Index
  | Call
  | Unary
  | Binary
  | If
  | ArrayLit
  | ObjectLit
  | Paren
  | Missing
