/**
 * The Promise facade's learners of the new kinds, with the Python toolkit's names, on the local
 * backend: ParallelExperience, SeqUQLearner, ParallelUQLearner and AlgorithmSelector, with
 * in-process tasks (functions called with args, kwargs and the task context).
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import type * as IterationState from "../../../core/IterationState.ts"
import type * as Results from "../../../core/Results.ts"
import type * as Task from "../../../core/Task.ts"
import {
  AlgorithmSelector,
  LearnerConfig,
  localBackend,
  ParallelExperience,
  ParallelUQLearner,
  Rose,
  SeqUQLearner,
  TaskConfig
} from "../../../index.ts"
// @ts-expect-error: a plain JavaScript module without types
import * as ExperienceLib from "../../../lib/experience.mjs"

const lib = ExperienceLib as {
  append: (records: unknown, file?: string) => number
  readBank: (bank?: string) => Array<Record<string, unknown>>
}

const out = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), "rose-facade-")), "run")
const inProcess = { asExecutable: false } as const

type Fn = (args: ReadonlyArray<unknown>, kwargs: { readonly [k: string]: unknown }, ctx: Task.TaskContext) => unknown

const collect = async (run: AsyncIterable<IterationState.IterationState>) => {
  const states: Array<IterationState.IterationState> = []
  for await (const s of run) states.push(s)
  return states
}

describe("ParallelExperience", () => {
  it("runs named environments each iteration, merges their experience, then update and criterion", async () => {
    const rl = new ParallelExperience(localBackend(), { name: "agent" })
    const environment =
      (name: string): Fn =>
      (_args, kwargs, ctx) => {
        const n = Number(kwargs.n ?? 1)
        lib.append(
          Array.from({ length: n }, (_, k) => ({ env: name, iteration: ctx.iteration, k, reward: 1 })),
          ctx.experience!.out
        )
        return { wrote: n }
      }
    rl.environmentTask("left", environment("left"), inProcess)
    rl.environmentTask("right", environment("right"), inProcess)
    rl.updateTask(((_a, _k, ctx) => ({ bank: lib.readBank(ctx.experience!.bank).length })) as Fn, inProcess)
    rl.asStopCriterion({ metricName: "reward", threshold: 100 }, ((_a, _k, ctx) => ctx.iteration) as Fn, inProcess)
    assert.throws(() => rl.environmentTask("no spaces", environment("x"), inProcess), /letters, digits/)
    try {
      const run = rl.start({
        maxIter: 3,
        initialConfig: new LearnerConfig({
          tasks: {
            "environment.left": { 1: new TaskConfig({ kwargs: { n: 5 } }), [-1]: new TaskConfig({ kwargs: { n: 2 } }) }
          }
        }),
        out: out()
      })
      const states = await collect(run)
      assert.deepStrictEqual(
        states.map((s) => (s.state.update as { bank: number }).bank),
        [3, 3 + 6, 3 + 6 + 3]
      )
      assert.deepStrictEqual(
        states.map((s) => s.currentConfig["environment.left"]!.kwargs),
        [{ n: 2 }, { n: 5 }, { n: 2 }]
      )
      const results = await run
      assert.strictEqual(results.learners[0]!.stopReason, "max_iter")
      assert.deepStrictEqual(results.learners[0]!.metric!.history, [0, 1, 2])
    } finally {
      await rl.shutdown()
    }
  })
})

describe("UQ learners", () => {
  /** Registers in-process tasks; the criterion gives model `m` at iteration i the value values[m][i]. */
  const define = (uq: SeqUQLearner | ParallelUQLearner, values: Record<string, ReadonlyArray<number>>) => {
    uq.simulationTask((() => ({ simulated: true })) as Fn, inProcess)
    uq.trainingTask(
      ((_a, kwargs, ctx) => ({ model: ctx.model!, flag: kwargs["--model_name"] as string })) as Fn,
      inProcess
    )
    uq.predictionTask(((_a, _k, ctx) => ({ model: ctx.model!, p: ctx.prediction! })) as Fn, inProcess)
    uq.activeLearnTask((() => ({ picked: 2 })) as Fn, inProcess)
    uq.asStopCriterion(
      { metricName: "mse", threshold: 0.1 },
      ((_a, _k, ctx) => {
        const v = values[ctx.model!]!
        return v[Math.min(ctx.iteration, v.length - 1)]
      }) as Fn,
      inProcess
    )
  }

  it("SeqUQLearner: models stop one by one; the uncertainty threshold stops the learner", async () => {
    const uq = new SeqUQLearner(localBackend(), { name: "ens" })
    define(uq, { cnn: [0.5, 0.05], mlp: [0.5, 0.5, 0.5] })
    let calls = 0
    uq.uncertaintyQuantification(
      { uqMetricName: "predictive_variance", threshold: 0.01, querySize: 4 },
      ((_a, kwargs, ctx) => {
        calls++
        assert.strictEqual(kwargs["--query_size"], 4)
        const predictions = Object.keys(ctx.results).filter((k) => k.startsWith("prediction@"))
        return { value: ctx.iteration >= 2 ? 0.001 : 0.5, predictions: predictions.length }
      }) as Fn,
      inProcess
    )
    try {
      const run = uq.start({ modelNames: ["cnn", "mlp"], numPredictions: 3, maxIter: 10, out: out() })
      const states = await collect(run)
      assert.strictEqual(states.length, 3)
      const summary = (s: IterationState.IterationState) =>
        s.state.uq as { training: Array<string>; uncertaintyMet: boolean }
      assert.deepStrictEqual(
        states.map((s) => summary(s).training),
        [["cnn", "mlp"], ["mlp"], ["mlp"]]
      )
      assert.deepStrictEqual(
        states.map((s) => (s.state.uncertainty as { predictions: number }).predictions),
        [6, 6, 3]
      )
      assert.isTrue(summary(states[2]!).uncertaintyMet)
      assert.deepStrictEqual(states[0]!.state["training@mlp"], { model: "mlp", flag: "mlp" })
      assert.deepStrictEqual(states[1]!.state["prediction@mlp.2"], { model: "mlp", p: 2 })
      assert.strictEqual(calls, 3)
      const results = await run
      assert.strictEqual(results.learners[0]!.stopReason, "criterion_met")
    } finally {
      await uq.shutdown()
    }
  })

  it("ParallelUQLearner: learner configs keyed by learner name reach the right learner", async () => {
    const uq = new ParallelUQLearner(localBackend(), { name: "ens" })
    define(uq, { m0: [0.5], m1: [0.5] })
    try {
      assert.throws(
        () =>
          uq.start({
            modelNames: 2,
            learnerNames: ["alpha", "beta"],
            learnerConfigs: { gamma: null },
            maxIter: 1
          }),
        /gamma/
      )
      const run = uq.start({
        modelNames: 2,
        numPredictions: 1,
        learnerNames: ["alpha", "beta"],
        learnerConfigs: { beta: new LearnerConfig({ training: new TaskConfig({ kwargs: { epochs: 9 } }) }) },
        maxIter: 2,
        out: out()
      })
      const states = await collect(run)
      const epochs = (k: number) =>
        states.filter((s) => s.learnerId === k).map((s) => s.currentConfig["training@m1"]!.kwargs.epochs ?? null)
      assert.deepStrictEqual(epochs(0), [null, null])
      assert.deepStrictEqual(epochs(1), [9, 9])
      const results: Results.Results = await run
      assert.deepStrictEqual(
        results.learners.map((l) => l.stopReason),
        ["max_iter", "max_iter"]
      )
    } finally {
      await uq.shutdown()
    }
  })
})

describe("AlgorithmSelector", () => {
  it("runs the algorithms concurrently, isolates a failing one and ranks the others", async () => {
    const selector = new AlgorithmSelector(localBackend(), { name: "pick" })
    selector.simulationTask((() => ({})) as Fn, inProcess)
    selector.trainingTask((() => ({})) as Fn, inProcess)
    selector.activeLearnTask("greedy", ((_a, kwargs) => ({ batch: kwargs.batch ?? 1 })) as Fn, inProcess)
    selector.activeLearnTask("random", ((_a, kwargs) => ({ batch: kwargs.batch ?? 1 })) as Fn, inProcess)
    selector.activeLearnTask(
      "broken",
      ((_a, _k, ctx) => {
        if (ctx.iteration === 1) throw new Error("no candidates left")
        return {}
      }) as Fn,
      inProcess
    )
    const finals: Record<number, ReadonlyArray<number>> = { 0: [0.9, 0.8, 0.7], 1: [0.9, 0.6, 0.5], 2: [0.01] }
    selector.asStopCriterion(
      { metricName: "accuracy", threshold: 0.99 },
      ((_a, _k, ctx) => finals[ctx.learner.index]![ctx.iteration] ?? 0) as Fn,
      inProcess
    )
    assert.deepStrictEqual(selector.algorithms, ["greedy", "random", "broken"])
    assert.throws(() => selector.start({ algorithmConfigs: { nope: null } }), /nope/)
    try {
      const run = selector.start({
        maxIter: 3,
        algorithmConfigs: { random: new LearnerConfig({ active_learn: new TaskConfig({ kwargs: { batch: 7 } }) }) },
        out: out()
      })
      const states = await collect(run)
      // A failed learner is in the results, next to the others, as Runner.run gives them.
      const results: Results.Results = await run
      assert.strictEqual(results.status, "failed")
      assert.deepStrictEqual(
        results.learners.map((l) => l.stopReason),
        ["max_iter", "max_iter", "error"]
      )
      const s = results.selection!.pick!
      assert.strictEqual(s.direction, "maximize")
      assert.deepStrictEqual(
        s.ranking.map((r) => [r.algorithm, r.final, r.eligible]),
        [
          ["greedy", 0.7, true],
          ["random", 0.5, true],
          ["broken", 0.01, false]
        ]
      )
      assert.strictEqual(s.winner!.algorithm, "greedy")
      assert.isTrue(
        states
          .filter((st) => st.learnerId === 1)
          .every((st) => (st.state["active_learn.random"] as { batch: number }).batch === 7)
      )
    } finally {
      await selector.shutdown()
    }
  })
})

describe("sweeps in the facade's other parallel classes", () => {
  it("ParallelExperience runs one learner per point of a zip, each environment given its point", async () => {
    const rl = new ParallelExperience(localBackend(), { name: "swept" })
    rl.environmentTask(
      "left",
      ((_a, kwargs, ctx) => {
        const n = Number(kwargs.n)
        lib.append(
          Array.from({ length: n }, (_, k) => ({ iteration: ctx.iteration, k, reward: 1 })),
          ctx.experience!.out
        )
        return { wrote: n }
      }) as Fn,
      inProcess
    )
    rl.updateTask(((_a, _k, ctx) => ({ bank: lib.readBank(ctx.experience!.bank).length })) as Fn, inProcess)
    try {
      const run = rl.start({ maxIter: 2, sweep: Rose.zip({ "environment.left": { n: [1, 4, 2] } }), out: out() })
      const states = await collect(run)
      const banks = (index: number) =>
        states.filter((s) => s.learnerId === index).map((s) => (s.state.update as { bank: number }).bank)
      assert.deepStrictEqual(
        [banks(0), banks(1), banks(2)],
        [
          [1, 2],
          [4, 8],
          [2, 4]
        ]
      )
      const results = await run
      assert.deepStrictEqual(
        results.learners.map((l) => l.label),
        ["n=1", "n=4", "n=2"]
      )
    } finally {
      await rl.shutdown()
    }
  })
})
