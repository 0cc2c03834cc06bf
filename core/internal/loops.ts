/**
 * Which loop runs a learner of each kind.
 */
import { type Loop, sequence } from "./iteration.ts"
import { reinforcement } from "./reinforcementLoop.ts"
import { selector } from "./selectorLoop.ts"
import { uq } from "./uqLoop.ts"

/** Active learning: simulation (optional) → training → active_learn → criterion. */
export const active: Loop = sequence(["simulation", "training", "active_learn"])

/** The loop of each learner kind. */
export const forKind = (kind: string): Loop | undefined => {
  switch (kind) {
    case "active":
      return active
    case "reinforcement":
      return reinforcement
    case "uq":
      return uq
    case "selector":
      return selector
    default:
      return undefined
  }
}
