/**
 * `rose run FILE`: loads and checks everything before anything is created (bad input exits 2 and
 * leaves no run directory), builds the backends, prepares the run, attaches the display, runs it,
 * writes the report and prints the summary.
 *
 * Signals: the first SIGINT, SIGTERM or SIGHUP cancels every learner and task (processes are
 * killed by their backends), waits for the journal and `results.json` (status `interrupted`), writes
 * the report, says where things are and exits 128 + the signal's number. A second signal during
 * that cleanup exits at once, listing from the journal the tasks that may still be running.
 *
 * @since 0.1.0
 */
import * as NodeFs from "node:fs"
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import type * as Scope from "effect/Scope"
import * as Backend from "../core/Backend.ts"
import type * as Host from "../core/Host.ts"
import type * as Program from "../core/Program.ts"
import * as Results from "../core/Results.ts"
import * as Resume from "../core/Resume.ts"
import * as Runner from "../core/Runner.ts"
import * as Signals from "../core/Signals.ts"
import * as Builtin from "../plugins/Builtin.ts"
import type * as Plugin from "../plugins/Plugin.ts"
import * as Registry from "../plugins/Registry.ts"
import * as Report from "../plugins/Report.ts"
import * as Trackers from "../plugins/Trackers.ts"
import * as Display from "./Display.ts"
import { CliExit, fail } from "./Exit.ts"
import * as Input from "./Input.ts"
import * as Progress from "./Progress.ts"
import * as Status from "./Status.ts"
import * as Summary from "./Summary.ts"
import * as Term from "./Term.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly file: string
  readonly backend: string | undefined
  readonly out: string | undefined
  readonly dryRun: boolean
  readonly maxConcurrency: number | undefined
  readonly json: boolean
  readonly fsync: boolean
  /** Plugin modules to load besides the program's own (`--plugin PATH`). */
  readonly plugins?: ReadonlyArray<string> | undefined
  /** Tracker kinds to attach (`--tracker csv`), with their default configuration. */
  readonly trackers?: ReadonlyArray<string> | undefined
  /** Continue this run directory instead of starting a new run. */
  readonly resume?:
    | {
        readonly runDir: string
        readonly force: boolean
        /** Say what the resume does per task (`--explain`, `--dry-run`). */
        readonly detail: boolean
        /** Then stop without running anything (`--dry-run`). */
        readonly dryRun: boolean
      }
    | undefined
}

/**
 * The backends of a `--dry-run`: every declared backend becomes a dry-run backend of the same name
 * (so tasks that name one still find it), configured as the file's own `backend dry-run { … }`
 * block if it has one.
 *
 * @since 0.1.0
 * @category constructors
 */
export const dryRunChoices = (choices: ReadonlyArray<Program.BackendChoice>): ReadonlyArray<Program.BackendChoice> => {
  const declared = choices.find((c) => c.kind === "dry-run")
  const config = declared?.config ?? {}
  if (choices.length === 0) return [{ kind: "dry-run", name: "dry-run", config }]
  return choices.map((c) => (c.kind === "dry-run" ? c : { ...c, kind: "dry-run", config }))
}

/**
 * Checks the program's backends against the registry before anything is built: unknown kinds, bad
 * configurations and an unknown `--backend` are invalid input.
 *
 * @since 0.1.0
 * @category validation
 */
export const checkBackends = (
  registry: Registry.Service,
  choices: ReadonlyArray<Program.BackendChoice>,
  override: string | undefined
): ReadonlyArray<string> => {
  const problems: Array<string> = []
  for (const c of choices) {
    const decoded = Registry.decodeBackendConfig(registry, c)
    if (Either.isLeft(decoded)) problems.push(decoded.left.message)
  }
  if (override !== undefined && !choices.some((c) => c.name === override) && !registry.backends.has(override)) {
    const names = choices.map((c) => c.name)
    problems.push(
      `--backend ${override}: no backend of that name is declared${names.length === 0 ? "" : ` (declared: ${names.join(", ")})`} and no plugin defines that kind (kinds: ${[...registry.backends.keys()].join(", ")})`
    )
  }
  return problems
}

/**
 * Reads what a resume will do, refusing a run whose earlier `rose` process is still alive (two
 * processes must never drive one run).
 *
 * @since 0.1.0
 * @category resume
 */
export const resumePlan = (runDir: string, program: Program.Program, force: boolean) =>
  Effect.gen(function* () {
    const plan = yield* Resume.load(runDir, program, { force }).pipe(
      Effect.mapError((e) => new CliExit({ code: 2, message: e.message }))
    )
    if (
      plan.previousPid !== undefined &&
      plan.previousPid !== process.pid &&
      Status.alive(plan.previousPid) &&
      isRose(plan.previousPid)
    ) {
      return yield* fail(
        2,
        `cannot resume ${runDir}: its rose process (pid ${plan.previousPid}) is still running; stop it first (Ctrl-C, or kill -INT ${plan.previousPid})`
      )
    }
    return plan
  })

const isRose = (pid: number): boolean => {
  try {
    return NodeFs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("rose")
  } catch {
    // No /proc (macOS): a live pid is taken as the earlier process.
    return true
  }
}

type Services = FileSystem.FileSystem | Path.Path | Host.Host | Signals.Signals | Plugin.PlatformServices

interface SignalState {
  phase: "setup" | "running" | "done"
  first: Signals.Signal | undefined
  handle: Runner.RunHandle | undefined
  display: Display.Display | undefined
}

const secondSignal = (state: SignalState, signal: Signals.Signal) => {
  state.display?.stopNow()
  const runDir = state.handle?.runDir
  const snapshot = runDir === undefined ? undefined : Status.readSync(runDir)
  const open =
    snapshot === undefined ? Progress.unfinished(state.display!.progress) : Progress.unfinished(snapshot.progress)
  const lines = [`\n${signal} again: exiting now, without waiting for the cleanup.`]
  if (open.length > 0) {
    lines.push("These tasks may still be running:", ...Status.unfinishedLines(open))
    const hint = Status.killHint(open)
    if (hint !== undefined) lines.push(`To kill them: ${hint}`)
  } else lines.push("No task was running.")
  if (runDir !== undefined) {
    lines.push(`The run directory is ${runDir}; \`rose status ${runDir}\` shows where it stands.`)
  }
  Term.exitNow(`${lines.join("\n")}\n`, 128 + Signals.numbers[signal])
}

/**
 * Runs `rose run`.
 *
 * @since 0.1.0
 * @category commands
 */
export const run = (options: Options): Effect.Effect<void, CliExit, Services | Scope.Scope> =>
  Effect.gen(function* () {
    const out = Term.stdout()
    const err = Term.stderr()
    const report = options.json ? err : out
    const state: SignalState = { phase: "setup", first: undefined, handle: undefined, display: undefined }
    // Before the run exists there is nothing to cancel: a signal ends rose at once.
    const beforeStart = (signal: Signals.Signal) => {
      if (state.phase !== "setup" && state.handle !== undefined) return false
      return Term.exitNow(`\n${signal}: stopped before the run started\n`, 128 + Signals.numbers[signal])
    }
    yield* Signals.cancelOnSignal({
      onFirst: (signal) =>
        Effect.suspend(() => {
          if (beforeStart(signal) || state.phase === "done" || state.handle === undefined) return Effect.void
          state.first = signal
          const text = `${signal} received: cancelling every learner and killing every task (send it again to exit at once)`
          const told =
            state.display !== undefined ? state.display.message(text) : Effect.sync(() => err.write(`${text}\n`))
          return Effect.all([told, state.handle.interrupt], { concurrency: "unbounded", discard: true })
        }),
      onAgain: (signal) =>
        Effect.sync(() => {
          if (!beforeStart(signal) && state.phase !== "done") secondSignal(state, signal)
        })
    })

    if (options.maxConcurrency !== undefined && options.maxConcurrency < 1) {
      return yield* fail(2, `--max-concurrency must be at least 1, got ${options.maxConcurrency}`)
    }
    if (options.dryRun && options.backend !== undefined) {
      return yield* fail(2, "--dry-run sends every task to the dry-run backend; it cannot be combined with --backend")
    }

    const loaded = yield* Input.load(options.file, { color: err.color, plugins: options.plugins }).pipe(
      Effect.mapError((e) => new CliExit({ code: 2, message: e.text }))
    )
    if (loaded.warnings !== "") err.write(`${loaded.warnings}\n`)
    const all = [Builtin.plugin, ...loaded.plugins]
    const registry = Registry.make(all)
    if (Either.isLeft(registry)) return yield* fail(2, registry.left.message)
    const program = loaded.program
    const choices = options.dryRun ? dryRunChoices(program.backends) : program.backends
    const problems = [...checkBackends(registry.right, choices, options.backend)]
    for (const kind of options.trackers ?? []) {
      if (!registry.right.trackers.has(kind)) {
        problems.push(
          `--tracker ${kind}: no plugin defines that tracker kind (kinds: ${[...registry.right.trackers.keys()].join(", ") || "none"})`
        )
      }
    }
    if (problems.length > 0) {
      // Problems that say where they were written (a backend line) need no file name in front.
      const located = (p: string) => /^[^\s:]+:\d+:\d+ /.test(p)
      return yield* fail(2, problems.map((p) => (located(p) ? p : `${options.file}: ${p}`)).join("\n"))
    }

    const backends = yield* Layer.build(
      Registry.backendsLayer(choices, { override: options.backend, maxConcurrency: options.maxConcurrency }).pipe(
        Layer.provide(Registry.layer(all))
      )
    ).pipe(
      Effect.catchAllCause((cause) => {
        const failure = Cause.failureOption(cause)
        const error = failure._tag === "Some" ? failure.value : Cause.squash(cause)
        const message = error instanceof Error ? error.message : String(error)
        const invalid = error instanceof Registry.PluginError
        return fail(invalid ? 2 : 1, `${options.file}: ${invalid ? "" : "a backend could not start: "}${message}`)
      })
    )
    let resume: Resume.ResumePlan | undefined
    if (options.resume !== undefined) {
      resume = yield* resumePlan(options.resume.runDir, program, options.resume.force)
      const canAttach = Resume.attachable(
        program,
        Context.get(backends, Backend.Backend),
        Option.getOrElse(Context.getOption(backends, Backend.Backends), () => new Map())
      )
      const lines = Resume.explain(resume, { canAttach, detail: options.resume.detail })
      err.write(
        `${[
          options.resume.dryRun
            ? `A resume of ${options.resume.runDir} would (dry run: nothing is done):`
            : `Resuming ${options.resume.runDir}:`,
          ...lines.map((l) => `  ${l}`)
        ].join("\n")}\n`
      )
      if (options.resume.dryRun) return
    }
    const handle = yield* Runner.prepare(program, { out: options.out, fsync: options.fsync, resume }).pipe(
      Effect.provide(backends as Context.Context<Backend.Backend | Backend.Backends>),
      Effect.catchTags({
        RunDirError: (e) =>
          fail(
            2,
            options.out === undefined && (e.code === "EROFS" || e.code === "EACCES" || e.code === "EPERM")
              ? `${e.message}; run from a folder you can write to, or name one with --out DIR`
              : e.message
          ),
        FileError: (e) => fail(2, `${e.message}; nothing ran`)
      })
    )
    for (const line of handle.spared) err.write(`warning: not signalled: ${line}\n`)
    const trackers = yield* Trackers.build(
      (options.trackers ?? []).map((kind) => ({ kind, config: {} })),
      handle
    ).pipe(
      Effect.provide(Registry.layer(all)),
      Effect.mapError(
        (e) => new CliExit({ code: 2, message: `${options.file}: ${e instanceof Error ? e.message : String(e)}` })
      )
    )
    const attached = yield* Trackers.attach(handle, trackers)
    const subscription = yield* PubSub.subscribe(handle.events)
    const progress = Progress.make(Progress.blocksOfProgram(program))
    progress.runId = handle.runId
    progress.runDir = handle.runDir
    const mode: Display.Mode = options.json ? "json" : out.isTTY ? "live" : "plain"
    const display = yield* Display.start(subscription, progress, { mode, out, err })
    state.handle = handle
    state.display = display
    state.phase = "running"

    yield* handle.start
    const results = yield* handle.await
    state.phase = state.first === undefined ? "done" : state.phase
    yield* display.finish.pipe(Effect.timeout("3 seconds"), Effect.ignore)
    yield* attached.flushed.pipe(Effect.timeout("10 seconds"), Effect.ignore)
    for (const t of attached.stats()) {
      if (t.dropped > 0 || t.failures > 0) {
        err.write(
          `warning: tracker ${t.name}: ${t.dropped} event(s) dropped, ${t.failures} call(s) failed${t.lastFailure === undefined ? "" : ` (last: ${t.lastFailure})`}\n`
        )
      }
    }
    const wrote = yield* Report.write(handle.runDir).pipe(
      Effect.tapError((e) => Effect.sync(() => err.write(`warning: ${e.message}\n`))),
      Effect.either
    )
    const signal = state.first
    const fileErrors = handle.fileErrors()
    const resultsWritten = !fileErrors.some((e) => e.path.endsWith("/results.json"))
    report.write(
      Summary.render(results, handle.runDir, {
        color: report.color,
        report: Either.isRight(wrote),
        signal,
        results: resultsWritten
      })
    )
    for (const e of fileErrors) {
      err.write(
        `rose: ${e.message}${e === fileErrors[0] && e.path.endsWith("/events.jsonl") ? "; the run was stopped and every task killed" : ""}\n`
      )
    }
    if (signal !== undefined) {
      report.write(
        `${signal}: every learner was cancelled and every task killed; the journal and results.json say where each stopped.\n`
      )
    }
    state.phase = "done"
    const code = signal !== undefined ? 128 + Signals.numbers[signal] : Results.exitCode(results)
    if (code !== 0) return yield* new CliExit({ code, message: undefined })
  })
