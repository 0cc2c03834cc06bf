import { assert, describe, it } from "@effect/vitest"
import * as Format from "../../../cli/Format.ts"
import * as Progress from "../../../cli/Progress.ts"
import { planOf, smallRun } from "./fixtures.ts"

describe("Progress", () => {
  it("folds a journal: statuses, iterations, metric histories, failures", () => {
    const p = Progress.fromEvents(Progress.blocksOfPlan(planOf), smallRun().events)
    assert.strictEqual(p.runId, "run-1")
    assert.strictEqual(p.rosePid, 4242)
    assert.deepStrictEqual(
      p.learners.map((l) => [l.label, l.status, l.iterations, l.history]),
      [
        ["sweep[0]", "converged", 2, [0.4, 0.05]],
        ["sweep[1]", "error", 1, [0.5]]
      ]
    )
    assert.strictEqual(p.learners[1]!.failure, "training: exit 3: boom")
    assert.deepStrictEqual(p.finished, { status: "failed", durationMs: 7000 })
    assert.strictEqual(p.running.size, 0)
    assert.strictEqual(p.queued.size, 0)
  })

  it("tracks queued and running tasks with their process ids while a run goes on", () => {
    const j = smallRun()
    const upTo = j.events.findIndex((e) => e._tag === "task_finished")
    const p = Progress.fromEvents(Progress.blocksOfPlan(planOf), j.events.slice(0, upTo))
    assert.strictEqual(p.running.size, 2)
    assert.deepStrictEqual(
      Progress.unfinished(p).map((t) => [t.learner.index, t.task, t.pid, t.pgid]),
      [
        [0, "training", 100, 100],
        [1, "training", 101, 101]
      ]
    )
    assert.strictEqual(p.learners[0]!.status, "running")
    // a count: iteration 0 runs, none is done
    assert.strictEqual(Progress.iterationText(p.learners[0]!), "0/5")
  })

  it("knows the learners from run_started when there is no plan", () => {
    const p = Progress.fromEvents([], smallRun().events.slice(0, 1))
    assert.deepStrictEqual(
      p.learners.map((l) => [l.label, l.status, l.maxIter]),
      [
        ["sweep[0]", "waiting", 5],
        ["sweep[1]", "waiting", 5]
      ]
    )
  })
})

describe("Format", () => {
  it("writes numbers, durations and sparklines", () => {
    assert.strictEqual(Format.number(0.23104), "0.231")
    assert.strictEqual(Format.number(1.5e-7), "1.5e-7")
    assert.strictEqual(Format.number(42), "42")
    assert.strictEqual(Format.duration(850), "850 ms")
    assert.strictEqual(Format.duration(4200), "4.2 s")
    assert.strictEqual(Format.elapsed(65_000), "1m05s")
    assert.strictEqual(Format.sparkline([1, 0.5, 0.25, 0]), "█▄▂▁")
    assert.strictEqual(Format.sparkline([2, 2]), "▄▄")
    assert.strictEqual(Format.sparkline([]), "")
  })

  it("says a failure in one line", () => {
    assert.strictEqual(
      Format.failure({ tag: "TaskFailed", message: "x\ny", exitCode: 2, stderrTail: "a\nlast words\n\n" }),
      "exit 2: last words"
    )
    assert.strictEqual(
      Format.failure({ tag: "TaskFailed", message: "x", exitCode: null, signal: "SIGKILL" }),
      "killed by SIGKILL"
    )
    assert.strictEqual(Format.failure({ tag: "CriterionParseError", message: "bad value\nmore" }), "bad value")
  })
})
