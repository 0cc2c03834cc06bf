/**
 * The live display with more learners than the terminal has rows, under tmux: 60 learners of short
 * (dry-run) tasks on 8 slots, in 80x24 and 200x50 terminals, and one resized while the run goes on.
 * The frame is redrawn in place and fits the terminal, so tmux's scrollback (`history_size`) grows
 * only by the failure lines printed above the frame, never by copies of the frame.
 */
import * as ChildProcess from "node:child_process"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { ensureCli, journal, sleep, tempDir } from "./helpers.ts"

if (ChildProcess.spawnSync("tmux", ["-V"]).error !== undefined) {
  throw new Error("tmux is missing: install it with apt-get install -y tmux (npm test does, as root)")
}

let cli: string
let dir: string

beforeAll(async () => {
  cli = await ensureCli()
  dir = tempDir("rose-live-scale-")
  // The scripts exist (the dry run does not run them), so `rose run` has no warning to print.
  for (const script of ["train.mjs", "active.mjs", "check.mjs"]) NodeFs.writeFileSync(NodePath.join(dir, script), "")
  // sweep[3] fails at iteration 1 (five lines above the frame: the task's failure with its stderr
  // line and its two log files, then the learner's end); sweep[5] converges; the rest reach
  // max_iter. 60 × 3 × 3 tasks of 120 ms on 8 slots: about 10 s, most learners queued at any time.
  NodeFs.writeFileSync(
    NodePath.join(dir, "scale.rose"),
    `backend dry-run {
  duration_ms: 120,
  concurrency: 8,
  failures: [{ learner: "sweep[3]", task: "training", iteration: 1, exit_code: 3 }],
  metrics: { "sweep[5]": [0.5, 0.2, 0.05] }
}

active "sweep" {
  parallel 60
  max_iter 3
  training     = exec "node ./train.mjs"
  active_learn = exec "node ./active.mjs"
  criterion    = exec "node ./check.mjs"
  stop when mse < 0.1
}
`
  )
})

afterAll(() => {
  NodeFs.rmSync(dir, { recursive: true, force: true })
})

const tmux = (...args: ReadonlyArray<string>) => ChildProcess.execFileSync("tmux", args, { encoding: "utf8" })

interface Sample {
  /** Whether the journal had `run_finished` before the screen was read. */
  readonly finished: boolean
  readonly screen: ReadonlyArray<string>
  readonly history: number
  readonly columns: number
  readonly rows: number
}

/** Runs the 60-learner file in a tmux terminal, reading its screen and scrollback size as it goes. */
const runInTmux = async (
  name: string,
  size: { readonly columns: number; readonly rows: number },
  during?: (session: string) => void
) => {
  const session = `rose-scale-${name}-${process.pid}`
  const out = NodePath.join(dir, `run-${name}`)
  const command = `cd ${dir} && node ${cli} run scale.rose --out ${out}; echo EXIT=$?; sleep 600`
  tmux("new-session", "-d", "-s", session, "-x", String(size.columns), "-y", String(size.rows), command)
  const samples: Array<Sample> = []
  try {
    const until = Date.now() + 150_000
    let acted = false
    while (Date.now() < until) {
      const finished = journal(out).some((e) => e.type === "run_finished")
      const screen = tmux("capture-pane", "-p", "-t", session).replace(/\n+$/, "").split("\n")
      const [history, columns, rows] = tmux(
        "display",
        "-p",
        "-t",
        session,
        "#{history_size} #{pane_width} #{pane_height}"
      )
        .trim()
        .split(" ")
        .map(Number)
      samples.push({ finished, screen, history: history!, columns: columns!, rows: rows! })
      if (screen.some((l) => l.startsWith("EXIT="))) break
      if (!acted && during !== undefined && samples.filter((s) => frameOf(s.screen).length > 0).length >= 5) {
        during(session)
        acted = true
      }
      await sleep(100)
    }
    const scrollback = tmux("capture-pane", "-p", "-S", "-", "-t", session).split("\n")
    return { samples, scrollback }
  } finally {
    ChildProcess.spawnSync("tmux", ["kill-session", "-t", session])
  }
}

/** The last live frame in some lines: from its header line to its "… and N more" line. */
const frameOf = (lines: ReadonlyArray<string>): ReadonlyArray<string> => {
  const start = lines.findLastIndex((l) => /^rose \d{8}-\d{6}-\w+ +\d/.test(l))
  const end = lines.findIndex((l, i) => i > start && /^… and \d+ more: /.test(l))
  return start < 0 || end < 0 ? [] : lines.slice(start, end + 1)
}

/** Checks every screen read while the run went on; returns the frames seen. */
const checkDuring = (samples: ReadonlyArray<Sample>) => {
  const during = samples.filter((s) => !s.finished)
  const frames = during.map((s) => ({ sample: s, frame: frameOf(s.screen) })).filter((f) => f.frame.length > 0)
  assert.isAtLeast(frames.length, 5, "too few screens read while the run went on")
  for (const { sample, frame } of frames) {
    const text = sample.screen.join("\n")
    assert.isAtMost(sample.screen.length, sample.rows, text)
    for (const l of sample.screen) assert.isAtMost(Array.from(l).length, sample.columns, l)
    // one frame on the screen, fitting it, with the metric named once
    assert.strictEqual(sample.screen.filter((l) => /^60 learners: /.test(l)).length, 1, text)
    assert.isAtMost(frame.length, sample.rows - 1, text)
    assert.match(frame[2]!, /^learner +state +iters +mse < 0\.1 /, text)
    assert.strictEqual(frame.join("\n").split("mse").length - 1, 1, text)
  }
  // learners waiting for a slot show as queued; the run has an ETA once an iteration was measured
  assert.isTrue(
    frames.some((f) => f.frame.some((l) => /^sweep\[\d+\] +queued +\d\/3 /.test(l))),
    "no queued learner shown"
  )
  assert.isTrue(
    frames.some((f) => / ETA \d+s /.test(f.frame[0]!)),
    "no ETA shown"
  )
  return frames
}

/** What sweep[3]'s failure prints above the frame (see the file's comment). */
const failureLines = 5

/** The scrollback grew by the failure lines only, never by a frame. */
const checkScrollback = (samples: ReadonlyArray<Sample>, scrollback: ReadonlyArray<string>, bound: number) => {
  const during = samples.filter((s) => !s.finished)
  const grew = Math.max(...during.map((s) => s.history)) - during[0]!.history
  assert.isAtMost(grew, bound, `scrollback grew by ${grew} lines during the run`)
  // Redrawn in place: the whole scrollback holds the final frame once, and no earlier one.
  const counts = scrollback.filter((l) => /^60 learners: /.test(l))
  assert.deepStrictEqual(counts, ["60 learners: 1 converged · 58 max_iter · 1 error"])
}

/** The end: the final frame (best first) and the summary, then the exit code (1: a learner failed). */
const checkEnd = (samples: ReadonlyArray<Sample>, scrollback: ReadonlyArray<string>) => {
  const last = samples.at(-1)!
  assert.include(last.screen, "EXIT=1")
  for (const l of last.screen) assert.isAtMost(Array.from(l).length, last.columns, l)
  const frame = frameOf(scrollback)
  assert.match(frame[0]!, /^rose \S+ +\d+s +dry run: synthetic metrics$/)
  assert.match(frame[3]!, /^sweep\[3\] +error +1\/3 .*training: exit 3/)
  assert.match(frame[4]!, /^sweep\[5\] +converged +3\/3 +0\.05 /)
  assert.match(frame.at(-1)!, /^… and \d+ more: \d+ max_iter$/)
}

describe("the live display with 60 learners", () => {
  for (const size of [
    { columns: 80, rows: 24 },
    { columns: 200, rows: 50 }
  ]) {
    it(`fits a ${size.columns}x${size.rows} terminal and leaves the scrollback alone (tmux)`, async () => {
      const { samples, scrollback } = await runInTmux(`${size.columns}x${size.rows}`, size)
      const frames = checkDuring(samples)
      for (const { frame } of frames) assert.strictEqual(frame.length, size.rows - 1)
      checkScrollback(samples, scrollback, failureLines)
      checkEnd(samples, scrollback)
    })
  }

  it("follows the terminal when it is resized during the run (tmux)", async () => {
    const { samples, scrollback } = await runInTmux("resized", { columns: 200, rows: 50 }, (session) => {
      tmux("resize-window", "-t", session, "-x", "80", "-y", "24")
    })
    checkDuring(samples)
    const small = samples.filter((s) => !s.finished && s.rows === 24 && frameOf(s.screen).length > 0)
    assert.isAtLeast(small.length, 3, "too few screens read after the resize")
    // a few redraws after the resize, the frame fits the new size and the scrollback stays put
    const settled = small.slice(2)
    for (const s of settled) assert.strictEqual(frameOf(s.screen).length, 23, s.screen.join("\n"))
    const grew = Math.max(...settled.map((s) => s.history)) - settled[0]!.history
    assert.isAtMost(grew, failureLines, `scrollback grew by ${grew} lines after the resize`)
    checkEnd(samples, scrollback)
  })
})
