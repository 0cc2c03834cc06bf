/**
 * The live display under a real pseudo-terminal: tmux holds the terminal (its pane content is what
 * a user sees), and `script` records the raw bytes. One line per learner, redrawn in place
 * (live-scale.test.ts: more learners than rows).
 */
import * as ChildProcess from "node:child_process"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { alive, ensureCli, journal, sleep, tempDir, waitFor, waitGroupsGone, writeProgram } from "./helpers.ts"

// npm test's integration set-up installs them (as root); a missing one is a failure, not a skip
for (const [program, pkg] of [
  ["tmux", "tmux"],
  ["script", "bsdutils"]
]) {
  if (ChildProcess.spawnSync(program!, ["-V"]).error !== undefined) {
    throw new Error(`${program} is missing: install it with apt-get install -y ${pkg} (npm test does, as root)`)
  }
}

let cli: string
let dir: string

beforeAll(async () => {
  cli = await ensureCli()
  dir = tempDir("rose-live-")
  writeProgram(
    dir,
    "live.ts",
    `export default Rose.program({
  backends: [{ kind: "dry-run", name: "dry", config: {
    duration_ms: { training: 1300, default: 120 },
    metrics: { "sweep[2]": [0.5, 0.3, 0.05] }
  } }],
  learners: [
    Rose.active("sweep", {
      parallel: 3,
      maxIter: 4,
      tasks: {
        simulation: Rose.exec("node ./sim.mjs"),
        training: Rose.exec("node ./train.mjs"),
        active_learn: Rose.exec("node ./active.mjs"),
        criterion: Rose.exec("node ./check.mjs")
      },
      stopWhen: { metricName: "mse", threshold: 0.1 }
    })
  ]
})`
  )
  writeProgram(
    dir,
    "sleepy.ts",
    `export default Rose.program({
  backends: [{ kind: "local", name: "local", config: { grace: 1, concurrency: 4 } }],
  learners: [
    Rose.active("nap", {
      parallel: 2,
      maxIter: 2,
      tasks: { training: Rose.shell("sleep 300 & sleep 301; wait"), active_learn: Rose.exec("true") }
    })
  ]
})`
  )
})

afterAll(() => {
  NodeFs.rmSync(dir, { recursive: true, force: true })
})

const tmux = (...args: ReadonlyArray<string>) => ChildProcess.execFileSync("tmux", args, { encoding: "utf8" })

describe("the live display on a terminal", () => {
  it("shows one line per learner and redraws them in place (tmux)", async () => {
    const session = `rose-live-${process.pid}`
    const out = NodePath.join(dir, "run-tmux")
    const command = `cd ${dir} && node ${cli} run live.ts --out ${out}; echo EXIT=$?; sleep 600`
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", command)
    const captures: Array<string> = []
    try {
      const until = Date.now() + 120_000
      while (Date.now() < until) {
        const pane = tmux("capture-pane", "-p", "-t", session)
        captures.push(pane)
        if (pane.includes("EXIT=")) break
        await sleep(150)
      }
      const history = tmux("capture-pane", "-p", "-S", "-2000", "-t", session)
      const final = captures.at(-1)!
      assert.include(final, "EXIT=0")

      // While it runs (before the summary), the screen holds one header and one line per learner.
      const during = captures.filter((c) => /^3 learners: /m.test(c) && !c.includes("run directory"))
      assert.isAtLeast(during.length, 3)
      for (const screen of during) {
        const lines = screen.split("\n")
        assert.strictEqual(lines.filter((l) => /^rose \S+ +\d+s/.test(l)).length, 1, screen)
        assert.strictEqual(lines.filter((l) => /^3 learners: /.test(l)).length, 1, screen)
        for (const k of [0, 1, 2]) {
          assert.strictEqual(lines.filter((l) => l.startsWith(`sweep[${k}]`)).length, 1, screen)
        }
      }
      // The lines changed in place: different counts of iterations done were shown over time, on the
      // same rows.
      const iterations = new Set(during.flatMap((s) => s.match(/^sweep\[0\] +\w+ +[0-4]\/4 /gm) ?? []))
      assert.isAtLeast(iterations.size, 2)
      const row = (s: string) => s.split("\n").findIndex((l) => l.startsWith("sweep[0]"))
      assert.strictEqual(new Set(during.map(row)).size, 1)
      // Long tasks show their elapsed time.
      assert.isTrue(
        during.some((s) => /training 1s/.test(s)),
        "no elapsed time shown"
      )
      // Redrawn in place, not appended: the whole scrollback has a single header.
      assert.strictEqual(history.split("\n").filter((l) => /^3 learners: /.test(l)).length, 1)
      // Then the final state and the summary.
      assert.match(final, /sweep\[2\] +converged/)
      assert.match(final, /sweep\[0\] +max_iter/)
      assert.include(final, "report         ")
    } finally {
      ChildProcess.spawnSync("tmux", ["kill-session", "-t", session])
    }
  })

  it("writes cursor-up and clear-line sequences, and gives the cursor back (script)", async () => {
    const out = NodePath.join(dir, "run-script")
    const r = ChildProcess.spawnSync("script", ["-qefc", `node ${cli} run live.ts --out ${out}`, "/dev/null"], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, TERM: "xterm-256color", COLUMNS: "120", LINES: "40" }
    })
    assert.strictEqual(r.status, 0, r.stderr)
    const raw = r.stdout
    assert.include(raw, "\u001b[?25l")
    assert.include(raw, "\u001b[?25h")
    // Header, counts, column names and 3 learners: each redraw moves up 6 lines and clears them.
    const redraws = raw.split("\u001b[6A").length - 1
    assert.isAtLeast(redraws, 3)
    assert.include(raw, "\u001b[2K")
  })

  it("closing the terminal (SIGHUP) interrupts the run cleanly: results written, no process left", async () => {
    const session = `rose-hup-${process.pid}`
    const out = NodePath.join(dir, "run-hup")
    tmux(
      "new-session",
      "-d",
      "-s",
      session,
      "-x",
      "100",
      "-y",
      "30",
      `cd ${dir} && node ${cli} run sleepy.ts --out ${out}`
    )
    try {
      await waitFor("both tasks started", () => journal(out).filter((e) => e.type === "task_started").length === 2)
      await sleep(500)
    } finally {
      ChildProcess.spawnSync("tmux", ["kill-session", "-t", session])
    }
    await waitFor("results.json", () => NodeFs.existsSync(NodePath.join(out, "results.json")), 30_000)
    await waitFor("run_finished", () => journal(out).at(-1)?.type === "run_finished", 10_000)
    const results = JSON.parse(NodeFs.readFileSync(NodePath.join(out, "results.json"), "utf8"))
    assert.strictEqual(results.status, "interrupted")
    const events = journal(out)
    const roseProcess = events[0]!.pid as number
    await waitFor("rose to exit", () => !alive(roseProcess), 10_000)
    const groups = events.filter((e) => e.type === "task_started").map((e) => e.pgid as number)
    assert.deepStrictEqual(await waitGroupsGone(groups), [], "process groups still alive")
    assert.isTrue(NodeFs.existsSync(NodePath.join(out, "report.html")))
  })
})
