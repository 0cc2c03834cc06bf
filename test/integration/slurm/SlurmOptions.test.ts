/**
 * The SLURM backend's options reach the jobs (docs/slurm.md, Configuration), in real runs of `.rose`
 * files on the one-node test cluster, checked on the jobs themselves:
 * - job mode: `env` and `setup` (the task sees the variables, the setup line ran in its working
 *   directory, the wrapper holds it), `state_dir` (wrappers, start and exit files there, none next to
 *   the outputs), `account` and `directives` (`scontrol show job`: Account, Comment, Nice), a task's
 *   `resources` (memory, time, one GPU it sees); a failing setup line fails the task with its number;
 * - allocation mode: the allocation is made with the requested cores, nodes, memory, GPU, time,
 *   account and directives (`scontrol show job` of the allocation), its steps run inside it with
 *   `env`, `setup` and `state_dir`, and a step asking for the GPU sees it. `nodes: 1` cannot be told
 *   from SLURM's choice on one node, so `nodes: 2` is checked to reach sbatch (which refuses it).
 * The test cluster's node has two fake GPUs (test/integration/setup/slurm.sh).
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { ensureCli, journal, rose, tempDir } from "../cli/helpers.ts"
import { requireSlurm, type SlurmEnv, slurm } from "./slurm.ts"

let cli: string
let dir: string
let cluster: SlurmEnv
const token = `rose-opt-${process.pid}-${Date.now()}`

/** Records what the task saw: the variables of the backend's env and setup, and its GPUs. */
const probe = `printf '%s %s %s\\n' "$OPT_ENV" "$OPT_NUM" "$OPT_SETUP" > seen-$ROSE_TASK; printf '%s\\n' "\${CUDA_VISIBLE_DEVICES:-none}" > gpus-$ROSE_TASK`

beforeAll(async () => {
  cluster = await requireSlurm()
  const gres = slurm(["scontrol", "show", "node", cluster.node])
  if (!/Gres=gpu:2/.test(gres)) {
    throw new Error(
      `the test node has no GPUs (scontrol show node: ${/Gres=\S*/.exec(gres)?.[0]}); re-run bash test/integration/setup/slurm.sh`
    )
  }
  cli = await ensureCli()
  dir = tempDir("rose-slurm-options-")
  const common = `partition: ${JSON.stringify(cluster.partition)}, poll: 0.1, grace: 1, exit_wait: 2,
  env: { OPT_ENV: "from-env", OPT_NUM: 3 },
  setup: ["export OPT_SETUP=from-setup", "echo setup-ran >> setup.mark"]`
  NodeFs.writeFileSync(
    NodePath.join(dir, "job.rose"),
    `backend slurm "cluster" {
  ${common},
  account: "proj42",
  directives: ["--comment=${token}", "#SBATCH --nice=7"],
  state_dir: ${JSON.stringify(NodePath.join(dir, "job-state"))}
}
backend slurm "broken" { partition: ${JSON.stringify(cluster.partition)}, poll: 0.1, exit_wait: 2, setup: ["true", ". /nonexistent/rose-venv/bin/activate"] }

active "o" {
  max_iter 1
  training     = shell ${JSON.stringify(probe)} resources { memory: "100M", time: "00:05:00", gpus: 1 }
  active_learn = exec "true"
}

active "bad" {
  max_iter 1
  training     = exec "true" backend "broken"
  active_learn = exec "true"
}
`
  )
  NodeFs.writeFileSync(
    NodePath.join(dir, "allocation.rose"),
    `backend slurm "alloc" {
  ${common},
  mode: "allocation",
  allocation: { cores: 2, nodes: 1, memory: "200M", gpus: 1, time: "00:10:00" },
  account: "proj43",
  directives: ["--comment=${token}-alloc"],
  state_dir: ${JSON.stringify(NodePath.join(dir, "alloc-state"))}
}

active "a" {
  max_iter 1
  training     = shell ${JSON.stringify(probe)} resources { cores: 1, gpus: 1 }
  active_learn = shell ${JSON.stringify(probe)}
}
`
  )
  NodeFs.writeFileSync(
    NodePath.join(dir, "two-nodes.rose"),
    `backend slurm "alloc" {
  partition: ${JSON.stringify(cluster.partition)},
  mode: "allocation",
  allocation: { cores: 2, nodes: 2, start_timeout: 60 }
}

active "a" {
  max_iter 1
  training     = exec "true"
  active_learn = exec "true"
}
`
  )
})

afterAll(() => NodeFs.rmSync(dir, { recursive: true, force: true }))

/** A field of `scontrol show job` (finished jobs stay visible: MinJobAge=600 on the test cluster). */
const jobField = (id: string, name: string): string | undefined =>
  new RegExp(`(?:^|\\s)${name}=(\\S*)`).exec(slurm(["scontrol", "show", "job", id]))?.[1]

const read = (path: string) => NodeFs.readFileSync(path, "utf8")

/** The files under a folder, relative to it. */
const filesUnder = (root: string): Array<string> =>
  NodeFs.existsSync(root) ? (NodeFs.readdirSync(root, { recursive: true }) as Array<string>) : []

describe("SLURM options reach the jobs", () => {
  it("job mode: env, setup, state_dir, account, directives and a task's resources", async () => {
    const r = await rose(cli, ["run", "job.rose", "--out", "job"], dir)
    assert.strictEqual(r.code, 1, r.stderr)
    const runDir = NodePath.join(dir, "job")
    const learner = NodePath.join(runDir, "learners/o-0")
    const results = JSON.parse(read(NodePath.join(runDir, "results.json")))
    const o = results.learners.find((l: any) => l.name === "o")
    assert.strictEqual(o.stopReason, "max_iter", JSON.stringify(o.failure))

    // env and setup: the task saw both; the setup lines ran before each task, in its directory.
    assert.strictEqual(read(NodePath.join(learner, "seen-training")), "from-env 3 from-setup\n")
    assert.strictEqual(read(NodePath.join(learner, "setup.mark")), "setup-ran\nsetup-ran\n")
    // The task asked for a GPU and got one.
    assert.strictEqual(read(NodePath.join(learner, "gpus-training")).trim(), "0")

    // state_dir: every attempt's wrapper, start and exit file there, in the run's own folder.
    const started = journal(runDir).filter((e) => e.type === "task_started" && e.learner.name === "o")
    const runId = started[0]!.runId as string
    const state = filesUnder(NodePath.join(dir, "job-state", runId))
    for (const task of ["training", "active_learn"]) {
      for (const ext of [".sh", ".start", ".exit"]) {
        assert.isTrue(
          state.some((f) => f.startsWith(`o-0-i0-${task}-a1-`) && f.endsWith(ext)),
          `${task}${ext} in state_dir: ${state.join(", ")}`
        )
      }
    }
    const wrapper = state.find((f) => f.startsWith("o-0-i0-training-") && f.endsWith(".sh"))!
    assert.include(read(NodePath.join(dir, "job-state", runId, wrapper)), "\necho setup-ran >> setup.mark\n")
    assert.isFalse(NodeFs.existsSync(NodePath.join(learner, "iter-0/.slurm")), "nothing next to the outputs")

    // account, directives and resources, as the scheduler recorded them.
    const training = started.find((e) => e.task === "training")!.jobId as string
    const other = started.find((e) => e.task === "active_learn")!.jobId as string
    for (const id of [training, other]) {
      assert.strictEqual(jobField(id, "Account"), "proj42")
      assert.strictEqual(jobField(id, "Comment"), token)
      assert.strictEqual(jobField(id, "Nice"), "7")
    }
    assert.strictEqual(jobField(training, "MinMemoryNode"), "100M")
    assert.strictEqual(jobField(training, "TimeLimit"), "00:05:00")
    assert.strictEqual(jobField(training, "TresPerNode"), "gres:gpu:1")
    assert.notStrictEqual(jobField(other, "TresPerNode"), "gres:gpu:1")

    // A failing setup line (here a `.` of a missing file, which ends the wrapper's sh) fails the
    // task with the line's number.
    const bad = results.learners.find((l: any) => l.name === "bad")
    assert.strictEqual(bad.stopReason, "error")
    assert.include(bad.failure.message, "setup line 2 failed (exit 2)")
  })

  it("allocation mode: the allocation has the requested resources; steps get env, setup and state_dir", async () => {
    const r = await rose(cli, ["run", "allocation.rose", "--out", "alloc"], dir)
    assert.strictEqual(r.code, 0, r.stderr)
    const runDir = NodePath.join(dir, "alloc")
    const learner = NodePath.join(runDir, "learners/a-0")
    for (const task of ["training", "active_learn"]) {
      assert.strictEqual(read(NodePath.join(learner, `seen-${task}`)), "from-env 3 from-setup\n", task)
    }
    assert.strictEqual(read(NodePath.join(learner, "setup.mark")), "setup-ran\nsetup-ran\n")
    // The step that asked for the GPU got it (a step that asks for none still sees the
    // allocation's: SLURM gives a step the job's GRES unless told otherwise).
    assert.strictEqual(read(NodePath.join(learner, "gpus-training")).trim(), "0")

    const started = journal(runDir).filter((e) => e.type === "task_started")
    assert.strictEqual(started.length, 2)
    const ids = started.map((e) => /^(\d+)\.(\d+)$/.exec(e.jobId as string))
    for (const m of ids) assert.isNotNull(m, "a step of the allocation")
    const allocation = ids[0]![1]!
    assert.strictEqual(ids[1]![1], allocation, "both steps in one allocation")

    // The allocation as the scheduler granted it.
    assert.strictEqual(jobField(allocation, "NumCPUs"), "2")
    assert.strictEqual(jobField(allocation, "NumNodes"), "1")
    assert.strictEqual(jobField(allocation, "MinMemoryNode"), "200M")
    assert.strictEqual(jobField(allocation, "TresPerNode"), "gres:gpu:1")
    assert.strictEqual(jobField(allocation, "TimeLimit"), "00:10:00")
    assert.strictEqual(jobField(allocation, "Account"), "proj43")
    assert.strictEqual(jobField(allocation, "Comment"), `${token}-alloc`)
    assert.notInclude(["PENDING", "RUNNING"], jobField(allocation, "JobState"), "released at the end")

    const runId = started[0]!.runId as string
    const state = filesUnder(NodePath.join(dir, "alloc-state", runId))
    for (const task of ["training", "active_learn"]) {
      for (const ext of [".sh", ".start", ".exit"]) {
        assert.isTrue(
          state.some((f) => f.startsWith(`a-0-i0-${task}-a1-`) && f.endsWith(ext)),
          `${task}${ext} in state_dir: ${state.join(", ")}`
        )
      }
    }
    assert.isFalse(NodeFs.existsSync(NodePath.join(learner, "iter-0/.slurm")))
  })

  it("allocation mode: nodes reaches the scheduler (two nodes on a one-node cluster are refused at once)", async () => {
    const r = await rose(cli, ["run", "two-nodes.rose", "--out", "two-nodes"], dir)
    assert.strictEqual(r.code, 1, r.stderr)
    assert.include(
      r.stderr,
      "a backend could not start: resources cannot be satisfied: the allocation (cores=2, nodes=2)"
    )
    assert.include(r.stderr, "Node count specification invalid")
    assert.isFalse(NodeFs.existsSync(NodePath.join(dir, "two-nodes")), "nothing ran")
  })
})
