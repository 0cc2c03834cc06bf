/**
 * Diagnostics: what the lexer, the parser and the checker found wrong, each with a stable code, a
 * one-line message and a span; rendered as `file:line:column severity[code]: message` followed by
 * the source line and a caret under the span, or as JSON for `rose check --format json`.
 *
 * @since 0.1.0
 */
import * as Span from "./Span.ts"

/**
 * @since 0.1.0
 * @category models
 */
export type Severity = "error" | "warning"

/**
 * @since 0.1.0
 * @category models
 */
export interface Diagnostic {
  readonly severity: Severity
  readonly code: Code
  readonly message: string
  readonly span: Span.Span
}

/**
 * The stable diagnostic codes. `E0xx` lexical, `E1xx` syntax, `E2xx` semantic, `W…` warnings.
 * Tests assert codes, never message text; `docs/dsl.md` lists every code.
 *
 * @since 0.1.0
 * @category constants
 */
export const Codes = {
  // lexical
  UnexpectedCharacter: "E001",
  UnterminatedString: "E002",
  InvalidEscape: "E003",
  InvalidNumber: "E004",
  // syntax
  UnexpectedToken: "E100",
  NoViableAlternative: "E101",
  ExtraInput: "E103",
  NestingTooDeep: "E104",
  // learners
  DuplicateLearnerName: "E201",
  InvalidParallel: "E202",
  LearnerIndexOutOfRange: "E203",
  DuplicateLearnerIndex: "E204",
  InvalidMaxIter: "E205",
  NoStopCondition: "E206",
  DuplicateSetting: "E207",
  InvalidOnError: "E208",
  UnknownLearnerOption: "E209",
  InvalidLearnerOption: "E210",
  NoLearners: "E211",
  InvalidLearnerName: "E212",
  EmptySweepList: "E213",
  SweepParallelMismatch: "E214",
  SweepRandomIncomplete: "E215",
  InvalidSweep: "E216",
  // tasks
  MissingTask: "E220",
  DuplicateTask: "E221",
  UnknownTask: "E222",
  StopWithoutCriterionTask: "E223",
  CriterionTaskWithoutStop: "E224",
  InvalidCommand: "E225",
  UnknownPlaceholder: "E226",
  InvalidCallTarget: "E227",
  DuplicateTaskOption: "E228",
  InvalidRetry: "E229",
  InvalidResource: "E230",
  InvalidEnv: "E231",
  UnknownBackendName: "E232",
  InvalidTimeout: "E233",
  InvalidTaskQualifier: "E236",
  // configuration
  DuplicateKey: "E240",
  InvalidIteration: "E241",
  DuplicateConfigEntry: "E242",
  InvalidArgs: "E243",
  InvalidKey: "E244",
  // expressions
  UnknownIdentifier: "E250",
  UnknownFunction: "E251",
  WrongArity: "E252",
  TypeMismatch: "E253",
  NotConstant: "E254",
  UsedBeforeDefinition: "E255",
  DuplicateLet: "E256",
  EvaluationFailed: "E257",
  UnknownField: "E258",
  MissingEnvironmentVariable: "E259",
  // criteria
  UnknownMetric: "E260",
  InvalidThreshold: "E261",
  // backends and plugins
  UnknownBackendKind: "E270",
  DuplicateBackend: "E271",
  PluginNotFound: "E272",
  // population policies
  InvalidPopulation: "E280",
  PopulationWithoutMetric: "E281",
  InvalidRung: "E282",
  InvalidKeepFraction: "E283",
  InvalidBudget: "E284",
  InvalidBudgetAmount: "E285",
  // the core model refused the compiled program (a checker gap; please report it)
  ProgramRejected: "E299",
  // warnings
  MaybeNull: "W001",
  UnlistedMetric: "W002",
  MissingFile: "W003"
} as const

/**
 * @since 0.1.0
 * @category models
 */
export type Code = (typeof Codes)[keyof typeof Codes]

/**
 * @since 0.1.0
 * @category constructors
 */
export const error = (code: Code, message: string, span: Span.Span): Diagnostic => ({
  severity: "error",
  code,
  message,
  span
})

/**
 * @since 0.1.0
 * @category constructors
 */
export const warning = (code: Code, message: string, span: Span.Span): Diagnostic => ({
  severity: "warning",
  code,
  message,
  span
})

/**
 * @since 0.1.0
 * @category predicates
 */
export const isError = (d: Diagnostic): boolean => d.severity === "error"

/**
 * @since 0.1.0
 * @category predicates
 */
export const hasErrors = (ds: ReadonlyArray<Diagnostic>): boolean => ds.some(isError)

/**
 * Sorts by position, then code (stable for equal keys).
 *
 * @since 0.1.0
 * @category combinators
 */
export const sort = (ds: ReadonlyArray<Diagnostic>): ReadonlyArray<Diagnostic> =>
  [...ds].sort((a, b) => a.span.start.offset - b.span.start.offset || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))

/**
 * The JSON form of `rose check --format json`. `endColumn` is exclusive.
 *
 * @since 0.1.0
 * @category models
 */
export interface Json {
  readonly file: string
  readonly line: number
  readonly column: number
  readonly endLine: number
  readonly endColumn: number
  readonly severity: Severity
  readonly code: Code
  readonly message: string
}

/**
 * @since 0.1.0
 * @category rendering
 */
export const toJson = (d: Diagnostic, file: string): Json => ({
  file,
  line: d.span.start.line,
  column: d.span.start.column,
  endLine: d.span.end.line,
  endColumn: d.span.end.column,
  severity: d.severity,
  code: d.code,
  message: d.message
})

const ansi = {
  red: (s: string) => `\u001b[31m${s}\u001b[39m`,
  yellow: (s: string) => `\u001b[33m${s}\u001b[39m`,
  bold: (s: string) => `\u001b[1m${s}\u001b[22m`,
  dim: (s: string) => `\u001b[2m${s}\u001b[22m`
}

/**
 * Renders a diagnostic:
 *
 * ```text
 * examples/x.rose:12:7 error[E222]: unknown task "trainng"; did you mean "training"?
 *    12 |     trainng at 0 { learning_rate: 0.01 }
 *       |     ^^^^^^^
 * ```
 *
 * A span that runs past its first line is underlined to the end of that line; a zero-width span
 * gets one caret.
 *
 * @since 0.1.0
 * @category rendering
 */
export const format = (
  d: Diagnostic,
  source: string,
  file: string,
  options: { readonly color?: boolean | undefined } = {}
): string => formatWith(d, Span.lineIndex(source), file, options)

const formatWith = (
  d: Diagnostic,
  index: Span.LineIndex,
  file: string,
  options: { readonly color?: boolean | undefined }
): string => {
  const color = options.color === true
  const { start, end } = d.span
  const sev = color
    ? (d.severity === "error" ? ansi.red : ansi.yellow)(`${d.severity}[${d.code}]`)
    : `${d.severity}[${d.code}]`
  const head = `${file}:${start.line}:${start.column} ${sev}: ${color ? ansi.bold(d.message) : d.message}`
  if (start.line > index.lineCount) return head
  const text = index.lineText(start.line)
  const gutter = String(start.line)
  const pad = " ".repeat(gutter.length)
  const from = Math.min(start.column - 1, text.length)
  const to =
    end.line === start.line
      ? Math.min(Math.max(end.column - 1, from + 1), Math.max(text.length, from + 1))
      : Math.max(text.length, from + 1)
  // keep tabs so the caret lines up under tab-indented text
  const lead = text.slice(0, from).replace(/[^\t]/g, " ")
  const carets = "^".repeat(Math.max(1, to - from))
  const bar = color ? ansi.dim("|") : "|"
  const caretLine = color ? (d.severity === "error" ? ansi.red : ansi.yellow)(carets) : carets
  return `${head}\n ${gutter} ${bar} ${text}\n ${pad} ${bar} ${lead}${caretLine}`
}

/**
 * Renders several diagnostics, sorted, separated by blank lines.
 *
 * @since 0.1.0
 * @category rendering
 */
export const formatAll = (
  ds: ReadonlyArray<Diagnostic>,
  source: string,
  file: string,
  options: { readonly color?: boolean | undefined } = {}
): string => {
  const index = Span.lineIndex(source)
  return sort(ds)
    .map((d) => formatWith(d, index, file, options))
    .join("\n\n")
}

/**
 * A one-line summary: `2 errors, 1 warning`.
 *
 * @since 0.1.0
 * @category rendering
 */
export const summary = (ds: ReadonlyArray<Diagnostic>): string => {
  const e = ds.filter(isError).length
  const w = ds.length - e
  const part = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`
  return w === 0 ? part(e, "error") : `${part(e, "error")}, ${part(w, "warning")}`
}
