/**
 * The `.rose` façade: pure functions from text to an AST, to diagnostics, to a `Program`. Nothing
 * here touches a runtime: file existence, the environment and module loading are injected.
 *
 * @example
 * ```ts
 * import { Dsl } from "rose-ts/dsl"
 * const result = Dsl.compile(text, { file: "sweep.rose", here: "/abs/folder" })
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as CommandLine from "../core/CommandLine.ts"
import type * as Program from "../core/Program.ts"
import type * as Ast from "./Ast.ts"
import * as Check from "./Check.ts"
import * as Compile from "./Compile.ts"
import * as Diagnostic from "./Diagnostic.ts"
import { DslError } from "./DslError.ts"
import { guardDepth, parseText } from "./internal/parse.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface ParseOptions {
  /** The file name shown in diagnostics. */
  readonly file?: string | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ParseResult {
  /** The tree, also for a file with errors (what recovery lost is `Missing` or absent). */
  readonly ast: Ast.File
  /** Lexical and syntax diagnostics, sorted. */
  readonly diagnostics: ReadonlyArray<Diagnostic.Diagnostic>
}

/**
 * Parses a `.rose` text. Never throws.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (text: string, _options: ParseOptions = {}): ParseResult => {
  const p = parseText(text)
  return { ast: p.ast, diagnostics: Diagnostic.sort(p.diagnostics) }
}

/**
 * @since 0.1.0
 * @category models
 */
export type CheckOptions = Check.Options

/**
 * Every lexical, syntax and semantic diagnostic of a text, sorted by position. `rose check` exits 2
 * when any has severity `error`.
 *
 * @since 0.1.0
 * @category checking
 */
export const check = (
  text: string,
  options: CheckOptions = {}
): { readonly diagnostics: ReadonlyArray<Diagnostic.Diagnostic> } => {
  const p = parseText(text)
  const c = guardDepth(
    () => Check.check(p.ast, { ...options, broken: p.broken }).diagnostics,
    (d) => [d]
  )
  return { diagnostics: Diagnostic.sort([...p.diagnostics, ...c]) }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface CompileOptions extends Check.Options {
  /** The folder of the `.rose` file (absolute): `{here}`, and what `./` paths resolve against. */
  readonly here: string
  /** Loads `call "./module.ts#fn"` targets (the runtime provides it). */
  readonly loadFunction?: Compile.LoadFunction | undefined
}

/**
 * Parses, checks and compiles a text into the program the engine runs (`source` = `{ file, text }`).
 * `Left` holds every diagnostic when there is any error; warnings alone do not stop compilation.
 *
 * @since 0.1.0
 * @category compiling
 */
export const compile = (
  text: string,
  options: CompileOptions
): Either.Either<Program.Program, ReadonlyArray<Diagnostic.Diagnostic>> => {
  const r = compileWithDiagnostics(text, options)
  return r.program === undefined ? Either.left(r.diagnostics) : Either.right(r.program)
}

/**
 * Like `compile`, but also returns the warnings of a text that compiles (for `rose run`, which
 * shows them and runs): every diagnostic, sorted, and the program when there is no error.
 *
 * @since 0.1.0
 * @category compiling
 */
export const compileWithDiagnostics = (
  text: string,
  options: CompileOptions
): { readonly program: Program.Program | undefined; readonly diagnostics: ReadonlyArray<Diagnostic.Diagnostic> } => {
  const p = parseText(text)
  return guardDepth(
    () => {
      const c = Check.check(p.ast, { ...options, broken: p.broken })
      const diagnostics = Diagnostic.sort([...p.diagnostics, ...c.diagnostics])
      if (Diagnostic.hasErrors(diagnostics)) return { program: undefined, diagnostics }
      const program = Compile.compile(c.model, { file: options.file, text, loadFunction: options.loadFunction })
      return Either.isRight(program)
        ? { program: program.right, diagnostics }
        : { program: undefined, diagnostics: Diagnostic.sort([...diagnostics, ...program.left]) }
    },
    (d) => ({ program: undefined, diagnostics: Diagnostic.sort([...p.diagnostics, d]) })
  )
}

/**
 * The plugin modules a text declares (`plugin "./x.ts"`), `./` and `../` paths resolved against
 * `here`, in order, so that a caller can load them (and learn their backend kinds) before checking.
 * Works on a text with errors too.
 *
 * @since 0.1.0
 * @category parsing
 */
export const pluginPaths = (text: string, options: { readonly here: string }): ReadonlyArray<string> =>
  parseText(text).ast.items.flatMap((item) =>
    item._tag === "PluginDecl" && item.path !== undefined
      ? [
          CommandLine.isRelativePath(item.path.value)
            ? CommandLine.resolvePath(options.here, item.path.value)
            : item.path.value
        ]
      : []
  )

/**
 * `compile` as an Effect failing with a `DslError`.
 *
 * @since 0.1.0
 * @category compiling
 */
export const compileEffect = (text: string, options: CompileOptions): Effect.Effect<Program.Program, DslError> =>
  Either.match(compile(text, options), {
    onLeft: (diagnostics) => Effect.fail(new DslError({ file: options.file ?? "<input>", text, diagnostics })),
    onRight: Effect.succeed
  })
