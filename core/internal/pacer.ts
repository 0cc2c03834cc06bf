/**
 * Holds learners back while an observer of their iteration states is `max` states behind: each
 * learner awaits `pace` after each iteration it completes, the observer calls `took` for each state
 * it takes. The states between stay few instead of piling up in an unbounded subscription.
 */
import * as Effect from "effect/Effect"

export interface Pacer {
  /** Awaited by a learner after an iteration: waits while `max` states made are not taken yet. */
  readonly pace: Effect.Effect<void>
  /** The observer took a state: lets a held learner go on when it is no longer `max` behind. */
  readonly took: () => void
}

export const make = (max: number): Pacer => {
  // States made (their learners passed `pace` or wait in it) and not taken yet.
  let ahead = 0
  const held: Array<() => void> = []
  return {
    pace: Effect.async<void>((resume) => {
      ahead++
      if (ahead - held.length <= max) {
        resume(Effect.void)
        return
      }
      const go = () => resume(Effect.void)
      held.push(go)
      return Effect.sync(() => {
        const at = held.indexOf(go)
        if (at >= 0) held.splice(at, 1)
      })
    }),
    took: () => {
      ahead--
      while (held.length > 0 && ahead - held.length < max) held.shift()!()
    }
  }
}
