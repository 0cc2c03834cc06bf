/**
 * The `rose` command's entry point.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Effect from "effect/Effect"
import * as Version from "../core/Version.ts"

const rose = Command.make("rose")

const cli = Command.run(rose, { name: "rose", version: Version.version })

cli(process.argv).pipe(Effect.provide(NodeContext.layer), Effect.runPromise)
