/**
 * Signal handlers for the time before a command installs its own: from the first line of the entry
 * point until a run watches signals (and again after), SIGINT, SIGTERM and SIGHUP end the process
 * with 128 + the signal's number, as the exit-code contract says, instead of killing it by the
 * signal (which a parent sees as "killed", not as an exit code). Loading the command's modules takes
 * a few hundred milliseconds; nothing has started then, so there is nothing to clean up.
 *
 * This module imports nothing, so the entry point can install the handlers before it loads the
 * rest.
 *
 * @since 0.1.0
 */

const numbers = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const
type Signal = keyof typeof numbers
const all = Object.keys(numbers) as ReadonlyArray<Signal>

let installed = false
let suspended = 0

const onSignal = (signal: Signal) => {
  if (suspended > 0) return
  try {
    process.stderr.write(`\n${signal} received: stopped (no task had started)\n`)
  } catch {
    // The terminal is gone (SIGHUP): nothing to tell.
  }
  process.exit(128 + numbers[signal])
}

/**
 * Installs the handlers (once).
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const install = (): void => {
  if (installed) return
  installed = true
  for (const signal of all) process.on(signal, onSignal)
}

/**
 * Hands the signals to a handler of the caller's while it runs; call the returned function to take
 * them back. Nested suspensions are counted.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const suspend = (): (() => void) => {
  suspended++
  let resumed = false
  return () => {
    if (resumed) return
    resumed = true
    suspended--
  }
}
