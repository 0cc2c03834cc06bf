import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import * as Slots from "../../../core/Slots.ts"

describe("Slots", () => {
  it.effect("grants in arrival order: a large request is not overtaken by small ones", () =>
    Effect.gen(function* () {
      const slots = Slots.make(4)
      const order: Array<string> = []
      const job = (name: string, n: number, ms: number) =>
        slots.withSlots(n)(Effect.sync(() => order.push(name)).pipe(Effect.zipRight(Effect.sleep(`${ms} millis`))))
      const fibers = [
        yield* Effect.fork(job("a1", 1, 100)),
        yield* Effect.fork(job("a2", 1, 100)),
        yield* Effect.fork(job("big", 4, 10)),
        yield* Effect.fork(job("b1", 1, 10)),
        yield* Effect.fork(job("b2", 1, 10))
      ]
      yield* TestClock.adjust("50 millis")
      // 2 slots are free, but b1/b2 queue behind the 4-slot request.
      assert.deepStrictEqual(order, ["a1", "a2"])
      assert.strictEqual(slots.waiting(), 3)
      yield* TestClock.adjust("55 millis")
      assert.deepStrictEqual(order, ["a1", "a2", "big"])
      yield* TestClock.adjust("20 millis")
      assert.deepStrictEqual(order, ["a1", "a2", "big", "b1", "b2"])
      yield* Fiber.joinAll(fibers)
      assert.strictEqual(slots.inUse(), 0)
    })
  )

  it.effect("never exceeds its capacity, and releases the slots of an interrupted holder or waiter", () =>
    Effect.gen(function* () {
      const slots = Slots.make(2)
      let running = 0
      let peak = 0
      const job = slots.withSlots(1)(
        Effect.acquireUseRelease(
          Effect.sync(() => {
            running++
            peak = Math.max(peak, running)
          }),
          () => Effect.sleep("10 millis"),
          () => Effect.sync(() => running--)
        )
      )
      const fibers = yield* Effect.forEach(Array.from({ length: 10 }), () => Effect.fork(job))
      const holder = yield* Effect.fork(slots.withSlots(2)(Effect.never))
      yield* Fiber.interrupt(fibers[9]!)
      yield* TestClock.adjust("1 second")
      yield* Fiber.interrupt(holder)
      yield* Fiber.joinAll(fibers.slice(0, 9))
      assert.strictEqual(peak, 2)
      assert.strictEqual(slots.inUse(), 0)
      assert.strictEqual(slots.waiting(), 0)
    })
  )

  it.effect("clamps a request larger than the capacity", () =>
    Effect.gen(function* () {
      const slots = Slots.make(2)
      yield* slots.withSlots(8)(Effect.sync(() => assert.strictEqual(slots.inUse(), 2)))
    })
  )
})
