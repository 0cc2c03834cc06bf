import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Status from "../../../cli/Status.ts"
import * as Summary from "../../../cli/Summary.ts"
import * as Event from "../../../core/Event.ts"
import { manifestOf, resultsOf, smallRun } from "./fixtures.ts"

const runDir = (events: ReadonlyArray<Event.Event>, extra = "") => {
  const dir = NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "rose-status-"))
  NodeFs.writeFileSync(`${dir}/run.json`, JSON.stringify(manifestOf))
  NodeFs.writeFileSync(`${dir}/events.jsonl`, `${events.map(Event.toJsonLine).join("\n")}\n${extra}`)
  return dir
}

describe("Status", () => {
  it("says where a finished run stands", () => {
    const dir = runDir(smallRun().events)
    const snapshot = Status.readSync(dir)!
    const text = Status.render(dir, snapshot, { now: Date.now(), color: false, isAlive: () => false })
    assert.include(text, "run run-1  failed in 7.0 s")
    assert.match(text, /sweep\[0\] +converged +2\/5 +mse 0\.05 \(< 0\.1\)/)
    assert.match(text, /sweep\[1\] +error/)
    assert.notInclude(text, "may still be running")
  })

  it("reads a running run's journal with a torn last line, and says so", () => {
    const j = smallRun({ finished: false })
    const upTo = j.events.findIndex((e) => e._tag === "task_finished")
    const dir = runDir(j.events.slice(0, upTo), '{"v":1,"seq":99,"ts":"2026-')
    const snapshot = Status.readSync(dir)!
    assert.isDefined(snapshot.tornLine)
    const alive = Status.render(dir, snapshot, {
      now: Date.parse(j.events[upTo - 1]!.ts),
      color: false,
      isAlive: () => true
    })
    assert.include(alive, "running for")
    assert.include(alive, "(rose pid 4242)")
    assert.include(alive, "2 tasks running, 0 queued:")
    assert.include(alive, "sweep[0] training (iteration 0, attempt 1): pid 100")
    assert.include(alive, "the journal's last line is incomplete")
    const gone = Status.render(dir, snapshot, { now: Date.now(), color: false, isAlive: () => false })
    assert.include(gone, "not running: the rose process (pid 4242) is gone")
    assert.include(gone, "may still be running")
    assert.include(gone, "to kill them: kill -KILL -100 -101")
  })

  it("names the field of a damaged run.json, and still tells the learners from the journal", () => {
    const dir = runDir(smallRun().events)
    NodeFs.writeFileSync(`${dir}/run.json`, JSON.stringify({ ...manifestOf, plan: { learners: "?" } }))
    const snapshot = Status.readSync(dir)!
    const text = Status.render(dir, snapshot, { now: Date.now(), color: false, isAlive: () => false })
    assert.include(text, `note: ${dir}/run.json: field plan.learners:`)
    assert.match(text, /sweep\[0\] +converged/)
  })

  it("has nothing to say about a folder without a journal", () => {
    assert.isUndefined(Status.readSync(NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "rose-empty-"))))
  })
})

describe("Summary", () => {
  it("tabulates how each learner ended and where the files are", () => {
    const text = Summary.render(resultsOf, "/runs/run-1", { color: false, report: true })
    assert.match(text, /learner +iterations +ended +metric \(last\) +failure/)
    assert.match(text, /sweep\[0\] +2 +converged +mse 0\.05 \(< 0\.1\)/)
    assert.match(text, /sweep\[1\] +1 +error +mse 0\.5 \(< 0\.1\) +training @1: exit 3: boom/)
    assert.include(text, "run run-1 failed in 7.0 s (1 learner failed)")
    assert.include(text, "report         /runs/run-1/report.html")
    assert.include(
      Summary.render({ ...resultsOf, status: "interrupted" }, "/r", { color: false, report: false, signal: "SIGINT" }),
      "interrupted by SIGINT"
    )
  })
})

describe("a learner pruned by its block's population policy", () => {
  const reason = "rank 2 of 2 at iteration 1, mse 0.5"

  it("shows as pruned, with the reason, in rose status", () => {
    const j = smallRun({ finished: false })
    // sweep[1] reached the rung at iteration 0 and was pruned there instead of failing.
    const cut = j.events.findIndex((e) => e._tag === "task_queued" && e.iteration === 1)
    const events = j.events.slice(0, cut)
    const last = events.at(-1)!
    const at = (k: number) => new Date(Date.parse(last.ts) + k).toISOString()
    const extra: Array<Event.Event> = [
      {
        _tag: "rung_reached",
        v: 1,
        seq: 900,
        ts: at(1),
        runId: "run-1",
        learner: { name: "sweep", index: 1 },
        iteration: 0,
        metricName: "mse",
        metricValue: 0.5,
        rank: 2,
        of: 2,
        pruned: true,
        reason
      },
      {
        _tag: "learner_stopped",
        v: 1,
        seq: 901,
        ts: at(2),
        runId: "run-1",
        learner: { name: "sweep", index: 1 },
        reason: "pruned",
        iterations: 1,
        detail: reason
      }
    ]
    const dir = runDir([...events, ...extra])
    const text = Status.render(dir, Status.readSync(dir)!, { now: Date.now(), color: false, isAlive: () => false })
    assert.match(text, new RegExp(`sweep\\[1\\] +pruned .*${reason.replace(/[.]/g, "\\.")}`))
  })

  it("shows as pruned, with the reason, in the summary", () => {
    const pruned = {
      ...resultsOf.learners[1]!,
      stopReason: "pruned" as const,
      pruned: reason,
      failure: null
    }
    const text = Summary.render(
      { ...resultsOf, status: "completed", learners: [resultsOf.learners[0]!, pruned] },
      "/r",
      { color: false, report: false }
    )
    assert.match(text, new RegExp(`sweep\\[1\\] +1 +pruned +mse 0\\.5 \\(< 0\\.1\\) +${reason.replace(/[.]/g, "\\.")}`))
  })
})
