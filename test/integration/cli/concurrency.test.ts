/**
 * `rose run --max-concurrency N` caps the tasks running at once, whatever the backend's own
 * concurrency: six learners whose tasks mark their own start and end (`date +%s%N`, inside the
 * task), on a local backend declared with `concurrency: 4`. The overlap measured from those marks
 * never exceeds N, and reaches it; without the option the same program reaches more than N (so the
 * measurement can see a broken cap), and never more than the backend's 4.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { type Interval, markedShell, maxOverlap, readIntervals } from "../support/marks.ts"
import { ensureCli, journal, rose, tempDir } from "./helpers.ts"

let cli: string
let dir: string

const LEARNERS = 6
const ITERATIONS = 2

beforeAll(async () => {
  cli = await ensureCli()
  dir = tempDir("rose-concurrency-")
  const task = markedShell("sleep 0.4")
  NodeFs.writeFileSync(
    NodePath.join(dir, "cap.rose"),
    `backend local { concurrency: 4 }

active "cap" {
  parallel ${LEARNERS}
  max_iter ${ITERATIONS}
  training     = shell ${JSON.stringify(task)}
  active_learn = shell ${JSON.stringify(task)}
}
`
  )
})

const runAndMeasure = async (out: string, extra: ReadonlyArray<string>) => {
  const r = await rose(cli, ["run", "cap.rose", "--out", out, ...extra], dir)
  assert.strictEqual(r.code, 0, r.stderr)
  const intervals: Array<Interval> = readIntervals(NodePath.join(dir, out, "learners"))
  // Every task left its mark: 6 learners × 2 iterations × 2 tasks.
  assert.strictEqual(intervals.length, LEARNERS * ITERATIONS * 2)
  const started = journal(NodePath.join(dir, out)).filter((e) => e.type === "task_started")
  assert.strictEqual(started.length, LEARNERS * ITERATIONS * 2)
  return maxOverlap(intervals)
}

afterAll(() => NodeFs.rmSync(dir, { recursive: true, force: true }))

describe("rose run --max-concurrency", () => {
  it("caps the tasks running at once below the backend's own concurrency", async () => {
    const capped = await runAndMeasure("capped", ["--max-concurrency", "2"])
    assert.strictEqual(capped, 2, "at most 2 tasks at once, and the cap is reached")

    const uncapped = await runAndMeasure("uncapped", [])
    assert.isAbove(uncapped, 2, "without the option, more than 2 tasks ran at once (the marks can show it)")
    assert.isAtMost(uncapped, 4, "and never more than the backend's concurrency")
  })
})
