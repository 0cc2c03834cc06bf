/**
 * The course of a run on the scripted backend: each learner to its own end, the tasks of an
 * iteration in order, the journal, failures and criterion output, the stream of iteration states,
 * and where the run directory goes.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Stream from "effect/Stream"
import * as ScriptedBackend from "../../../backends/ScriptedBackend.ts"
import * as Runner from "../../../core/Runner.ts"
import { readEvents, runIn, withBackend } from "./learnerKit.ts"
import { metrics, program } from "./runnerKit.ts"

describe("Runner: the course of a run", () => {
  it.scoped("stops each learner on its own criterion; the others run to max_iter", () =>
    withBackend(metrics({ "1:2": 0.05 }))((dir) =>
      Effect.gen(function* () {
        const results = yield* runIn(program({}))(dir)
        assert.strictEqual(results.status, "completed")
        assert.deepStrictEqual(
          results.learners.map((l) => [l.index, l.stopReason, l.iterations]),
          [
            [0, "max_iter", 5],
            [1, "criterion_met", 3],
            [2, "max_iter", 5]
          ]
        )
        assert.deepStrictEqual(results.learners[1]!.metric, {
          name: "mse",
          operator: "<",
          threshold: 0.1,
          history: [0.5, 0.5, 0.05]
        })
        assert.deepStrictEqual(results.learners[0]!.state.active_learn, { task: "active_learn", iteration: 4 })
        const fs = yield* FileSystem.FileSystem
        const onDisk = JSON.parse(yield* fs.readFileString(`${dir}/run/results.json`))
        assert.deepStrictEqual(onDisk, JSON.parse(JSON.stringify(results)))
      })
    )
  )

  it.scoped("runs the tasks of an iteration in order and no task for an iteration that will not happen", () => {
    const recorder = ScriptedBackend.makeRecorder()
    return withBackend(
      metrics({ "0:1": 0.01 }),
      recorder
    )((dir) =>
      Effect.gen(function* () {
        yield* runIn(program({ parallel: 2, maxIter: 3 }))(dir)
        const l0 = recorder.invocations.filter((i) => i.learner.index === 0).map((i) => `${i.iteration}:${i.task}`)
        assert.deepStrictEqual(l0, [
          "0:simulation",
          "0:training",
          "0:active_learn",
          "0:criterion",
          "1:simulation",
          "1:training",
          "1:active_learn",
          "1:criterion"
        ])
        assert.strictEqual(recorder.invocations.filter((i) => i.learner.index === 1).length, 12)
      })
    )
  })

  it.scoped("journals the events of DESIGN §4.5 in order, with seq, ts and the resolved config", () =>
    withBackend(metrics())((dir) =>
      Effect.gen(function* () {
        yield* runIn(program({ parallel: 1, maxIter: 2, configs: [{ simulation: { kwargs: { n: 7 } } }] }))(dir)
        const events = yield* readEvents(`${dir}/run`)
        assert.deepStrictEqual(
          events.map((e) => e.seq),
          events.map((_, i) => i)
        )
        assert.strictEqual(events[0]!._tag, "run_started")
        assert.strictEqual(events.at(-1)!._tag, "run_finished")
        assert.strictEqual(events.at(-2)!._tag, "learner_stopped")
        const started = events.filter((e) => e._tag === "task_started")
        assert.strictEqual(started.length, 8)
        const sim = started.find((e) => e._tag === "task_started" && e.task === "simulation")!
        assert.deepStrictEqual(sim._tag === "task_started" && sim.config, { args: [], kwargs: { n: 7 } })
        assert.deepStrictEqual(sim._tag === "task_started" && sim.command, ["sim", "--n", "7"])
        assert.match(events[0]!.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
        const completed = events.filter((e) => e._tag === "iteration_completed")
        assert.strictEqual(completed.length, 2)
        const fs = yield* FileSystem.FileSystem
        const run = JSON.parse(yield* fs.readFileString(`${dir}/run/run.json`))
        assert.match(run.planHash, /^[0-9a-f]{64}$/)
        assert.strictEqual(run.plan.learners[0].name, "sweep")
      })
    )
  )

  it.scoped(
    "ends a learner whose task exits non-zero with error, with the exit code and stderr tail; the others finish",
    () =>
      withBackend((inv) =>
        inv.learner.index === 1 && inv.iteration === 1 && inv.task === "training"
          ? { exitCode: 3, stderr: "loading data\nValueError: bad shape\n" }
          : metrics()(inv)
      )((dir) =>
        Effect.gen(function* () {
          const results = yield* runIn(program({}))(dir)
          assert.strictEqual(results.status, "failed")
          const failed = results.learners[1]!
          assert.strictEqual(failed.stopReason, "error")
          assert.strictEqual(failed.iterations, 1)
          assert.strictEqual(failed.failure!.task, "training")
          assert.strictEqual(failed.failure!.iteration, 1)
          assert.strictEqual(failed.failure!.exitCode, 3)
          assert.match(failed.failure!.stderrTail, /ValueError: bad shape/)
          assert.match(failed.failure!.message, /exited with code 3/)
          assert.deepStrictEqual(
            results.learners.map((l) => l.stopReason),
            ["max_iter", "error", "max_iter"]
          )
        })
      )
  )

  it.scoped("turns a criterion printing loss=0.3 into a CriterionParseError naming that line", () =>
    withBackend((inv) =>
      inv.task === "criterion" && inv.learner.index === 0 ? { stdout: "epoch 1\nloss=0.3\n" } : metrics()(inv)
    )((dir) =>
      Effect.gen(function* () {
        const results = yield* runIn(program({ parallel: 2 }))(dir)
        const f = results.learners[0]!.failure!
        assert.strictEqual(f.tag, "CriterionParseError")
        assert.include(f.message, '"loss=0.3"')
        assert.strictEqual(results.learners[1]!.stopReason, "max_iter")
      })
    )
  )

  it.scoped("streams iteration states with each learner's metric history", () =>
    withBackend(metrics({ "0:0": 0.9, "0:1": 0.7, "0:2": 0.05 }))((dir) =>
      Effect.gen(function* () {
        const states = Chunk.toReadonlyArray(
          yield* Stream.runCollect(Runner.stream(program({ parallel: 2, maxIter: 4 }), { out: `${dir}/run` }))
        )
        const l0 = states.filter((s) => s.learnerId === 0)
        assert.deepStrictEqual(
          l0.map((s) => [s.iteration, s.metricValue, s.shouldStop]),
          [
            [0, 0.9, false],
            [1, 0.7, false],
            [2, 0.05, true]
          ]
        )
        assert.deepStrictEqual(l0[2]!.metricHistory, [0.9, 0.7, 0.05])
        assert.deepStrictEqual(l0[0]!.currentConfig.simulation, { args: [], kwargs: { n: 1 } })
        assert.deepStrictEqual(l0[0]!.state.training, { task: "training", iteration: 0 })
        assert.strictEqual(states.filter((s) => s.learnerId === 1).length, 4)
      })
    )
  )

  it.scoped("refuses an --out folder that is not empty", () =>
    withBackend(metrics())((dir) =>
      Effect.gen(function* () {
        const fs = yield* FileSystem.FileSystem
        yield* fs.makeDirectory(`${dir}/run`)
        yield* fs.writeFileString(`${dir}/run/x`, "")
        const r = yield* Effect.either(runIn(program({}))(dir))
        assert.isTrue(Either.isLeft(r) && r.left._tag === "RunDirError")
      })
    )
  )

  it.scoped("puts runs under runs/<stamp>-<hex> in the current directory by default", () =>
    withBackend(metrics())((dir) =>
      Effect.gen(function* () {
        const results = yield* Runner.run(program({ parallel: 1, maxIter: 1 }))
        const fs = yield* FileSystem.FileSystem
        const entries = yield* fs.readDirectory(`${dir}/runs`)
        assert.deepStrictEqual(entries, [results.runId])
        assert.match(results.runId, /^\d{8}-\d{6}-[0-9a-f]{4}$/)
      })
    )
  )
})
