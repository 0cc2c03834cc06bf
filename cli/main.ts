/**
 * The `rose` command's entry point. Signal handlers come first: loading the command's modules takes a
 * few hundred milliseconds, and a Ctrl-C in that time must still end the process with 130 rather than
 * kill it by the signal. Everything else is loaded after them.
 *
 * @since 0.1.0
 */
import * as EarlySignals from "../runtime/EarlySignals.ts"

EarlySignals.install()
// Help, the version and a malformed command line are answered before the runtime is loaded.
const { answer } = await import("./Preflight.ts")
await answer(process.argv.slice(2))
const { main } = await import("./Entry.ts")
await main()
