import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Diagnostic from "../../../dsl/Diagnostic.ts"
import * as Dsl from "../../../dsl/Dsl.ts"
import { checkOptions, examples, invalid, valid } from "./fixtures.ts"

const actual = (text: string, options: Dsl.CheckOptions) =>
  Dsl.check(text, options)
    .diagnostics.map((d) => `${d.code} ${d.span.start.line}:${d.span.start.column}`)
    .sort()

describe("invalid fixtures", () => {
  it("outnumber the valid ones and number at least 40", () => {
    assert.isAtLeast(invalid.length, 40)
    assert.isAbove(invalid.length, valid.length + examples.length)
  })

  it("cover every diagnostic code but the internal one", () => {
    const seen = new Set(invalid.flatMap((f) => f.expected.map((e) => e.split(" ")[0])))
    const missing = Object.values(Diagnostic.Codes).filter(
      (c) => !seen.has(c) && c !== Diagnostic.Codes.ProgramRejected
    )
    assert.deepStrictEqual(missing, [])
  })

  for (const f of invalid) {
    it(f.name, () => {
      assert.isNotEmpty(f.expected, "the fixture states what it expects")
      assert.deepStrictEqual(actual(f.text, checkOptions(f)), f.expected)
    })
  }
})

describe("valid fixtures and examples", () => {
  for (const f of [...valid, ...examples]) {
    it(f.name, () => {
      assert.deepStrictEqual(actual(f.text, checkOptions(f)), f.expected)
      const program = Dsl.compile(f.text, { ...checkOptions(f), here: "/fixtures" })
      assert.isTrue(
        Either.isRight(program),
        Either.isLeft(program) ? Diagnostic.formatAll(program.left, f.text, f.name) : ""
      )
    })
  }
})
