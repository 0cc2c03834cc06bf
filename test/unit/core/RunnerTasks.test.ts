/**
 * How the runner runs tasks: per-learner config and environment, retries, timeouts, the
 * backend's concurrency, and in-process functions.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import * as ScriptedBackend from "../../../backends/ScriptedBackend.ts"
import * as Rose from "../../../core/ProgramBuilder.ts"
import * as TaskError from "../../../core/TaskError.ts"
import { readEvents, runIn, withBackend } from "./learnerKit.ts"
import { activeTasks, metrics, program } from "./runnerKit.ts"

describe("Runner: running tasks", () => {
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
})
