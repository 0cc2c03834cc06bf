import { assert, describe, it } from "@effect/vitest"
import * as Diagnostic from "../../../dsl/Diagnostic.ts"
import * as Dsl from "../../../dsl/Dsl.ts"

const text = `active "sweep" {
  max_iter 3
  training     = exec "node ./train.mjs"
  active_learn = exec "node ./active.mjs"
  learner 0 { trainng { lr: 0.1 } }
}
`

describe("Diagnostic.format", () => {
  it("renders file:line:column, severity, code, message, the source line and a caret under the span", () => {
    const [d] = Dsl.check(text, { file: "examples/x.rose" }).diagnostics
    assert.strictEqual(
      Diagnostic.format(d!, text, "examples/x.rose"),
      [
        'examples/x.rose:5:15 error[E222]: unknown task "trainng"; did you mean "training"?',
        " 5 |   learner 0 { trainng { lr: 0.1 } }",
        "   |               ^^^^^^^"
      ].join("\n")
    )
  })

  it("puts one caret at the end of the last token for an error at end of input", () => {
    const src = "let x = [1,\n  2"
    const [d] = Dsl.check(src).diagnostics
    assert.strictEqual(
      Diagnostic.format(d!, src, "t.rose"),
      ["t.rose:2:4 error[E100]: Expecting ']' but found end of file", " 2 |   2", "   |    ^"].join("\n")
    )
  })

  it("keeps tabs so the caret lines up, and underlines a multi-line span to the end of its first line", () => {
    const d = Diagnostic.error("E253", "m", {
      start: { offset: 3, line: 1, column: 4 },
      end: { offset: 20, line: 2, column: 3 }
    })
    assert.strictEqual(
      Diagnostic.format(d, "\tab cdef\nxyz", "f"),
      "f:1:4 error[E253]: m\n 1 | \tab cdef\n   | \t  ^^^^^"
    )
  })

  it("colours on request only", () => {
    const [d] = Dsl.check(text).diagnostics
    assert.notInclude(Diagnostic.format(d!, text, "f"), "\u001b[")
    assert.include(Diagnostic.format(d!, text, "f", { color: true }), "\u001b[31m")
  })

  it("has a JSON form for --format json", () => {
    const [d] = Dsl.check(text).diagnostics
    assert.deepStrictEqual(Diagnostic.toJson(d!, "x.rose"), {
      file: "x.rose",
      line: 5,
      column: 15,
      endLine: 5,
      endColumn: 22,
      severity: "error",
      code: "E222",
      message: 'unknown task "trainng"; did you mean "training"?'
    })
  })

  it("summarises counts", () => {
    const e = Diagnostic.error("E250", "x", {
      start: { offset: 0, line: 1, column: 1 },
      end: { offset: 1, line: 1, column: 2 }
    })
    const w = Diagnostic.warning("W001", "y", e.span)
    assert.strictEqual(Diagnostic.summary([e, e, w]), "2 errors, 1 warning")
    assert.strictEqual(Diagnostic.summary([e]), "1 error")
    assert.isFalse(Diagnostic.hasErrors([w]))
  })

  it("uses unique, stable codes", () => {
    const codes = Object.values(Diagnostic.Codes)
    assert.strictEqual(new Set(codes).size, codes.length)
    for (const c of codes) assert.match(c, /^[EW]\d{3}$/)
  })
})

describe("all errors in a file are reported", () => {
  it("lexical, syntax and semantic errors together, semantic ones only where safe", () => {
    const src = `let a = 1 / 0
active "x" {
  max_iter 3
  training = exec "t" timeout 5min
  active_learn = exec "a"
  learner 0 { training { lr: "a" * 2 } }
  learner 1 { training { lr: 1 } }
  stop when
}
`
    const codes = Dsl.check(src).diagnostics.map((d) => `${d.code} ${d.span.start.line}`)
    assert.includeMembers(codes, ["E257 1", "E004 4", "E253 6", "E203 7"])
    assert.isTrue(
      codes.some((c) => c.startsWith("E1")),
      "the syntax error"
    )
    // absence checks are unsafe on a broken file: no "missing criterion task" guesses
    assert.notInclude(codes.join(" "), "E220")
  })
})
