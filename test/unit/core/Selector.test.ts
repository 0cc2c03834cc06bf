/**
 * The algorithm selector on the scripted backend: one learner per `active_learn.<name>` algorithm,
 * sharing the other tasks, each in its own folder; one failing does not stop the others; the
 * ranking prefers converged runs, then the final metric in its direction, then fewer iterations.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ScriptedBackend from "../../../backends/ScriptedBackend.ts"
import * as Plan from "../../../core/Plan.ts"
import * as Rose from "../../../core/ProgramBuilder.ts"
import * as Results from "../../../core/Results.ts"
import { finishedOrder, kwargsByIteration, readEvents, runIn, withBackend } from "./learnerKit.ts"

const selectorTasks = {
  simulation: Rose.exec("sim"),
  training: Rose.exec("train"),
  "active_learn.uncertainty": Rose.exec("select --strategy uncertainty", { with: { batch: 10 } }),
  "active_learn.random": Rose.exec("select --strategy random", { with: { batch: 10 } }),
  "active_learn.diversity": Rose.exec("select --strategy diversity", { with: { batch: 10 } }),
  criterion: Rose.exec("check")
}

const selector = (spec: Partial<Rose.LearnerSpec>) =>
  Rose.program({
    here: "/proj",
    learners: [
      Rose.selector("pick", {
        maxIter: spec.maxIter ?? 4,
        tasks: spec.tasks ?? selectorTasks,
        stopWhen: spec.stopWhen ?? { metricName: "mse", threshold: 0.1 },
        configs: spec.configs
      })
    ]
  })

/** The criterion prints histories[learner][iteration] (the last value repeated). */
const histories =
  (values: ReadonlyArray<ReadonlyArray<number>>): ScriptedBackend.Script =>
  (inv) => {
    if (inv.task !== "criterion") return { stdout: "{}\n" }
    const h = values[inv.learner.index]!
    return { stdout: `${h[Math.min(inv.iteration, h.length - 1)]}\n` }
  }

const winner = (r: Results.Results) => r.selection?.pick?.winner?.algorithm

describe("algorithm selector", () => {
  it.scoped("runs one learner per algorithm, each in its own folder, sharing the other tasks", () => {
    const recorder = ScriptedBackend.makeRecorder()
    return withBackend(
      histories([[0.5], [0.5], [0.5]]),
      recorder
    )((dir) =>
      Effect.gen(function* () {
        const results = yield* runIn(
          selector({
            maxIter: 2,
            configs: [null, { tasks: { "active_learn.random": { kwargs: { batch: 3 } } } }, null]
          })
        )(dir)
        assert.deepStrictEqual(
          results.learners.map((l) => [l.name, l.index, l.kind, l.stopReason]),
          [
            ["pick", 0, "selector", "max_iter"],
            ["pick", 1, "selector", "max_iter"],
            ["pick", 2, "selector", "max_iter"]
          ]
        )
        const events = yield* readEvents(`${dir}/run`)
        const algorithms = ["uncertainty", "random", "diversity"]
        for (const k of [0, 1, 2]) {
          assert.deepStrictEqual(finishedOrder(events, k), [
            "0:simulation",
            "0:training",
            `0:active_learn.${algorithms[k]}`,
            "0:criterion",
            "1:simulation",
            "1:training",
            `1:active_learn.${algorithms[k]}`,
            "1:criterion"
          ])
          assert.isTrue(
            recorder.invocations
              .filter((i) => i.learner.index === k)
              .every((i) => i.cwd === `${dir}/run/learners/pick-${k}`)
          )
        }
        assert.deepStrictEqual(kwargsByIteration(events, 1, "active_learn.random"), [{ batch: 3 }, { batch: 3 }])
        assert.deepStrictEqual(kwargsByIteration(events, 0, "active_learn.uncertainty"), [{ batch: 10 }, { batch: 10 }])
        assert.deepStrictEqual(
          results.selection!.pick!.ranking.map((r) => [r.rank, r.learner, r.algorithm, r.task]),
          [
            [1, "pick[0]", "uncertainty", "active_learn.uncertainty"],
            [2, "pick[1]", "random", "active_learn.random"],
            [3, "pick[2]", "diversity", "active_learn.diversity"]
          ]
        )
      })
    )
  })

  it.scoped("picks the winner of a minimized metric: converged first, then the lowest final value", () =>
    withBackend(
      histories([
        [0.5, 0.3, 0.2],
        [0.4, 0.09],
        [0.5, 0.2, 0.15, 0.11]
      ])
    )((dir) =>
      Effect.gen(function* () {
        const results = yield* runIn(selector({ maxIter: 4 }))(dir)
        assert.deepStrictEqual(
          results.learners.map((l) => l.stopReason),
          ["max_iter", "criterion_met", "max_iter"]
        )
        const s = results.selection!.pick!
        assert.strictEqual(s.direction, "minimize")
        assert.strictEqual(s.metric, "mse")
        assert.deepStrictEqual(
          s.ranking.map((r) => [r.algorithm, r.converged, r.iterations, r.final]),
          [
            ["random", true, 2, 0.09],
            ["diversity", false, 4, 0.11],
            ["uncertainty", false, 4, 0.2]
          ]
        )
        assert.deepStrictEqual(s.winner, { learner: "pick[1]", index: 1, algorithm: "random" })
      })
    )
  )

  it.scoped(
    "picks the winner of a maximized metric: the highest final value (the Python toolkit picks the lowest)",
    () =>
      withBackend(
        histories([
          [0.6, 0.7, 0.8],
          [0.6, 0.65, 0.7],
          [0.7, 0.85]
        ])
      )((dir) =>
        Effect.gen(function* () {
          const results = yield* runIn(selector({ maxIter: 3, stopWhen: { metricName: "accuracy", threshold: 0.95 } }))(
            dir
          )
          const s = results.selection!.pick!
          assert.strictEqual(s.direction, "maximize")
          assert.deepStrictEqual(
            s.ranking.map((r) => [r.algorithm, r.final]),
            [
              ["diversity", 0.85],
              ["uncertainty", 0.8],
              ["random", 0.7]
            ]
          )
          assert.strictEqual(winner(results), "diversity")
        })
      )
  )

  it.scoped("a failing algorithm ends its own learner; the others run on and one of them wins", () =>
    withBackend((inv) =>
      inv.task === "active_learn.uncertainty" && inv.iteration === 1
        ? { exitCode: 2, stderr: "no candidates\n" }
        : histories([[0.01], [0.3, 0.2, 0.15], [0.3, 0.25, 0.2]])(inv)
    )((dir) =>
      Effect.gen(function* () {
        const results = yield* runIn(selector({ maxIter: 3, stopWhen: { metricName: "mse", threshold: 0.001 } }))(dir)
        assert.strictEqual(results.status, "failed")
        assert.deepStrictEqual(
          results.learners.map((l) => l.stopReason),
          ["error", "max_iter", "max_iter"]
        )
        const s = results.selection!.pick!
        assert.deepStrictEqual(
          s.ranking.map((r) => [r.algorithm, r.eligible, r.stopReason]),
          [
            ["random", true, "max_iter"],
            ["diversity", true, "max_iter"],
            ["uncertainty", false, "error"]
          ]
        )
        assert.strictEqual(winner(results), "random")
      })
    )
  )

  it("ranks ties by fewer iterations, and by algorithm order last", () => {
    const result = (index: number, stopReason: Results.LearnerResult["stopReason"], history: Array<number>) => ({
      task: `active_learn.a${index}`,
      algorithm: `a${index}`,
      result: {
        name: "s",
        index,
        kind: "selector",
        iterations: history.length,
        stopReason,
        metric: { name: "mse", operator: "<", threshold: 0.1, history },
        state: {},
        failure: null
      }
    })
    const s = Results.rank({ metric: "mse", operator: "<", direction: "minimize" }, [
      result(0, "criterion_met", [0.5, 0.05]),
      result(1, "criterion_met", [0.05]),
      result(2, "criterion_met", [0.5, 0.5, 0.05]),
      result(3, "stopped", [0.01]),
      result(4, "criterion_met", [0.05])
    ])
    assert.deepStrictEqual(
      s.ranking.map((r) => r.algorithm),
      ["a1", "a4", "a0", "a2", "a3"]
    )
    const none = Results.rank({ metric: "mse", operator: "<", direction: "minimize" }, [result(0, "error", [])])
    assert.isNull(none.winner)
  })

  it("runs one learner per algorithm: parallel is their number, and a criterion is required", () => {
    const make = (spec: Partial<Rose.LearnerSpec>) =>
      Rose.make({
        learners: [
          Rose.selector("pick", {
            maxIter: 2,
            tasks: selectorTasks,
            stopWhen: { metricName: "mse", threshold: 0.1 },
            ...spec
          })
        ]
      })
    const ok = make({})
    assert.isTrue(Either.isRight(ok) && ok.right.learners[0]!.parallel === 3)
    assert.isTrue(Either.isLeft(make({ parallel: 2 })))
    const { criterion: _, ...noCriterion } = selectorTasks
    assert.isTrue(Either.isLeft(make({ tasks: noCriterion, stopWhen: undefined })))
    assert.isTrue(Either.isLeft(make({ tasks: { ...selectorTasks, active_learn: Rose.exec("x") } })))
  })

  it("plans show each learner its own algorithm", () => {
    const plan = Plan.make(selector({ maxIter: 1 }))
    assert.deepStrictEqual(
      plan.rows.filter((r) => r.learner.index === 1).map((r) => r.task),
      ["simulation", "training", "active_learn.random", "criterion"]
    )
  })
})
