/**
 * Semantic checks of a parsed `.rose` file. Each rule is a small named function that reports
 * diagnostics with a stable code; together they also build the checked model that `Compile` turns
 * into a `Program`. On a file with syntax errors, rules that depend on something being absent or
 * declared elsewhere (a missing task, an unknown name) are skipped: the part that would satisfy
 * them may be what the parser lost.
 *
 * @since 0.1.0
 */

import type * as CommandLine from "../core/CommandLine.ts"
import type * as Json from "../core/Json.ts"
import type * as Learner from "../core/Learner.ts"
import type * as Metric from "../core/Metric.ts"
import type * as Program from "../core/Program.ts"
import type * as Task from "../core/Task.ts"
import type * as TaskConfig from "../core/TaskConfig.ts"
import type * as Ast from "./Ast.ts"
import type * as Diagnostic from "./Diagnostic.ts"
import { Dep } from "./internal/analyze.ts"
import { type Ctx, folderOf } from "./internal/checkContext.ts"
import { checkLearner, ruleLearnerNames } from "./internal/checkLearner.ts"
import { checkBackends, checkLets, checkPlugins } from "./internal/checkTop.ts"

// ---------------------------------------------------------------------------------------------
// options and the checked model
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
  /** Whether a file exists (for `plugin` paths); without it, plugin paths are not checked. */
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
export type BindingModel =
  | {
      readonly _tag: "Exec"
      readonly command: string | ReadonlyArray<string>
      readonly template: ReadonlyArray<CommandLine.Token>
    }
  | { readonly _tag: "Shell"; readonly script: string }
  | { readonly _tag: "Call"; readonly target: string; readonly module: string; readonly exportName: string }

/**
 * A checked task binding.
 *
 * @since 0.1.0
 * @category models
 */
export interface TaskModel {
  readonly name: string
  readonly node: Ast.TaskBinding
  /** `undefined` when the binding was invalid (already reported). */
  readonly binding: BindingModel | undefined
  readonly defaults: TaskConfig.TaskConfigInput | undefined
  readonly timeoutMillis: number | undefined
  readonly retry: { readonly times: number; readonly on: Task.RetryOn } | undefined
  readonly resources: Task.Resources
  readonly backend: string | undefined
  readonly env: { readonly [name: string]: string }
}

/**
 * One `key: value` of a configuration entry; `value` is set when it is constant.
 *
 * @since 0.1.0
 * @category models
 */
export interface EntryModel {
  /** The key as written (`n_labeled`, `--n_labeled`), or `args`. */
  readonly key: string
  readonly isArgs: boolean
  readonly expr: Ast.Expr
  readonly value: Json.Json | undefined
  readonly deps: number
}

/**
 * @since 0.1.0
 * @category models
 */
export type WhenModel =
  | { readonly _tag: "Always" }
  | { readonly _tag: "At"; readonly iteration: number }
  | { readonly _tag: "From"; readonly iteration: number }
  | { readonly _tag: "Default" }

/**
 * A checked configuration entry: one schedule layer.
 *
 * @since 0.1.0
 * @category models
 */
export interface LayerModel {
  readonly when: WhenModel
  readonly entries: ReadonlyArray<EntryModel>
  readonly node: Ast.ConfigEntry
}

/**
 * @since 0.1.0
 * @category models
 */
export interface LearnerModel {
  readonly node: Ast.LearnerBlock
  readonly name: string
  readonly kind: Learner.Kind
  readonly parallel: number
  /** `undefined`: absent or 0. */
  readonly maxIter: number | undefined
  readonly stop:
    | { readonly metric: string; readonly operator: Metric.Operator | undefined; readonly threshold: number }
    | undefined
  readonly onError: Learner.OnError
  readonly options: { readonly [key: string]: Json.Json }
  readonly tasks: ReadonlyArray<TaskModel>
  /** learner index → task → layers in source order. */
  readonly configs: ReadonlyMap<number, ReadonlyMap<string, ReadonlyArray<LayerModel>>>
}

/**
 * What the checker learned about a file: everything `Compile` needs.
 *
 * @since 0.1.0
 * @category models
 */
export interface Model {
  readonly here: string
  readonly lets: ReadonlyMap<string, Json.Json>
  readonly env: (name: string) => string | undefined
  readonly backends: ReadonlyArray<Program.BackendChoice>
  readonly plugins: ReadonlyArray<string>
  readonly learners: ReadonlyArray<LearnerModel>
}

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
