/**
 * Tagged errors of the DSL pipeline, each carrying its diagnostics, for Effect callers.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Diagnostic from "./Diagnostic.ts"

/**
 * A `.rose` text did not compile: lexical, syntax or semantic errors.
 *
 * @since 0.1.0
 * @category errors
 */
export class DslError extends Data.TaggedError("DslError")<{
  readonly file: string
  readonly text: string
  readonly diagnostics: ReadonlyArray<Diagnostic.Diagnostic>
}> {
  /** The diagnostics rendered with code frames (no colour). */
  override get message(): string {
    return `${Diagnostic.formatAll(this.diagnostics, this.text, this.file)}\n${Diagnostic.summary(this.diagnostics)}`
  }
}

/**
 * @since 0.1.0
 * @category guards
 */
export const isDslError = (u: unknown): u is DslError => u instanceof DslError
