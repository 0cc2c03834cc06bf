/**
 * The language service on texts an editor holds while the user types: completion from the tokens
 * before the cursor (files that do not parse included), hover, definition, symbols and formatting,
 * and diagnostics identical to `Dsl.check`'s.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Dsl from "../../../dsl/Dsl.ts"
import * as Format from "../../../dsl/Format.ts"
import * as LanguageService from "../../../dsl/LanguageService.ts"

const cursor = "‸"

/** The analysis of a text with the cursor marked by ‸, and the cursor's offset. */
const at = (marked: string, environment: LanguageService.Environment = {}) => {
  const offset = marked.indexOf(cursor)
  assert.isAtLeast(offset, 0)
  const text = marked.replace(cursor, "")
  return { analysis: LanguageService.analyze(text, environment), offset, text }
}

const labels = (marked: string, environment: LanguageService.Environment = {}): ReadonlyArray<string> => {
  const { analysis, offset } = at(marked, environment)
  return LanguageService.complete(analysis, offset).map((i) => i.label)
}

const block = (body: string) => `let base = 3
backend local { concurrency: 2 }
backend ssh "cluster" { hosts: ["a"] }
uq "u" {
  max_iter 4
  simulation = exec "sim" with { n: base, seed: 1 }
  training = exec "train"
${body}
}
`

describe("LanguageService", () => {
  it("gives the diagnostics of Dsl.check, as protocol ranges", () => {
    const text = block("  learner 0 { trainig { n: bse } }\n  paralel 2")
    const expected = Dsl.check(text).diagnostics
    const got = LanguageService.diagnostics(LanguageService.analyze(text))
    assert.deepStrictEqual(
      got.map((d) => [d.code, d.range.start.line + 1, d.range.start.character + 1, d.message]),
      expected.map((d) => [d.code, d.span.start.line, d.span.start.column, d.message])
    )
    assert.isAtLeast(got.length, 3)
  })

  it("completes by where the cursor is, also in a file that does not parse", () => {
    // top level
    assert.includeMembers([...labels("‸")], ["backend", "let", "active", "uq"])
    // after backend: the kinds the environment knows
    assert.deepStrictEqual(
      [
        ...labels("backend ‸", {
          backends: [
            { kind: "local", options: [] },
            { kind: "pbs", options: ["queue"] }
          ]
        })
      ],
      ["local", "pbs"]
    )
    // in a backend's configuration: its options
    assert.deepStrictEqual(
      [...labels("backend pbs { ‸", { backends: [{ kind: "pbs", options: ["queue", "account"] }] })],
      ["queue", "account"]
    )
    // in a uq block (unclosed): its slots, required ones first, its options
    const inBlock = labels('uq "u" {\n  max_iter 3\n  ‸')
    assert.includeMembers([...inBlock], ["simulation", "prediction", "uncertainty", "models", "parallel", "stop"])
    assert.notInclude([...inBlock], "environment")
    // a prefix filters
    assert.deepStrictEqual([...labels('uq "u" {\n  pre‸')], ["prediction", "predictions"])
    // after `=`: binding kinds; after on_error: its values
    assert.deepStrictEqual([...labels('active "a" {\n  training = ‸')], ["exec", "shell", "call"])
    assert.deepStrictEqual([...labels('active "a" {\n  on_error ‸')], ["continue", "abort"])
    // in a section: the bound tasks; after one, when it applies
    assert.deepStrictEqual([...labels(block("  learner 0 { ‸ }"))], ["simulation", "training"])
    assert.deepStrictEqual([...labels(block("  learner 0 { simulation ‸ }"))], ["at", "from", "default"])
    // in an entry's object at a key: the task's with keys; at a value: variables, lets, functions
    assert.deepStrictEqual([...labels(block("  learner 0 { simulation { ‸ } }"))], ["n", "seed"])
    const value = labels(block("  learner 0 { simulation { n: ‸ } }"))
    assert.includeMembers([...value], ["i", "prev", "learner", "max_iter", "base", "min", "clamp", "str"])
    assert.deepStrictEqual(
      [...labels(block("  learner 0 { simulation { n: prev.‸ } }"))],
      ["iteration", "metric", "history", "state"]
    )
    assert.deepStrictEqual(
      [...labels(block("  learner 0 { simulation { n: prev.state.‸ } }"))],
      ["simulation", "training"]
    )
    // resources keys; a task's backend: the declared names
    assert.deepStrictEqual([...labels(block('  x = exec "x" resources { ‸'))], ["cores", "gpus", "memory", "time"])
    assert.deepStrictEqual([...labels(block('  x = exec "x" backend ‸'))], ['"local"', '"cluster"'])
  })

  it("gives each metric its direction after stop when", () => {
    const { analysis, offset } = at('active "a" {\n  stop when ‸')
    const items = LanguageService.complete(analysis, offset)
    const accuracy = items.find((i) => i.label === "model_accuracy")
    assert.include(accuracy?.detail, "higher is better")
    assert.include(accuracy?.detail, ">")
  })

  it("hovers a metric, a let and a section entry", () => {
    const text = `let base = 2 * 50
active "a" {
  parallel 2
  max_iter 6
  training     = exec "train {n}" with { n: base }
  active_learn = exec "select"
  criterion    = exec "check"
  stop when model_accuracy 0.9
  learner 1 { training from 2 { n: base + i } }
}
`
    const a = LanguageService.analyze(text)
    const metric = LanguageService.hover(a, text.indexOf("model_accuracy") + 1)
    assert.include(metric?.contents.value, "higher is better")
    assert.include(metric?.contents.value, "`stop when model_accuracy >= 0.1`")
    assert.include(LanguageService.hover(a, text.indexOf("n: base }") + 4)?.contents.value, "= `100`")
    const entry = LanguageService.hover(a, text.indexOf("training from") + 1)?.contents.value ?? ""
    assert.include(entry, "a[1]")
    assert.include(entry, "from 2")
    // iterations 0, 1, 2 and 5 (the last of max_iter 6): before `from 2` the default, then base + i
    for (const line of [
      "0  training  train 100",
      "1  training  train 100",
      "2  training  train 102",
      "5  training  train 105"
    ]) {
      assert.include(entry, line)
    }
    assert.notInclude(entry, "train 103")
    // a file with errors: no plan
    const broken = LanguageService.analyze(text.replace("n: base + i", "n: bse + i"))
    assert.include(LanguageService.hover(broken, text.indexOf("training from") + 1)?.contents.value, "no errors")
  })

  it("finds definitions and lists symbols", () => {
    const text = block(
      '  learner 0 { training { n: prev.state.simulation.n ?? base } }\n  x = exec "x" backend "cluster"'
    )
    const a = LanguageService.analyze(text)
    const line = (offset: number) => text.slice(0, offset).split("\n").length - 1
    assert.strictEqual(LanguageService.definition(a, text.indexOf("?? base") + 4)?.start.line, 0)
    assert.strictEqual(
      LanguageService.definition(a, text.indexOf("training {") + 2)?.start.line,
      line(text.indexOf("training = exec"))
    )
    assert.strictEqual(
      LanguageService.definition(a, text.indexOf("simulation.n") + 2)?.start.line,
      line(text.indexOf("simulation = exec"))
    )
    assert.strictEqual(LanguageService.definition(a, text.indexOf('"cluster"\n') + 2)?.start.line, 2)
    const symbols = LanguageService.symbols(a)
    assert.deepStrictEqual(
      symbols.map((s) => s.name),
      ["base", "local", "cluster", "u"]
    )
    assert.deepStrictEqual(
      symbols[3]!.children?.map((s) => s.name),
      ["simulation", "training", "learner 0", "x"]
    )
  })

  it("formats as the formatter does, and leaves a broken file alone", () => {
    const text = 'active "a" {\n max_iter 2\n training = exec "t"\n  active_learn=exec "s"\n}\n'
    const a = LanguageService.analyze(text)
    const edits = LanguageService.formatting(a)
    assert.strictEqual(edits.length, 1)
    assert.strictEqual(
      edits[0]!.newText,
      Format.format(text).pipe((e) => (e._tag === "Right" ? e.right : ""))
    )
    assert.deepStrictEqual(edits[0]!.range.end, { line: 5, character: 0 })
    assert.deepStrictEqual(LanguageService.formatting(LanguageService.analyze(edits[0]!.newText)), [])
    assert.deepStrictEqual(LanguageService.formatting(LanguageService.analyze('active "a" {')), [])
  })
})
