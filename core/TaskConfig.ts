/**
 * The configuration of one task call: positional `args` and keyword `kwargs`.
 *
 * A kwarg's identity is its key without leading dashes, so `n_labeled` and `"--n_labeled"` name the
 * same setting; the spelling is kept for rendering (`-k` stays a short flag).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as Json from "./Json.ts"

/**
 * @since 0.1.0
 * @category models
 */
export class TaskConfig extends Schema.Class<TaskConfig>("rose/TaskConfig")({
  /** Replaces the arguments of earlier layers when set; `undefined` leaves them as they were. */
  args: Schema.optional(Schema.Array(Json.Json)),
  kwargs: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Json.Json }), { default: () => ({}) })
}) {}

/**
 * What users may write where a `TaskConfig` is expected: the class or a plain object of the same shape.
 *
 * @since 0.1.0
 * @category models
 */
export interface TaskConfigInput {
  readonly args?: ReadonlyArray<Json.Json> | undefined
  readonly kwargs?: { readonly [key: string]: Json.Json } | undefined
}

/**
 * The identity of a kwarg key: the key without its leading dashes.
 *
 * @since 0.1.0
 * @category kwargs
 */
export const identity = (key: string): string => {
  let i = 0
  while (i < key.length && key.charCodeAt(i) === 45) i++
  return i === 0 ? key : key.slice(i)
}

/**
 * One resolved kwarg: the spelling that won and its value.
 *
 * @since 0.1.0
 * @category models
 */
export interface Kwarg {
  readonly key: string
  readonly value: Json.Json
}

/**
 * A task's configuration after every layer was applied: kwargs in first-appearance order.
 *
 * @since 0.1.0
 * @category models
 */
export interface Resolved {
  readonly args: ReadonlyArray<Json.Json>
  readonly kwargs: ReadonlyArray<Kwarg>
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const emptyResolved: Resolved = { args: [], kwargs: [] }

/**
 * Builds the layered merge of DESIGN §4.2: later layers win key by key, `null` removes a key, and
 * `args` are replaced by the last layer that sets them.
 *
 * @since 0.1.0
 * @category merging
 */
export class Merger {
  private args: ReadonlyArray<Json.Json> = []
  private readonly entries = new Map<string, Kwarg>()

  apply(layer: TaskConfigInput | undefined): this {
    if (layer === undefined) return this
    if (layer.args !== undefined) this.args = layer.args
    const kwargs = layer.kwargs
    if (kwargs !== undefined) {
      for (const key in kwargs) {
        const value = kwargs[key]!
        const id = identity(key)
        if (value === null) this.entries.delete(id)
        // Map keeps a key's first position on update: kwargs render in first-appearance order.
        else this.entries.set(id, { key, value })
      }
    }
    return this
  }

  result(): Resolved {
    return { args: this.args, kwargs: Array.from(this.entries.values()) }
  }
}

/**
 * The resolved kwargs as a record keyed by their spelling, as a task function receives them.
 *
 * @since 0.1.0
 * @category kwargs
 */
export const kwargsRecord = (resolved: Resolved): Record<string, Json.Json> => {
  const out: Record<string, Json.Json> = {}
  for (const { key, value } of resolved.kwargs) out[key] = value
  return out
}
