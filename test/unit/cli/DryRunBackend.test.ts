import * as FileSystem from "@effect/platform/FileSystem"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import * as TestClock from "effect/TestClock"
import * as DryRunBackend from "../../../backends/DryRunBackend.ts"
import type * as Backend from "../../../core/Backend.ts"
import * as Event from "../../../core/Event.ts"
import * as Host from "../../../core/Host.ts"
import * as Rose from "../../../core/ProgramBuilder.ts"
import * as Runner from "../../../core/Runner.ts"
import * as Builtin from "../../../plugins/Builtin.ts"
import * as Registry from "../../../plugins/Registry.ts"
import * as NodeSpawner from "../../../runtime/NodeSpawner.ts"

const tmpDir = Effect.flatMap(FileSystem.FileSystem, (fs) => fs.makeTempDirectoryScoped({ prefix: "rose-dry-" }))

const invocation = (dir: string, overrides: Partial<Backend.Invocation> = {}): Backend.Invocation => ({
  runId: "r",
  learner: { name: "sweep", index: 1 },
  iteration: 2,
  task: "criterion",
  attempt: 1,
  command: { _tag: "Argv", argv: ["node", "check.mjs", "--a b"] },
  cwd: dir,
  env: {},
  stdoutPath: `${dir}/out`,
  stderrPath: `${dir}/err`,
  resources: {},
  onStart: () => Effect.void,
  ...overrides
})

const program = (config: Record<string, unknown>, maxIter = 4, parallel = 2) =>
  Rose.program({
    here: "/proj",
    backends: [{ kind: "dry-run", name: "dry", config: config as never }],
    learners: [
      Rose.active("sweep", {
        parallel,
        maxIter,
        tasks: {
          simulation: Rose.exec("node ./sim.mjs --n {n}", { with: { n: 10 } }),
          training: Rose.exec("node ./train.mjs"),
          active_learn: Rose.exec("node ./active.mjs"),
          criterion: Rose.exec("node ./check.mjs")
        },
        stopWhen: { metricName: "mse", threshold: 0.1 }
      })
    ]
  })

/** Runs a program on the backends it declares, built through the registry with the built-in plugin. */
const withRun = (p: ReturnType<typeof program>, options: Registry.BackendOptions = {}) =>
  Effect.gen(function* () {
    const dir = yield* tmpDir
    const context = yield* Layer.build(
      Registry.backendsLayer(p.backends, options).pipe(
        Layer.provide(Registry.layer([Builtin.plugin])),
        Layer.provide(Host.layerTest({ cwd: dir, cpuCount: 4 })),
        Layer.provide(NodeSpawner.layer)
      )
    )
    const handle = yield* Runner.prepare(p, { out: `${dir}/run` }).pipe(
      Effect.provide(context),
      Effect.provide(Host.layerTest({ cwd: dir }))
    )
    return { dir, handle }
  })

describe("DryRunBackend", () => {
  it.scoped("writes a synthetic output naming the command and, for a criterion, the metric as the last line", () =>
    Effect.gen(function* () {
      const dir = yield* tmpDir
      const fs = yield* FileSystem.FileSystem
      const service = yield* DryRunBackend.make({ metrics: { "sweep[1]": [0.9, 0.5, 0.25] }, durationMillis: 0 })
      const placements: Array<Backend.Placement> = []
      const outcome = yield* service.run(invocation(dir, { onStart: (p) => Effect.sync(() => placements.push(p)) }))
      assert.deepStrictEqual(outcome, { exitCode: 0, signal: null })
      assert.strictEqual(placements.length, 1)
      const out = yield* fs.readFileString(`${dir}/out`)
      assert.strictEqual(out, "dry-run: sweep[1] iteration 2 would run: node check.mjs '--a b'\n0.25\n")
      assert.strictEqual(yield* fs.readFileString(`${dir}/err`), "")
    }).pipe(Effect.provide(Layer.merge(NodeContext.layer, Host.layerTest())))
  )

  it("picks the metric of name[k], else of name, else halves it each iteration; the last value repeats", () => {
    const config: DryRunBackend.Config = { metrics: { sweep: [3, 2], "sweep[1]": [7] } }
    assert.strictEqual(DryRunBackend.metricAt(config, { name: "sweep", index: 0 }, 0), 3)
    assert.strictEqual(DryRunBackend.metricAt(config, { name: "sweep", index: 0 }, 9), 2)
    assert.strictEqual(DryRunBackend.metricAt(config, { name: "sweep", index: 1 }, 4), 7)
    assert.strictEqual(DryRunBackend.metricAt(config, { name: "other", index: 0 }, 3), 0.125)
    assert.strictEqual(DryRunBackend.durationOf({ durationMillis: { training: 5, default: 1 } }, "training"), 5)
    assert.strictEqual(DryRunBackend.durationOf({ durationMillis: { training: 5, default: 1 } }, "sim"), 1)
    assert.strictEqual(DryRunBackend.durationOf({}, "sim"), DryRunBackend.defaultDurationMillis)
  })

  it.scoped("fails a task where the script says so, with its exit code and a stderr line", () =>
    Effect.gen(function* () {
      const dir = yield* tmpDir
      const fs = yield* FileSystem.FileSystem
      const service = yield* DryRunBackend.make({
        durationMillis: 0,
        failures: [{ learner: "sweep", task: "training", iteration: 2, exitCode: 3 }]
      })
      const failed = yield* service.run(invocation(dir, { task: "training" }))
      assert.strictEqual(failed.exitCode, 3)
      assert.include(yield* fs.readFileString(`${dir}/err`), "scripted failure of training")
      const ok = yield* service.run(invocation(dir, { task: "training", iteration: 3 }))
      assert.strictEqual(ok.exitCode, 0)
    }).pipe(Effect.provide(Layer.merge(NodeContext.layer, Host.layerTest())))
  )

  it.scoped("takes its time on Effect's clock and stops at once when interrupted", () =>
    Effect.gen(function* () {
      const dir = yield* tmpDir
      const fs = yield* FileSystem.FileSystem
      const service = yield* DryRunBackend.make({ durationMillis: 60_000 })
      const fiber = yield* Effect.fork(service.run(invocation(dir)))
      yield* TestClock.adjust("30 seconds")
      assert.isNull(fiber.unsafePoll())
      yield* Fiber.interrupt(fiber)
      assert.isFalse(yield* fs.exists(`${dir}/out`))
      const done = yield* Effect.fork(service.run(invocation(dir)))
      yield* TestClock.adjust("60 seconds")
      assert.strictEqual((yield* Fiber.join(done)).exitCode, 0)
    }).pipe(Effect.provide(Layer.merge(NodeContext.layer, Host.layerTest())))
  )

  it.scopedLive("scripted values reach the learners' criteria through the real parsing path", () =>
    Effect.gen(function* () {
      const { handle } = yield* withRun(
        program({ duration_ms: 1, metrics: { "sweep[0]": [0.5, 0.3, 0.05], sweep: [0.9, 0.8] } })
      )
      yield* handle.start
      const r = yield* handle.await
      assert.strictEqual(r.status, "completed")
      assert.deepStrictEqual(
        r.learners.map((l) => [l.stopReason, l.iterations, l.metric?.history]),
        [
          ["criterion_met", 3, [0.5, 0.3, 0.05]],
          ["max_iter", 4, [0.9, 0.8, 0.8, 0.8]]
        ]
      )
    }).pipe(Effect.provide(NodeContext.layer))
  )

  it.scopedLive("a scripted failure ends the learner with error and the run as failed", () =>
    Effect.gen(function* () {
      const { handle } = yield* withRun(
        program(
          { duration_ms: 0, failures: [{ learner: "sweep[1]", task: "training", iteration: 1, exit_code: 7 }] },
          6
        )
      )
      yield* handle.start
      const r = yield* handle.await
      assert.strictEqual(r.status, "failed")
      assert.strictEqual(r.learners[1]!.stopReason, "error")
      assert.deepStrictEqual(
        [r.learners[1]!.failure?.task, r.learners[1]!.failure?.iteration, r.learners[1]!.failure?.exitCode],
        ["training", 1, 7]
      )
      assert.strictEqual(r.learners[0]!.stopReason, "criterion_met")
    }).pipe(Effect.provide(NodeContext.layer))
  )

  it.scopedLive("interrupting the run interrupts the dry-run tasks: learners end interrupted", () =>
    Effect.gen(function* () {
      const { handle, dir } = yield* withRun(program({ duration_ms: 3_600_000 }))
      const events = yield* PubSub.subscribe(handle.events)
      yield* handle.start
      while ((yield* Queue.take(events))._tag !== "task_started") {}
      yield* handle.interrupt
      const r = yield* handle.await
      assert.strictEqual(r.status, "interrupted")
      assert.deepStrictEqual(
        r.learners.map((l) => l.stopReason),
        ["interrupted", "interrupted"]
      )
      const fs = yield* FileSystem.FileSystem
      const journal = Event.parseJournal(yield* fs.readFileString(`${dir}/run/events.jsonl`)).events
      assert.isTrue(journal.some((e) => e._tag === "task_started"))
      assert.isFalse(journal.some((e) => e._tag === "task_finished"))
    }).pipe(Effect.provide(NodeContext.layer))
  )

  it.scopedLive("--dry-run: the override sends tasks to a dry-run backend of default configuration", () =>
    Effect.gen(function* () {
      const p = Rose.program({
        here: "/proj",
        learners: [
          Rose.active("one", {
            maxIter: 3,
            tasks: { training: Rose.exec("node ./train.mjs"), active_learn: Rose.exec("node ./a.mjs") }
          })
        ]
      })
      const { handle } = yield* withRun(p, { override: "dry-run" })
      yield* handle.start
      const r = yield* handle.await
      assert.deepStrictEqual(
        r.learners.map((l) => [l.stopReason, l.iterations]),
        [["max_iter", 3]]
      )
    }).pipe(Effect.provide(NodeContext.layer))
  )

  it("its configuration is checked by the built-in plugin's schema", () => {
    const registry = Either.getOrThrow(Registry.make([Builtin.plugin]))
    const ok = Registry.decodeBackendConfig(registry, {
      kind: "dry-run",
      name: "dry",
      config: { duration_ms: { training: 5, default: 1 }, metrics: { sweep: [1, 2] }, concurrency: 2 }
    })
    assert.isTrue(Either.isRight(ok))
    const bad = Registry.decodeBackendConfig(registry, {
      kind: "dry-run",
      name: "dry",
      config: { metrics: { sweep: "fast" }, durations: 3 }
    })
    assert.isTrue(Either.isLeft(bad))
  })
})
