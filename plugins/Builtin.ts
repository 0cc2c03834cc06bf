/**
 * The built-in plugin: the backend kinds that ship with rose-ts, registered through the same
 * contract third-party plugins use.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as LocalBackend from "../backends/LocalBackend.ts"
import * as Plugin from "./Plugin.ts"

const PositiveInt = Schema.Int.pipe(Schema.positive())

/**
 * @since 0.1.0
 * @category plugins
 */
export const plugin = Plugin.definePlugin({
  name: "builtin",
  backends: {
    local: {
      description: "tasks as processes on this machine, each in its own process group",
      config: Schema.Struct({
        concurrency: Schema.optional(PositiveInt),
        grace: Schema.optional(Schema.Number.pipe(Schema.nonNegative()))
      }),
      layer: (config: { readonly concurrency?: number; readonly grace?: number }, ctx) =>
        LocalBackend.layer({
          name: ctx.name,
          concurrency: ctx.maxConcurrency ?? config.concurrency,
          graceMillis: config.grace === undefined ? undefined : config.grace * 1000
        })
    }
  }
})
