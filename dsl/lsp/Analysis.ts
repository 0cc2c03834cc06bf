/**
 * One version of an open document, analysed once and read by every request: its parse (tokens'
 * comments, the tree), the checker's diagnostics and model, and the diagnostics as the protocol
 * has them. `rose check` and the editor see the same codes and spans: both come from `Dsl.check`'s
 * pipeline.
 *
 * @since 0.1.0
 */
import type * as Ast from "../Ast.ts"
import * as Check from "../Check.ts"
import type * as CheckedModel from "../CheckedModel.ts"
import * as Diagnostic from "../Diagnostic.ts"
import { guardDepth, type Parsed, parseText } from "../internal/parse.ts"
import * as Protocol from "./Protocol.ts"

/**
 * A backend kind the file may name: the built-in ones and those of its plugins.
 *
 * @since 0.1.0
 * @category models
 */
export interface BackendKind {
  readonly kind: string
  readonly description?: string | undefined
  /** The keys of its configuration object. */
  readonly options: ReadonlyArray<string>
}

/**
 * What the service is told about the document's surroundings (the connection provides it from its
 * runtime; nothing here touches one).
 *
 * @since 0.1.0
 * @category models
 */
export interface Environment extends Check.Options {
  /** Backend kinds with their options, for completion; their names also extend `backendKinds`. */
  readonly backends?: ReadonlyArray<BackendKind> | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Analysis {
  readonly text: string
  readonly parsed: Parsed
  readonly ast: Ast.File
  readonly model: CheckedModel.Model | undefined
  readonly diagnostics: ReadonlyArray<Diagnostic.Diagnostic>
  readonly environment: Environment
}

/**
 * The backend kinds an environment knows (built-ins when it names none).
 *
 * @since 0.1.0
 * @category getters
 */
export const backendKinds = (environment: Environment): ReadonlyArray<string> =>
  environment.backendKinds ??
  (environment.backends === undefined ? Check.defaultBackendKinds : environment.backends.map((b) => b.kind))

/**
 * Analyses a text. Never throws. `previous`, the analysis of an earlier version of the same
 * document, lends the parse what did not change: after an edit, only the top-level items and
 * `learner K { … }` sections whose text changed are parsed again.
 *
 * @since 0.1.0
 * @category constructors
 */
export const analyze = (text: string, environment: Environment = {}, previous?: Analysis): Analysis => {
  const parsed = parseText(text, { previous: previous?.parsed })
  const checked = guardDepth<{
    model: CheckedModel.Model | undefined
    diagnostics: ReadonlyArray<Diagnostic.Diagnostic>
  }>(
    () => Check.check(parsed.ast, { ...environment, backendKinds: backendKinds(environment), broken: parsed.broken }),
    (d) => ({ model: undefined, diagnostics: [d] })
  )
  return {
    text,
    parsed,
    ast: parsed.ast,
    model: checked.model,
    diagnostics: Diagnostic.sort([...parsed.diagnostics, ...checked.diagnostics]),
    environment
  }
}

/**
 * The diagnostics of an analysis as the protocol has them.
 *
 * @since 0.1.0
 * @category getters
 */
export const diagnostics = (analysis: Analysis): ReadonlyArray<Protocol.Diagnostic> =>
  analysis.diagnostics.map((d) => ({
    range: Protocol.rangeOf(d.span),
    severity: d.severity === "error" ? 1 : 2,
    code: d.code,
    source: "rose",
    message: d.message
  }))
