/**
 * `rose resume` on SLURM continues a run, not only cleans up after it: `rose run` on the one-node
 * test cluster (one batch job per task) is killed with SIGKILL while both learners' training jobs
 * wait at iteration 1; `rose resume RUN_DIR` re-attaches to those jobs (they run on, and are not
 * run again), runs the rest as new jobs, and the run ends with the results of an uninterrupted run
 * (equal but for the run id and times). No job of either session is left in the queue and no
 * process the tasks started is alive.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { alive, ensureCli, journal, rose, start, tempDir, waitFor } from "../cli/helpers.ts"
import { collectPids, waitGone } from "../support/processes.ts"
import { activeJobs, requireSlurm, waitNoJobs } from "./slurm.ts"

let cli: string
let dir: string

beforeAll(async () => {
  const cluster = await requireSlurm()
  cli = await ensureCli()
  dir = tempDir("rose-slurm-resume-")
  const mark = `echo $$ >> pids; echo "$ROSE_ITERATION $ROSE_TASK" >> calls`
  const flag = NodePath.join(dir, "slow-flag")
  const training = `${mark}; if [ -e ${flag} ] && [ "$ROSE_ITERATION" = 1 ]; then echo $$ > slow.pid; while [ -e ${flag} ]; do sleep 0.1; done; fi; echo "{\\"seen\\": $ROSE_ITERATION}"`
  const criterion = `${mark}; awk -v i="$ROSE_ITERATION" -v l="$ROSE_LEARNER" 'BEGIN { printf "%.4f\\n", 1 / (i + 2 + l) }'`
  NodeFs.writeFileSync(
    NodePath.join(dir, "cluster.rose"),
    `backend slurm "cluster" { partition: ${JSON.stringify(cluster.partition)}, poll: 0.1, grace: 1, exit_wait: 2 }

active "s" {
  parallel 2
  max_iter 3
  training     = shell ${JSON.stringify(training)}
  active_learn = shell ${JSON.stringify(mark)}
  criterion    = shell ${JSON.stringify(criterion)}
  stop when mse < 0.0001
}
`
  )
})

afterAll(() => NodeFs.rmSync(dir, { recursive: true, force: true }))

const comparable = (runDir: string) => {
  const r = JSON.parse(NodeFs.readFileSync(NodePath.join(runDir, "results.json"), "utf8"))
  for (const k of ["runId", "sessionId", "startedAt", "finishedAt", "durationMs"]) delete r[k]
  return r
}

describe("rose resume on SLURM", () => {
  it("continues a run killed with SIGKILL, waiting for its running jobs, as an uninterrupted run ends", async () => {
    const reference = await rose(cli, ["run", "cluster.rose", "--out", "reference"], dir)
    assert.strictEqual(reference.code, 0, reference.stderr)

    const crashed = NodePath.join(dir, "crashed")
    NodeFs.writeFileSync(NodePath.join(dir, "slow-flag"), "")
    const running = start(cli, ["run", "cluster.rose", "--out", "crashed"], dir)
    const slow = [0, 1].map((k) => NodePath.join(crashed, `learners/s-${k}/slow.pid`))
    await waitFor("both learners in their hanging training job", () => slow.every((p) => NodeFs.existsSync(p)), 90_000)
    // Both hanging jobs journaled as started (the watcher sees a start file within a poll).
    await waitFor(
      "the hanging jobs journaled",
      () => journal(crashed).filter((e) => e.type === "task_started" && e.iteration === 1).length === 2,
      30_000
    )
    running.child.kill("SIGKILL")
    await running.done
    const survivors = slow.map((p) => Number(NodeFs.readFileSync(p, "utf8")))
    assert.isTrue(survivors.every(alive), "the killed rose left its jobs running")
    const firstRunId = journal(crashed)[0]!.runId as string
    const hanging = journal(crashed)
      .filter((e) => e.type === "task_started" && e.iteration === 1 && e.task === "training")
      .map((e) => e.jobId as string)
    assert.strictEqual(hanging.length, 2)
    const queued = activeJobs().map((j) => j.id)
    for (const id of hanging) assert.include(queued, id, "the hanging jobs outlived rose")

    const resuming = start(cli, ["resume", "crashed"], dir)
    // The resumed session re-attaches to both waiting jobs (journals their start) before they end.
    await waitFor(
      "the resumed session to re-attach to the waiting jobs",
      () =>
        journal(crashed).filter(
          (e) => e.type === "task_started" && e.runId !== firstRunId && e.iteration === 1 && e.task === "training"
        ).length === 2,
      60_000
    )
    assert.isTrue(survivors.every(alive), "the jobs were waited for, not cancelled")
    NodeFs.rmSync(NodePath.join(dir, "slow-flag"))
    const resumed = await resuming.done
    assert.strictEqual(resumed.code, 0, resumed.stderr)
    assert.deepStrictEqual(await waitGone(survivors, 10), [], "the survivors ended")
    assert.deepStrictEqual(comparable(crashed), comparable(NodePath.join(dir, "reference")))

    const after = journal(crashed)
    const sessions = after.filter((e) => e.type === "run_started").map((e) => e.runId as string)
    assert.strictEqual(sessions.length, 2)
    assert.strictEqual(sessions[0], firstRunId)
    for (let k = 0; k < 2; k++) {
      const done = after.filter((e) => e.type === "iteration_completed" && e.learner.index === k)
      assert.deepStrictEqual(
        done.map((e) => e.iteration),
        [0, 1, 2]
      )
      // Every task ran once: iteration 0's before the kill, iteration 1's training in the job that
      // outlived the kill (re-attached to), the rest after the resume.
      const calls = NodeFs.readFileSync(NodePath.join(crashed, `learners/s-${k}/calls`), "utf8")
        .trim()
        .split("\n")
      for (const i of [0, 1, 2]) {
        for (const t of ["training", "active_learn", "criterion"]) {
          assert.strictEqual(calls.filter((l) => l === `${i} ${t}`).length, 1, `s[${k}] iteration ${i} ${t}`)
        }
      }
      const reattached = after.filter(
        (e) => e.type === "task_kept" && e.learner.index === k && e.iteration === 1 && e.task === "training"
      )
      assert.deepStrictEqual(
        reattached.map((e) => [e.runId, e.from]),
        [[sessions[1], firstRunId]]
      )
    }
    // Every task after the resume ran as a job of the new session, and no job of either is left.
    const resumedStarts = after.filter((e) => e.type === "task_started" && e.runId === sessions[1])
    assert.isAbove(resumedStarts.length, 0)
    for (const e of resumedStarts) assert.match(e.jobId, /^\d+$/)
    for (const id of sessions) assert.deepStrictEqual(await waitNoJobs(`rose-${id}`, 20), [])
    for (const id of hanging)
      assert.notInclude(
        activeJobs().map((j) => j.id),
        id
      )
    assert.deepStrictEqual(await waitGone(collectPids(NodePath.join(crashed, "learners")), 10), [])
  })
})
