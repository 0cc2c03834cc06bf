/**
 * Whole runs on the single-node test SLURM, in both modes: learners running the parallel-learners
 * example's task scripts to completion (the journal shows each task's job or step), an interrupted run
 * leaving no job in the queue and no process on the node, and resume's reaping of jobs a crashed run
 * left behind.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as SlurmBackend from "../../../backends/SlurmBackend.ts"
import * as Event from "../../../core/Event.ts"
import * as Rose from "../../../core/ProgramBuilder.ts"
import * as Runner from "../../../core/Runner.ts"
import * as Platform from "../../../runtime/Platform.ts"
import { collectPids, waitForFile, waitGone } from "../support/processes.ts"
import { activeJobs, jobState, requireSlurm, slurm, waitNoJobs } from "./slurm.ts"

const cluster = await requireSlurm()
const tasks = path.resolve(import.meta.dirname, "../../../examples/parallel-learners/tasks")
const tmp = () => fs.mkdtempSync(`${os.tmpdir()}/rose-slurm-run-`)
const events = (runDir: string) => Event.parseJournal(fs.readFileSync(`${runDir}/events.jsonl`, "utf8")).events

const modes: ReadonlyArray<readonly [string, SlurmBackend.Config]> = [
  ["job per task", { partition: cluster.partition, concurrency: 8 }],
  ["allocation", { partition: cluster.partition, mode: "allocation", allocation: { cores: cluster.cpus } }]
]

const layerOf = (config: SlurmBackend.Config) =>
  SlurmBackend.layer({ pollMillis: 100, graceMillis: 1000, exitWaitMillis: 1000, ...config }).pipe(
    Layer.provideMerge(Platform.layer)
  )

/** The seed's active learner on the example's scripts: two learners, three iterations at most. */
const seedProgram = () => {
  const node = (script: string, options: Rose.TaskOptions = {}) =>
    Rose.exec(["node", `${tasks}/${script}`], { resources: { cores: 1, time: "00:05:00" }, ...options })
  return Rose.program({
    learners: [
      Rose.active("seed", {
        parallel: 2,
        maxIter: 3,
        tasks: {
          simulation: node("sim.mjs", { with: { n_labeled: 100, n_features: 2 } }),
          training: node("train.mjs", { with: { learning_rate: 0.1 } }),
          active_learn: node("active.mjs"),
          criterion: node("check_mse.mjs")
        },
        stopWhen: { metricName: "mean_squared_error_mse", threshold: 0.01 }
      })
    ]
  })
}

for (const [label, config] of modes) {
  describe(`SLURM runs (${label})`, () => {
    it.live("the seed's learners run to completion; every task's job or step is journaled", () =>
      Effect.gen(function* () {
        const dir = tmp()
        const { results, allocation } = yield* Effect.gen(function* () {
          const slurmBackend = yield* SlurmBackend.SlurmBackend
          const results = yield* Runner.run(seedProgram(), { out: `${dir}/run` })
          return { results, allocation: slurmBackend.allocation }
        }).pipe(Effect.provide(layerOf(config)))
        assert.strictEqual(results.status, "completed", JSON.stringify(results.learners.map((l) => l.failure)))
        for (const l of results.learners) assert.strictEqual(l.iterations, 3)
        const started = events(`${dir}/run`).filter((e) => e._tag === "task_started")
        assert.strictEqual(started.length, 2 * 3 * 4)
        const ids = new Set<string>()
        for (const e of started) {
          if (e._tag !== "task_started") continue
          assert.strictEqual(e.host, cluster.node)
          assert.isNumber(e.pgid)
          assert.isString(e.jobId)
          ids.add(e.jobId!)
        }
        assert.strictEqual(ids.size, started.length, "one job or step per task")
        if (config.mode === "allocation") {
          assert.isString(allocation)
          for (const id of ids) assert.match(id, new RegExp(`^${allocation}\\.\\d+$`))
          assert.notInclude(
            activeJobs().map((j) => j.id),
            allocation,
            "the allocation is released when the backend closes"
          )
        } else {
          for (const id of ids) {
            assert.match(id, /^\d+$/)
            assert.strictEqual(jobState(id), "COMPLETED")
            // This checkout's cluster ran it (job ids alone could match another cluster's jobs): the
            // backend's sbatch got SLURM_CONF from this process's environment.
            assert.include(slurm(["scontrol", "show", "job", id]), `JobName=rose-${results.runId}`)
          }
        }
        assert.isTrue(fs.existsSync(`${dir}/run/learners/seed-0/iter-2/criterion.out`))
      })
    )

    it.live("interrupting a run leaves no job in squeue and no process on the node", () =>
      Effect.gen(function* () {
        const dir = tmp()
        const tree = Rose.shell(
          "sleep 310 & echo $! >> pids; (trap '' TERM; sleep 311 & echo $! >> pids; wait) & echo $! >> pids; (sleep 312 & echo $! >> pids); echo $$ >> pids; wait"
        )
        const stubborn = Rose.shell("trap '' TERM; echo $$ >> pids; while true; do sleep 1; done")
        const program = Rose.program({
          learners: [
            Rose.active("tree", { maxIter: 1, tasks: { training: tree, active_learn: Rose.exec("true") } }),
            Rose.active("stubborn", { maxIter: 1, tasks: { training: stubborn, active_learn: Rose.exec("true") } })
          ]
        })
        const { results, allocation } = yield* Effect.scoped(
          Effect.gen(function* () {
            const slurmBackend = yield* SlurmBackend.SlurmBackend
            const handle = yield* Runner.prepare(program, { out: `${dir}/run` })
            yield* handle.start
            yield* Effect.promise(() =>
              Promise.all([
                waitForFile(`${dir}/run/learners/tree-0/pids`, (t) => t.trim().split(/\s+/).length === 5, 30),
                waitForFile(`${dir}/run/learners/stubborn-0/pids`, () => true, 30),
                // both tasks' jobs journaled (the watcher sees a start within a poll interval)
                waitForFile(
                  `${dir}/run/events.jsonl`,
                  (t) =>
                    t.split("\n").filter((l) => l.includes('"task_started"') && l.includes('"training"')).length === 2,
                  30
                )
              ])
            )
            yield* handle.interrupt
            return { results: yield* handle.await, allocation: slurmBackend.allocation }
          })
        ).pipe(Effect.provide(layerOf(config)))
        assert.strictEqual(results.status, "interrupted")
        const pids = collectPids(`${dir}/run/learners`)
        assert.strictEqual(pids.length, 6)
        assert.deepStrictEqual(yield* Effect.promise(() => waitGone(pids, 10)), [], "no process left on the node")
        assert.deepStrictEqual(
          activeJobs().filter((j) => j.name.startsWith(`rose-${results.runId}`) || j.id === allocation),
          [],
          "no job left in squeue"
        )
        const journal = events(`${dir}/run`).filter((e) => e._tag === "task_started" && e.task === "training")
        assert.strictEqual(journal.length, 2)
        for (const e of journal) assert.isTrue(e._tag === "task_started" && typeof e.jobId === "string")
      })
    )
  })
}

describe("SLURM resume", () => {
  it.live("reap cancels the jobs and allocations a crashed run journaled, and nothing else", () =>
    Effect.gen(function* () {
      const name = `rose-reap-${process.pid}`
      const submit = (n: string) =>
        slurm([
          "sbatch",
          "--parsable",
          `--job-name=${n}`,
          "--output=/dev/null",
          "--chdir=/",
          `--partition=${cluster.partition}`,
          "--wrap=sleep 300"
        ]).trim()
      const job = submit(`${name}-job`)
      const foreignAllocation = submit(`${name}-allocation`)
      const bystander = submit(`${name}-bystander`)
      try {
        const reaped = yield* Effect.gen(function* () {
          const backend = yield* SlurmBackend.SlurmBackend
          return yield* backend.reap(
            [
              { jobId: job, host: cluster.node, pgid: 1 },
              { jobId: `${foreignAllocation}.3`, host: cluster.node },
              { jobId: "999999999" },
              { pid: 12, pgid: 12 },
              { host: "elsewhere", pgid: 5 }
            ],
            []
          )
        }).pipe(Effect.provide(layerOf({ partition: cluster.partition })), Effect.scoped)
        assert.strictEqual(reaped.killed, 2)
        const active = activeJobs().map((j) => j.id)
        assert.notInclude(active, job)
        assert.notInclude(active, foreignAllocation)
        assert.include(active, bystander)
      } finally {
        slurm(["scancel", job, foreignAllocation, bystander])
      }
      assert.deepStrictEqual(yield* Effect.promise(() => waitNoJobs(name)), [])
    })
  )

  it.live("reap cancels a job an earlier session submitted but never journaled as started, by its name", () =>
    Effect.gen(function* () {
      const runId = `20990101-000000-${(process.pid % 65536).toString(16).padStart(4, "0")}`
      const submit = (n: string) =>
        slurm([
          "sbatch",
          "--parsable",
          "--hold",
          `--job-name=${n}`,
          "--output=/dev/null",
          "--chdir=/",
          `--partition=${cluster.partition}`,
          "--wrap=sleep 300"
        ]).trim()
      const queued = submit(`rose-${runId}-sweep-1-training`)
      const other = submit(`rose-20990101-000000-ffff-sweep-1-training`)
      try {
        const reaped = yield* Effect.gen(function* () {
          const backend = yield* SlurmBackend.SlurmBackend
          return yield* backend.reap([], [runId])
        }).pipe(Effect.provide(layerOf({ partition: cluster.partition })), Effect.scoped)
        assert.strictEqual(reaped.killed, 1)
        const active = activeJobs().map((j) => j.id)
        assert.notInclude(active, queued)
        assert.include(active, other, "a job of another run is left alone")
      } finally {
        slurm(["scancel", queued, other])
      }
    })
  )
})
