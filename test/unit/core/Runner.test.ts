import * as FileSystem from "@effect/platform/FileSystem"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as ScriptedBackend from "../../../backends/ScriptedBackend.ts"
import * as Event from "../../../core/Event.ts"
import * as Host from "../../../core/Host.ts"
import type * as Program from "../../../core/Program.ts"
import * as Rose from "../../../core/ProgramBuilder.ts"
import * as Runner from "../../../core/Runner.ts"
import * as TaskError from "../../../core/TaskError.ts"

const tmpDir = Effect.flatMap(FileSystem.FileSystem, (fs) => fs.makeTempDirectoryScoped({ prefix: "rose-runner-" }))

const activeTasks = (criterion = true, options: Rose.TaskOptions = {}) => ({
  simulation: Rose.exec("sim --n {n}", { with: { n: 1 }, ...options }),
  training: Rose.exec("train", options),
  active_learn: Rose.exec("select", options),
  ...(criterion ? { criterion: Rose.exec("check", options) } : {})
})

const program = (
  spec: Partial<Rose.LearnerSpec> & { readonly parallel?: number },
  extra: Partial<Rose.ProgramSpec> = {}
) =>
  Rose.program({
    here: "/proj",
    learners: [
      Rose.active("sweep", {
        parallel: spec.parallel ?? 3,
        maxIter: spec.maxIter ?? 5,
        tasks: spec.tasks ?? activeTasks(),
        stopWhen: spec.stopWhen ?? { metricName: "mse", threshold: 0.1 },
        configs: spec.configs,
        onError: spec.onError
      })
    ],
    ...extra
  })

/** A criterion printing 0.5 except where `overrides` says otherwise (keyed "learner:iteration"). */
const metrics =
  (overrides: Record<string, number | string> = {}): ScriptedBackend.Script =>
  (inv) =>
    inv.task === "criterion"
      ? { stdout: `${overrides[`${inv.learner.index}:${inv.iteration}`] ?? 0.5}\n` }
      : { stdout: `{"task":"${inv.task}","iteration":${inv.iteration}}\n` }

const withBackend =
  (script: ScriptedBackend.Script, recorder = ScriptedBackend.makeRecorder(), concurrency?: number) =>
  <A, E>(effect: (dir: string) => Effect.Effect<A, E, any>) =>
    Effect.gen(function* () {
      const dir = yield* tmpDir
      return yield* effect(dir).pipe(
        Effect.provide(
          Layer.mergeAll(
            ScriptedBackend.layerTest(script, concurrency === undefined ? { recorder } : { recorder, concurrency }),
            Host.layerTest({ cwd: dir })
          )
        )
      )
    }).pipe(Effect.provide(NodeContext.layer))

const readEvents = (runDir: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const parsed = Event.parseJournal(yield* fs.readFileString(`${runDir}/events.jsonl`))
    assert.strictEqual(parsed.invalid, 0)
    assert.isUndefined(parsed.tornLine)
    return parsed.events
  })

const runIn = (p: Program.Program) => (dir: string) => Runner.run(p, { out: `${dir}/run` })

describe("Runner", () => {
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

  it.scoped("on_error abort interrupts the other learners", () =>
    withBackend((inv) =>
      inv.learner.index === 0 && inv.task === "training" ? { exitCode: 1 } : { ...metrics()(inv), durationMillis: 0 }
    )((dir) =>
      Effect.gen(function* () {
        const results = yield* runIn(program({ onError: "abort", maxIter: 50 }))(dir)
        assert.strictEqual(results.status, "failed")
        assert.strictEqual(results.learners[0]!.stopReason, "error")
        assert.isTrue(
          results.learners.slice(1).every((l) => l.stopReason === "interrupted" || l.stopReason === "max_iter")
        )
        assert.isTrue(results.learners.slice(1).some((l) => l.stopReason === "interrupted"))
      })
    )
  )

  it.scoped("stop(learner) ends that learner with stopped and interrupts its running task; the others go on", () => {
    const recorder = ScriptedBackend.makeRecorder()
    return withBackend(
      (inv) =>
        inv.learner.index === 1 && inv.iteration === 1 && inv.task === "training" ? Effect.never : metrics()(inv),
      recorder
    )((dir) =>
      Effect.gen(function* () {
        const handle = yield* Runner.prepare(program({ maxIter: 4 }), { out: `${dir}/run` })
        const events = yield* handle.events.subscribe
        yield* handle.start
        // Wait until learner 1 is inside its hanging task.
        yield* Stream.fromQueue(events).pipe(
          Stream.takeUntil(
            (e) => e._tag === "task_started" && e.learner.index === 1 && e.iteration === 1 && e.task === "training"
          ),
          Stream.runDrain
        )
        yield* handle.stop({ name: "sweep", index: 1 })
        const results = yield* handle.await
        assert.deepStrictEqual(
          results.learners.map((l) => l.stopReason),
          ["max_iter", "stopped", "max_iter"]
        )
        assert.strictEqual(results.status, "completed")
        assert.strictEqual(recorder.interrupted, 1)
        assert.isTrue(Either.isLeft(yield* Effect.either(handle.stop({ name: "sweep", index: 9 }))))
      })
    )
  })

  it.scoped("interrupt ends every learner with interrupted and the run with status interrupted", () =>
    withBackend((inv) => (inv.iteration === 2 && inv.task === "training" ? Effect.never : metrics()(inv)))((dir) =>
      Effect.gen(function* () {
        const handle = yield* Runner.prepare(program({ maxIter: 10 }), { out: `${dir}/run` })
        const events = yield* handle.events.subscribe
        yield* handle.start
        yield* Stream.fromQueue(events).pipe(
          Stream.filter((e) => e._tag === "task_started" && e.iteration === 2 && e.task === "training"),
          Stream.take(3),
          Stream.runDrain
        )
        yield* handle.interrupt
        const results = yield* handle.await
        assert.strictEqual(results.status, "interrupted")
        assert.isTrue(results.learners.every((l) => l.stopReason === "interrupted" && l.iterations === 2))
      })
    )
  )

  // A real backend's cancellation is a round trip (ssh, scancel): were the learners interrupted one
  // after another, a Ctrl-C would wait for one round trip per learner. Here each cancellation waits
  // until every learner's cancellation has begun: only concurrent cancellations all see that.
  it.scopedLive("interrupt cancels every learner's running task at once, not one learner after another", () => {
    const learners = 4
    let waiting = 0
    let begun = 0
    const sawAll: Array<boolean> = []
    const allWaiting = Deferred.unsafeMake<void>(FiberId.none)
    // Finalizers run uninterruptibly, so this polls (up to a second) rather than racing a timer.
    const cancellation = Effect.gen(function* () {
      begun++
      for (let i = 0; i < 100 && begun < learners; i++) yield* Effect.sleep("10 millis")
      sawAll.push(begun === learners)
    })
    const training = Effect.suspend(() => {
      if (++waiting === learners) Deferred.unsafeDone(allWaiting, Effect.void)
      return Effect.never
    }).pipe(Effect.onInterrupt(() => cancellation))
    return withBackend((inv) => (inv.task === "training" ? training : metrics()(inv)))((dir) =>
      Effect.gen(function* () {
        const handle = yield* Runner.prepare(program({ parallel: learners, maxIter: 10 }), { out: `${dir}/run` })
        yield* handle.start
        yield* Deferred.await(allWaiting)
        yield* handle.interrupt
        const results = yield* handle.await
        assert.strictEqual(results.status, "interrupted")
        assert.deepStrictEqual(sawAll, Array(learners).fill(true))
      })
    )
  })

  it.scoped("closing the scope of an unfinished run stops it and still writes its results", () =>
    withBackend((inv) => (inv.task === "training" ? Effect.never : metrics()(inv)))((dir) =>
      Effect.gen(function* () {
        yield* Effect.scoped(
          Effect.gen(function* () {
            const handle = yield* Runner.prepare(program({ parallel: 2 }), { out: `${dir}/run` })
            const events = yield* handle.events.subscribe
            yield* handle.start
            yield* Stream.fromQueue(events).pipe(
              Stream.filter((e) => e._tag === "task_started" && e.task === "training"),
              Stream.take(2),
              Stream.runDrain
            )
          })
        )
        const fs = yield* FileSystem.FileSystem
        const results = JSON.parse(yield* fs.readFileString(`${dir}/run/results.json`))
        assert.strictEqual(results.status, "completed")
        assert.deepStrictEqual(
          results.learners.map((l: { stopReason: string }) => l.stopReason),
          ["stopped", "stopped"]
        )
      })
    )
  )

  it.scoped("applies setNextConfig from the learner's next iteration", () => {
    const recorder = ScriptedBackend.makeRecorder()
    return withBackend(
      metrics(),
      recorder
    )((dir) =>
      Effect.gen(function* () {
        const handle = yield* Runner.prepare(program({ parallel: 1, maxIter: 3 }), { out: `${dir}/run` })
        const events = yield* handle.events.subscribe
        yield* handle.start
        yield* Stream.fromQueue(events).pipe(
          Stream.takeUntil((e) => e._tag === "task_started" && e.iteration === 0 && e.task === "training"),
          Stream.runDrain
        )
        yield* handle.setNextConfig({ name: "sweep", index: 0 }, { simulation: { kwargs: { n: 42 } } })
        yield* handle.await
        const sims = recorder.invocations
          .filter((i) => i.task === "simulation")
          .map((i) => (i.command._tag === "Argv" ? i.command.argv.join(" ") : ""))
        assert.deepStrictEqual(sims, ["sim --n 1", "sim --n 42", "sim --n 42"])
        const rejected = yield* Effect.either(
          handle.setNextConfig({ name: "sweep", index: 0 }, { tasks: { nope: {} } })
        )
        assert.isTrue(Either.isLeft(rejected))
      })
    )
  })

  it.scoped("gives each learner its own config, working directory and ROSE_* environment", () => {
    const recorder = ScriptedBackend.makeRecorder()
    return withBackend(
      metrics(),
      recorder
    )((dir) =>
      Effect.gen(function* () {
        const results = yield* runIn(
          program({
            parallel: 3,
            maxIter: 1,
            configs: [null, { simulation: { kwargs: { n: 2 } } }, { simulation: { kwargs: { "--n": 3 } } }]
          })
        )(dir)
        assert.strictEqual(results.status, "completed")
        const sims = recorder.invocations.filter((i) => i.task === "simulation")
        const byLearner = new Map(sims.map((i) => [i.learner.index, i]))
        assert.deepStrictEqual(
          [0, 1, 2].map((k) => {
            const c = byLearner.get(k)!.command
            return c._tag === "Argv" ? c.argv : []
          }),
          [
            ["sim", "--n", "1"],
            ["sim", "--n", "2"],
            ["sim", "--n", "3"]
          ]
        )
        const inv = byLearner.get(2)!
        assert.strictEqual(inv.cwd, `${dir}/run/learners/sweep-2`)
        assert.strictEqual(inv.stdoutPath, `${dir}/run/learners/sweep-2/iter-0/simulation.out`)
        assert.deepStrictEqual(
          { ...inv.env },
          {
            ROSE_RUN_DIR: `${dir}/run`,
            ROSE_RUN_ID: results.runId,
            ROSE_LEARNER: "2",
            ROSE_LEARNER_NAME: "sweep",
            ROSE_ITERATION: "0",
            ROSE_TASK: "simulation",
            ROSE_WORKDIR: `${dir}/run/learners/sweep-2`,
            ROSE_ATTEMPT: "1"
          }
        )
      })
    )
  })

  it.scoped("retries infrastructure failures by default, but not a non-zero exit unless asked", () => {
    const recorder = ScriptedBackend.makeRecorder()
    let spawnFailures = 0
    const script: ScriptedBackend.Script = (inv) => {
      if (inv.task === "training" && inv.learner.index === 0 && spawnFailures < 2) {
        spawnFailures++
        return Effect.fail(new TaskError.SpawnFailed({ command: "train", reason: "EAGAIN" }))
      }
      if (inv.task === "training" && inv.learner.index === 1) return { exitCode: 2 }
      return metrics()(inv)
    }
    return withBackend(
      script,
      recorder
    )((dir) =>
      Effect.gen(function* () {
        const p = program({
          parallel: 2,
          maxIter: 1,
          tasks: activeTasks(true, { retry: { times: 3, baseDelayMillis: 1 } })
        })
        const fiber = yield* Effect.fork(runIn(p)(dir))
        // Backoff sleeps run on the test clock: move it until the run is over.
        while ((yield* Fiber.poll(fiber))._tag === "None") {
          yield* TestClock.adjust("1 second")
          yield* Effect.promise(() => new Promise((r) => setImmediate(r)))
        }
        const results = yield* Fiber.join(fiber)
        assert.strictEqual(results.learners[0]!.stopReason, "max_iter")
        assert.strictEqual(results.learners[1]!.stopReason, "error")
        assert.strictEqual(results.learners[1]!.failure!.attempt, 1)
        const attempts = recorder.invocations
          .filter((i) => i.task === "training" && i.learner.index === 0)
          .map((i) => [i.attempt, i.stdoutPath.split("/").at(-1)])
        assert.deepStrictEqual(attempts, [
          [1, "training.out"],
          [2, "training.out.2"],
          [3, "training.out.3"]
        ])
        const events = yield* readEvents(`${dir}/run`)
        assert.strictEqual(events.filter((e) => e._tag === "task_retried").length, 2)
      })
    )
  })

  it.scoped("retries a non-zero exit when told retry N on exit", () => {
    const recorder = ScriptedBackend.makeRecorder()
    let failures = 0
    return withBackend(
      (inv) => (inv.task === "training" && failures++ < 2 ? { exitCode: 1 } : metrics()(inv)),
      recorder
    )((dir) =>
      Effect.gen(function* () {
        const p = program({
          parallel: 1,
          maxIter: 1,
          tasks: activeTasks(true, { retry: { times: 2, on: "exit", baseDelayMillis: 1 } })
        })
        const fiber = yield* Effect.fork(runIn(p)(dir))
        while ((yield* Fiber.poll(fiber))._tag === "None") {
          yield* TestClock.adjust("1 second")
          yield* Effect.promise(() => new Promise((r) => setImmediate(r)))
        }
        const results = yield* Fiber.join(fiber)
        assert.strictEqual(results.learners[0]!.stopReason, "max_iter")
        assert.strictEqual(recorder.invocations.filter((i) => i.task === "training").length, 3)
      })
    )
  })

  it.scoped("kills a task that runs past its timeout and counts it as a failed attempt", () => {
    const recorder = ScriptedBackend.makeRecorder()
    return withBackend(
      (inv) => (inv.task === "training" ? { durationMillis: 60_000 } : metrics()(inv)),
      recorder
    )((dir) =>
      Effect.gen(function* () {
        const p = program({ parallel: 1, maxIter: 1, tasks: activeTasks(true, { timeoutMillis: 5_000 }) })
        const fiber = yield* Effect.fork(runIn(p)(dir))
        while ((yield* Fiber.poll(fiber))._tag === "None") {
          yield* TestClock.adjust("1 second")
          yield* Effect.promise(() => new Promise((r) => setImmediate(r)))
        }
        const results = yield* Fiber.join(fiber)
        assert.strictEqual(results.learners[0]!.failure!.tag, "TaskTimedOut")
        assert.strictEqual(recorder.interrupted, 1)
      })
    )
  })

  it.scoped("honours the backend's concurrency limit across learners", () => {
    const recorder = ScriptedBackend.makeRecorder()
    return withBackend(
      metrics(),
      recorder,
      2
    )((dir) =>
      Effect.gen(function* () {
        yield* runIn(program({ parallel: 6, maxIter: 2 }))(dir)
        assert.strictEqual(recorder.maxRunning, 2)
      })
    )
  })

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

  it.scoped("runs in-process tasks: a criterion returning a number, tasks returning state", () =>
    withBackend(metrics())((dir) =>
      Effect.gen(function* () {
        const seen: Array<string> = []
        const p = program({
          parallel: 2,
          maxIter: 10,
          tasks: {
            training: Rose.fn(
              (ctx) => {
                seen.push(`${ctx.learner.index}:${ctx.iteration}:${JSON.stringify(ctx.kwargs)}`)
                return { fitted: ctx.iteration }
              },
              { with: { lr: 0.1 } }
            ),
            active_learn: Rose.fn(async (ctx) => ({ picked: (ctx.results.training as { fitted: number }).fitted * 2 })),
            criterion: Rose.fn((ctx) => (ctx.learner.index === 0 ? 0.5 ** ctx.iteration : { value: 0.5 }))
          }
        })
        const results = yield* runIn(p)(dir)
        assert.strictEqual(results.learners[0]!.stopReason, "criterion_met")
        assert.deepStrictEqual(results.learners[0]!.metric!.history, [1, 0.5, 0.25, 0.125, 0.0625])
        assert.deepStrictEqual(results.learners[0]!.state.active_learn, { picked: 8 })
        assert.strictEqual(results.learners[1]!.stopReason, "max_iter")
        assert.include(seen, '0:0:{"lr":0.1}')
      })
    )
  )

  it.scoped("reports a throwing in-process task as the learner's error", () =>
    withBackend(metrics())((dir) =>
      Effect.gen(function* () {
        const p = program({
          parallel: 1,
          tasks: {
            training: Rose.fn(() => {
              throw new Error("kaboom")
            }),
            active_learn: Rose.fn(() => ({})),
            criterion: Rose.fn(() => 1)
          }
        })
        const results = yield* runIn(p)(dir)
        assert.strictEqual(results.learners[0]!.failure!.tag, "TaskFunctionError")
        assert.match(results.learners[0]!.failure!.message, /kaboom/)
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

describe("Program validation", () => {
  it("says which learner, which task and what is wrong", () => {
    const r = Rose.make({
      learners: [
        Rose.active("sweep", {
          parallel: 2,
          maxIter: 3,
          tasks: { training: Rose.exec("t"), active_learn: Rose.exec("a"), simulation: Rose.exec("s") },
          configs: [null, { simulation: { kwargs: { n: Number.NaN } } }]
        })
      ]
    })
    assert.isTrue(Either.isLeft(r))
    const message = Either.isLeft(r) ? r.left.message : ""
    assert.include(message, 'learner "sweep"[1], task "simulation"')
  })

  it("needs a criterion when max_iter is absent, one config per learner, and the kind's tasks", () => {
    const r = Rose.make({
      learners: [Rose.active("a", { parallel: 2, tasks: { training: Rose.exec("t") }, configs: [null] })]
    })
    const message = Either.isLeft(r) ? r.left.message : ""
    assert.include(message, 'needs a "active_learn" task')
    assert.include(message, "needs one")
    assert.include(message, "1 learner configs for 2 parallel learners")
  })

  it("rejects duplicate learner names and a bad command", () => {
    const block = Rose.active("a", {
      maxIter: 1,
      tasks: { training: Rose.exec("t"), active_learn: Rose.exec("echo 'x") }
    })
    const r = Rose.make({ learners: [block, block] })
    const message = Either.isLeft(r) ? r.left.message : ""
    assert.include(message, "unterminated single quote")
  })
})
