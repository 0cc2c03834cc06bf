import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as PubSub from "effect/PubSub"
import * as Display from "../../../cli/Display.ts"
import * as Eta from "../../../cli/Eta.ts"
import * as LiveFrame from "../../../cli/LiveFrame.ts"
import * as Progress from "../../../cli/Progress.ts"
import * as Term from "../../../cli/Term.ts"
import type * as Event from "../../../core/Event.ts"
import type * as RunManifest from "../../../core/RunManifest.ts"
import { planOf } from "./fixtures.ts"

const t0 = Date.parse("2026-11-28T12:00:00.000Z")
const second = 1000

const planFor = (parallel: number, maxIter: number | null): RunManifest.Plan => ({
  ...planOf,
  learners: [{ ...planOf.learners[0]!, parallel, maxIter }]
})

/** Events at given times (seconds after t0), in order. */
const timeline = () => {
  const events: Array<Event.Event> = []
  const at = (s: number, draft: Event.Draft) =>
    events.push({
      ...draft,
      v: 1,
      seq: events.length,
      ts: new Date(t0 + s * second).toISOString(),
      runId: "run-60"
    } as Event.Event)
  return { events, at }
}

const ref = (index: number) => ({ name: "sweep", index })
const task = (k: number, iteration: number) => ({ learner: ref(k), iteration, task: "training", attempt: 1 })
const completed = (k: number, iteration: number, value: number): Event.Draft => ({
  _tag: "iteration_completed",
  learner: ref(k),
  iteration,
  metricName: "mse",
  metricValue: value,
  metricThreshold: 0.1,
  shouldStop: value < 0.1,
  state: {},
  config: {}
})

/**
 * 60 learners of 15 iterations sharing 8 cores, 100 s into the run: 3 failed, 5 converged (2
 * iterations of 20 s), 8 running (3 iterations of 10 s, the fourth began 70 s ago and its task
 * started 4 s ago), 40 queued (2 iterations of 30 s, the third began 40 s ago), 4 that have not
 * queued a task yet.
 */
const crowded = () => {
  const { events, at } = timeline()
  at(0, {
    _tag: "run_started",
    runDir: "/runs/run-60",
    pid: 1,
    planHash: "x",
    learners: [{ name: "sweep", kind: "active", parallel: 60, maxIter: 15 }]
  })
  for (let k = 0; k < 56; k++) at(0, { _tag: "task_queued", ...task(k, 0) })
  for (let k = 0; k < 3; k++) {
    at(5, { _tag: "task_started", ...task(k, 0), pid: 10 + k, config: { args: [], kwargs: {} } })
    at(6, {
      _tag: "task_failed",
      ...task(k, 0),
      durationMs: 1000,
      error: { tag: "TaskFailed", message: "exit 1", exitCode: 1, stderrTail: `no such file sim-${k}.py\n` }
    })
    at(6, {
      _tag: "learner_stopped",
      learner: ref(k),
      reason: "error",
      iterations: 0,
      failure: {
        tag: "TaskFailed",
        message: "exit 1",
        task: "training",
        iteration: 0,
        exitCode: 1,
        stderrTail: `no such file sim-${k}.py\n`
      }
    })
  }
  // an iteration whose training ran (instantly) at its end
  const iteration = (k: number, i: number, s: number, value: number) => {
    at(s, { _tag: "task_started", ...task(k, i), pid: 100 + k, config: { args: [], kwargs: {} } })
    at(s, { _tag: "task_finished", ...task(k, i), exitCode: 0, durationMs: 0 })
    at(s, completed(k, i, value))
  }
  for (let k = 3; k < 8; k++) {
    iteration(k, 0, 20, 0.5)
    iteration(k, 1, 40, 0.01 * k)
    at(40, { _tag: "learner_stopped", learner: ref(k), reason: "criterion_met", iterations: 2 })
  }
  for (let k = 8; k < 16; k++) {
    for (let i = 0; i < 3; i++) iteration(k, i, 10 * (i + 1), 0.9 - 0.1 * i)
    at(96, { _tag: "task_started", ...task(k, 3), pid: 100 + k, config: { args: [], kwargs: {} } })
  }
  for (let k = 16; k < 56; k++) {
    iteration(k, 0, 30, 0.8)
    iteration(k, 1, 60, 0.2 + k / 1000)
    at(60, { _tag: "task_queued", ...task(k, 2) })
  }
  return {
    events,
    progress: Progress.fromEvents(Progress.blocksOfPlan(planFor(60, 15)), events),
    now: t0 + 100 * second
  }
}

const visible = (line: string) => Array.from(line).length

describe("the live frame at scale", () => {
  for (const size of [
    { columns: 80, rows: 24 },
    { columns: 200, rows: 50 }
  ]) {
    it(`fits 60 learners in ${size.columns}x${size.rows}: counts, the most relevant learners, the rest counted`, () => {
      const { progress, now } = crowded()
      const lines = LiveFrame.frame(progress, now, size, false)
      // the cursor rests on the line below the frame, so the frame leaves it free
      assert.strictEqual(lines.length, size.rows - 1)
      for (const l of lines) assert.isAtMost(visible(l), size.columns - 1, l)
      assert.strictEqual(lines[1], "60 learners: 8 running · 40 queued · 4 waiting · 5 converged · 3 error")
      // the metric is named once, in the column header
      assert.strictEqual(lines.join("\n").split("mse").length - 1, 1)
      assert.match(lines[2]!, /^learner +state +iters +mse < 0\.1 .*ETA +task$/)

      const learnerLines = lines.slice(3, -1)
      const more = lines.at(-1)!
      const n = 60 - learnerLines.length
      assert.match(more, new RegExp(`^… and ${n} more: `))
      const hiddenCounts = [...more.split(": ")[1]!.matchAll(/(\d+) [a-z_]+/g)].reduce((a, m) => a + Number(m[1]), 0)
      assert.strictEqual(hiddenCounts, n)
      const states = learnerLines.map((l) => l.split(/ +/)[1])
      // failed first, then running, then the rest from the best metric down
      assert.deepStrictEqual(states.slice(0, 11), [...Array(3).fill("error"), ...Array(8).fill("running")])
      assert.deepStrictEqual(
        learnerLines.slice(11, 16).map((l) => l.split(/ +/)[0]),
        ["sweep[3]", "sweep[4]", "sweep[5]", "sweep[6]", "sweep[7]"]
      )
      assert.strictEqual(states[16], "queued")
      // a queued learner names the task that waits for a slot
      assert.match(learnerLines[16]!, /^sweep\[16\] +queued +2\/15 +0\.216 .* training$/)
      assert.match(learnerLines[0]!, /^sweep\[0\] +error +0\/15 .*training: exit 1/)
      if (size.columns >= 100) assert.include(learnerLines[0]!, "no such file sim-0.py")
      // running: 3 of 15 done in 10 s each, the 4th overdue: 0 s + 11 × 10 s
      assert.match(learnerLines[3]!, /^sweep\[8\] +running +3\/15 +0\.7 .* 1m50s +training 4s$/)
      // queued: 2 done in 30 s each, the 3rd overdue: 0 s + 12 × 30 s
      assert.match(learnerLines[16]!, / 6m00s +training$/)
      // the run: its slowest learner is one that has not started, estimated from the block's mean
      // iteration (2840 s over 114 iterations): 15 × 24.9 s
      assert.match(lines[0]!, /^rose run-60 +1m40s +ETA 6m14s +8 tasks running · 40 queued$/)
    })
  }

  it("keeps to a tiny terminal", () => {
    const { progress, now } = crowded()
    for (const [columns, rows] of [
      [20, 2],
      [20, 4],
      [30, 6]
    ] as const) {
      const lines = LiveFrame.frame(progress, now, { columns, rows }, false)
      assert.isAtMost(lines.length, rows - 1)
      assert.isAtLeast(lines.length, 1)
      for (const l of lines) assert.isAtMost(visible(l), columns - 1, l)
    }
    const six = LiveFrame.frame(progress, now, { columns: 30, rows: 6 }, false)
    assert.match(six.at(-1)!, /^… and 59 more: /)
  })

  it("says ETA ? for a learner without max_iter and for the run", () => {
    const { events, at } = timeline()
    at(0, {
      _tag: "run_started",
      runDir: "/r",
      pid: 1,
      planHash: "x",
      learners: [{ name: "sweep", kind: "active", parallel: 2, maxIter: null }]
    })
    at(0, { _tag: "task_queued", ...task(0, 0) })
    at(10, completed(0, 0, 0.3))
    const p = Progress.fromEvents(Progress.blocksOfPlan(planFor(2, null)), events)
    assert.strictEqual(Eta.learner(p.learners[0]!, t0 + 12 * second, Eta.blockMeans(p)), "unknown")
    const lines = LiveFrame.frame(p, t0 + 12 * second, { columns: 80, rows: 24 }, false)
    assert.match(lines[0]!, /ETA \?/)
    assert.match(lines[3]!, /^sweep\[0\] +running +1 +0\.3 .* \?$/)
  })

  it("shows a learner whose task waits for a core as queued until the task starts", () => {
    const { events, at } = timeline()
    at(0, {
      _tag: "run_started",
      runDir: "/r",
      pid: 1,
      planHash: "x",
      learners: [{ name: "sweep", kind: "active", parallel: 2, maxIter: 5 }]
    })
    at(0, { _tag: "task_queued", ...task(0, 0) })
    const p = Progress.fromEvents(Progress.blocksOfPlan(planFor(2, 5)), events)
    assert.deepStrictEqual(
      p.learners.map((l) => l.status),
      ["queued", "waiting"]
    )
    Progress.apply(p, { ...events[1]!, _tag: "task_started", config: { args: [], kwargs: {} }, seq: 2 } as Event.Event)
    assert.strictEqual(p.learners[0]!.status, "running")
  })

  it("shrinks to the terminal's new size when it is resized, going up over the wrapped old lines", () =>
    Effect.gen(function* () {
      const bus = yield* PubSub.unbounded<Event.Event>()
      const sub = yield* PubSub.subscribe(bus)
      const out = Term.memory({ isTTY: true, columns: 120, rows: 50 })
      const progress = Progress.make(Progress.blocksOfPlan(planFor(60, 15)))
      const display = yield* Display.start(sub, progress, {
        mode: "live",
        out: out.sink,
        err: Term.memory().sink,
        fps: 50
      })
      const { events } = crowded()
      for (const e of events) yield* PubSub.publish(bus, e)
      yield* Effect.sleep("100 millis")
      const before = out.chunks.length
      const frameOf = (chunk: string) => Term.strip(chunk).replace("\r", "").split("\n").slice(0, -1)
      const lastFrame = frameOf(out.chunks.at(-1)!)
      assert.strictEqual(lastFrame.length, 49)
      out.resize(60, 12)
      yield* Effect.sleep("100 millis")
      const after = out.chunks.slice(before)
      assert.isAtLeast(after.length, 1)
      // the first frame after the resize goes up over the old lines as the narrower window wraps them
      const wrapped = lastFrame.reduce((n, l) => n + Math.max(1, Math.ceil(visible(l) / 60)), 0)
      assert.isAbove(wrapped, 49)
      assert.isTrue(after[0]!.startsWith(`\u001b[${wrapped}A`), JSON.stringify(after[0]!.slice(0, 12)))
      const frame = frameOf(after.at(-1)!)
      assert.strictEqual(frame.length, 11)
      for (const l of frame) assert.isAtMost(visible(l), 59)
      assert.match(frame.at(-1)!, /^… and \d+ more/)
      yield* PubSub.publish(bus, {
        ...events.at(-1)!,
        _tag: "run_finished",
        status: "failed",
        durationMs: 1
      } as Event.Event)
      yield* display.finish
    }).pipe(Effect.scoped, Effect.runPromise))
})
