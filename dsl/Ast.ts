/**
 * The `.rose` abstract syntax tree: immutable data, a `_tag` on every node, a `span` on every node.
 * A tree built from a file with syntax errors is still a tree: what recovery lost is `Missing`
 * (expressions) or `undefined` (optional parts), never a crash.
 *
 * @since 0.1.0
 */
import type { ArrayLit, Expr, Name, NumberLit, ObjectLit, StringLit } from "./internal/astExpressions.ts"
import type { Span } from "./Span.ts"

/**
 * The expression nodes (`Expr` and its parts).
 *
 * @since 0.1.0
 */
export type * from "./internal/astExpressions.ts"

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
 * `learners { entries }`: the configuration of every learner of the block (values may read
 * `learner`); a `learner K` section overrides it key by key.
 *
 * @since 0.1.0
 * @category models
 */
export interface LearnersSection {
  readonly _tag: "LearnersSection"
  readonly entries: ReadonlyArray<ConfigEntry>
  readonly span: Span
}

/**
 * `sweep grid|zip|random [COUNT] [seed N] { TASK { key: values, … } … }`: one learner per point.
 *
 * @since 0.1.0
 * @category models
 */
export interface Sweep {
  readonly _tag: "Sweep"
  readonly generator: Name | undefined
  readonly count: NumberLit | undefined
  /** The word before the seed (`seed`; anything else is reported). */
  readonly seedWord: Name | undefined
  readonly seed: NumberLit | undefined
  readonly entries: ReadonlyArray<ConfigEntry>
  readonly span: Span
}

/**
 * @since 0.1.0
 * @category models
 */
export type LearnerItem =
  | Parallel
  | MaxIter
  | StopWhen
  | OnError
  | Option
  | TaskBinding
  | LearnerSection
  | LearnersSection
  | Sweep

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
