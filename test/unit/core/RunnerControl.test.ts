/**
 * Controlling a run from outside: on_error abort, stop, interrupt, closing its scope, and
 * setNextConfig.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberId from "effect/FiberId"
import * as Stream from "effect/Stream"
import * as ScriptedBackend from "../../../backends/ScriptedBackend.ts"
import * as Runner from "../../../core/Runner.ts"
import { runIn, withBackend } from "./learnerKit.ts"
import { metrics, program } from "./runnerKit.ts"

describe("Runner: control from outside", () => {
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
})
