import * as FileSystem from "@effect/platform/FileSystem"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ScriptedBackend from "../../../backends/ScriptedBackend.ts"
import * as Host from "../../../core/Host.ts"
import type * as IterationState from "../../../core/IterationState.ts"
import * as Rose from "../../../core/ProgramBuilder.ts"
import * as Runner from "../../../core/Runner.ts"
import * as TaskSchedule from "../../../core/TaskSchedule.ts"
import * as Builtin from "../../../plugins/Builtin.ts"
import * as CsvTracker from "../../../plugins/CsvTracker.ts"
import type * as Plugin from "../../../plugins/Plugin.ts"
import * as Registry from "../../../plugins/Registry.ts"
import * as Trackers from "../../../plugins/Trackers.ts"
import * as Platform from "../../../runtime/Platform.ts"

const program = Rose.program({
  here: "/proj",
  learners: [
    Rose.active("sweep", {
      parallel: 2,
      maxIter: 3,
      tasks: {
        simulation: Rose.exec("sim", { with: { "--n_labeled": 100, noise: 0.1 } }),
        training: Rose.exec("train", { with: { lr: 0.1 } }),
        active_learn: Rose.exec("select"),
        criterion: Rose.exec("check")
      },
      stopWhen: { metricName: "mse", threshold: 0.1 },
      configs: [
        // an adaptive schedule that adds a kwarg from iteration 1 on: the CSV gains a column
        { simulation: TaskSchedule.adaptive((i) => ({ kwargs: i === 0 ? {} : { extra: `a,"b"` } })) },
        null
      ]
    })
  ]
})

/** Learner 1 meets its criterion at iteration 1; the rest print 0.5. */
const script: ScriptedBackend.Script = (inv) =>
  inv.task === "criterion"
    ? { stdout: `${inv.learner.index === 1 && inv.iteration === 1 ? 0.05 : 0.5}\n` }
    : { stdout: `{"rows":${10 * (inv.iteration + 1)}}\n` }

const withRun = <A, E>(f: (dir: string) => Effect.Effect<A, E, any>) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const dir = yield* fs.makeTempDirectoryScoped({ prefix: "rose-trackers-" })
    return yield* f(dir).pipe(
      Effect.provide(Layer.mergeAll(ScriptedBackend.layerTest(script), Host.layerTest({ cwd: dir })))
    )
  }).pipe(Effect.provide(NodeContext.layer))

/** A tracker recording what it is told. */
const recording = () => {
  const calls: Array<string> = []
  const tracker: Plugin.Tracker = {
    onStart: (run) => Effect.sync(() => void calls.push(`start ${(run.plan.learners as Array<unknown>).length}`)),
    onIteration: (s: IterationState.IterationState) =>
      Effect.sync(() => void calls.push(`iteration ${s.learner.index}:${s.iteration} ${s.metricValue}`)),
    onStop: (e) => Effect.sync(() => void calls.push(`stop ${e.learner.index} ${e.reason}`)),
    onFinish: (e) => Effect.sync(() => void calls.push(`finish ${e.status}`))
  }
  return { calls, tracker }
}

describe("Trackers", () => {
  it.scoped("tell every tracker of the start, each iteration state, each learner's stop and the end", () =>
    withRun((dir) =>
      Effect.gen(function* () {
        const handle = yield* Runner.prepare(program, { out: `${dir}/run` })
        const a = recording()
        const attached = yield* Trackers.attach(handle, [{ name: "a", tracker: a.tracker }])
        yield* handle.start
        yield* handle.await
        yield* attached.flushed
        assert.strictEqual(a.calls[0], "start 1")
        assert.strictEqual(a.calls.at(-1), "finish completed")
        const iterations = a.calls.filter((c) => c.startsWith("iteration")).sort()
        assert.deepStrictEqual(iterations, [
          "iteration 0:0 0.5",
          "iteration 0:1 0.5",
          "iteration 0:2 0.5",
          "iteration 1:0 0.5",
          "iteration 1:1 0.05"
        ])
        assert.deepStrictEqual(a.calls.filter((c) => c.startsWith("stop")).sort(), [
          "stop 0 max_iter",
          "stop 1 criterion_met"
        ])
        assert.deepStrictEqual(attached.stats(), [
          { name: "a", handled: a.calls.length, dropped: 0, failures: 0, lastFailure: undefined }
        ])
      })
    )
  )

  it.scoped("a slow tracker drops what its queue cannot hold and never stalls the run; a failing one is counted", () =>
    withRun((dir) =>
      Effect.gen(function* () {
        const handle = yield* Runner.prepare(program, { out: `${dir}/run` })
        const gate = yield* Deferred.make<void>()
        const slow: Plugin.Tracker = {
          // Blocks on its first call until the run is over.
          onStart: () => Deferred.await(gate),
          onIteration: () => Effect.void,
          onStop: () => Effect.void
        }
        const failing: Plugin.Tracker = {
          onStart: () => Effect.void,
          onIteration: () => Effect.die(new Error("tracker down")),
          onStop: () => Effect.sync(() => JSON.parse("{"))
        }
        const attached = yield* Trackers.attach(
          handle,
          [
            { name: "slow", tracker: slow },
            { name: "failing", tracker: failing }
          ],
          { capacity: 2 }
        )
        yield* handle.start
        const results = yield* handle.await
        assert.strictEqual(results.status, "completed", "the run ended while the slow tracker was blocked")
        yield* Deferred.succeed(gate, undefined)
        yield* attached.flushed
        const [s, f] = attached.stats()
        // start blocks; 2 more fit in its queue; the other iterations and stops are dropped; the end is kept.
        assert.strictEqual(s!.dropped, 5 + 2 - 2)
        assert.strictEqual(s!.handled, 1 + 2 + 1)
        assert.strictEqual(f!.failures, 5 + 2)
        assert.include(f!.lastFailure ?? "", "JSON")
      })
    )
  )

  it.scoped("the built-in csv tracker writes one row per learner × iteration, with kwargs per task", () =>
    withRun((dir) =>
      Effect.gen(function* () {
        const handle = yield* Runner.prepare(program, { out: `${dir}/run` })
        const trackers = yield* Trackers.build([{ kind: "csv", config: { state: true } }], handle).pipe(
          Effect.provide(Registry.layer([Builtin.plugin]))
        )
        const attached = yield* Trackers.attach(handle, trackers)
        yield* handle.start
        yield* handle.await
        yield* attached.flushed
        const fs = yield* FileSystem.FileSystem
        const text = yield* fs.readFileString(`${dir}/run/metrics.csv`)
        const [header, ...rows] = text.trim().split("\n")
        assert.strictEqual(
          header,
          "learner,index,iteration,metric,value,threshold,should_stop,stop_reason,simulation.n_labeled,simulation.noise,training.lr,state.simulation.rows,state.training.rows,state.active_learn.rows,simulation.extra"
        )
        assert.deepStrictEqual([...rows].sort(), [
          "sweep,0,0,mse,0.5,0.1,false,,100,0.1,0.1,10,10,10,",
          `sweep,0,1,mse,0.5,0.1,false,,100,0.1,0.1,20,20,20,"a,""b"""`,
          `sweep,0,2,mse,0.5,0.1,true,max_iter,100,0.1,0.1,30,30,30,"a,""b"""`,
          "sweep,1,0,mse,0.5,0.1,false,,100,0.1,0.1,10,10,10,",
          "sweep,1,1,mse,0.05,0.1,true,criterion_met,100,0.1,0.1,20,20,20,"
        ])
      })
    )
  )

  it.effect("build reports an unknown tracker kind and a bad configuration", () =>
    Effect.gen(function* () {
      const unknown = yield* Effect.flip(Trackers.build([{ kind: "mlflow", config: {} }], { runDir: "/tmp" }))
      assert.include(unknown.message, `unknown tracker kind "mlflow" (known: csv)`)
      const bad = yield* Effect.flip(Trackers.build([{ kind: "csv", config: { path: 3 } }], { runDir: "/tmp" }))
      assert.include(bad.message, "tracker csv:")
      assert.include(bad.message, "path")
    }).pipe(Effect.scoped, Effect.provide(Registry.layer([Builtin.plugin])), Effect.provide(Platform.layer))
  )

  it("csv fields are quoted as RFC 4180 says", () => {
    assert.strictEqual(CsvTracker.field("plain"), "plain")
    assert.strictEqual(CsvTracker.field('a "b", c'), '"a ""b"", c"')
    assert.strictEqual(CsvTracker.field("two\nlines"), '"two\nlines"')
    assert.strictEqual(CsvTracker.field(null), "")
    assert.strictEqual(CsvTracker.field([1, "x"]), '"[1,""x""]"')
    assert.strictEqual(CsvTracker.field(1e-7), "1e-7")
  })
})
