import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Status from "../../../cli/Status.ts"
import * as Summary from "../../../cli/Summary.ts"
import * as Event from "../../../core/Event.ts"
import type * as Json from "../../../core/Json.ts"
import type * as Results from "../../../core/Results.ts"
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
    const tasks = smallRun().events.filter((e) => e._tag === "task_started" && e.learner.index === 0).length
    assert.isAbove(tasks, 0)
    assert.match(text, new RegExp(`sweep\\[0\\] +converged +2/5 +${tasks} +mse 0\\.05 \\(< 0\\.1\\)`))
    assert.match(text, /sweep\[1\] +error/)
    assert.notInclude(text, "may still be running")
  })

  it("ranks the learners best first, as --json can carry it", () => {
    const dir = runDir(smallRun().events)
    const snapshot = Status.readSync(dir)!
    const json: Json.Json = snapshot.ranking
    assert.deepStrictEqual(
      (json as ReadonlyArray<Json.JsonObject>).map((r) => [r.rank, r.learner, r.failed]),
      [
        [1, "sweep[0]", false],
        [2, "sweep[1]", true]
      ]
    )
    const text = Status.render(dir, snapshot, { now: Date.now(), color: false, isAlive: () => false })
    assert.match(text, /rank +learner +state/)
    assert.match(text, /\n +1 +sweep\[0\] +converged[^\n]*\n +2 +sweep\[1\] +error/)
    assert.include(text, "best sweep[0]: mse 0.05 (lower is better)")
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

  it("ends with the command that resumes a run with work left", () => {
    const dir = runDir(smallRun().events)
    const text = Status.render(dir, Status.readSync(dir)!, {
      now: Date.now(),
      color: false,
      isAlive: () => false,
      cwd: NodePath.dirname(dir)
    })
    assert.include(text, `resume with: rose resume ${NodePath.basename(dir)}\n`)
    assert.strictEqual(Status.resumeCommand("/work/runs/a", "/work"), "rose resume runs/a")
    assert.strictEqual(Status.resumeCommand("/data/runs/a", "/work"), "rose resume /data/runs/a")
    assert.strictEqual(Status.resumeCommand("/work/my runs/it's", "/work"), "rose resume 'my runs/it'\\''s'")
  })

  it("has nothing to say about a folder without a journal", () => {
    assert.isUndefined(Status.readSync(NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "rose-empty-"))))
  })
})

describe("Summary", () => {
  it("tabulates how each learner ended and where the files are", () => {
    const text = Summary.render(resultsOf, "/runs/run-1", { color: false, report: true })
    assert.match(text, /learner +iterations +tasks +ended +metric \(last\) +failure/)
    // A results.json from before learners had `tasks`.
    assert.match(text, /sweep\[0\] +2 +– +converged +mse 0\.05 \(< 0\.1\)/)
    assert.match(text, /sweep\[1\] +1 +– +error +mse 0\.5 \(< 0\.1\) +training in iteration 1: exit 3: boom/)
    assert.include(text, "run run-1 failed in 7.0 s (1 learner failed)")
    assert.include(text, "report         /runs/run-1/report.html")
    assert.include(text, "best sweep[0]: mse 0.05 (lower is better)")
    assert.include(
      Summary.render({ ...resultsOf, status: "interrupted" }, "/r", { color: false, report: false, signal: "SIGINT" }),
      "interrupted by SIGINT"
    )
  })

  it("lists the learners best first, marks the failed best, and shows the config that differs", () => {
    const results: Results.Results = {
      ...resultsOf,
      learners: resultsOf.learners.map((l) =>
        l.index === 0 ? { ...l, stopReason: "max_iter" as const, metric: { ...l.metric!, history: [0.9, 0.8] } } : l
      )
    }
    const text = Summary.render(results, "/r", { color: false, report: false })
    assert.match(
      text,
      /rank +learner +iterations +tasks +ended +metric \(last\) +failure\n +1 +sweep\[1\][^\n]*\n +2 +sweep\[0\]/
    )
    assert.include(text, "best sweep[1]: mse 0.5 (lower is better), but it failed")
    const ranking = Summary.rankingOf(results).map((r) => ({
      ...r,
      config: { "training.lr": r.index === 0 ? 0.1 : 0.01 }
    }))
    const withConfig = Summary.render({ ...results, ranking }, "/r", { color: false, report: false })
    assert.match(withConfig, /rank +learner +iterations +tasks +ended +metric \(last\) +config +failure/)
    assert.match(withConfig, /2 +sweep\[0\] +2 +– +max_iter +mse 0\.8 \(< 0\.1\) +training\.lr=0\.1/)
    assert.include(withConfig, "best sweep[1]: mse 0.5 (lower is better), but it failed; training.lr=0.01")
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
    assert.match(
      text,
      new RegExp(`sweep\\[1\\] +1 +– +pruned +mse 0\\.5 \\(< 0\\.1\\) +${reason.replace(/[.]/g, "\\.")}`)
    )
  })
})

describe("a learner stopped by its block's budget", () => {
  it("shows as budget, with what was spent, in rose status", () => {
    const j = smallRun({ finished: false })
    const cut = j.events.findIndex((e) => e._tag === "task_queued" && e.iteration === 1)
    const events = j.events.slice(0, cut)
    const last = events.at(-1)!
    const at = (k: number) => new Date(Date.parse(last.ts) + k).toISOString()
    const extra: Array<Event.Event> = [
      {
        _tag: "budget_spent",
        v: 1,
        seq: 900,
        ts: at(1),
        runId: "run-1",
        block: "sweep",
        tasks: 8,
        taskSeconds: 4.2,
        budget: { tasks: 8 }
      },
      {
        _tag: "learner_stopped",
        v: 1,
        seq: 901,
        ts: at(2),
        runId: "run-1",
        learner: { name: "sweep", index: 1 },
        reason: "budget",
        iterations: 1,
        detail: "its block's budget: 8 tasks is spent"
      }
    ]
    const dir = runDir([...events, ...extra])
    const text = Status.render(dir, Status.readSync(dir)!, { now: Date.now(), color: false, isAlive: () => false })
    assert.match(text, /sweep\[1\] +budget .*its block's budget: 8 tasks is spent/)
  })

  it("shows as budget, with the tasks each learner spent, in the summary", () => {
    const spent = { ...resultsOf.learners[1]!, stopReason: "budget" as const, tasks: 7, failure: null }
    const text = Summary.render(
      { ...resultsOf, status: "completed", learners: [{ ...resultsOf.learners[0]!, tasks: 9 }, spent] },
      "/r",
      { color: false, report: false }
    )
    assert.match(text, /sweep\[0\] +2 +9 +converged/)
    assert.match(text, /sweep\[1\] +1 +7 +budget +mse 0\.5 \(< 0\.1\) +its block's budget is spent/)
  })
})
