/**
 * UQ learners on the scripted backend: one simulation per iteration shared by the ensemble; each
 * model trained and asked for P predictions concurrently; an uncertainty task whose threshold can
 * stop the learner; active learning; a criterion per model (a model that meets it stops training).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Stream from "effect/Stream"
import * as ScriptedBackend from "../../../backends/ScriptedBackend.ts"
import type * as Backend from "../../../core/Backend.ts"
import * as Plan from "../../../core/Plan.ts"
import * as Rose from "../../../core/ProgramBuilder.ts"
import * as Resume from "../../../core/Resume.ts"
import * as Runner from "../../../core/Runner.ts"
import { finishedOrder, kwargsByIteration, readEvents, runIn, started, withBackend } from "./learnerKit.ts"

const uqTasks = (extra: { readonly [name: string]: Rose.TaskSpec } = {}) => ({
  simulation: Rose.exec("sim"),
  training: Rose.exec("train --model {model_name}", { with: { epochs: 1 } }),
  prediction: Rose.exec("predict"),
  active_learn: Rose.exec("select"),
  criterion: Rose.exec("check"),
  ...extra
})

const uq = (spec: Partial<Rose.LearnerSpec>) =>
  Rose.program({
    here: "/proj",
    learners: [
      Rose.uq("ens", {
        parallel: spec.parallel ?? 1,
        maxIter: spec.maxIter ?? 3,
        tasks: spec.tasks ?? uqTasks(),
        stopWhen: "stopWhen" in spec ? spec.stopWhen : { metricName: "mse", threshold: 0.1 },
        configs: spec.configs,
        options: spec.options ?? { models: 2, predictions: 2 }
      })
    ]
  })

/** Criterion values keyed "learner:iteration:model" (default 0.5); the uncertainty's keyed "learner:iteration". */
const script =
  (criteria: Record<string, number> = {}, uncertainty: Record<string, number> = {}): ScriptedBackend.Script =>
  (inv: Backend.Invocation) => {
    if (inv.task.startsWith("criterion@")) {
      return { stdout: `${criteria[`${inv.learner.index}:${inv.iteration}:${inv.env.ROSE_MODEL}`] ?? 0.5}\n` }
    }
    if (inv.task === "uncertainty") {
      return { stdout: `{"value":${uncertainty[`${inv.learner.index}:${inv.iteration}`] ?? 1},"picked":3}\n` }
    }
    return { stdout: `{"task":"${inv.task}"}\n` }
  }

describe("UQ learners", () => {
  it.scoped(
    "run one simulation, then per model training → predictions, then active learning and a criterion per model",
    () => {
      const recorder = ScriptedBackend.makeRecorder()
      return withBackend(
        script(),
        recorder
      )((dir) =>
        Effect.gen(function* () {
          const results = yield* runIn(uq({ maxIter: 2 }))(dir)
          assert.strictEqual(results.learners[0]!.stopReason, "max_iter")
          const events = yield* readEvents(`${dir}/run`)
          const order = finishedOrder(events, 0)
          for (const i of [0, 1]) {
            const at = order.filter((t) => t.startsWith(`${i}:`)).map((t) => t.slice(2))
            assert.strictEqual(at.length, 1 + 2 + 4 + 1 + 2)
            assert.strictEqual(at[0], "simulation")
            for (const m of ["m0", "m1"]) {
              const train = at.indexOf(`training@${m}`)
              assert.isAbove(train, 0)
              for (const p of [0, 1]) assert.isAbove(at.indexOf(`prediction@${m}.${p}`), train)
            }
            const al = at.indexOf("active_learn")
            assert.isTrue(at.slice(0, al).every((t) => !t.startsWith("criterion")))
            assert.isTrue(at.slice(al + 1).every((t) => t.startsWith("criterion@")))
            assert.sameMembers(at.slice(al + 1), ["criterion@m0", "criterion@m1"])
          }
          // Which model (and prediction) a task is for: its name, its events, its kwargs and environment.
          const p = started(events, 0).find((e) => e.task === "prediction@m1.1")!
          assert.strictEqual(p.model, "m1")
          assert.strictEqual(p.prediction, 1)
          assert.deepStrictEqual(p.config.kwargs, { "--model_name": "m1", "--prediction": 1 })
          assert.deepStrictEqual(p.command, ["predict", "--model_name", "m1", "--prediction", "1"])
          const t = recorder.invocations.find((i) => i.task === "training@m0" && i.iteration === 1)!
          assert.deepStrictEqual(t.command._tag === "Argv" ? t.command.argv : [], [
            "train",
            "--model",
            "m0",
            "--epochs",
            "1"
          ])
          assert.strictEqual(t.env.ROSE_MODEL, "m0")
          assert.strictEqual(t.env.ROSE_MODEL_INDEX, "0")
          assert.strictEqual(t.env.ROSE_ITERATION, "1")
          assert.strictEqual(t.stdoutPath, `${dir}/run/learners/ens-0/iter-1/training@m0.out`)
          // The iteration's metric is the models' mean; each model's value is in the state.
          assert.deepStrictEqual(results.learners[0]!.metric!.history, [0.5, 0.5])
          const models = (results.learners[0]!.state.uq as { models: Record<string, unknown> }).models
          assert.deepStrictEqual(models.m1, { training: true, value: 0.5, met: false, history: [0.5, 0.5] })
        })
      )
    }
  )

  it.scoped("train the models concurrently", () => {
    let waiting = 0
    let release!: () => void
    const both = new Promise<void>((r) => (release = r))
    return withBackend((inv) => {
      if (inv.task.startsWith("training@") && inv.iteration === 0) {
        if (++waiting === 3) release()
        return Effect.as(
          Effect.promise(() => both),
          { stdout: "{}\n" }
        )
      }
      return script()(inv)
    })((dir) =>
      Effect.gen(function* () {
        const results = yield* runIn(uq({ maxIter: 1, options: { models: ["a", "b", "c"] } }))(dir)
        assert.strictEqual(results.learners[0]!.stopReason, "max_iter")
      })
    )
  })

  it.scoped("a model that meets the criterion stops training; the learner stops when none is left", () => {
    const recorder = ScriptedBackend.makeRecorder()
    return withBackend(
      script({ "0:0:m1": 0.05, "0:2:m0": 0.01 }),
      recorder
    )((dir) =>
      Effect.gen(function* () {
        const results = yield* runIn(uq({ maxIter: 5 }))(dir)
        const l = results.learners[0]!
        assert.strictEqual(l.stopReason, "criterion_met")
        assert.strictEqual(l.iterations, 3)
        assert.deepStrictEqual(l.metric!.history, [(0.5 + 0.05) / 2, 0.5, 0.01])
        const tasksAt = (i: number) => recorder.invocations.filter((v) => v.iteration === i).map((v) => v.task)
        assert.notInclude(tasksAt(1), "training@m1")
        assert.notInclude(tasksAt(1), "criterion@m1")
        assert.include(tasksAt(1), "training@m0")
        const models = (l.state.uq as { models: Record<string, { training: boolean; history: Array<number> }> }).models
        assert.deepStrictEqual(models.m0!.history, [0.5, 0.5, 0.01])
        assert.deepStrictEqual(models.m1!.history, [0.05])
        assert.isFalse(models.m0!.training)
        assert.isFalse(models.m1!.training)
      })
    )
  })

  it.scoped("the uncertainty threshold stops the learner before active learning and the criterion", () => {
    const recorder = ScriptedBackend.makeRecorder()
    return withBackend(
      script({}, { "0:1": 0.001 }),
      recorder
    )((dir) =>
      Effect.gen(function* () {
        const results = yield* runIn(
          uq({
            maxIter: 5,
            tasks: uqTasks({ uncertainty: Rose.exec("uncertainty") }),
            options: { models: 2, predictions: 3, uq_metric: "predictive_variance", uq_threshold: 0.01, query_size: 4 }
          })
        )(dir)
        const l = results.learners[0]!
        assert.strictEqual(l.stopReason, "criterion_met")
        assert.strictEqual(l.iterations, 2)
        assert.deepStrictEqual(l.metric!.history, [0.5])
        const at1 = recorder.invocations.filter((v) => v.iteration === 1).map((v) => v.task)
        assert.include(at1, "uncertainty")
        assert.notInclude(at1, "active_learn")
        assert.isFalse(at1.some((t) => t.startsWith("criterion")))
        assert.strictEqual(at1.filter((t) => t.startsWith("prediction@")).length, 6)
        const u = recorder.invocations.find((v) => v.task === "uncertainty")!
        assert.deepStrictEqual(u.command._tag === "Argv" ? u.command.argv : [], ["uncertainty", "--query_size", "4"])
        assert.deepStrictEqual(l.state.uq, {
          models: {
            m0: { training: true, value: null, met: false, history: [0.5] },
            m1: { training: true, value: null, met: false, history: [0.5] }
          },
          training: ["m0", "m1"],
          uncertainty: 0.001,
          uncertaintyMet: true
        })
        const events = yield* readEvents(`${dir}/run`)
        const last = events.filter((e) => e._tag === "iteration_completed").at(-1)!
        assert.isTrue(last._tag === "iteration_completed" && last.metricValue === null && last.shouldStop)
      })
    )
  })

  it.scoped(
    "honours every config form, the criterion's included, per model, and leaves the user's config alone",
    () => {
      const configs = [
        {
          training: { 0: { kwargs: { epochs: 5 } }, [-1]: { kwargs: { epochs: 2 } } },
          criterion: { kwargs: { "--prediction_dir": "preds" } }
        },
        { prediction: { kwargs: { samples: 8 } } }
      ]
      const before = JSON.stringify(configs)
      return withBackend(script())((dir) =>
        Effect.gen(function* () {
          const results = yield* runIn(uq({ parallel: 2, maxIter: 2, configs }))(dir)
          assert.strictEqual(results.status, "completed")
          const events = yield* readEvents(`${dir}/run`)
          assert.deepStrictEqual(kwargsByIteration(events, 0, "training@m1"), [
            { epochs: 5, "--model_name": "m1" },
            { epochs: 2, "--model_name": "m1" }
          ])
          assert.deepStrictEqual(kwargsByIteration(events, 0, "criterion@m0"), [
            { "--prediction_dir": "preds", "--model_name": "m0" },
            { "--prediction_dir": "preds", "--model_name": "m0" }
          ])
          assert.deepStrictEqual(kwargsByIteration(events, 1, "prediction@m0.1")[0], {
            samples: 8,
            "--model_name": "m0",
            "--prediction": 1
          })
          assert.deepStrictEqual(kwargsByIteration(events, 1, "training@m0")[0], { epochs: 1, "--model_name": "m0" })
          assert.strictEqual(JSON.stringify(configs), before)
        })
      )
    }
  )

  it.scoped("a failing model's task ends its learner with error; the other learner runs on", () =>
    withBackend((inv) =>
      inv.learner.index === 0 && inv.iteration === 1 && inv.task === "prediction@m1.0"
        ? { exitCode: 3, stderr: "out of memory\n" }
        : script()(inv)
    )((dir) =>
      Effect.gen(function* () {
        const results = yield* runIn(uq({ parallel: 2, maxIter: 3 }))(dir)
        assert.strictEqual(results.status, "failed")
        const l0 = results.learners[0]!
        assert.strictEqual(l0.stopReason, "error")
        assert.strictEqual(l0.failure!.task, "prediction@m1.0")
        assert.match(l0.failure!.message, /prediction@m1\.0" exited with code 3/)
        assert.strictEqual(results.learners[1]!.stopReason, "max_iter")
        assert.strictEqual(results.learners[1]!.iterations, 3)
      })
    )
  )

  it("checks the options when the learner is built", () => {
    const bad = (options: Record<string, unknown>, tasks = uqTasks()) =>
      Either.isLeft(
        Rose.make({
          learners: [
            Rose.uq("ens", {
              maxIter: 2,
              tasks,
              options: options as never,
              stopWhen: { metricName: "mse", threshold: 1 }
            })
          ]
        })
      )
    assert.isTrue(bad({ models: 0 }))
    assert.isTrue(bad({ models: ["a", "a"] }))
    assert.isTrue(bad({ models: ["a b"] }))
    assert.isTrue(bad({ predictions: 1.5 }))
    assert.isTrue(bad({ modles: 2 }))
    assert.isTrue(bad({ uq_threshold: 0.1 }))
    assert.isTrue(bad({ uq_metric: "predictive_variance", uq_threshold: 0.1 }), "needs an uncertainty task")
    assert.isTrue(bad({ uq_metric: "my_score", uq_threshold: 0.1 }, uqTasks({ uncertainty: Rose.exec("u") })))
    assert.isFalse(
      bad({ uq_metric: "my_score", uq_threshold: 0.1, uq_operator: ">" }, uqTasks({ uncertainty: Rose.exec("u") }))
    )
    assert.isFalse(bad({ models: ["cnn", "mlp"], predictions: 4 }))
  })

  it("plans show each model's and prediction's command line as the runner builds it", () => {
    const plan = Plan.make(
      uq({
        maxIter: 1,
        tasks: uqTasks({ uncertainty: Rose.exec("u") }),
        options: { models: ["x", "y"], predictions: 2, query_size: 3 }
      })
    )
    assert.deepStrictEqual(
      plan.rows.map((r) => `${r.task}: ${r.command}`),
      [
        "simulation: sim",
        "training@x: train --model x --epochs 1",
        "prediction@x.0: predict --model_name x --prediction 0",
        "prediction@x.1: predict --model_name x --prediction 1",
        "training@y: train --model y --epochs 1",
        "prediction@y.0: predict --model_name y --prediction 0",
        "prediction@y.1: predict --model_name y --prediction 1",
        "uncertainty: u --query_size 3",
        "active_learn: select",
        "criterion@x: check --model_name x",
        "criterion@y: check --model_name y"
      ]
    )
  })

  it.scoped("a resumed learner keeps its stopped models stopped and their histories", () => {
    let hang = true
    const recorder = ScriptedBackend.makeRecorder()
    return withBackend(
      (inv) =>
        hang && inv.iteration === 2 && inv.task === "active_learn" ? Effect.never : script({ "0:0:m1": 0.01 })(inv),
      recorder
    )((dir) =>
      Effect.gen(function* () {
        const p = uq({ maxIter: 4 })
        const out = `${dir}/run`
        yield* Effect.scoped(
          Effect.gen(function* () {
            const handle = yield* Runner.prepare(p, { out })
            const events = yield* handle.events.subscribe
            yield* handle.start
            yield* Stream.fromQueue(events).pipe(
              Stream.takeUntil((e) => e._tag === "task_started" && e.iteration === 2 && e.task === "active_learn"),
              Stream.runDrain
            )
            yield* handle.interrupt
            yield* handle.await
          })
        )
        hang = false
        recorder.invocations.length = 0
        const plan = yield* Resume.load(out, p)
        const results = yield* Effect.scoped(
          Effect.gen(function* () {
            const handle = yield* Runner.prepare(p, { resume: plan })
            yield* handle.start
            return yield* handle.await
          })
        )
        assert.strictEqual(results.status, "completed")
        assert.deepStrictEqual([...new Set(recorder.invocations.map((i) => i.task))].sort(), [
          "active_learn",
          "criterion@m0",
          "prediction@m0.0",
          "prediction@m0.1",
          "simulation",
          "training@m0"
        ])
        const models = (results.learners[0]!.state.uq as { models: Record<string, { history: Array<number> }> }).models
        assert.deepStrictEqual(models.m0!.history, [0.5, 0.5, 0.5, 0.5])
        assert.deepStrictEqual(models.m1!.history, [0.01])
      })
    )
  })
})
