/**
 * Semantic checks of a parsed `.rose` file. Each rule is a small named function that reports
 * diagnostics with a stable code; together they also build the checked model that `Compile` turns
 * into a `Program`. On a file with syntax errors, rules that depend on something being absent or
 * declared elsewhere (a missing task, an unknown name) are skipped: the part that would satisfy
 * them may be what the parser lost.
 *
 * @since 0.1.0
 */

import type * as Json from "../core/Json.ts"
import type * as Ast from "./Ast.ts"
import type { EntryModel, LearnerModel, Model } from "./CheckedModel.ts"
import type * as Diagnostic from "./Diagnostic.ts"
import { Dep } from "./internal/analyze.ts"
import { type Ctx, folderOf } from "./internal/checkContext.ts"
import { checkLearner, ruleLearnerNames } from "./internal/checkLearner.ts"
import { checkBackends, checkLets, checkPlugins } from "./internal/checkTop.ts"

/**
 * The checked model's types, also under this module's name.
 *
 * @since 0.1.0
 */
export type {
  BindingModel,
  EntryModel,
  LayerModel,
  LearnerModel,
  Model,
  TaskModel,
  WhenModel
} from "./CheckedModel.ts"

// ---------------------------------------------------------------------------------------------
// options and results
// ---------------------------------------------------------------------------------------------

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The file name shown in diagnostics. */
  readonly file?: string | undefined
  /** The folder `./` paths resolve against (default: the folder of `file`). */
  readonly here?: string | undefined
  /**
   * Whether a file exists (for `plugin` paths and the program or script of `exec` tasks); without it,
   * no path is checked.
   */
  readonly exists?: ((path: string) => boolean) | undefined
  /** Environment lookup for `env("NAME", default)` (default: nothing is set). */
  readonly env?: ((name: string) => string | undefined) | undefined
  /** Backend kinds that exist (built-ins and plugins'); default `defaultBackendKinds`. */
  readonly backendKinds?: ReadonlyArray<string> | undefined
}

/**
 * @since 0.1.0
 * @category constants
 */
export const defaultBackendKinds: ReadonlyArray<string> = ["local", "ssh", "slurm", "dry-run"]

/**
 * @since 0.1.0
 * @category models
 */
export interface Result {
  readonly diagnostics: ReadonlyArray<Diagnostic.Diagnostic>
  readonly model: Model
}

export { folderOf }

/**
 * Checks a parsed file. `broken` says the file had lexical or syntax errors.
 *
 * @since 0.1.0
 * @category checking
 */
export const check = (file: Ast.File, options: Options & { readonly broken?: boolean | undefined } = {}): Result => {
  const diagnostics: Array<Diagnostic.Diagnostic> = []
  const env = options.env ?? (() => undefined)
  const ctx: Ctx = {
    file: options.file,
    here: options.here ?? folderOf(options.file),
    broken: options.broken === true,
    env,
    exists: options.exists,
    backendKinds: options.backendKinds ?? defaultBackendKinds,
    lets: new Map(),
    backendNames: new Set(),
    diagnostics,
    report: (d) => diagnostics.push(d)
  }
  checkLets(ctx, file)
  const backends = checkBackends(ctx, file)
  const plugins = checkPlugins(ctx, file)
  const learners: Array<LearnerModel> = []
  for (const item of file.items) if (item._tag === "LearnerBlock") learners.push(checkLearner(ctx, item))
  ruleLearnerNames(ctx, learners, file)
  const lets = new Map<string, Json.Json>()
  for (const [k, v] of ctx.lets) if (v.value !== undefined) lets.set(k, v.value)
  return { diagnostics, model: { here: ctx.here, lets, env, backends, plugins, learners } }
}

/**
 * Whether an entry's value depends on the run (`i` or `prev`), so it is evaluated per iteration.
 *
 * @since 0.1.0
 * @category checking
 */
export const dependsOnRun = (e: EntryModel): boolean => (e.deps & (Dep.Iteration | Dep.Prev)) !== 0

/**
 * Whether an entry's value reads `prev`.
 *
 * @since 0.1.0
 * @category checking
 */
export const dependsOnPrev = (e: EntryModel): boolean => (e.deps & Dep.Prev) !== 0
