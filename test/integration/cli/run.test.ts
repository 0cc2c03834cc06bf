/**
 * `rose run` end to end: the bundled CLI as a subprocess, on small programs whose tasks are tiny shell
 * commands. Exit codes, the run directory's files, bad input leaving nothing behind, and signals
 * (SIGINT, SIGHUP, SIGTERM; a second signal) leaving no process of the run alive, checked by pid.
 */
import { createHash } from "node:crypto"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import {
  cleanUp,
  ensureCli,
  groupAlive,
  journal,
  rose,
  sleep,
  stackLines,
  start,
  tempDir,
  waitFor,
  waitGone,
  waitGroupsGone,
  writeProgram
} from "./helpers.ts"

let cli: string
let dir: string

beforeAll(async () => {
  cli = await ensureCli()
  dir = tempDir()
  writeProgram(
    dir,
    "ok.ts",
    `export default Rose.program({
  here: import.meta.dirname,
  learners: [
    Rose.active("sweep", {
      parallel: 2,
      maxIter: 3,
      tasks: {
        simulation: Rose.shell('echo "{\\\\"n\\\\": $ROSE_ITERATION}"', { with: { n: 5 } }),
        training: Rose.shell("echo training $ROSE_LEARNER_NAME $ROSE_LEARNER"),
        active_learn: Rose.exec("true"),
        criterion: Rose.shell('if [ "$ROSE_LEARNER" = 1 ] && [ "$ROSE_ITERATION" = 1 ]; then echo 0.05; else echo 0.5; fi')
      },
      stopWhen: { metricName: "mse", threshold: 0.1 }
    })
  ]
})`
  )
  writeProgram(
    dir,
    "fail.ts",
    `export default Rose.program({
  learners: [
    Rose.active("sweep", {
      parallel: 2,
      maxIter: 2,
      tasks: {
        training: Rose.shell('if [ "$ROSE_LEARNER" = 1 ]; then echo "training blew up" >&2; exit 3; fi'),
        active_learn: Rose.exec("true")
      }
    })
  ]
})`
  )
  // A child that starts a grandchild, all sleeping; their pids go to $ROSE_RUN_DIR/pids.
  NodeFs.writeFileSync(
    NodePath.join(dir, "spawner.sh"),
    `sh -c 'sleep 300 & echo $! >> "$ROSE_RUN_DIR/pids"; wait' &
echo $! >> "$ROSE_RUN_DIR/pids"
sleep 299 &
echo $! >> "$ROSE_RUN_DIR/pids"
wait
`
  )
  // Ignores SIGTERM (and so does its child): only SIGKILL after the grace period ends it.
  NodeFs.writeFileSync(
    NodePath.join(dir, "stubborn.sh"),
    `trap '' TERM
sleep 298 &
echo $! >> "$ROSE_RUN_DIR/pids"
while true; do wait; done
`
  )
  const signalProgram = (grace: number) => `export default Rose.program({
  here: import.meta.dirname,
  backends: [{ kind: "local", name: "local", config: { grace: ${grace}, concurrency: 4 } }],
  learners: [
    Rose.active("spawn", {
      parallel: 2,
      maxIter: 3,
      tasks: { training: Rose.exec("sh ./spawner.sh"), active_learn: Rose.exec("true") }
    }),
    Rose.active("stubborn", {
      maxIter: 3,
      tasks: { training: Rose.exec("sh ./stubborn.sh"), active_learn: Rose.exec("true") }
    })
  ]
})`
  writeProgram(dir, "signals.ts", signalProgram(1))
  writeProgram(dir, "slow-grace.ts", signalProgram(60))
})

afterAll(() => {
  NodeFs.rmSync(dir, { recursive: true, force: true })
})

const readJson = (path: string) => JSON.parse(NodeFs.readFileSync(path, "utf8"))

describe("rose run", () => {
  it("runs a program to completion: exit 0 and the run directory as specified", async () => {
    const out = NodePath.join(dir, "run-ok")
    const r = await rose(cli, ["run", "ok.ts", "--out", out], dir)
    assert.strictEqual(r.code, 0, r.stderr)
    const results = readJson(`${out}/results.json`)
    assert.deepStrictEqual(Object.keys(results).sort(), [
      "durationMs",
      "finishedAt",
      "learners",
      "ranking",
      "runId",
      "startedAt",
      "status"
    ])
    assert.strictEqual(results.status, "completed")
    assert.strictEqual(results.learners.length, 2)
    for (const l of results.learners) {
      assert.includeMembers(Object.keys(l), [
        "name",
        "index",
        "kind",
        "iterations",
        "stopReason",
        "metric",
        "state",
        "failure"
      ])
      assert.deepStrictEqual(Object.keys(l.metric).sort(), ["history", "name", "operator", "threshold"])
      assert.isNull(l.failure)
    }
    assert.deepStrictEqual(
      results.learners.map((l: any) => [l.name, l.index, l.kind, l.iterations, l.stopReason, l.metric.history]),
      [
        ["sweep", 0, "active", 3, "max_iter", [0.5, 0.5, 0.5]],
        ["sweep", 1, "active", 2, "criterion_met", [0.5, 0.05]]
      ]
    )
    assert.deepStrictEqual(results.learners[0].metric.operator, "<")
    assert.deepStrictEqual(results.learners[0].state.simulation, { n: 2 })

    const run = readJson(`${out}/run.json`)
    const source = NodeFs.readFileSync(NodePath.join(dir, "ok.ts"), "utf8")
    assert.strictEqual(run.runId, results.runId)
    assert.strictEqual(run.source.text, source)
    assert.strictEqual(run.source.hash, createHash("sha256").update(source).digest("hex"))
    assert.strictEqual(run.versions.rose, "0.1.0")
    assert.strictEqual(run.plan.learners[0].name, "sweep")

    const events = journal(out)
    assert.strictEqual(events[0]!.type, "run_started")
    assert.strictEqual(events.at(-1)!.type, "run_finished")
    assert.isTrue(NodeFs.existsSync(`${out}/report.html`))
    assert.strictEqual(NodeFs.readFileSync(`${out}/learners/sweep-0/iter-0/training.out`, "utf8"), "training sweep 0\n")
    // Not a terminal: plain timestamped lines, then the summary.
    assert.match(r.stdout, /^\d\d:\d\d:\d\d run \S+ started: sweep ×2 \(max_iter 3\)/m)
    assert.match(r.stdout, /^\d\d:\d\d:\d\d sweep\[1\] converged after 2 of 3 iterations: mse 0\.05 \(< 0\.1\)$/m)
    // iterations, then the tasks it spent, as results.json counts them.
    assert.match(r.stdout, new RegExp(`sweep\\[0\\] +3 +${results.learners[0].tasks} +max_iter`))
    assert.include(r.stdout, `report         ${out}/report.html`)
    assert.notInclude(r.stdout, "\u001b[")
  })

  it("exits 1 when a task fails, with the failure in results.json and the summary", async () => {
    const out = NodePath.join(dir, "run-fail")
    const r = await rose(cli, ["run", "fail.ts", "--out", out], dir)
    assert.strictEqual(r.code, 1, r.stderr)
    const results = readJson(`${out}/results.json`)
    assert.strictEqual(results.status, "failed")
    assert.deepStrictEqual(
      results.learners.map((l: any) => l.stopReason),
      ["max_iter", "error"]
    )
    const failure = results.learners[1].failure
    assert.deepStrictEqual([failure.task, failure.iteration, failure.attempt, failure.exitCode], ["training", 0, 1, 3])
    assert.include(failure.stderrTail, "training blew up")
    assert.include(r.stdout, "exit 3: training blew up")
    assert.isTrue(NodeFs.existsSync(`${out}/report.html`))
  })

  it("--json streams the events as JSON lines on stdout and the summary on stderr", async () => {
    const out = NodePath.join(dir, "run-json")
    const r = await rose(cli, ["run", "ok.ts", "--json", "--out", out], dir)
    assert.strictEqual(r.code, 0, r.stderr)
    const lines = r.stdout.trimEnd().split("\n")
    const parsed = lines.map((l) => JSON.parse(l))
    assert.deepStrictEqual(
      parsed.map((e) => e.seq),
      journal(out).map((e) => e.seq)
    )
    assert.strictEqual(parsed[0].type, "run_started")
    assert.strictEqual(parsed.at(-1).type, "run_finished")
    assert.include(r.stderr, "completed in")
  })

  it("--dry-run runs no process and still exercises the stop logic", async () => {
    const out = NodePath.join(dir, "run-dry")
    const r = await rose(cli, ["run", "ok.ts", "--dry-run", "--out", out], dir)
    assert.strictEqual(r.code, 0, r.stderr)
    const started = journal(out).filter((e) => e.type === "task_started")
    assert.isAbove(started.length, 0)
    for (const e of started) assert.isUndefined(e.pid)
    const results = readJson(`${out}/results.json`)
    // The default dry-run metric halves each iteration (1, 0.5, 0.25): max_iter 3 comes first.
    assert.deepStrictEqual(results.learners[0].metric.history, [1, 0.5, 0.25])
    assert.match(
      NodeFs.readFileSync(`${out}/learners/sweep-0/iter-0/training.out`, "utf8"),
      /^dry-run: sweep\[0\] iteration 0 would run: \/bin\/sh -c/
    )
  })

  describe("bad input exits 2 with a message on stderr, no stack trace and no run directory", () => {
    const cases: ReadonlyArray<readonly [string, string, ReadonlyArray<string>, RegExp]> = [
      ["a missing file", "", ["run", "missing.ts"], /missing\.ts: cannot read it: no such file/],
      ["a module that throws", "throw new Error('config broke')", ["run", "throws.ts"], /config broke/],
      [
        "a module whose program is invalid",
        `export default Rose.program({ learners: [Rose.active("x", { tasks: { training: Rose.exec("t") } })] })`,
        ["run", "invalid.ts"],
        /needs a "active_learn" task/
      ],
      ["a module without a default export", "export const x = 1", ["run", "nodefault.ts"], /no default export/],
      [
        "a default export that is not a program",
        "export default { learners: 3 }",
        ["run", "notprog.ts"],
        /not a program/
      ],
      ["an unknown file type", "", ["run", "notes.txt"], /expected a \.rose file or a program module/],
      ["an unknown option", "", ["run", "ok.ts", "--frobnicate"], /rose run: unknown option '--frobnicate'/],
      [
        "a bad option value",
        "",
        ["run", "ok.ts", "--max-concurrency", "lots"],
        /option '--max-concurrency' expects a whole number, not 'lots'/
      ],
      ["an unknown --backend", "", ["run", "ok.ts", "--backend", "warp"], /--backend warp/],
      ["--dry-run with --backend", "", ["run", "ok.ts", "--dry-run", "--backend", "local"], /cannot be combined/],
      ["an unknown command", "", ["launch", "ok.ts"], /rose: unknown command 'launch'/]
    ]
    for (const [what, body, args, message] of cases) {
      it(what, async () => {
        const cwd = tempDir("rose-bad-")
        NodeFs.copyFileSync(NodePath.join(dir, "ok.ts"), NodePath.join(cwd, "ok.ts"))
        if (body !== "") writeProgram(cwd, args[1]!, body)
        if (args[1] === "notes.txt") NodeFs.writeFileSync(NodePath.join(cwd, "notes.txt"), "hi")
        const out = NodePath.join(cwd, "out")
        const r = await rose(cli, [...args, "--out", out], cwd)
        assert.strictEqual(r.code, 2, `${r.stdout}\n${r.stderr}`)
        assert.match(r.stderr, message)
        assert.deepStrictEqual(stackLines(r.stderr), [])
        assert.notInclude(r.stderr, "FiberFailure")
        assert.isFalse(NodeFs.existsSync(out), "--out was created")
        assert.isFalse(NodeFs.existsSync(NodePath.join(cwd, "runs")), "runs/ was created")
        NodeFs.rmSync(cwd, { recursive: true, force: true })
      })
    }

    it("an --out folder that is not empty (and it is left as it was)", async () => {
      const out = NodePath.join(dir, "full")
      NodeFs.mkdirSync(out)
      NodeFs.writeFileSync(NodePath.join(out, "keep.txt"), "mine")
      const r = await rose(cli, ["run", "ok.ts", "--out", out], dir)
      assert.strictEqual(r.code, 2)
      assert.include(r.stderr, "it is not empty")
      assert.deepStrictEqual(NodeFs.readdirSync(out), ["keep.txt"])
    })
  })

  const interrupt = async (signal: NodeJS.Signals, expected: number) => {
    const out = NodePath.join(dir, `run-${signal}`)
    const run = start(cli, ["run", "signals.ts", "--out", out], dir)
    const pidFile = NodePath.join(out, "pids")
    await waitFor(
      "three tasks started and their processes recorded",
      () =>
        journal(out).filter((e) => e.type === "task_started").length === 3 &&
        NodeFs.existsSync(pidFile) &&
        NodeFs.readFileSync(pidFile, "utf8").trim().split("\n").length === 7
    ).catch(async (e) => {
      await cleanUp(run)
      throw e
    })
    run.child.kill(signal)
    const r = await run.done
    assert.strictEqual(r.code, expected, `${r.stdout}\n${r.stderr}`)
    const results = readJson(`${out}/results.json`)
    assert.strictEqual(results.status, "interrupted")
    assert.deepStrictEqual(
      results.learners.map((l: any) => l.stopReason),
      ["interrupted", "interrupted", "interrupted"]
    )
    const events = journal(out)
    assert.strictEqual(events.at(-1)!.type, "run_finished")
    assert.strictEqual(events.at(-1)!.status, "interrupted")
    const started = events.filter((e) => e.type === "task_started")
    const pids = [
      ...started.map((e) => e.pid as number),
      ...NodeFs.readFileSync(pidFile, "utf8")
        .trim()
        .split("\n")
        .map((l) => Number(l))
    ]
    assert.strictEqual(pids.length, 10)
    assert.deepStrictEqual(await waitGone(pids), [], "processes still alive")
    assert.deepStrictEqual(await waitGroupsGone(started.map((e) => e.pgid)), [], "process groups still alive")
    assert.include(r.stdout, `${signal} received: cancelling every learner`)
    assert.include(r.stdout, `interrupted by ${signal}`)
    assert.include(r.stdout, `results        ${out}/results.json`)
    assert.isTrue(NodeFs.existsSync(`${out}/report.html`))
  }

  it("SIGINT cancels every learner, kills every process (a TERM-ignoring one too) and exits 130", () =>
    interrupt("SIGINT", 130))

  it("SIGHUP (a closed terminal) does the same and exits 129", () => interrupt("SIGHUP", 129))

  it("SIGTERM does the same and exits 143", () => interrupt("SIGTERM", 143))

  it("a second signal during the cleanup exits at once, saying what may still run", async () => {
    const out = NodePath.join(dir, "run-twice")
    const run = start(cli, ["run", "slow-grace.ts", "--out", out], dir)
    await waitFor(
      "three tasks started",
      () => journal(out).filter((e) => e.type === "task_started").length === 3
    ).catch(async (e) => {
      run.child.kill("SIGINT")
      await sleep(500)
      await cleanUp(run, 1000)
      throw e
    })
    run.child.kill("SIGINT")
    await waitFor("the first signal noticed", () => run.output().stdout.includes("SIGINT received"))
    await sleep(300)
    const before = Date.now()
    run.child.kill("SIGINT")
    const r = await run.done
    assert.isBelow(Date.now() - before, 5000)
    assert.strictEqual(r.code, 130)
    assert.include(r.stderr, "SIGINT again: exiting now")
    assert.include(r.stderr, "These tasks may still be running:")
    const stubborn = journal(out).find((e) => e.type === "task_started" && e.learner.name === "stubborn")!
    assert.include(r.stderr, `stubborn[0] training (iteration 0, attempt 1): pid ${stubborn.pid}`)
    assert.include(r.stderr, `-${stubborn.pgid}`)
    // It was left running, as said; clean up after ourselves.
    assert.isTrue(groupAlive(stubborn.pgid))
    process.kill(-stubborn.pgid, "SIGKILL")
    await waitFor("the survivor gone", () => !groupAlive(stubborn.pgid), 5000)
  })
})

describe("rose status, report, plan, check", () => {
  it("status tells where a finished run stands; report regenerates report.html", async () => {
    const out = NodePath.join(dir, "run-status")
    assert.strictEqual((await rose(cli, ["run", "fail.ts", "--out", out], dir)).code, 1)
    const s = await rose(cli, ["status", out], dir)
    assert.strictEqual(s.code, 0, s.stderr)
    assert.match(s.stdout, /failed in/)
    assert.match(s.stdout, /sweep\[1\] +error/)
    NodeFs.rmSync(`${out}/report.html`)
    const rep = await rose(cli, ["report", out], dir)
    assert.strictEqual(rep.code, 0, rep.stderr)
    assert.strictEqual(rep.stdout.trim(), `${out}/report.html`)
    assert.include(NodeFs.readFileSync(`${out}/report.html`, "utf8"), '<svg class="chart overlay"')
    const missing = await rose(cli, ["status", NodePath.join(dir, "nope")], dir)
    assert.strictEqual(missing.code, 2)
  })

  it("status reads a run in progress from another shell", async () => {
    const out = NodePath.join(dir, "run-live-status")
    const run = start(cli, ["run", "signals.ts", "--out", out], dir)
    await waitFor(
      "three tasks started",
      () => journal(out).filter((e) => e.type === "task_started").length === 3
    ).catch(async (e) => {
      await cleanUp(run)
      throw e
    })
    const s = await rose(cli, ["status", out], dir)
    assert.strictEqual(s.code, 0, s.stderr)
    assert.match(s.stdout, new RegExp(`running for \\S+ \\(rose pid ${run.child.pid}\\)`))
    assert.include(s.stdout, "3 tasks running")
    run.child.kill("SIGINT")
    assert.strictEqual((await run.done).code, 130)
  })

  it("plan shows every learner × iteration × task without running anything", async () => {
    const r = await rose(cli, ["plan", "ok.ts", "--iterations", "2"], dir)
    assert.strictEqual(r.code, 0, r.stderr)
    assert.match(r.stdout, /sweep\[0\] · active · max_iter 3 · stop when mse < 0\.1/)
    assert.include(r.stdout, "/bin/sh -c")
    assert.include(r.stdout, "… 1 more iterations")
    const json = await rose(cli, ["plan", "ok.ts", "--format", "json"], dir)
    const plan = JSON.parse(json.stdout)
    assert.strictEqual(plan.rows.length, 2 * 3 * 4)
    assert.isFalse(NodeFs.existsSync(NodePath.join(dir, "runs")))
  })

  it("check accepts a good module and rejects a bad one with exit 2", async () => {
    const ok = await rose(cli, ["check", "ok.ts"], dir)
    assert.strictEqual(ok.code, 0, ok.stderr)
    assert.include(ok.stdout, "ok.ts: ok")
    writeProgram(dir, "bad-check.ts", "export default 42")
    const bad = await rose(cli, ["check", "ok.ts", "bad-check.ts", "--format", "json"], dir)
    assert.strictEqual(bad.code, 2)
    assert.deepStrictEqual(
      JSON.parse(bad.stdout).map((r: any) => [r.file, r.ok]),
      [
        ["ok.ts", true],
        ["bad-check.ts", false]
      ]
    )
  })

  it("--version and --help (with examples and exit codes), without colour codes in a pipe", async () => {
    const v = await rose(cli, ["--version"], dir, { NO_COLOR: "" })
    assert.strictEqual(v.code, 0)
    assert.strictEqual(v.stdout.trim(), "0.1.0")
    const h = await rose(cli, ["--help"], dir, { NO_COLOR: "" })
    assert.strictEqual(h.code, 0)
    assert.include(h.stdout, "Examples:")
    assert.include(h.stdout, "npx --no-install rose")
    assert.include(h.stdout, "Exit codes:")
    assert.notInclude(h.stdout, "\u001b[")
  })
})
