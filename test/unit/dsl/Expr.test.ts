import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import type * as Json from "../../../core/Json.ts"
import type * as Ast from "../../../dsl/Ast.ts"
import * as Dsl from "../../../dsl/Dsl.ts"
import * as Expr from "../../../dsl/Expr.ts"

const parseExpr = (text: string): Ast.Expr => {
  const r = Dsl.parse(`let x = ${text}`)
  assert.deepStrictEqual(r.diagnostics, [], text)
  return (r.ast.items[0] as Ast.LetDecl).value
}

const ctx = (over: Partial<Expr.Context> = {}): Expr.Context => ({
  iteration: 3,
  learner: 1,
  maxIter: 10,
  prev: undefined,
  lets: new Map<string, Json.Json>([["base", 100]]),
  env: (n) => (n === "HOME" ? "/home/me" : undefined),
  ...over
})

const ev = (text: string, over: Partial<Expr.Context> = {}): Json.Json => Expr.evaluate(parseExpr(text), ctx(over))
const fails = (text: string, over: Partial<Expr.Context> = {}): string => {
  const r = Expr.evaluateEither(parseExpr(text), ctx(over))
  assert.isTrue(Either.isLeft(r), `${text} should fail`)
  return Either.isLeft(r) ? r.left.reason : ""
}

describe("Expr.evaluate", () => {
  it("does arithmetic as JavaScript does, with Python's power and modulo rules", () => {
    assert.strictEqual(ev("1 + 2 * 3"), 7)
    assert.strictEqual(ev("2 ** 3 ** 2"), 512)
    assert.strictEqual(ev("-2 ** 2"), -4)
    assert.strictEqual(ev("-7 % 3"), 2)
    assert.strictEqual(ev("7 % -3"), -2)
    assert.strictEqual(ev("0.1 * 0.95 ** i"), 0.1 * 0.95 ** 3)
    assert.strictEqual(ev("7 / 2"), 3.5)
  })

  it("reads the iteration, the learner, max_iter and lets", () => {
    assert.deepStrictEqual([ev("i"), ev("learner"), ev("max_iter"), ev("base + i * 50")], [3, 1, 10, 250])
    assert.strictEqual(ev("max_iter", { maxIter: null }), null)
  })

  it("gives null for prev (and its members) at the first iteration", () => {
    assert.strictEqual(ev("prev"), null)
    assert.strictEqual(ev("prev.metric"), null)
    assert.strictEqual(ev("prev.state.sim.loss ?? 1"), 1)
    // ?? binds looser than *: the product of null fails before ?? can help
    assert.include(fails("prev.metric * 2 ?? 5"), "got null")
    assert.strictEqual(ev("(prev.metric ?? 5) * 2"), 10)
  })

  it("reads the previous iteration", () => {
    const prev = { iteration: 2, metric: 0.25, metricHistory: [0.5, 0.25], state: { sim: { loss: 3 } } }
    assert.strictEqual(ev("prev.metric * 2", { prev }), 0.5)
    assert.strictEqual(ev("prev.state.sim.loss", { prev }), 3)
    assert.strictEqual(ev('prev.state["sim"].missing', { prev }), null)
    assert.deepStrictEqual(ev("prev.history[-1]", { prev }), 0.25)
    assert.strictEqual(ev("prev.iteration + 1", { prev }), 3)
  })

  it("has the built-in functions", () => {
    assert.deepStrictEqual(
      [
        ev("min(64, 32 + i * 4)"),
        ev("max([1, 5, 2])"),
        ev("abs(-2)"),
        ev("floor(1.7)"),
        ev("ceil(1.2)"),
        ev("round(2.5)"),
        ev("round(-2.5)"),
        ev("sqrt(9)"),
        ev("exp(0)"),
        ev("log(8, 2)"),
        ev("clamp(15, 0, 10)"),
        ev("int(-3.7)"),
        ev('int("42")'),
        ev('float("1.5e2")')
      ],
      [44, 5, 2, 1, 2, 3, -3, 3, 1, 3, 10, -3, 42, 150]
    )
  })

  it("shows values with str() as JavaScript prints numbers", () => {
    assert.deepStrictEqual(
      [ev("str(100 + i * 50)"), ev("str(0.1 * 0.95 ** i)"), ev("str(true)"), ev("str([1, 2])"), ev("str(1e21)")],
      ["250", String(0.1 * 0.95 ** 3), "true", "[1,2]", "1e+21"]
    )
  })

  it("looks up the environment, with a default", () => {
    assert.strictEqual(ev('env("HOME")'), "/home/me")
    assert.strictEqual(ev('env("NOPE", 3)'), 3)
    const r = Expr.evaluateEither(parseExpr('env("NOPE")'), ctx())
    assert.isTrue(Either.isLeft(r) && r.left.missingEnv === "NOPE")
  })

  it("compares deeply and short-circuits", () => {
    assert.isTrue(ev("[1, { a: 2 }] == [1, { a: 2 }]") as boolean)
    assert.isTrue(ev('"abc" < "abd"') as boolean)
    assert.isFalse(ev("false and 1 / 0 > 1") as boolean)
    assert.strictEqual(ev('if i > 2 then "late" else "early"'), "late")
  })

  it("fails with a reason and a span instead of producing NaN or Infinity", () => {
    assert.include(fails("1 / 0"), "division by zero")
    assert.include(fails("sqrt(-1)"), "not a finite number")
    assert.include(fails("10 ** 400"), "not a finite number")
    assert.include(fails('"a" + 1'), "use str()")
    assert.include(fails("if 1 then 2 else 3"), "boolean")
    assert.include(fails('int("x")'), "cannot convert")
    assert.include(fails("(1).x"), "cannot read")
    assert.include(fails("i", { iteration: undefined }), "not known")
  })

  it("is deterministic for any iteration, far beyond 100", () => {
    const e = parseExpr("str(100 + i * 50)")
    assert.strictEqual(Expr.evaluate(e, ctx({ iteration: 150 })), "7600")
    assert.strictEqual(Expr.evaluate(e, ctx({ iteration: 150 })), Expr.evaluate(e, ctx({ iteration: 150 })))
  })
})
