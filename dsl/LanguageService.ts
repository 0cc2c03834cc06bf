/**
 * What an editor asks about a `.rose` document, answered as pure functions of its text: diagnostics
 * (the same codes and spans as `rose check`), completion, hover (a metric's direction, a `let`'s
 * value, a learner's resolved configuration and command lines as `rose plan` shows them),
 * go-to-definition, the outline and formatting. The answers are Language Server Protocol shapes;
 * `rose lsp` carries them over stdio. Nothing here touches a runtime.
 *
 * @example
 * ```ts
 * import { LanguageService } from "rose-ts/dsl"
 * const analysis = LanguageService.analyze(text, { file: "sweep.rose" })
 * const problems = LanguageService.diagnostics(analysis)
 * ```
 *
 * @since 0.1.0
 */
import * as Format from "./Format.ts"
import { guardDepth } from "./internal/parse.ts"
import type { Analysis } from "./lsp/Analysis.ts"
import * as Protocol from "./lsp/Protocol.ts"

/**
 * @since 0.1.0
 */
export { type Analysis, analyze, type BackendKind, diagnostics, type Environment } from "./lsp/Analysis.ts"
/**
 * @since 0.1.0
 */
export { complete } from "./lsp/Completion.ts"
/**
 * @since 0.1.0
 */
export { hover } from "./lsp/Hover.ts"
/**
 * @since 0.1.0
 */
export { definition, symbols } from "./lsp/Navigation.ts"
/**
 * @since 0.1.0
 */
export * as Protocol from "./lsp/Protocol.ts"

/**
 * The edits that format a document (one edit replacing the whole text, none when it is formatted or
 * cannot be: a file with syntax errors is left alone, as `rose fmt` leaves it).
 *
 * @since 0.1.0
 * @category formatting
 */
export const formatting = (analysis: Analysis): ReadonlyArray<Protocol.TextEdit> => {
  if (analysis.parsed.broken) return []
  const formatted = guardDepth<string | undefined>(
    () => Format.formatParsed(analysis.parsed),
    () => undefined
  )
  if (formatted === undefined || formatted === analysis.text) return []
  const end = analysis.parsed.lines.positionAt(analysis.text.length)
  return [
    {
      range: { start: { line: 0, character: 0 }, end: { line: end.line - 1, character: end.column - 1 } },
      newText: formatted
    }
  ]
}

/**
 * The offset of a protocol position in an analysed text.
 *
 * @since 0.1.0
 * @category conversions
 */
export const offsetAt = (analysis: Analysis, position: Protocol.Position): number =>
  Protocol.offsetAt(analysis.text, position)
