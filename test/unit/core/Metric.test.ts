import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Criterion from "../../../core/Criterion.ts"
import * as Metric from "../../../core/Metric.ts"
import * as MetricNames from "../../../core/MetricNames.ts"

describe("the metric table", () => {
  it("holds the Python toolkit's 37 names, each once, plus the aliases", () => {
    const python = Object.entries(MetricNames)
      .filter(([k]) => !k.endsWith("_THRESHOLD"))
      .map(([, v]) => v)
    assert.strictEqual(python.length, 37)
    for (const name of python) assert.isDefined(Metric.lookup(name), name)
    for (const alias of ["mse", "rmse", "mae", "r2", "accuracy", "f1", "loss", "reward"]) {
      assert.isDefined(Metric.lookup(alias), alias)
    }
    assert.strictEqual(new Set(Metric.names).size, Metric.names.length)
  })

  it("gives directions: errors are minimised, scores maximised, accuracy with >=, margin fixed", () => {
    assert.strictEqual(Metric.lookup("mean_squared_error_mse")!.operator, "<")
    assert.strictEqual(Metric.lookup("f1_score")!.operator, ">")
    assert.strictEqual(Metric.lookup("model_accuracy")!.operator, ">=")
    assert.strictEqual(Metric.lookup("margin")!.direction, "maximize")
    assert.isString(Metric.lookup("margin")!.note)
  })

  it("compares with all six operators", () => {
    assert.isTrue(Metric.meets(0.05, "<", 0.1))
    assert.isFalse(Metric.meets(0.1, "<", 0.1))
    assert.isTrue(Metric.meets(0.1, "<=", 0.1))
    assert.isTrue(Metric.meets(0.2, ">", 0.1))
    assert.isTrue(Metric.meets(0.1, ">=", 0.1))
    assert.isTrue(Metric.meets(3, "==", 3))
    assert.isTrue(Metric.meets(3, "!=", 4))
    assert.isFalse(Metric.meets(3, "!=", 3))
  })
})

describe("reading a criterion's value", () => {
  const ok = (stdout: string) => Either.getOrThrow(Metric.valueFromOutput("mse", stdout))
  const bad = (stdout: string) => Either.isLeft(Metric.valueFromOutput("mse", stdout))

  it("takes the last non-empty line as a strict decimal number", () => {
    assert.strictEqual(ok("training...\n0.125\n\n"), 0.125)
    assert.strictEqual(ok("-1.5e-3"), -0.0015)
    assert.strictEqual(ok(".5"), 0.5)
    assert.strictEqual(ok("  42  "), 42)
  })

  it("rejects empty output, hex, Infinity, NaN, and text such as loss=0.3, naming the line", () => {
    for (const s of ["", "\n\n", "0x10", "Infinity", "NaN", "1e999", "loss=0.3", "0.3 0.4", "1,5"])
      assert.isTrue(bad(s), s)
    const r = Metric.valueFromOutput("mse", "epoch 3\nloss=0.3\n")
    assert.deepStrictEqual(
      Either.getLeft(r).pipe((o) => (o._tag === "Some" ? o.value.line : undefined)),
      "loss=0.3"
    )
  })

  it("accepts a JSON object's value field, else the field named after the metric", () => {
    assert.strictEqual(ok('{"value": 0.2, "other": 1}'), 0.2)
    assert.strictEqual(ok('{"mse": 0.3}'), 0.3)
    assert.isTrue(bad('{"other": 0.3}'))
    assert.isTrue(bad('{"value": "abc"}'))
    assert.isTrue(bad('{"value": null}'))
  })

  it("reads in-process results: numbers and { value }", () => {
    assert.deepStrictEqual(Metric.valueFromResult("mse", 0.5), Either.right(0.5))
    assert.deepStrictEqual(Metric.valueFromResult("mse", { value: 0.25 }), Either.right(0.25))
    assert.isTrue(Either.isLeft(Metric.valueFromResult("mse", Number.NaN)))
    assert.isTrue(Either.isLeft(Metric.valueFromResult("mse", "0.5x")))
  })
})

describe("Criterion.make", () => {
  it("takes the operator from the table when omitted", () => {
    const c = Either.getOrThrow(Criterion.make({ metricName: "mean_squared_error_mse", threshold: 0.1 }))
    assert.strictEqual(c.operator, "<")
  })

  it("needs an operator for a metric not in the table, and refuses unknown operators", () => {
    assert.isTrue(Either.isLeft(Criterion.make({ metricName: "MODEL_REWARD", threshold: 200 })))
    assert.strictEqual(
      Either.getOrThrow(Criterion.make({ metricName: "MODEL_REWARD", threshold: 200, operator: ">" })).direction,
      "maximize"
    )
    assert.isTrue(Either.isLeft(Criterion.make({ metricName: "mse", threshold: 1, operator: "=" })))
    assert.isTrue(Either.isLeft(Criterion.make({ metricName: "mse", threshold: Number.NaN })))
  })

  it("lets an explicit operator override the table's", () => {
    assert.strictEqual(
      Either.getOrThrow(Criterion.make({ metricName: "mse", threshold: 1, operator: ">=" })).operator,
      ">="
    )
  })
})
