/**
 * The checked model of a `.rose` file: what the semantic checks learned (`Check`) and the compiler
 * turns into a `Program` (`Compile`).
 *
 * @since 0.1.0
 */
import type * as CommandLine from "../core/CommandLine.ts"
import type * as Json from "../core/Json.ts"
import type * as Learner from "../core/Learner.ts"
import type * as Metric from "../core/Metric.ts"
import type * as Population from "../core/Population.ts"
import type * as Program from "../core/Program.ts"
import type * as Sweep from "../core/Sweep.ts"
import type * as Task from "../core/Task.ts"
import type * as TaskConfig from "../core/TaskConfig.ts"
import type * as Ast from "./Ast.ts"

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
  /** `population { asha: { … } }`: how the block's learners are pruned by rank. */
  readonly population: Population.Policy | undefined
  /** `population { budget: { … } }`: what the block's learners may spend in all. */
  readonly budget: Population.Budget | undefined
  readonly tasks: ReadonlyArray<TaskModel>
  /** learner index → task → layers in source order. */
  readonly configs: ReadonlyMap<number, ReadonlyMap<string, ReadonlyArray<LayerModel>>>
  /** A sweep's point per learner (absent without a sweep). */
  readonly points?: ReadonlyArray<Sweep.Point> | undefined
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
