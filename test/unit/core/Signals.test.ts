/**
 * Signals as effects: a scripted `Signals` service whose signals the test sends, and the one
 * cancellation policy (`cancelOnSignal`) the facade and the CLI share.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Signals from "../../../core/Signals.ts"

/** A `Signals` service fed by `send`; `subscribers` counts the open subscriptions. */
const scripted = Effect.gen(function* () {
  const queues = new Set<Queue.Queue<Signals.Signal>>()
  const service: Signals.Service = {
    subscribe: Effect.acquireRelease(
      Effect.tap(Queue.unbounded<Signals.Signal>(), (q) => Effect.sync(() => queues.add(q))),
      (q) => Effect.sync(() => queues.delete(q))
    ),
    reraise: () => Effect.void
  }
  return {
    service,
    subscribers: () => queues.size,
    send: (signal: Signals.Signal) =>
      Effect.sync(() => {
        for (const q of queues) q.unsafeOffer(signal)
      })
  }
})

describe("Signals.cancelOnSignal", () => {
  it.effect("runs onFirst for the first signal and onAgain, with the first, for every later one", () =>
    Effect.gen(function* () {
      const s = yield* scripted
      const seen = yield* Ref.make<ReadonlyArray<string>>([])
      const log = (entry: string) => Ref.update(seen, (all) => [...all, entry])
      const scope = yield* Scope.make()
      yield* Signals.cancelOnSignal({
        onFirst: (signal) => log(`first ${signal}`),
        onAgain: (signal, first) => log(`again ${signal} after ${first}`)
      }).pipe(Effect.provideService(Signals.Signals, s.service), Scope.extend(scope))
      // Taken over when cancelOnSignal returned: a signal sent now is not lost.
      assert.strictEqual(s.subscribers(), 1)
      yield* s.send("SIGINT")
      yield* s.send("SIGTERM")
      yield* s.send("SIGINT")
      yield* Effect.yieldNow().pipe(Effect.repeatN(10))
      // onFirst runs in a fiber of its own: only the order of the later signals is given.
      const all = yield* Ref.get(seen)
      assert.deepStrictEqual(
        all.filter((e) => e.startsWith("first")),
        ["first SIGINT"]
      )
      assert.deepStrictEqual(
        all.filter((e) => e.startsWith("again")),
        ["again SIGTERM after SIGINT", "again SIGINT after SIGINT"]
      )
      yield* Scope.close(scope, Exit.void)
      assert.strictEqual(s.subscribers(), 0, "the signals are given back when the scope closes")
    })
  )

  it.effect("hears a second signal while the first one's cancellation still runs", () =>
    Effect.gen(function* () {
      const s = yield* scripted
      const cancelling = yield* Deferred.make<void>()
      const again = yield* Deferred.make<Signals.Signal>()
      yield* Signals.cancelOnSignal({
        onFirst: () => Effect.zipRight(Deferred.succeed(cancelling, undefined), Effect.never),
        onAgain: (signal) => Deferred.succeed(again, signal)
      }).pipe(Effect.provideService(Signals.Signals, s.service))
      yield* s.send("SIGHUP")
      yield* Deferred.await(cancelling)
      yield* s.send("SIGTERM")
      assert.strictEqual(yield* Deferred.await(again), "SIGTERM")
    }).pipe(Effect.scoped)
  )
})

describe("Signals.next and Signals.stream", () => {
  it.effect("give the signals as values", () =>
    Effect.gen(function* () {
      const s = yield* scripted
      const next = yield* Effect.fork(Signals.next.pipe(Effect.provideService(Signals.Signals, s.service)))
      while (s.subscribers() === 0) yield* Effect.yieldNow()
      yield* s.send("SIGTERM")
      assert.strictEqual(yield* Fiber.join(next), "SIGTERM")
      assert.strictEqual(s.subscribers(), 0)
      const two = yield* Effect.fork(
        Stream.runCollect(Stream.take(Signals.stream, 2)).pipe(Effect.provideService(Signals.Signals, s.service))
      )
      while (s.subscribers() === 0) yield* Effect.yieldNow()
      yield* s.send("SIGINT")
      yield* s.send("SIGHUP")
      assert.deepStrictEqual(Chunk.toReadonlyArray(yield* Fiber.join(two)), ["SIGINT", "SIGHUP"])
      assert.strictEqual(s.subscribers(), 0)
    })
  )
})
