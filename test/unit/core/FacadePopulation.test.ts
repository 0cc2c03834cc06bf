/**
 * Sweeps and populations in the Promise facade: `sweep: Rose.grid(…)` runs one learner per point,
 * configured and named by it; `population: Rose.asha(…)` prunes by the criterion's metric; a policy
 * the block cannot rank by is refused when the program is made.
 */
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import { afterEach, assert, beforeEach, describe, it } from "@effect/vitest"
import * as Program from "../../../core/Program.ts"
import * as Rose from "../../../core/ProgramBuilder.ts"
import type * as Task from "../../../core/Task.ts"
import { localBackend, MEAN_SQUARED_ERROR_MSE, ParallelActiveLearner } from "../../../index.ts"

const inProcess = { asExecutable: false } as const
type Fn = (args: ReadonlyArray<unknown>, kwargs: { readonly [k: string]: unknown }, ctx: Task.TaskContext) => unknown

let dir = ""
beforeEach(() => {
  dir = NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "rose-facade-population-"))
})
afterEach(() => {
  NodeFs.rmSync(dir, { recursive: true, force: true })
})

describe("sweeps and populations in the Promise facade", () => {
  it("a grid sweep runs one learner per point, its tasks given the point's kwargs", async () => {
    const acl = new ParallelActiveLearner(localBackend(), { name: "sweep" })
    const seen: Array<[number, string, unknown]> = []
    const record = (task: string) =>
      ((_a, kwargs, ctx) => {
        if (ctx.iteration === 0) seen.push([ctx.learner.index, task, kwargs])
        return {}
      }) as Fn
    acl.simulationTask(record("simulation"), inProcess)
    acl.trainingTask(record("training"), inProcess)
    acl.activeLearnTask((() => ({})) as Fn, inProcess)
    try {
      const results = await acl.start({
        maxIter: 1,
        out: NodePath.join(dir, "run"),
        sweep: Rose.grid({ simulation: { n: [100, 200] }, training: { lr: [0.1, 0.01] } }),
        learnerConfigs: (k) => ({ training: { kwargs: { seed: k } } })
      })
      assert.strictEqual(results.status, "completed")
      assert.deepStrictEqual(
        results.learners.map((l) => [l.index, l.label, l.point]),
        [
          [0, "n=100, lr=0.1", { simulation: { n: 100 }, training: { lr: 0.1 } }],
          [1, "n=100, lr=0.01", { simulation: { n: 100 }, training: { lr: 0.01 } }],
          [2, "n=200, lr=0.1", { simulation: { n: 200 }, training: { lr: 0.1 } }],
          [3, "n=200, lr=0.01", { simulation: { n: 200 }, training: { lr: 0.01 } }]
        ]
      )
      const sorted = [...seen].sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1]))
      assert.deepStrictEqual(sorted, [
        [0, "simulation", { n: 100 }],
        [0, "training", { lr: 0.1, seed: 0 }],
        [1, "simulation", { n: 100 }],
        [1, "training", { lr: 0.01, seed: 1 }],
        [2, "simulation", { n: 200 }],
        [2, "training", { lr: 0.1, seed: 2 }],
        [3, "simulation", { n: 200 }],
        [3, "training", { lr: 0.01, seed: 3 }]
      ])
      const onDisk = JSON.parse(NodeFs.readFileSync(NodePath.join(dir, "run", "results.json"), "utf8"))
      assert.strictEqual(onDisk.learners[3].label, "n=200, lr=0.01")
      assert.throws(
        () => acl.program({ sweep: Rose.zip({ training: { lr: [0.1, 0.2] } }), parallelLearners: 3 }),
        Program.ProgramError,
        /parallel 3 disagrees with the sweep's 2 points/
      )
    } finally {
      await acl.shutdown()
    }
  })

  it("an ASHA population prunes the worse learner at its rung, with its rank as the reason", async () => {
    const acl = new ParallelActiveLearner(localBackend(), { name: "asha" })
    // Learner 1 reaches the rung (iteration 1) only once learner 0 has passed it, so it is judged
    // against learner 0 whatever the scheduling: rank 2 of 2, outside the kept half.
    let passed!: () => void
    const leaderPassed = new Promise<void>((resolve) => {
      passed = resolve
    })
    const starts: Array<[number, number]> = []
    acl.simulationTask(
      ((_a, _k, ctx) => {
        starts.push([ctx.learner.index, ctx.iteration])
        if (ctx.learner.index === 0 && ctx.iteration === 2) passed()
        return {}
      }) as Fn,
      inProcess
    )
    acl.trainingTask((() => ({})) as Fn, inProcess)
    acl.activeLearnTask((() => ({})) as Fn, inProcess)
    acl.asStopCriterion(
      { metricName: MEAN_SQUARED_ERROR_MSE, threshold: 1e-9 },
      (async (_a, _k, ctx) => {
        if (ctx.learner.index === 1 && ctx.iteration === 1) await leaderPassed
        return ctx.learner.index === 0 ? 0.1 : 0.9
      }) as Fn,
      inProcess
    )
    try {
      const results = await acl.start({
        parallelLearners: 2,
        maxIter: 4,
        out: NodePath.join(dir, "run"),
        population: Rose.asha({ every: 2, keep: 0.5 })
      })
      assert.deepStrictEqual(
        results.learners.map((l) => [l.stopReason, l.iterations, l.pruned ?? null]),
        [
          ["max_iter", 4, null],
          ["pruned", 2, `rank 2 of 2 at iteration 1, ${MEAN_SQUARED_ERROR_MSE} 0.9`]
        ]
      )
      assert.deepStrictEqual(
        starts.filter(([k]) => k === 1).map(([, i]) => i),
        [0, 1],
        "the pruned learner starts nothing after its rung"
      )
      assert.throws(
        () => acl.program({ maxIter: 4, population: Rose.asha({ every: 2, keep: 1.5 }) }),
        Program.ProgramError,
        /keep must be a fraction in \(0, 1\), got 1.5/
      )
    } finally {
      await acl.shutdown()
    }
  })
  it("a budget stops the learners at the tasks it allows, each with stopReason budget", async () => {
    const acl = new ParallelActiveLearner(localBackend(), { name: "budget" })
    const none = (() => ({})) as Fn
    acl.simulationTask(none, inProcess)
    acl.trainingTask(none, inProcess)
    acl.activeLearnTask(none, inProcess)
    try {
      const results = await acl.start({
        parallelLearners: 2,
        maxIter: 10,
        out: NodePath.join(dir, "run"),
        budget: Rose.budget({ tasks: 7 })
      })
      // Functions that return a plain value journal no task event: their iterations count them.
      const journal = NodeFs.readFileSync(NodePath.join(dir, "run", "events.jsonl"), "utf8")
      assert.strictEqual(journal.split("\n").filter((l) => l.includes('"type":"iteration_completed"')).length, 2)
      assert.deepStrictEqual(
        results.learners.map((l) => l.stopReason),
        ["budget", "budget"]
      )
      assert.strictEqual(
        results.learners.reduce((n, l) => n + (l.tasks ?? 0), 0),
        7
      )
      assert.throws(
        () => acl.program({ maxIter: 4, budget: Rose.budget({ taskSeconds: -1 }) }),
        Program.ProgramError,
        /budget: a task-seconds budget is a number > 0, got -1/
      )
    } finally {
      await acl.shutdown()
    }
  })
})
