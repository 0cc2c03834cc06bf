/**
 * The options of each learner kind (`models 3` in a `uq` block), with their checks. The kinds'
 * runners read them from `LearnerDef.options`; add an option here when a runner learns one.
 *
 * @since 0.1.0
 */
import type * as Json from "../../core/Json.ts"
import * as Learner from "../../core/Learner.ts"
import type * as Ast from "../Ast.ts"

/** Returns a problem, or undefined when the value is fine. */
export type OptionCheck = (value: Json.Json) => string | undefined

/**
 * The options of each kind, checked as the core checks them (`Learner.optionChecks`): `uq` has
 * `models` (a count or names), `predictions`, `uq_metric`, `uq_threshold`, `uq_operator` and
 * `query_size`.
 */
export const kindOptions: { readonly [K in Ast.LearnerKind]: { readonly [name: string]: OptionCheck } } =
  Learner.optionChecks

/** The statement keywords of a learner block, for suggestions when an option name is unknown. */
export const learnerKeywords: ReadonlyArray<string> = [
  "parallel",
  "max_iter",
  "stop",
  "on_error",
  "learner",
  "population"
]
