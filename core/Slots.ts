/**
 * A fair, weighted semaphore: requests are granted strictly in arrival order, so a task asking for
 * four cores is not starved by a stream of one-core tasks (effect's `Semaphore` lets small requests
 * overtake). Backends gate their cores, host slots and allocations with it.
 *
 * @since 0.1.0
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as FiberId from "effect/FiberId"

interface Waiter {
  readonly n: number
  readonly granted: Deferred.Deferred<void>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Slots {
  readonly capacity: number
  /** Slots currently held. */
  readonly inUse: () => number
  /** Requests waiting. */
  readonly waiting: () => number
  /** Runs `effect` holding `n` slots (clamped to the capacity), waiting its turn. */
  readonly withSlots: (n: number) => <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (capacity: number): Slots => {
  const cap = Math.max(1, Math.floor(capacity))
  let available = cap
  const queue: Array<Waiter> = []

  const grantWaiting = () => {
    while (queue.length > 0 && queue[0]!.n <= available) {
      const w = queue.shift()!
      available -= w.n
      Deferred.unsafeDone(w.granted, Effect.void)
    }
  }

  const release = (n: number) =>
    Effect.sync(() => {
      available += n
      grantWaiting()
    })

  const acquire = (n: number): Effect.Effect<void> =>
    Effect.suspend(() => {
      if (queue.length === 0 && available >= n) {
        available -= n
        return Effect.void
      }
      const waiter: Waiter = { n, granted: Deferred.unsafeMake<void>(FiberId.none) }
      queue.push(waiter)
      return Deferred.await(waiter.granted).pipe(
        Effect.onInterrupt(() =>
          Effect.suspend(() => {
            const at = queue.indexOf(waiter)
            if (at >= 0) {
              queue.splice(at, 1)
              // The head may have been blocked behind this request.
              grantWaiting()
              return Effect.void
            }
            // Granted just before the interruption landed: give the slots back.
            return release(n)
          })
        )
      )
    })

  return {
    capacity: cap,
    inUse: () => cap - available,
    waiting: () => queue.length,
    withSlots:
      (n) =>
      <A, E, R>(effect: Effect.Effect<A, E, R>) => {
        const k = Math.min(cap, Math.max(1, Math.ceil(n)))
        return Effect.acquireUseRelease(
          acquire(k),
          () => effect,
          () => release(k)
        )
      }
  }
}
