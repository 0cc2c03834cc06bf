/**
 * The `rose` process once its modules are loaded: provides the runtime layer, runs the command line,
 * and tears down on our terms rather than the runtime's `runMain` (which exits 0 when interrupted and
 * prints an internal dump for a bad option): bad options and bad input exit 2 with a message, a
 * failed run exits 1, a signal 128 + its number, and the process always ends with
 * `process.exit(code)`, once what it wrote has left for its reader.
 *
 * @since 0.1.0
 */
import * as ValidationError from "@effect/cli/ValidationError"
import * as Cause from "effect/Cause"
import type * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Platform from "../runtime/Platform.ts"
import * as Cli from "./Cli.ts"
import * as Preflight from "./Preflight.ts"
import * as Term from "./Term.ts"

/**
 * A console that drops colour codes from what `@effect/cli` prints (help, usage errors) when the
 * stream is not a terminal, or colours are off.
 */
const plainWhereNeeded = (base: Console.Console): Console.Console => {
  const out = Term.stdout()
  const err = Term.stderr()
  const clean = (keep: boolean) => (args: ReadonlyArray<unknown>) =>
    keep ? args : args.map((a) => (typeof a === "string" ? Term.strip(a) : a))
  const forOut = clean(out.color)
  const forErr = clean(err.color)
  return {
    ...base,
    log: (...args) => base.log(...forOut(args)),
    info: (...args) => base.info(...forOut(args)),
    error: (...args) => base.error(...forErr(args)),
    warn: (...args) => base.warn(...forErr(args)),
    unsafe: {
      ...base.unsafe,
      log: (...args) => base.unsafe.log(...forOut(args)),
      info: (...args) => base.unsafe.info(...forOut(args)),
      error: (...args) => base.unsafe.error(...forErr(args)),
      warn: (...args) => base.unsafe.warn(...forErr(args))
    }
  }
}

const exitCodeOf = (exit: Exit.Exit<void, unknown>, err: Term.Sink): number => {
  if (Exit.isSuccess(exit)) return 0
  const failure = Cause.failureOption(exit.cause)
  if (Option.isSome(failure)) {
    const e = failure.value
    if (typeof e === "object" && e !== null && (e as { _tag?: unknown })._tag === "CliExit") {
      const { code, message } = e as { code: number; message: string | undefined }
      if (message !== undefined && message !== "") err.write(`${message}\n`)
      return code
    }
    if (ValidationError.isValidationError(e)) {
      // A shape `Help.preflight` let through (it checks the same options): @effect/cli said what.
      err.write("Try 'rose --help', or 'rose <command> --help'.\n")
      return 2
    }
    err.write(`rose: ${e instanceof Error ? e.message : String(e)}\n`)
    return 1
  }
  if (Cause.isInterruptedOnly(exit.cause)) return 130
  // A defect is a bug of ours, not bad input: say so with what we know.
  err.write(`rose: internal error (please report it):\n${Cause.pretty(exit.cause)}\n`)
  return 1
}

/**
 * Runs the command line of this process and exits with its code (`Preflight` answers what needs
 * no parse; `cli/main.ts` asks it first, before loading this module).
 *
 * @since 0.1.0
 * @category running
 */
export const main = async (): Promise<never> => {
  await Preflight.answer(process.argv.slice(2))
  const err = Term.stderr()
  const program = Effect.flatMap(Effect.console, (base) =>
    Cli.cli(process.argv).pipe(Effect.withConsole(plainWhereNeeded(base)))
  ).pipe(Effect.provide(Platform.layer))
  const exit = await Effect.runPromiseExit(program)
  const code = exitCodeOf(exit, err)
  // `process.exit` drops what is still queued for a pipe (a plan of megabytes piped to `wc -c`
  // ended at 64 KiB): wait until both streams have handed everything to the operating system.
  await Term.flushed()
  process.exit(code)
}
