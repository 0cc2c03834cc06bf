/**
 * The options of each learner kind (`models 3` in a `uq` block), with their checks. The kinds'
 * runners read them from `LearnerDef.options`; add an option here when a runner learns one.
 *
 * @since 0.1.0
 */
import type * as Json from "../../core/Json.ts"
import type * as Ast from "../Ast.ts"

/** Returns a problem, or undefined when the value is fine. */
export type OptionCheck = (value: Json.Json) => string | undefined

const positiveInt: OptionCheck = (v) =>
  typeof v === "number" && Number.isInteger(v) && v >= 1 ? undefined : "must be an integer ≥ 1"

export const kindOptions: { readonly [K in Ast.LearnerKind]: { readonly [name: string]: OptionCheck } } = {
  active: {},
  reinforcement: {},
  uq: {
    /** The size of the ensemble. */
    models: positiveInt,
    /** Predictions per model and iteration. */
    predictions: positiveInt
  },
  selector: {}
}

/** The statement keywords of a learner block, for suggestions when an option name is unknown. */
export const learnerKeywords: ReadonlyArray<string> = ["parallel", "max_iter", "stop", "on_error", "learner"]
