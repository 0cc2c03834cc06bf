import * as Effect from "effect/Effect"
import * as Learner from "../Learner.ts"
import { type Loop, sequence } from "./iteration.ts"

/**
 * A selector's learner k: active learning with the k-th algorithm (`active_learn.<name>`), sharing
 * the block's other tasks: simulation (optional) → training → its algorithm → criterion. Each
 * learner works in its own folder; the runner ranks them when the run ends (`results.json`'s
 * `selection`).
 */
export const selector: Loop = (env, ls) => {
  const algorithm = Learner.algorithms(ls.def.tasks.keys())[ls.ref.index]
  return algorithm === undefined
    ? Effect.dieMessage(`selector ${Learner.label(ls.ref)} has no algorithm (active_learn task) of its own`)
    : sequence(["simulation", "training", algorithm])(env, ls)
}
