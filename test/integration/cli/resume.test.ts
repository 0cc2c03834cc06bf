/**
 * `rose resume` end to end: a run whose `rose` process is killed with SIGKILL while its tasks run is
 * resumed from its journal; the survivors die first, finished iterations are not run again, and the
 * results equal an uninterrupted run's.
 */
import * as ChildProcess from "node:child_process"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { assert, beforeAll, describe, it } from "@effect/vitest"
import { alive, ensureCli, journal, rose, start, tempDir, waitFor, waitGone, writeProgram } from "./helpers.ts"

let cli: string
let dir: string

// Tasks count their own invocations; training at iteration 2 hangs when SLOW is set.
const program = `export default Rose.program({
  here: import.meta.dirname,
  learners: [
    Rose.active("r", {
      parallel: 2,
      maxIter: 5,
      tasks: {
        simulation: Rose.shell('echo "$ROSE_ITERATION simulation" >> calls.txt'),
        training: Rose.shell('echo "$ROSE_ITERATION training" >> calls.txt; if [ -n "$SLOW" ] && [ "$ROSE_ITERATION" = 2 ]; then echo $$ > slow.pid; exec sleep 300; fi'),
        active_learn: Rose.shell('echo "$ROSE_ITERATION active_learn" >> calls.txt'),
        criterion: Rose.exec(["sh", "./criterion.sh"])
      },
      stopWhen: { metricName: "mse", threshold: 0.18 }
    })
  ]
})`

const comparable = (runDir: string) => {
  const r = JSON.parse(NodeFs.readFileSync(NodePath.join(runDir, "results.json"), "utf8"))
  for (const k of ["runId", "sessionId", "startedAt", "finishedAt", "durationMs"]) delete r[k]
  // The tasks spent differ by what the resume ran again: compared apart (`spent`).
  for (const l of [...r.learners, ...r.ranking]) delete l.tasks
  return r
}

/** Each learner's tasks spent, as results.json counts them. */
const spent = (runDir: string): Array<number> =>
  JSON.parse(NodeFs.readFileSync(NodePath.join(runDir, "results.json"), "utf8")).learners.map(
    (l: { tasks: number }) => l.tasks
  )

beforeAll(async () => {
  cli = await ensureCli()
  dir = tempDir("rose-resume-e2e-")
  writeProgram(dir, "resumable.ts", program)
  // A value that depends only on the learner and the iteration, so two runs agree.
  NodeFs.writeFileSync(
    NodePath.join(dir, "criterion.sh"),
    'echo "$ROSE_ITERATION criterion" >> calls.txt\nawk -v i="$ROSE_ITERATION" -v l="$ROSE_LEARNER" \'BEGIN { printf "%.4f\\n", 1 / (i + 2 + l) }\'\n'
  )
})

// Both learners are in their slow task, and its start is journaled: a task runs a moment before
// `rose` journals it, and a kill inside that moment leaves a task resume cannot know about.
const inSlowTask = (runDir: string, pidFiles: ReadonlyArray<string>) =>
  waitFor(
    "both learners in their slow task",
    () =>
      pidFiles.every((p) => NodeFs.existsSync(p)) &&
      journal(runDir).filter((e) => e.type === "task_started" && e.iteration === 2 && e.task === "training").length ===
        2,
    60_000
  )

describe("rose resume", () => {
  it("resumes a run whose rose process was killed, with the results of an uninterrupted run", async () => {
    const reference = await rose(cli, ["run", "resumable.ts", "--out", "reference"], dir)
    assert.strictEqual(reference.code, 0, reference.stderr)

    const crashed = NodePath.join(dir, "crashed")
    const running = start(cli, ["run", "resumable.ts", "--out", "crashed"], dir, { SLOW: "1" })
    const slow = [0, 1].map((k) => NodePath.join(crashed, `learners/r-${k}/slow.pid`))
    await inSlowTask(crashed, slow)
    const survivors = slow.map((p) => Number(NodeFs.readFileSync(p, "utf8")))
    running.child.kill("SIGKILL")
    await running.done
    assert.isTrue(survivors.every(alive), "the killed rose left its tasks running")

    const explain = await rose(cli, ["resume", "crashed", "--dry-run"], dir)
    assert.strictEqual(explain.code, 0, explain.stderr)
    assert.include(explain.stderr, "r[0]: reuses iterations 0-1; continues from iteration 2")
    assert.include(explain.stderr, "2 task(s) of the earlier process may still run")
    assert.isTrue(survivors.every(alive), "--dry-run changes nothing")

    const resumed = await rose(cli, ["resume", "crashed"], dir)
    assert.strictEqual(resumed.code, 0, resumed.stderr)
    assert.deepStrictEqual(await waitGone(survivors), [], "the survivors were killed")
    assert.deepStrictEqual(comparable(crashed), comparable(NodePath.join(dir, "reference")))
    // One more task each: iteration 2's simulation, which finished before the kill, ran again (the
    // training the kill interrupted had appended to the calls.txt it left).
    assert.deepStrictEqual(
      spent(crashed),
      spent(NodePath.join(dir, "reference")).map((n) => n + 1)
    )
    for (const k of [0, 1]) {
      const calls = NodeFs.readFileSync(NodePath.join(crashed, `learners/r-${k}/calls.txt`), "utf8").split("\n")
      for (const i of [0, 1]) {
        for (const t of ["simulation", "training", "active_learn", "criterion"]) {
          assert.strictEqual(calls.filter((l) => l === `${i} ${t}`).length, 1, `r[${k}] iteration ${i} ${t} ran once`)
        }
      }
    }
    const starts = journal(crashed).filter((e) => e.type === "run_started")
    assert.strictEqual(starts.length, 2)
    assert.strictEqual(starts[1]!.resumedFrom, starts[0]!.runId)
    assert.isTrue(NodeFs.existsSync(NodePath.join(crashed, "report.html")))
  })

  it("refuses a program that changed, unless forced, and a directory that is not a run", async () => {
    const out = NodePath.join(dir, "changed")
    const first = await rose(cli, ["run", "resumable.ts", "--out", "changed"], dir)
    assert.strictEqual(first.code, 0, first.stderr)
    writeProgram(dir, "resumable.ts", program.replace("maxIter: 5", "maxIter: 6"))
    const refused = await rose(cli, ["resume", "changed"], dir)
    assert.strictEqual(refused.code, 2)
    assert.include(refused.stderr, "no longer matches")
    const forced = await rose(cli, ["run", "resumable.ts", "--resume", out, "--force"], dir)
    assert.strictEqual(forced.code, 0, forced.stderr)
    writeProgram(dir, "resumable.ts", program)

    NodeFs.mkdirSync(NodePath.join(dir, "empty"), { recursive: true })
    const notARun = await rose(cli, ["resume", "empty"], dir)
    assert.strictEqual(notARun.code, 2)
    assert.include(notARun.stderr, "run.json")
  })

  const eventOf = (line: string) => {
    try {
      return JSON.parse(line)
    } catch {
      return undefined
    }
  }

  it("a damaged journal: resume says so, and signals no process it cannot prove is the task's", async () => {
    const crashed = NodePath.join(dir, "damaged")
    const running = start(cli, ["run", "resumable.ts", "--out", "damaged"], dir, { SLOW: "1" })
    const slow = [0, 1].map((k) => NodePath.join(crashed, `learners/r-${k}/slow.pid`))
    await inSlowTask(crashed, slow)
    const survivors = slow.map((p) => Number(NodeFs.readFileSync(p, "utf8")))
    running.child.kill("SIGKILL")
    await running.done

    // Two processes that are not the run's, in groups of their own: stand-ins for processes that
    // got the pids of two finished tasks (pids are reused) whose finish lines were lost.
    const decoys = [0, 1].map(() =>
      ChildProcess.spawn("sleep", ["300"], { detached: true, stdio: "ignore", env: { PATH: process.env.PATH } })
    )
    try {
      const path = NodePath.join(crashed, "events.jsonl")
      const lines = NodeFs.readFileSync(path, "utf8").split("\n")
      const damaged: Array<number> = []
      for (const [k, decoy] of decoys.entries()) {
        // Parsed as the journal is: a line damaged for the other learner (or torn by the kill) is skipped.
        const at = lines.findIndex((l) => {
          const e = eventOf(l)
          return e?.type === "task_started" && e.learner.index === k && e.iteration === 0 && e.task === "training"
        })
        const started = JSON.parse(lines[at]!)
        started.pid = decoy.pid
        started.pgid = decoy.pid
        // Learner 1's journal predates start stamps: only the run id in a process's environment proves it.
        if (k === 1) delete started.startStamp
        else assert.isString(started.startStamp, "task_started journals when the process started")
        lines[at] = JSON.stringify(started)
        const finished = lines.findIndex(
          (l, i) =>
            i > at &&
            l.includes('"type":"task_finished"') &&
            l.includes(`"index":${k}}`) &&
            l.includes('"task":"training"')
        )
        lines[finished] = `{"v":1,"seq":${started.seq + 1},"ts":"garb`
        damaged.push(finished + 1)
      }
      NodeFs.writeFileSync(path, lines.join("\n"))

      const explain = await rose(cli, ["resume", "damaged", "--dry-run"], dir)
      assert.strictEqual(explain.code, 0, explain.stderr)
      assert.include(
        explain.stderr,
        `the journal is damaged: 2 line(s) are not events (lines ${damaged.sort((a, b) => a - b).join(", ")})`,
        explain.stderr
      )

      const resumed = await rose(cli, ["resume", "damaged"], dir)
      assert.strictEqual(resumed.code, 0, resumed.stderr)
      assert.deepStrictEqual(await waitGone(survivors), [], "the provable survivors were killed")
      for (const decoy of decoys) {
        assert.isTrue(alive(decoy.pid!), `process ${decoy.pid} is not the run's and was signalled`)
        assert.include(resumed.stderr, `warning: not signalled: process group ${decoy.pid}`)
      }
      assert.deepStrictEqual(comparable(crashed), comparable(NodePath.join(dir, "reference")))
      assert.deepStrictEqual(
        spent(crashed),
        spent(NodePath.join(dir, "reference")).map((n) => n + 1),
        "iteration 2's simulation ran again"
      )
    } finally {
      for (const decoy of decoys) decoy.kill("SIGKILL")
    }
  })
})
