/**
 * A learner's stop criterion: a metric, a threshold and an operator (from the metric table when
 * omitted).
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Metric from "./Metric.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface Criterion {
  readonly metric: string
  readonly threshold: number
  readonly operator: Metric.Operator
  readonly direction: Metric.Direction | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface CriterionInput {
  readonly metricName: string
  readonly threshold: number
  readonly operator?: Metric.Operator | string | undefined
}

/**
 * Builds a criterion; an unknown metric needs an operator, and the table's direction wins for known
 * metrics only when no operator is given.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (input: CriterionInput): Either.Either<Criterion, string> => {
  const { metricName, threshold } = input
  if (typeof metricName !== "string" || metricName.length === 0) {
    return Either.left("the criterion needs a metric name")
  }
  if (typeof threshold !== "number" || !Number.isFinite(threshold)) {
    return Either.left(`the threshold of "${metricName}" must be a finite number`)
  }
  const info = Metric.lookup(metricName)
  const op = input.operator === undefined || input.operator === "" ? undefined : input.operator
  if (op !== undefined && !Metric.isOperator(op)) {
    return Either.left(`unknown operator ${JSON.stringify(op)} (use one of ${Metric.operators.join(" ")})`)
  }
  if (op === undefined && info === undefined) {
    return Either.left(
      `"${metricName}" is not a known metric, so the criterion needs an operator (${Metric.operators.join(" ")})`
    )
  }
  const operator = (op ?? info!.operator) as Metric.Operator
  return Either.right({
    metric: metricName,
    threshold,
    operator,
    direction: info?.direction ?? Metric.directionOf(operator)
  })
}
