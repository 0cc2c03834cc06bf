/**
 * The live display and the report name a sweep's learners by their point, after their label.
 */
import { assert, describe, it } from "@effect/vitest"
import * as LiveFrame from "../../../cli/LiveFrame.ts"
import * as Progress from "../../../cli/Progress.ts"
import * as Rose from "../../../core/ProgramBuilder.ts"
import * as Report from "../../../plugins/Report.ts"
import { manifestOf, resultsOf, smallRun } from "./fixtures.ts"

const program = Rose.program({
  here: "/proj",
  learners: [
    Rose.active("sweep", {
      maxIter: 3,
      sweep: Rose.grid({ training: { learning_rate: [0.1, 0.01], batch_size_for_the_training: [8, 1024] } }),
      tasks: { training: Rose.exec("train"), active_learn: Rose.exec("select") }
    }),
    Rose.active("plain", { maxIter: 3, tasks: { training: Rose.exec("train"), active_learn: Rose.exec("select") } })
  ]
})

describe("the live display of a sweep", () => {
  it("shows each learner's point after its label, cut to 32 characters", () => {
    const progress = Progress.make(Progress.blocksOfProgram(program))
    assert.deepStrictEqual(
      progress.learners.map((l) => [l.label, l.point]),
      [
        ["sweep[0]", "learning_rate=0.1, batch_size_f…"],
        ["sweep[1]", "learning_rate=0.1, batch_size_f…"],
        ["sweep[2]", "learning_rate=0.01, batch_size_…"],
        ["sweep[3]", "learning_rate=0.01, batch_size_…"],
        ["plain[0]", undefined]
      ]
    )
    const lines = LiveFrame.frame(progress, 0, { columns: 120, rows: 20 }, false).join("\n")
    assert.include(lines, "sweep[2] learning_rate=0.01, batch_size_…")
    assert.match(lines, /plain\[0\] +waiting/)
  })
})

describe("the report of a sweep", () => {
  it("shows each learner's point after its label in the learners table", () => {
    const [first, ...rest] = resultsOf.learners
    const results = {
      ...resultsOf,
      learners: [{ ...first!, label: "lr=0.1", point: { training: { lr: 0.1 } } }, ...rest]
    }
    const html = Report.render({ run: manifestOf, events: smallRun().events, results, tornLine: false })
    assert.include(html, '<td><b>sweep[0]</b> <span class="muted">lr=0.1</span></td>')
    assert.include(html, "<td><b>sweep[1]</b></td>")
  })
})
