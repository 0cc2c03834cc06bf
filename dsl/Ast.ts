/**
 * The `.rose` abstract syntax tree: immutable data, a `_tag` on every node, a `span` on every node.
 * A tree built from a file with syntax errors is still a tree: what recovery lost is `Missing`
 * (expressions) or `undefined` (optional parts), never a crash.
 *
 * @since 0.1.0
 */
import type { Span } from "./Span.ts"

// ---------------------------------------------------------------------------------------------
// expressions
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// declarations
// ---------------------------------------------------------------------------------------------

/**
 * `backend KIND ["name"] { … }`
 *
 * @since 0.1.0
 * @category models
 */
export interface BackendDecl {
  readonly _tag: "BackendDecl"
  readonly kind: Name | undefined
  readonly name: StringLit | undefined
  readonly config: ObjectLit | undefined
  readonly span: Span
}

/**
 * `plugin "./path.ts"`
 *
 * @since 0.1.0
 * @category models
 */
export interface PluginDecl {
  readonly _tag: "PluginDecl"
  readonly path: StringLit | undefined
  readonly span: Span
}

/**
 * `let name = expr`
 *
 * @since 0.1.0
 * @category models
 */
export interface LetDecl {
  readonly _tag: "LetDecl"
  readonly name: Name | undefined
  readonly value: Expr
  readonly span: Span
}

/**
 * @since 0.1.0
 * @category models
 */
export type LearnerKind = "active" | "reinforcement" | "uq" | "selector"

/**
 * `active "name" { … }`
 *
 * @since 0.1.0
 * @category models
 */
export interface LearnerBlock {
  readonly _tag: "LearnerBlock"
  readonly kind: LearnerKind
  readonly kindSpan: Span
  readonly name: StringLit | undefined
  readonly items: ReadonlyArray<LearnerItem>
  readonly span: Span
}

/**
 * @since 0.1.0
 * @category models
 */
export type TopItem = BackendDecl | PluginDecl | LetDecl | LearnerBlock

// ---------------------------------------------------------------------------------------------
// learner items
// ---------------------------------------------------------------------------------------------

/**
 * `parallel N`
 *
 * @since 0.1.0
 * @category models
 */
export interface Parallel {
  readonly _tag: "Parallel"
  readonly value: Expr
  readonly span: Span
}

/**
 * `max_iter N`
 *
 * @since 0.1.0
 * @category models
 */
export interface MaxIter {
  readonly _tag: "MaxIter"
  readonly value: Expr
  readonly span: Span
}

/**
 * `stop when METRIC [OP] THRESHOLD`
 *
 * @since 0.1.0
 * @category models
 */
export interface StopWhen {
  readonly _tag: "StopWhen"
  readonly metric: Name | undefined
  readonly operator: Name | undefined
  readonly threshold: Expr
  readonly span: Span
}

/**
 * `on_error continue|abort`
 *
 * @since 0.1.0
 * @category models
 */
export interface OnError {
  readonly _tag: "OnError"
  readonly value: Name | undefined
  readonly span: Span
}

/**
 * `NAME value`: an option of the learner kind (`models 3`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Option {
  readonly _tag: "Option"
  readonly name: Name
  readonly value: Expr
  readonly span: Span
}

/**
 * A task slot, optionally qualified: `simulation`, `environment "cartpole"`.
 *
 * @since 0.1.0
 * @category models
 */
export interface TaskRef {
  readonly _tag: "TaskRef"
  readonly name: Name
  readonly qualifier: StringLit | undefined
  readonly span: Span
}

/**
 * `exec …`, `shell …`, `call …`
 *
 * @since 0.1.0
 * @category models
 */
export interface Binding {
  readonly _tag: "Binding"
  readonly kind: "exec" | "shell" | "call"
  readonly value: Expr
  readonly span: Span
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Duration {
  readonly _tag: "Duration"
  readonly raw: string
  /** `NaN` when the text is not a duration (the lexer reported it). */
  readonly millis: number
  readonly span: Span
}

/**
 * Options after a binding.
 *
 * @since 0.1.0
 * @category models
 */
export type TaskOption =
  | { readonly _tag: "With"; readonly config: ObjectLit | undefined; readonly span: Span }
  | { readonly _tag: "Args"; readonly value: ArrayLit | undefined; readonly span: Span }
  | { readonly _tag: "Resources"; readonly config: ObjectLit | undefined; readonly span: Span }
  | { readonly _tag: "Retry"; readonly times: Expr; readonly on: Name | undefined; readonly span: Span }
  | { readonly _tag: "Timeout"; readonly duration: Duration | undefined; readonly span: Span }
  | { readonly _tag: "Backend"; readonly name: StringLit | undefined; readonly span: Span }
  | { readonly _tag: "Env"; readonly config: ObjectLit | undefined; readonly span: Span }

/**
 * `TASK = binding options…`
 *
 * @since 0.1.0
 * @category models
 */
export interface TaskBinding {
  readonly _tag: "TaskBinding"
  readonly task: TaskRef
  readonly binding: Binding | undefined
  readonly options: ReadonlyArray<TaskOption>
  readonly span: Span
}

/**
 * When a configuration entry applies.
 *
 * @since 0.1.0
 * @category models
 */
export type When =
  | { readonly _tag: "Always" }
  | { readonly _tag: "At"; readonly iteration: Expr; readonly span: Span }
  | { readonly _tag: "From"; readonly iteration: Expr; readonly span: Span }
  | { readonly _tag: "Default"; readonly span: Span }

/**
 * `TASK [at N | from N | default] { … }` inside a `learner K { … }` section.
 *
 * @since 0.1.0
 * @category models
 */
export interface ConfigEntry {
  readonly _tag: "ConfigEntry"
  readonly task: TaskRef
  readonly when: When
  readonly body: ObjectLit | undefined
  readonly span: Span
}

/**
 * `learner K { entries }`
 *
 * @since 0.1.0
 * @category models
 */
export interface LearnerSection {
  readonly _tag: "LearnerSection"
  readonly index: Expr
  readonly entries: ReadonlyArray<ConfigEntry>
  readonly span: Span
}

/**
 * @since 0.1.0
 * @category models
 */
export type LearnerItem = Parallel | MaxIter | StopWhen | OnError | Option | TaskBinding | LearnerSection

/**
 * A whole file.
 *
 * @since 0.1.0
 * @category models
 */
export interface File {
  readonly _tag: "File"
  readonly items: ReadonlyArray<TopItem>
  readonly span: Span
}

/**
 * The qualified name of a task: `simulation`, `environment.cartpole`.
 *
 * @since 0.1.0
 * @category getters
 */
export const taskName = (ref: TaskRef): string =>
  ref.qualifier === undefined ? ref.name.text : `${ref.name.text}.${ref.qualifier.value}`

/**
 * The name of a learner block (its kind when it has none).
 *
 * @since 0.1.0
 * @category getters
 */
export const learnerName = (block: LearnerBlock): string => block.name?.value ?? block.kind

/**
 * A deep copy of a node with every `span` (and `opSpan`, `kindSpan`) removed, for comparing trees.
 *
 * @since 0.1.0
 * @category getters
 */
export const withoutSpans = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(withoutSpans)
  if (typeof node !== "object" || node === null) return node
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(node)) {
    if (k === "span" || k === "opSpan" || k === "kindSpan") continue
    out[k] = withoutSpans(v)
  }
  return out
}
