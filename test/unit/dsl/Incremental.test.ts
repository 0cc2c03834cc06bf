/**
 * Parsing an edited version with the pieces of the previous parse gives the very tree (spans
 * included) of parsing it from scratch, for edits before, inside and after pieces, edits that add
 * or remove lines, a version with a syntax error in between, and new or removed sections; and
 * pieces that did not change are really taken over (the same objects), not parsed again.
 */
import { assert, describe, it } from "@effect/vitest"
import type * as Ast from "../../../dsl/Ast.ts"
import { parseText } from "../../../dsl/internal/parse.ts"

const section = (k: number) => `  learner ${k} {
    simulation      { n: str(100 + i * ${k}), noise: 0.1 * 0.95 ** i }
    training at 0   { lr: ${k + 1}e-3 }  # a comment
    training from 5 { lr: 1e-4, batch: min(64, 32 + i * 4) }
  }
`

const source = (n: number) => {
  let s = `# a sweep\nbackend local { concurrency: 2 }\nlet base = 100\n\nactive "sweep" {\n  parallel ${n}\n  max_iter 9\n`
  s += '  simulation   = exec "sim" with { n: base }\n  training     = exec "train"\n  active_learn = exec "select"\n'
  for (let k = 0; k < n; k++) s += section(k)
  return `${s}}\n\nlet after = 3\n`
}

const sectionsOf = (ast: Ast.File): ReadonlyArray<Ast.LearnerItem> =>
  ast.items.flatMap((i) => (i._tag === "LearnerBlock" ? i.items.filter((l) => l._tag === "LearnerSection") : []))

describe("incremental parse", () => {
  it("gives the tree of a fresh parse after every kind of edit", () => {
    const base = source(12)
    const edits: ReadonlyArray<(t: string) => string> = [
      (t) => t.replace("lr: 5e-3", "lr: 6e-3"), // one character inside a section
      (t) => t.replace("learner 3 {", "learner 3 {\n    # new line\n"), // lines added inside a section
      (t) => t.replace("  max_iter 9\n", "  max_iter 9\n\n\n"), // lines added in the block header
      (t) => t.replace("# a sweep\n", ""), // a line removed at the top
      (t) => t.replace("let base = 100", "let base = 1000"), // a top-level item, same lines
      (t) => t.replace(section(7), ""), // a section removed
      (t) => t.replace("learner 2 {", "learner 2 {{"), // a syntax error
      (t) => t.replace("learner 2 {{", "learner 2 {"), // fixed again
      (t) => t.replace("  learner 0 {", `${section(20)}  learner 0 {`), // a section added
      (t) => t.replace("let after = 3", "let after = 4  # end") // the last item
    ]
    let text = base
    let previous = parseText(text, { previous: undefined })
    for (const [k, edit] of edits.entries()) {
      const next = edit(text)
      assert.notStrictEqual(next, text, `edit ${k} changes the text`)
      const incremental = parseText(next, { previous })
      const fresh = parseText(next)
      assert.deepStrictEqual(incremental.ast, fresh.ast, `edit ${k}`)
      assert.deepStrictEqual(incremental.diagnostics, fresh.diagnostics, `edit ${k}`)
      text = next
      previous = incremental
    }
  })

  it("takes unchanged pieces over instead of parsing them again", () => {
    const text = source(10)
    const first = parseText(text, { previous: undefined })
    const edited = text.replace("lr: 7e-3", "lr: 8e-3")
    const second = parseText(edited, { previous: first })
    const before = sectionsOf(first.ast)
    const after = sectionsOf(second.ast)
    assert.strictEqual(after.length, 10)
    // the sections before the edit are the same objects; the edited one is new
    for (let k = 0; k < 6; k++) assert.strictEqual(after[k], before[k], `section ${k}`)
    assert.notStrictEqual(after[6], before[6])
    // the ones after it moved by nothing (same lines): the same objects too
    for (let k = 7; k < 10; k++) assert.strictEqual(after[k], before[k], `section ${k}`)
    // a line added before them moves them: new objects one line down
    const third = parseText(edited.replace("learner 6 {", "learner 6 {\n"), { previous: second })
    const moved = sectionsOf(third.ast)
    assert.strictEqual(moved[8]!.span.start.line, after[8]!.span.start.line + 1)
    assert.deepStrictEqual(third.ast, parseText(edited.replace("learner 6 {", "learner 6 {\n")).ast)
    // without incremental, nothing is kept
    assert.strictEqual(parseText(text).pieces.size, 0)
    assert.isAbove(first.pieces.size, 10)
  })
})
