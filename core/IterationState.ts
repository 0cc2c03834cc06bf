/**
 * What a learner reports after each iteration: the Python toolkit's `IterationState`, with the
 * learner's identity, its metric against the threshold, the configs it ran with and the state its
 * tasks produced (`state.<task>.<key>`).
 *
 * @since 0.1.0
 */
import type * as Event from "./Event.ts"
import type * as Json from "./Json.ts"
import type * as Learner from "./Learner.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface ResolvedConfig {
  readonly args: ReadonlyArray<Json.Json>
  readonly kwargs: { readonly [key: string]: Json.Json }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface IterationState {
  /** The learner's index within its block (the Python toolkit's `learner_id`). */
  readonly learnerId: number
  readonly learner: Learner.LearnerRef
  readonly iteration: number
  readonly metricName: string | null
  readonly metricValue: number | null
  readonly metricThreshold: number | null
  readonly metricHistory: ReadonlyArray<number>
  readonly shouldStop: boolean
  /** Why the learner stops after this iteration (`null` while it goes on). */
  readonly stopReason: "criterion_met" | "max_iter" | null
  /** The resolved config each task of this iteration ran with. */
  readonly currentConfig: { readonly [task: string]: ResolvedConfig }
  readonly state: { readonly [task: string]: { readonly [key: string]: Json.Json } }
}

/**
 * Turns `iteration_completed` events into states, keeping each learner's metric history.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeTracker = () => {
  const histories = new Map<string, Array<number>>()
  return (event: Extract<Event.Event, { _tag: "iteration_completed" }>): IterationState => {
    const key = `${event.learner.name}\u0000${event.learner.index}`
    let history = histories.get(key)
    if (history === undefined) histories.set(key, (history = []))
    if (event.metricValue !== null) history.push(event.metricValue)
    return {
      learnerId: event.learner.index,
      learner: event.learner,
      iteration: event.iteration,
      metricName: event.metricName,
      metricValue: event.metricValue,
      metricThreshold: event.metricThreshold,
      metricHistory: history.slice(),
      shouldStop: event.shouldStop,
      stopReason: event.stopReason ?? null,
      currentConfig: event.config,
      state: event.state as IterationState["state"]
    }
  }
}
