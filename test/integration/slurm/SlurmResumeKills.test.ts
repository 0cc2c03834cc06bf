/**
 * Task-granular resume on SLURM (issue 20): a 2-learner `.rose` run on the one-node test cluster
 * (one batch job per task) is killed with SIGKILL at least 20 times at random points (every third
 * kill right after a task's `task_submitting` line, so its job is submitted by an `sbatch` that
 * outlives rose while its id never reaches the journal) and resumed each time. From the tasks' own
 * start records: no task started twice (a task whose finish was journaled is kept, one queued or
 * running at a kill is re-attached to), and the results equal an uninterrupted run's. No job of any
 * session is left in the queue.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { assert, beforeAll, describe, it } from "@effect/vitest"
import { ensureCli, journal, rose, tempDir } from "../cli/helpers.ts"
import { comparable, killUntilDone, problems, seeded, writeTaskScript } from "../support/randomKills.ts"
import { requireSlurm, slurm, waitNoJobs } from "./slurm.ts"

let cli: string
let dir: string
let partition: string

const program = (task: string, counts: string) => {
  const run = (name: string) => JSON.stringify(`sh ${task} ${counts} ${name}`)
  return `backend slurm "cluster" { partition: ${JSON.stringify(partition)}, poll: 0.1, grace: 1, exit_wait: 2 }

active "s" {
  parallel 2
  max_iter 4
  simulation   = shell ${run("simulation")}
  training     = shell ${run("training")}
  active_learn = shell ${run("active_learn")}
  criterion    = shell ${run("criterion")}
  stop when mse < 0.0001
}
`
}

beforeAll(async () => {
  partition = (await requireSlurm()).partition
  cli = await ensureCli()
  dir = tempDir("rose-slurm-kills-")
})

const keyOf = (e: Record<string, any>) => `${e.learner.index} ${e.iteration} ${e.task}`

/** Whether the scheduler knows a job of this name (`--states=all`: also one that ended). */
const submitted = (jobName: string) =>
  slurm(["squeue", "--noheader", "--states=all", `--name=${jobName}`, "--format=%i"]).trim().length > 0

describe("rose resume on SLURM after random kills", () => {
  it("re-attaches to queued and running jobs: no task runs twice, results as uninterrupted", async () => {
    const task = writeTaskScript(dir)
    NodeFs.writeFileSync(NodePath.join(dir, "reference.rose"), program(task, NodePath.join(dir, "reference.counts")))
    const reference = await rose(cli, ["run", "reference.rose", "--out", "reference"], dir)
    assert.strictEqual(reference.code, 0, reference.stderr)
    assert.deepStrictEqual(
      problems(NodePath.join(dir, "reference"), NodePath.join(dir, "reference.counts"), { once: true }),
      []
    )

    const random = seeded(Number(process.env.ROSE_KILL_SEED ?? 20))
    let kills = 0
    let submitKills = 0
    let attached = 0
    let unjournaledJobs = 0
    for (let round = 1; kills < 20; round++) {
      const counts = NodePath.join(dir, `round-${round}.counts`)
      NodeFs.writeFileSync(NodePath.join(dir, `round-${round}.rose`), program(task, counts))
      const out = NodePath.join(dir, `round-${round}`)
      const report = await killUntilDone({
        cli,
        cwd: dir,
        file: `round-${round}.rose`,
        out,
        kills: 20 - kills,
        minDelayMs: 500,
        maxDelayMs: 3000,
        submitKills: true,
        random
      })
      kills += report.kills
      submitKills += report.submitKills
      assert.deepStrictEqual(problems(out, counts, { once: true }), [], `round ${round}`)
      assert.deepStrictEqual(comparable(out), comparable(NodePath.join(dir, "reference")), `round ${round}`)

      const events = journal(out)
      const sessions = events.filter((e) => e.type === "run_started").map((e) => e.runId as string)
      for (const id of sessions) assert.deepStrictEqual(await waitNoJobs(`rose-${id}-`, 20), [], `session ${id}`)
      // Jobs a session submitted whose start it never journaled (it died between sbatch and that line).
      for (const id of sessions.slice(0, -1)) {
        const mine = events.filter((e) => e.runId === id)
        const started = new Set(mine.filter((e) => e.type === "task_started").map(keyOf))
        for (const e of mine.filter((e) => e.type === "task_submitting")) {
          if (started.has(keyOf(e))) continue
          if (submitted(JSON.parse(e.ticket).job)) unjournaledJobs++
        }
      }
      // Re-attached: kept from an earlier session and finished in this one (a kept finished task
      // has no finish of its own).
      const finishedIn = new Set(events.filter((e) => e.type === "task_finished").map((e) => `${e.runId} ${keyOf(e)}`))
      attached += events.filter((e) => e.type === "task_kept" && finishedIn.has(`${e.runId} ${keyOf(e)}`)).length
    }
    assert.isAtLeast(kills, 20)
    assert.isAtLeast(submitKills, 6)
    // The kills caught jobs in flight, including ones whose id never reached the journal, and a
    // later session took them over instead of running them again (checked above: none started twice).
    assert.isAbove(unjournaledJobs, 0)
    assert.isAbove(attached, 0)
  }, 290_000)
})
