/**
 * Termination signals (SIGINT, SIGTERM, SIGHUP) as a service, so a run can cancel its learners and
 * kill its tasks before the process ends. The runtime layer implements it; library code never
 * touches `process`.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"

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
   * While the scope is open, calls `onSignal` for each termination signal this process receives
   * (instead of the runtime's default of dying at once).
   */
  readonly watch: (onSignal: (signal: Signal) => void) => Effect.Effect<void, never, Scope.Scope>
  /** Ends this process the way the signal would have (after cleanup). */
  readonly reraise: (signal: Signal) => Effect.Effect<void>
}

/**
 * @since 0.1.0
 * @category services
 */
export class Signals extends Context.Tag("rose/Signals")<Signals, Service>() {}
