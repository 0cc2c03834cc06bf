/**
 * Termination signals (SIGINT, SIGTERM, SIGHUP) as a service, so a run can cancel its learners and
 * kill its tasks before the process ends. The runtime layer implements it; library code never
 * touches `process`. Signals arrive as values (a queue, a stream); `cancelOnSignal` is the policy
 * every entry point uses: the first signal cancels, a later one gives up waiting.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"

/**
 * @since 0.1.0
 * @category models
 */
export type Signal = "SIGINT" | "SIGTERM" | "SIGHUP"

/**
 * The conventional numbers, for exit codes (128 + n).
 *
 * @since 0.1.0
 * @category constants
 */
export const numbers: { readonly [S in Signal]: number } = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 }

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /**
   * Takes the termination signals over while the scope is open (instead of the runtime's default of
   * dying at once): each one this process receives is offered to the returned queue. The signals
   * are taken over when this effect runs, not when the queue is first read.
   */
  readonly subscribe: Effect.Effect<Queue.Dequeue<Signal>, never, Scope.Scope>
  /** Ends this process the way the signal would have (after cleanup). */
  readonly reraise: (signal: Signal) => Effect.Effect<void>
}

/**
 * @since 0.1.0
 * @category services
 */
export class Signals extends Context.Tag("rose/Signals")<Signals, Service>() {}

/**
 * The next termination signal this process receives.
 *
 * @since 0.1.0
 * @category accessors
 */
export const next: Effect.Effect<Signal, never, Signals> = Effect.scoped(
  Effect.flatMap(Signals, (signals) => Effect.flatMap(signals.subscribe, Queue.take))
)

/**
 * The termination signals this process receives while the stream runs.
 *
 * @since 0.1.0
 * @category accessors
 */
export const stream: Stream.Stream<Signal, never, Signals> = Stream.unwrapScoped(
  Effect.map(
    Effect.flatMap(Signals, (signals) => signals.subscribe),
    (queue) => Stream.fromQueue(queue)
  )
)

/**
 * What `cancelOnSignal` does with the signals it receives.
 *
 * @since 0.1.0
 * @category models
 */
export interface CancelHandlers<R> {
  /** The first signal: cancel the work. It runs in a fiber of its own, so later signals are heard meanwhile. */
  readonly onFirst: (signal: Signal) => Effect.Effect<void, never, R>
  /** Every later signal (with the first): the user does not want to wait for the cancellation. */
  readonly onAgain: (signal: Signal, first: Signal) => Effect.Effect<void, never, R>
}

/**
 * Cancels on the first termination signal and gives up on the next: from now until the scope
 * closes, the signals are taken over, the first runs `onFirst` and every later one `onAgain`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const cancelOnSignal = <R = never>(
  handlers: CancelHandlers<R>
): Effect.Effect<void, never, Signals | Scope.Scope | R> =>
  Effect.gen(function* () {
    const signals = yield* Signals
    // Taken over here, not in the fiber below: a signal sent once this returns is ours.
    const received = yield* signals.subscribe
    const scope = yield* Effect.scope
    yield* Effect.forkIn(
      Effect.gen(function* () {
        const first = yield* Queue.take(received)
        yield* Effect.forkIn(handlers.onFirst(first), scope)
        return yield* Effect.forever(Effect.flatMap(Queue.take(received), (signal) => handlers.onAgain(signal, first)))
      }),
      scope
    )
  })
