/**
 * The `Signals` service on Node's `process` (also on Deno and Bun through their Node compatibility).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as Signals from "../core/Signals.ts"
import * as EarlySignals from "./EarlySignals.ts"

const all: ReadonlyArray<Signals.Signal> = ["SIGINT", "SIGTERM", "SIGHUP"]

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Signals.Signals> = Layer.succeed(Signals.Signals, {
  subscribe: Effect.gen(function* () {
    const received = yield* Queue.unbounded<Signals.Signal>()
    yield* Effect.acquireRelease(
      Effect.sync(() => {
        const handlers = all.map((signal) => {
          const handler = () => received.unsafeOffer(signal)
          process.on(signal, handler)
          return [signal, handler] as const
        })
        return { handlers, resumeEarly: EarlySignals.suspend() }
      }),
      ({ handlers, resumeEarly }) =>
        Effect.sync(() => {
          for (const [signal, handler] of handlers) process.off(signal, handler)
          resumeEarly()
        })
    )
    return received
  }),
  reraise: (signal) =>
    Effect.sync(() => {
      process.exitCode = 128 + Signals.numbers[signal]
      // With no handler left, the default action ends the process as the signal would have.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
    })
})
