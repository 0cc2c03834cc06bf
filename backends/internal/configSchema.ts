/**
 * Field schemas the backends' configurations share. A configuration is one `Schema` whose encoded
 * side is the `.rose` form (snake_case keys, durations in seconds) and whose type side is the
 * TypeScript one (camelCase, milliseconds): `Schema.fromKey` renames a field, `millisFromSeconds`
 * converts a duration.
 */
import * as Schema from "effect/Schema"

export const PositiveInt = Schema.Int.pipe(Schema.positive())
export const NonEmpty = Schema.String.pipe(Schema.minLength(1))
/** A finite, non-negative number of seconds. */
export const Seconds = Schema.Number.pipe(Schema.finite(), Schema.nonNegative())
export const Env = Schema.Record({ key: Schema.String, value: Schema.String })
export const Lines = Schema.Array(Schema.String)

/** A duration given in seconds, held in milliseconds (rounded to whole ones with `round`). */
export const millisFromSeconds = (seconds: Schema.Schema<number>, options: { readonly round?: boolean } = {}) =>
  Schema.transform(seconds, Schema.Number, {
    strict: true,
    decode: (s) => (options.round === true ? Math.round(s * 1000) : s * 1000),
    encode: (ms) => ms / 1000
  })

/**
 * The name tasks use to pick a backend: the name of its `.rose` block (`backend ssh "cluster"`),
 * not one of the block's fields.
 */
export interface Named {
  readonly name?: string | undefined
}

/**
 * A configuration Schema that refuses what `problemsOf` finds wrong across fields, all problems in
 * one message (a user fixes them in one go).
 */
export const checkedBy =
  <C>(problemsOf: (config: C) => ReadonlyArray<string>) =>
  <S extends Schema.Schema<C, any, never>>(fields: S) =>
    fields.pipe(
      Schema.filter((config) => {
        const problems = problemsOf(config as C)
        return problems.length === 0 ? true : problems.join("; ")
      })
    )
