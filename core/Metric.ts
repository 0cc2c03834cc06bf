/**
 * Metric names, comparison operators and the rules for reading a criterion's value.
 *
 * The table holds every metric name of the Python toolkit with its direction, plus common aliases.
 * Where the Python toolkit's direction is wrong (`margin`: a small margin means an uncertain model, so
 * a stop criterion on margin wants it large) ours differs; `docs/metrics.md` lists each case.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Json from "./Json.ts"

/**
 * @since 0.1.0
 * @category models
 */
export type Operator = "<" | "<=" | ">" | ">=" | "==" | "!="

/**
 * @since 0.1.0
 * @category models
 */
export const operators: ReadonlyArray<Operator> = ["<", "<=", ">", ">=", "==", "!="]

/**
 * @since 0.1.0
 * @category guards
 */
export const isOperator = (u: unknown): u is Operator =>
  typeof u === "string" && (operators as ReadonlyArray<string>).includes(u)

/**
 * Whether smaller or larger values are better.
 *
 * @since 0.1.0
 * @category models
 */
export type Direction = "minimize" | "maximize"

/**
 * @since 0.1.0
 * @category models
 */
export interface MetricInfo {
  readonly name: string
  readonly operator: Operator
  readonly direction: Direction
  /** Set when this name is an alias or when its direction deliberately differs from the Python toolkit. */
  readonly note?: string
}

const lower = (name: string, note?: string): MetricInfo =>
  note === undefined
    ? { name, operator: "<", direction: "minimize" }
    : { name, operator: "<", direction: "minimize", note }
const higher = (name: string, note?: string): MetricInfo =>
  note === undefined
    ? { name, operator: ">", direction: "maximize" }
    : { name, operator: ">", direction: "maximize", note }

/**
 * The 37 metric names of the Python toolkit and our aliases.
 *
 * @since 0.1.0
 * @category constants
 */
export const table: ReadonlyArray<MetricInfo> = [
  lower("custom_uq"),
  lower("predictive_entropy"),
  lower("mutual_information"),
  lower("variation_ratio"),
  higher(
    "margin",
    "the Python toolkit stops when the margin falls below the threshold, i.e. when the model is least certain; a large margin is the converged state"
  ),
  lower("predictive_variance"),
  lower("predictive_interval_width"),
  lower("negative_log_likelihood"),
  lower("labeling_cost"),
  lower("uncertainty"),
  lower("sampling_bias"),
  lower("class_distribution_shift"),
  lower("number_of_iterations"),
  lower("time_to_convergence"),
  lower("model_complexity"),
  lower("data_labeling_redundancy"),
  lower("generalization_error"),
  lower("learning_rate"),
  lower("training_time"),
  lower("confidence_interval_width"),
  lower("overfitting"),
  lower("mean_squared_error_mse"),
  higher("query_efficiency"),
  higher("diversity_of_selected_samples"),
  higher("query_reduction"),
  higher("area_under_learning_curve_auc"),
  higher("expected_model_improvement_emi"),
  higher("prediction_confidence"),
  higher("cumulative_error_reduction"),
  higher("query_selection_strategy_performance"),
  higher("f1_score"),
  higher("precision"),
  higher("recall"),
  higher("information_gain"),
  higher("active_learning_efficiency"),
  higher("exploration_vs_exploitation"),
  { name: "model_accuracy", operator: ">=", direction: "maximize" },
  lower("mse", "alias of mean_squared_error_mse"),
  lower("rmse", "root mean squared error"),
  lower("mae", "mean absolute error"),
  higher("r2", "coefficient of determination"),
  { name: "accuracy", operator: ">=", direction: "maximize", note: "alias of model_accuracy" },
  higher("f1", "alias of f1_score"),
  lower("loss", "any loss to minimise"),
  higher("reward", "mean episode reward")
]

const byName = new Map(table.map((m) => [m.name, m]))

/**
 * Looks a metric up by its exact (lower-case) name.
 *
 * @since 0.1.0
 * @category lookups
 */
export const lookup = (name: string): MetricInfo | undefined => byName.get(name)

/**
 * The metric names known to the table, for suggestions.
 *
 * @since 0.1.0
 * @category lookups
 */
export const names: ReadonlyArray<string> = table.map((m) => m.name)

/**
 * The direction implied by an operator, for metrics that are not in the table.
 *
 * @since 0.1.0
 * @category lookups
 */
export const directionOf = (operator: Operator): Direction | undefined =>
  operator === "<" || operator === "<=" ? "minimize" : operator === ">" || operator === ">=" ? "maximize" : undefined

/**
 * Whether `value` meets the stop criterion `value <operator> threshold`.
 *
 * @since 0.1.0
 * @category comparisons
 */
export const meets = (value: number, operator: Operator, threshold: number): boolean => {
  switch (operator) {
    case "<":
      return value < threshold
    case "<=":
      return value <= threshold
    case ">":
      return value > threshold
    case ">=":
      return value >= threshold
    case "==":
      return value === threshold
    case "!=":
      return value !== threshold
  }
}

/**
 * Whether `a` is better than `b` for a metric of the given direction.
 *
 * @since 0.1.0
 * @category comparisons
 */
export const isBetter = (direction: Direction, a: number, b: number): boolean =>
  direction === "minimize" ? a < b : a > b

const strictDecimal = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

/**
 * Parses a strict decimal number (`-1.5e-3`, `42`, `.5`); rejects empty text, hex, `Infinity` and `NaN`.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseNumber = (text: string): number | undefined => {
  const t = text.trim()
  if (!strictDecimal.test(t)) return undefined
  const n = Number(t)
  return Number.isFinite(n) ? n : undefined
}

/**
 * The last non-empty line of a text, or `undefined`.
 *
 * @since 0.1.0
 * @category parsing
 */
export const lastLine = (text: string): string | undefined => {
  let end = text.length
  while (end > 0) {
    const start = text.lastIndexOf("\n", end - 1)
    const line = text.slice(start + 1, end).trim()
    if (line.length > 0) return line
    end = Math.max(start, 0)
  }
  return undefined
}

/**
 * Why a criterion's output could not be read as a value.
 *
 * @since 0.1.0
 * @category models
 */
export interface ValueProblem {
  readonly line: string | undefined
  readonly reason: string
}

/**
 * Reads the value of a criterion from its stdout: the last non-empty line is a strict decimal number,
 * or a JSON object whose `value` field (else the field named after the metric) holds one.
 *
 * @since 0.1.0
 * @category parsing
 */
export const valueFromOutput = (metric: string, stdout: string): Either.Either<number, ValueProblem> => {
  const line = lastLine(stdout)
  if (line === undefined) return Either.left({ line, reason: "the criterion printed nothing" })
  const n = parseNumber(line)
  if (n !== undefined) return Either.right(n)
  if (line.startsWith("{")) {
    const parsed = Json.parse(line)
    if (parsed.ok && Json.isObject(parsed.value)) return valueFromObject(metric, parsed.value, line)
  }
  return Either.left({ line, reason: 'expected a number such as 0.125 or a JSON object with a numeric "value"' })
}

/**
 * Reads the value of a criterion from a returned value: a finite number, or an object with `value`
 * (else the field named after the metric).
 *
 * @since 0.1.0
 * @category parsing
 */
export const valueFromResult = (metric: string, result: unknown): Either.Either<number, ValueProblem> => {
  if (typeof result === "number") {
    return Number.isFinite(result)
      ? Either.right(result)
      : Either.left({ line: String(result), reason: "the criterion returned a value that is not a finite number" })
  }
  if (Json.isObject(result)) return valueFromObject(metric, result, safeStringify(result))
  return Either.left({
    line: safeStringify(result),
    reason: 'expected a finite number or an object with a numeric "value"'
  })
}

const valueFromObject = (metric: string, obj: Json.JsonObject, line: string): Either.Either<number, ValueProblem> => {
  const field = "value" in obj ? "value" : metric in obj ? metric : undefined
  if (field === undefined) {
    return Either.left({ line, reason: `the JSON object has neither a "value" nor a "${metric}" field` })
  }
  const v = obj[field]
  if (typeof v === "number" && Number.isFinite(v)) return Either.right(v)
  if (typeof v === "string") {
    const n = parseNumber(v)
    if (n !== undefined) return Either.right(n)
  }
  return Either.left({ line, reason: `the field "${field}" does not hold a finite number` })
}

const safeStringify = (u: unknown): string => {
  try {
    return typeof u === "string" ? u : (JSON.stringify(u) ?? String(u))
  } catch {
    return String(u)
  }
}
