/**
 * The seed example on SLURM as a user runs it: `rose run examples/slurm/seed.rose` (a job per task)
 * and `seed-allocation.rose` (steps of one allocation) to completion, with every task's job id in the
 * journal; and Ctrl-C in the middle of a run, which must leave no job in `squeue` and no process on
 * the node.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { assert, beforeAll, describe, it } from "@effect/vitest"
import { cleanUp, ensureCli, groupAlive, journal, rose, start, tempDir, waitFor } from "../cli/helpers.ts"
import { activeJobs, jobState, requireSlurm } from "./slurm.ts"

const cluster = await requireSlurm()
const root = NodePath.resolve(import.meta.dirname, "../../..")
const env = { ROSE_SLURM_PARTITION: cluster.partition, ROSE_SLURM_CORES: String(cluster.cpus) }

let cli: string
beforeAll(async () => {
  cli = await ensureCli()
})

const started = (runDir: string) => journal(runDir).filter((e) => e.type === "task_started")

describe("the seed example on SLURM", () => {
  it("seed.rose: every task a batch job, run to completion", async () => {
    const runDir = NodePath.join(tempDir("rose-slurm-example-"), "run")
    const r = await rose(cli, ["run", "examples/slurm/seed.rose", "--out", runDir], root, env)
    assert.strictEqual(r.code, 0, r.stderr + r.stdout)
    const results = JSON.parse(NodeFs.readFileSync(NodePath.join(runDir, "results.json"), "utf8"))
    assert.strictEqual(results.status, "completed")
    assert.deepStrictEqual(
      results.learners.map((l: { stopReason: string }) => l.stopReason),
      ["criterion_met", "criterion_met", "max_iter"]
    )
    const tasks = started(runDir)
    const ids = new Set(tasks.map((e) => e.jobId as string))
    assert.strictEqual(ids.size, tasks.length, "one job per task")
    for (const e of tasks) {
      assert.match(e.jobId, /^\d+$/)
      assert.strictEqual(e.host, cluster.node)
    }
    for (const id of [...ids].slice(0, 5)) assert.strictEqual(jobState(id), "COMPLETED")
    assert.deepStrictEqual(
      activeJobs().filter((j) => j.name.startsWith(`rose-${results.runId}`)),
      []
    )
    // 92 batch jobs, most one after another: about a second each on the scheduler's tick
  }, 300_000)

  it("seed-allocation.rose: every task a step of one allocation, released at the end", async () => {
    const runDir = NodePath.join(tempDir("rose-slurm-example-"), "run")
    const r = await rose(cli, ["run", "examples/slurm/seed-allocation.rose", "--out", runDir], root, env)
    assert.strictEqual(r.code, 0, r.stderr + r.stdout)
    const tasks = started(runDir)
    assert.isAbove(tasks.length, 0)
    const allocations = new Set(tasks.map((e) => String(e.jobId).split(".")[0]))
    assert.strictEqual(allocations.size, 1, "one allocation")
    const allocation = [...allocations][0]!
    for (const e of tasks) assert.match(e.jobId, new RegExp(`^${allocation}\\.\\d+$`))
    assert.strictEqual(new Set(tasks.map((e) => e.jobId)).size, tasks.length, "one step per task")
    assert.notInclude(
      activeJobs().map((j) => j.id),
      allocation
    )
  })

  it("Ctrl-C leaves no job in squeue and no process on the node", async () => {
    const runDir = NodePath.join(tempDir("rose-slurm-example-"), "run")
    const run = start(cli, ["run", "examples/slurm/seed.rose", "--out", runDir], root, env)
    try {
      await waitFor("three tasks started", () => started(runDir).length >= 3, 60_000)
      run.child.kill("SIGINT")
      const r = await run.done
      assert.strictEqual(r.code, 130, r.stderr)
    } finally {
      await cleanUp(run)
    }
    const runId = journal(runDir)[0]!.runId as string
    assert.deepStrictEqual(
      activeJobs().filter((j) => j.name.startsWith(`rose-${runId}`)),
      [],
      "no job left in squeue"
    )
    const groups = started(runDir).map((e) => e.pgid as number)
    await waitFor("every task's process group gone", () => groups.every((g) => !groupAlive(g)), 15_000)
    const results = JSON.parse(NodeFs.readFileSync(NodePath.join(runDir, "results.json"), "utf8"))
    assert.strictEqual(results.status, "interrupted")
  })
})
