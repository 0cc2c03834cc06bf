/**
 * One run, every surface, one rule: an iteration's index is 0-based as in schedules and reads
 * "iteration N"; progress is a count ("1 of 3", `1/3` done). A learner whose training fails at
 * its iteration of index 1 (after one iteration done) and one that completes its 3 iterations are
 * read back from the plain `rose run` output (NO_COLOR, stdout a pipe), `rose status` (text and
 * `--json`), results.json, the journal, report.html, `rose resume --dry-run` and `rose plan`.
 *
 * Then after an interrupt: a Ctrl-C'd run says how to resume it (and so does `rose status`), a dry
 * run of the resume does not claim tasks may still run (the cancelled ones were journaled as such),
 * and the resume says which is the run (its id, its directory's name) and which its new session;
 * results.json keeps the run's id and adds the session's.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { cleanUp, ensureCli, journal, rose, start, tempDir, waitFor } from "./helpers.ts"

let cli: string
let dir: string

/** Prints a metric that differs per learner and iteration, so no learner converges. */
const criterion = `awk -v i="$ROSE_ITERATION" -v l="$ROSE_LEARNER" 'BEGIN { printf "%.3f\\n", 0.5 + i / 10 + l / 100 }'`

beforeAll(async () => {
  cli = await ensureCli()
  dir = tempDir("rose-numbering-")
  const failAtOne = `if [ "$ROSE_ITERATION" = 1 ]; then echo "boom at $ROSE_ITERATION" >&2; exit 3; fi`
  NodeFs.writeFileSync(
    NodePath.join(dir, "numbering.rose"),
    `backend local { concurrency: 2 }

active "crash" {
  max_iter 3
  training     = shell ${JSON.stringify(failAtOne)}
  active_learn = exec "true"
  criterion    = shell ${JSON.stringify(criterion)}
  stop when mse < 0.0001
}

active "ok" {
  max_iter 3
  training     = exec "true"
  active_learn = exec "true"
  criterion    = shell ${JSON.stringify(criterion)}
  stop when mse < 0.0001
}
`
  )
  // Training hangs at iteration 1 while SLOW is set: the run is interrupted there.
  const slowAtOne = `if [ -n "$SLOW" ] && [ "$ROSE_ITERATION" = 1 ]; then exec sleep 300; fi`
  NodeFs.writeFileSync(
    NodePath.join(dir, "slow.rose"),
    `backend local { concurrency: 2 }

active "slow" {
  parallel 2
  max_iter 2
  training     = shell ${JSON.stringify(slowAtOne)}
  active_learn = exec "true"
  criterion    = shell ${JSON.stringify(criterion)}
  stop when mse < 0.0001
}
`
  )
})

afterAll(() => NodeFs.rmSync(dir, { recursive: true, force: true }))

/** The run directory a `rose run` wrote into, from its summary. */
const runDirOf = (stdout: string): string => {
  const m = /^run directory +(\S+)$/m.exec(stdout)
  assert.isNotNull(m, stdout)
  return m![1]!
}

const read = (path: string) => NodeFs.readFileSync(path, "utf8")
const byLearner = (events: ReadonlyArray<Record<string, any>>, type: string, name: string) =>
  events.filter((e) => e.type === type && e.learner?.name === name)

describe("iteration numbers", () => {
  it("agree on every surface of one run: index 1 is iteration 1, counts say 1 of 3", async () => {
    const run = await rose(cli, ["run", "numbering.rose"], dir)
    assert.strictEqual(run.code, 1, run.stderr)
    const runDir = runDirOf(run.stdout)
    const runId = NodePath.basename(runDir)
    const out = run.stdout

    // Plain lines: the index of what finished, then the count done.
    assert.include(out, "crash[0] iteration 0 done (1 of 3): mse 0.5 (< 1e-4)")
    assert.include(out, "crash[0] task training failed (iteration 1, attempt 1): exit 3\n  boom at 1\n")
    assert.include(out, "crash[0] failed in iteration 1 after 1 of 3 iterations: training exit 3: boom at 1")
    assert.notInclude(out, "crash[0] iteration 1 done")
    for (const [i, n] of [
      [0, 1],
      [1, 2],
      [2, 3]
    ]) {
      assert.match(out, new RegExp(`ok\\[0\\] iteration ${i} done \\(${n} of 3\\): mse `))
    }
    assert.include(out, "ok[0] reached max_iter after 3 of 3 iterations")
    assert.notMatch(out, /iteration 3\b/)
    assert.notMatch(out, /\d\/\d done/)
    // The summary: counts in the table (iterations done, then tasks spent: crash[0] three in
    // iteration 0 and the training that failed, ok[0] three in each of three), the failed
    // iteration by its index.
    assert.match(out, /crash\[0\] +1 +4 +error +mse 0\.5 \(< 1e-4\) +training in iteration 1: exit 3: boom at 1/)
    assert.match(out, /ok\[0\] +3 +9 +max_iter +mse 0\.7 \(< 1e-4\)/)
    assert.include(out, `run ${runId} failed in`)
    assert.include(out, `resume with: rose resume runs/${runId}\n`)

    // rose status: done counts against max_iter.
    const status = await rose(cli, ["status", runDir], dir)
    assert.strictEqual(status.code, 0, status.stderr)
    assert.match(status.stdout, /learner +state +iterations +tasks +metric/)
    assert.match(status.stdout, /crash\[0\] +error +1\/3 +4 +mse 0\.5 /)
    assert.match(status.stdout, /ok\[0\] +max_iter +3\/3 +9 +mse 0\.7 /)
    assert.notMatch(status.stdout, /iteration 2\b|2\/3/)
    assert.include(status.stdout, `resume with: rose resume runs/${runId}`)
    const statusJson = await rose(cli, ["status", runDir, "--json"], dir)
    const sj = JSON.parse(statusJson.stdout)
    assert.strictEqual(sj.runId, runId)
    assert.deepStrictEqual(
      sj.learners.map((l: any) => [l.name, l.status, l.iterations]),
      [
        ["crash", "error", 1],
        ["ok", "max_iter", 3]
      ]
    )

    // results.json: `iterations` is a count, `failure.iteration` an index.
    const results = JSON.parse(read(NodePath.join(runDir, "results.json")))
    assert.strictEqual(results.runId, runId)
    assert.notProperty(results, "sessionId")
    const crash = results.learners.find((l: any) => l.name === "crash")
    const ok = results.learners.find((l: any) => l.name === "ok")
    assert.strictEqual(crash.iterations, 1)
    assert.strictEqual(crash.failure.iteration, 1)
    assert.deepStrictEqual(crash.metric.history, [0.5])
    assert.strictEqual(ok.iterations, 3)
    assert.deepStrictEqual(ok.metric.history, [0.5, 0.6, 0.7])

    // The journal: indices on iterations and tasks, a count on learner_stopped.
    const events = journal(runDir)
    assert.deepStrictEqual(
      byLearner(events, "iteration_completed", "crash").map((e) => e.iteration),
      [0]
    )
    assert.deepStrictEqual(
      byLearner(events, "iteration_completed", "ok").map((e) => e.iteration),
      [0, 1, 2]
    )
    assert.deepStrictEqual(
      byLearner(events, "task_failed", "crash").map((e) => [e.task, e.iteration]),
      [["training", 1]]
    )
    const stopped = byLearner(events, "learner_stopped", "crash")[0]!
    assert.strictEqual(stopped.iterations, 1)
    assert.strictEqual(stopped.failure.iteration, 1)
    assert.strictEqual(byLearner(events, "learner_stopped", "ok")[0]!.iterations, 3)
    assert.isTrue(events.every((e) => e.runId === runId))

    // report.html: counts of max_iter, points and task bars by index.
    const html = read(NodePath.join(runDir, "report.html"))
    assert.match(html, /<b>crash\[0\]<\/b><\/td><td>active<\/td><td class="num">1 \/ 3<\/td>/)
    assert.match(html, /<b>ok\[0\]<\/b><\/td><td>active<\/td><td class="num">3 \/ 3<\/td>/)
    assert.include(html, "training in iteration 1: exit 3: boom at 1")
    assert.include(html, "crash[0] · iteration 0: 0.5<")
    assert.notInclude(html, "crash[0] · iteration 1:")
    assert.include(html, "ok[0] · iteration 2: 0.7<")
    assert.match(html, /crash\[0\] · iteration 1 · training · [^<]*failed \(exit 3\)/)
    assert.include(html, `Run ${runId}`)

    // rose resume --dry-run: it would rerun iteration 1, one iteration being done.
    const dry = await rose(cli, ["resume", runDir, "--dry-run"], dir)
    assert.strictEqual(dry.code, 0, dry.stderr)
    assert.include(dry.stderr, "crash[0]: reuses iteration 0; continues from iteration 1")
    assert.include(dry.stderr, "ok[0]: max_iter with 3 iterations done; stays as it is")

    // rose plan: iterations 0, 1 and 2, as the run numbered them.
    const plan = await rose(cli, ["plan", "numbering.rose", "--format", "json"], dir)
    assert.strictEqual(plan.code, 0, plan.stderr)
    const rows = JSON.parse(plan.stdout).rows as Array<{
      learner: { name: string }
      iteration: number
      task: string
    }>
    for (const name of ["crash", "ok"]) {
      assert.deepStrictEqual(
        rows.filter((r) => r.learner.name === name && r.task === "training").map((r) => r.iteration),
        [0, 1, 2]
      )
    }
    const planText = await rose(cli, ["plan", "numbering.rose"], dir)
    assert.match(planText.stdout, /^ +2 +training /m)
    assert.notMatch(planText.stdout, /^ +3 +training /m)
  })
})

describe("after an interrupt", () => {
  it("says how to resume, and a resume names its run and its new session", async () => {
    const run = start(cli, ["run", "slow.rose"], dir, { SLOW: "1" })
    try {
      let runDir = ""
      await waitFor("the run directory", () => {
        const m = /run directory (\S+)$/m.exec(run.output().stdout)
        if (m !== null) runDir = m[1]!
        return m !== null
      })
      await waitFor(
        "both slow trainings to start",
        () =>
          journal(runDir).filter((e) => e.type === "task_started" && e.task === "training" && e.iteration === 1)
            .length === 2
      )
      run.child.kill("SIGINT")
      const ended = await run.done
      assert.strictEqual(ended.code, 130, ended.stderr)
      const runId = NodePath.basename(runDir)
      assert.include(ended.stdout, `resume with: rose resume runs/${runId}\n`)

      const status = await rose(cli, ["status", runDir], dir)
      assert.include(status.stdout, "interrupted")
      assert.include(status.stdout, `resume with: rose resume runs/${runId}`)

      // Its cancelled tasks were journaled as such: nothing of the earlier process may still run.
      const dry = await rose(cli, ["resume", `runs/${runId}`, "--dry-run"], dir)
      assert.strictEqual(dry.code, 0, dry.stderr)
      assert.include(dry.stderr, "slow[0]: reuses iteration 0; continues from iteration 1")
      assert.notInclude(`${dry.stdout}${dry.stderr}`, "may still run")

      const resumed = await rose(cli, ["resume", `runs/${runId}`], dir)
      assert.strictEqual(resumed.code, 0, `${resumed.stdout}\n${resumed.stderr}`)
      const results = JSON.parse(read(NodePath.join(runDir, "results.json")))
      assert.strictEqual(results.runId, runId)
      assert.isString(results.sessionId)
      assert.notStrictEqual(results.sessionId, runId)
      const session = results.sessionId as string
      assert.include(resumed.stderr, `Resuming ${runDir} (run ${runId}, new session ${session}):`)
      assert.include(resumed.stdout, `run ${runId} resumed (session ${session}):`)
      assert.include(resumed.stdout, `run ${runId} completed in`)
      assert.notInclude(resumed.stdout, "resume with:")
      const manifest = JSON.parse(read(NodePath.join(runDir, "run.json")))
      assert.strictEqual(manifest.runId, runId)
      assert.strictEqual(manifest.sessionId, session)
      const starts = journal(runDir).filter((e) => e.type === "run_started")
      assert.deepStrictEqual(
        starts.map((e) => [e.runId, e.resumedFrom]),
        [
          [runId, undefined],
          [session, runId]
        ]
      )
      const status2 = await rose(cli, ["status", runDir], dir)
      assert.include(status2.stdout, `run ${runId}  completed`)
      assert.notInclude(status2.stdout, "resume with:")
    } finally {
      await cleanUp(run)
    }
  })
})
