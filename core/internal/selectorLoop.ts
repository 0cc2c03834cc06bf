import * as Effect from "effect/Effect"
import * as Learner from "../Learner.ts"
import { type Loop, sequence } from "./iteration.ts"

/**
 * A selector's learner k: active learning with the k-th algorithm (`active_learn.<name>`), sharing
 * the block's other tasks: simulation (optional) → training → its algorithm → criterion. Each
 * learner works in its own folder; the runner ranks them when the run ends (`results.json`'s
 * `selection`).
 */
export const selector: Loop = (env, learner) => {
  const algorithm = Learner.algorithms(learner.def.tasks.keys())[learner.ref.index]
  return algorithm === undefined
    ? Effect.dieMessage(`selector ${Learner.label(learner.ref)} has no algorithm (active_learn task) of its own`)
    : sequence(["simulation", "training", algorithm])(env, learner)
}
