/**
 * Exit codes of the `rose` command (DESIGN §4.7): 0 success; 1 a learner or task failed; 2 invalid
 * input (nothing ran); 128 + the signal's number when interrupted (130 for Ctrl-C). A command ends
 * with a non-zero code by failing with `CliExit`; the entry point prints its message on stderr and
 * exits with its code.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"

/**
 * @since 0.1.0
 * @category constants
 */
export const codes = {
  success: 0,
  failed: 1,
  invalidInput: 2
} as const

/**
 * Ends the command with `code`, printing `message` on stderr first if there is one.
 *
 * @since 0.1.0
 * @category errors
 */
export class CliExit extends Data.TaggedError("CliExit")<{
  readonly code: number
  readonly message: string | undefined
}> {}

/**
 * @since 0.1.0
 * @category constructors
 */
export const fail = (code: number, message: string): Effect.Effect<never, CliExit> =>
  Effect.fail(new CliExit({ code, message }))
