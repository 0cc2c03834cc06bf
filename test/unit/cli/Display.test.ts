import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as PubSub from "effect/PubSub"
import * as Display from "../../../cli/Display.ts"
import * as Progress from "../../../cli/Progress.ts"
import * as Term from "../../../cli/Term.ts"
import * as Event from "../../../core/Event.ts"
import { planOf, smallRun } from "./fixtures.ts"

const progressAt = (n: number) => {
  const j = smallRun()
  const events = j.events.slice(0, n)
  const last = Date.parse(events.at(-1)?.ts ?? "2026-11-28T12:00:00.000Z")
  return { p: Progress.fromEvents(Progress.blocksOfPlan(planOf), events), j: { ...j, now: () => last } }
}

describe("Display", () => {
  it("draws a header, the metric named once in the column header, and one line per learner", () => {
    const { p, j } = progressAt(5)
    const lines = Display.frame(p, j.now() + 12_000, { columns: 60, rows: 24 }, false)
    assert.strictEqual(lines.length, 5)
    assert.match(lines[0]!, /^rose run-1 +12s +ETA \? +2 tasks running · 0 queued/)
    assert.strictEqual(lines[1], "2 learners: 2 running")
    // too narrow for the history column
    assert.match(lines[2]!, /^learner +state +iters +mse < 0\.1 +ETA +task$/)
    // a count of iterations done: nothing is done while iteration 0 runs
    assert.match(lines[3]!, /^sweep\[0\] +running +0\/5 +– +\? +training 12s/)
    assert.match(lines[4]!, /^sweep\[1\] +running/)
    assert.match(Display.frame(p, j.now(), { columns: 120, rows: 24 }, false)[2]!, /mse < 0\.1 +history +ETA +task$/)
    for (const l of lines) assert.isAtMost(Array.from(l).length, 59)
    assert.notInclude(lines.slice(3).join("\n"), "mse")
  })

  it("shows the last metric value, a sparkline of the history and the failure", () => {
    const { p, j } = progressAt(1000)
    const lines = Display.frame(p, j.now(), { columns: 200, rows: 24 }, false)
    assert.strictEqual(lines[0], "rose run-1  7s")
    assert.strictEqual(lines[1], "2 learners: 1 converged · 1 error")
    assert.match(lines[3]!, /^sweep\[0\] +converged +2\/5 +0\.05 +█▁$/)
    assert.match(lines[4]!, /^sweep\[1\] +error +1\/5 +0\.5 .*training: exit 3: boom$/)
  })

  it("colours only when asked", () => {
    const { p, j } = progressAt(1000)
    const size = { columns: 200, rows: 24 }
    assert.notInclude(Display.frame(p, j.now(), size, false).join(""), "\u001b[")
    assert.include(Display.frame(p, j.now(), size, true).join(""), "\u001b[32m")
  })

  it("writes plain timestamped lines for iterations, failures and stops", () => {
    const { j } = progressAt(0)
    const p = Progress.make(Progress.blocksOfPlan(planOf))
    const lines: Array<string> = []
    for (const e of j.events) {
      Progress.apply(p, e)
      const line = Display.plainLine(p, e)
      if (line !== undefined) lines.push(line)
    }
    const clock = /^\d\d:\d\d:\d\d /
    for (const l of lines) assert.match(l, clock)
    const text = lines.map((l) => l.replace(clock, "")).join("\n")
    assert.include(text, "run run-1 started: sweep ×2 (max_iter 5); run directory /runs/run-1")
    // Indices are 0-based, counts are counts: iteration 0 done makes 1 of 5.
    assert.include(text, "sweep[0] iteration 0 done (1 of 5): mse 0.4 (< 0.1)")
    assert.include(text, "sweep[1] task training failed (iteration 1, attempt 1): exit 3\n  boom\n")
    assert.include(text, "sweep[1] failed in iteration 1 after 1 of 5 iterations: training exit 3: boom")
    assert.include(text, "sweep[0] converged after 2 of 5 iterations: mse 0.05 (< 0.1)")
    assert.include(text, "run run-1 failed in 7.0 s")
    assert.notInclude(text, "task_started")
  })

  it("says in plain mode that a learner was pruned, and why", () => {
    const p = Progress.make(Progress.blocksOfPlan(planOf))
    const e: Event.Event = {
      _tag: "learner_stopped",
      v: 1,
      seq: 0,
      ts: "2026-11-28T12:00:01.000Z",
      runId: "run-1",
      learner: { name: "sweep", index: 1 },
      reason: "pruned",
      iterations: 3,
      detail: "rank 2 of 2 at iteration 2, mse 0.5"
    }
    Progress.apply(p, e)
    assert.match(
      Display.plainLine(p, e) ?? "",
      /sweep\[1\] pruned after 3 of 5 iterations: rank 2 of 2 at iteration 2, mse 0\.5$/
    )
  })

  it("says in plain mode that a learner ran out of its block's budget", () => {
    const p = Progress.make(Progress.blocksOfPlan(planOf))
    const e: Event.Event = {
      _tag: "learner_stopped",
      v: 1,
      seq: 0,
      ts: "2026-11-28T12:00:01.000Z",
      runId: "run-1",
      learner: { name: "sweep", index: 0 },
      reason: "budget",
      iterations: 2,
      detail: "its block's budget: 300 tasks is spent"
    }
    Progress.apply(p, e)
    assert.strictEqual(p.learners[0]!.status, "budget")
    assert.match(
      Display.plainLine(p, e) ?? "",
      /sweep\[0\] out of budget after 2 of 5 iterations: its block's budget: 300 tasks is spent$/
    )
  })

  it("lists long tasks with their elapsed time in plain mode", () => {
    const { p, j } = progressAt(5)
    assert.isUndefined(Display.heartbeatLine(p, j.now() + 1000))
    assert.match(
      Display.heartbeatLine(p, j.now() + 40_000) ?? "",
      /still running: sweep\[0\] training 40s, sweep\[1\] training 40s; 0 queued$/
    )
  })

  it.scopedLive("redraws in place on a terminal: cursor up over the previous frame, then the new one", () =>
    Effect.gen(function* () {
      const bus = yield* PubSub.unbounded<Event.Event>()
      const sub = yield* PubSub.subscribe(bus)
      const out = Term.memory({ isTTY: true, columns: 120, rows: 40 })
      const err = Term.memory()
      const progress = Progress.make(Progress.blocksOfPlan(planOf))
      const display = yield* Display.start(sub, progress, { mode: "live", out: out.sink, err: err.sink, fps: 50 })
      const events = smallRun().events
      for (const e of events.slice(0, 8)) yield* PubSub.publish(bus, e)
      yield* Effect.sleep("120 millis")
      for (const e of events.slice(8)) yield* PubSub.publish(bus, e)
      yield* display.finish
      const text = out.text()
      assert.isTrue(text.startsWith(Term.escapes.hideCursor))
      assert.isTrue(text.endsWith(Term.escapes.showCursor))
      // header, counts, column header and two learners: each redraw goes up five lines
      assert.include(text, "\u001b[5A")
      const frames = text.split("\u001b[5A").length - 1
      assert.isAtLeast(frames, 2)
      const last = text.slice(text.lastIndexOf("\u001b[5A"))
      assert.strictEqual(
        Term.strip(last)
          .split("\n")
          .filter((l) => l.startsWith("sweep[")).length,
        2
      )
      assert.include(text, "sweep[1] task training failed")
      // printed above the frame line by line: clearing the screen from its top-left corner makes tmux
      // push the whole screen into its scrollback
      const failure = out.chunks.find((c) => c.includes("sweep[1] task training failed"))!
      assert.notInclude(failure, Term.escapes.clearDown)
      assert.strictEqual(err.text(), "")
      // the final frame stays: a later message goes below it
      yield* display.message("report written")
      assert.strictEqual(out.chunks.at(-1), `${Term.escapes.column0}${Term.escapes.clearLine}report written\n`)
    })
  )

  it.scoped("--json streams every event as a JSON line, in order", () =>
    Effect.gen(function* () {
      const bus = yield* PubSub.unbounded<Event.Event>()
      const sub = yield* PubSub.subscribe(bus)
      const out = Term.memory()
      const err = Term.memory()
      const display = yield* Display.start(sub, Progress.make([]), { mode: "json", out: out.sink, err: err.sink })
      const events = smallRun().events
      for (const e of events) yield* PubSub.publish(bus, e)
      yield* display.finish
      const lines = out.text().trimEnd().split("\n")
      assert.strictEqual(lines.length, events.length)
      assert.deepStrictEqual(
        lines.map((l) => Event.fromJsonLine(l)),
        events
      )
      assert.deepStrictEqual(JSON.parse(lines[0]!).type, "run_started")
    })
  )
})
