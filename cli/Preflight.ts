/**
 * What `rose` answers before it loads its parser and runtime: help, the version, a completion
 * script, and a command line of the wrong shape. These need three small modules; Effect's runtime,
 * `@effect/cli`, the DSL and the backends are loaded (by `Entry`) only for a command that runs.
 *
 * @since 0.1.0
 */
import * as Completions from "./Completions.ts"
import * as Help from "./Help.ts"
import * as Term from "./Term.ts"

/**
 * Answers a command line that needs no parse and exits; returns for one that does.
 *
 * @since 0.1.0
 * @category running
 */
export const answer = async (args: ReadonlyArray<string>): Promise<void> => {
  Term.guardStreams()
  const preflight = Help.preflight(args)
  if (preflight._tag === "Parse") return
  if (preflight._tag === "Refuse") Term.stderr().write(`${preflight.message}\n`)
  else Term.stdout().write(preflight._tag === "Print" ? preflight.text : Completions.script(preflight.shell))
  await Term.flushed()
  process.exit(preflight._tag === "Refuse" ? 2 : 0)
}
