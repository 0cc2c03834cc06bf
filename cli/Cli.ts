/**
 * The `rose` command line (`@effect/cli`): `run`, `resume`, `check`, `plan`, `fmt`, `report`,
 * `status`, `logs` and `lsp`. Options may follow the file. What the commands and their options are for, and the check
 * of a command line's shape, live in `Help.ts`. Each handler ends with a `CliExit` for a
 * non-zero exit code; the entry point (`main.ts`) turns that into the process's exit.
 *
 * @since 0.1.0
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as Json from "../core/Json.ts"
import * as Learner from "../core/Learner.ts"
import * as Plan from "../core/Plan.ts"
import * as RunManifest from "../core/RunManifest.ts"
import * as Version from "../core/Version.ts"
import * as Diagnostic from "../dsl/Diagnostic.ts"
import type * as DslFormat from "../dsl/Format.ts"
import { CliExit, fail } from "./Exit.ts"
import type * as Input from "./Input.ts"
import * as Logs from "./Logs.ts"
import type * as Run from "./Run.ts"
import * as Status from "./Status.ts"
import { table } from "./Summary.ts"
import * as Term from "./Term.ts"

// Loaded when used: a bundle split into chunks then only reads the run path's code for `rose run`.
const loadRun: Effect.Effect<typeof Run> = Effect.promise(() => import("./Run.ts"))
const loadReport: Effect.Effect<typeof import("../plugins/Report.ts")> = Effect.promise(
  () => import("../plugins/Report.ts")
)
// The DSL (Chevrotain, the parser) and the plugins: `status` and `logs` need neither.
const loadInput: Effect.Effect<typeof Input> = Effect.promise(() => import("./Input.ts"))
const loadDslFormat: Effect.Effect<typeof DslFormat> = Effect.promise(() => import("../dsl/Format.ts"))

const loadLsp: Effect.Effect<typeof import("./Lsp.ts")> = Effect.promise(() => import("./Lsp.ts"))

const pluginOption = Options.text("plugin").pipe(Options.repeated)

const trackerOption = Options.text("tracker").pipe(Options.repeated)

const forceOption = Options.boolean("force")

const file = Args.text({ name: "FILE" })

const runCommand = Command.make(
  "run",
  {
    file,
    backend: Options.text("backend").pipe(Options.optional),
    out: Options.text("out").pipe(Options.optional),
    dryRun: Options.boolean("dry-run"),
    maxConcurrency: Options.integer("max-concurrency").pipe(Options.optional),
    json: Options.boolean("json"),
    fsync: Options.boolean("fsync"),
    resume: Options.text("resume").pipe(Options.optional),
    force: forceOption,
    plugin: pluginOption,
    tracker: trackerOption
  },
  (config) =>
    Effect.gen(function* () {
      const resume = Option.getOrUndefined(config.resume)
      if (resume !== undefined && Option.isSome(config.out))
        return yield* fail(2, "--resume continues its own run directory; it cannot be combined with --out")
      if (resume === undefined && config.force) return yield* fail(2, "--force only makes sense with --resume")
      const Run = yield* loadRun
      return yield* Run.run({
        file: config.file,
        backend: Option.getOrUndefined(config.backend),
        out: Option.getOrUndefined(config.out),
        dryRun: config.dryRun,
        maxConcurrency: Option.getOrUndefined(config.maxConcurrency),
        json: config.json,
        fsync: config.fsync,
        plugins: config.plugin,
        trackers: config.tracker,
        resume:
          resume === undefined
            ? undefined
            : { runDir: NodePath.resolve(resume), force: config.force, detail: false, dryRun: false }
      })
    }).pipe(Effect.scoped)
)

const format = Options.choice("format", ["text", "json"]).pipe(Options.withDefault("text" as const))

const checkOne = (path: string, color: boolean, plugins: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const Input = yield* loadInput
    if (Input.isRoseFile(path)) {
      const { text, diagnostics, problems } = yield* Input.checkRose(path, { plugins })
      return { path, text, diagnostics, problem: problems.length === 0 ? undefined : problems.join("\n") }
    }
    const loaded = yield* Effect.either(Input.load(path, { color, plugins }))
    return {
      path,
      text: "",
      diagnostics: [] as ReadonlyArray<Diagnostic.Diagnostic>,
      problem: Either.isLeft(loaded) ? loaded.left.text : undefined
    }
  }).pipe(
    Effect.catchTag("InputError", (e) =>
      Effect.succeed({
        path,
        text: "",
        diagnostics: [] as ReadonlyArray<Diagnostic.Diagnostic>,
        problem: e.text as string | undefined
      })
    )
  )

const checkCommand = Command.make(
  "check",
  { files: Args.text({ name: "FILE" }).pipe(Args.atLeast(1)), format, plugin: pluginOption },
  (config) =>
    Effect.gen(function* () {
      const out = Term.stdout()
      const err = Term.stderr()
      const results = yield* Effect.forEach(config.files, (file) => checkOne(file, err.color, config.plugin))
      const Input = yield* loadInput
      const failed = results.some((result) => result.problem !== undefined || Diagnostic.hasErrors(result.diagnostics))
      if (config.format === "json") {
        const json = results.map((result) => ({
          file: result.path,
          ok: result.problem === undefined && !Diagnostic.hasErrors(result.diagnostics),
          diagnostics: result.diagnostics.map((diagnostic) => Diagnostic.toJson(diagnostic, result.path)),
          ...(result.problem === undefined ? {} : { error: result.problem })
        }))
        out.write(`${JSON.stringify(json, null, 2)}\n`)
      } else {
        for (const result of results) {
          if (result.problem !== undefined) err.write(`${result.problem}\n`)
          else if (result.diagnostics.length > 0) {
            err.write(`${Input.formatDiagnostics(result.diagnostics, result.text, result.path, err.color)}\n`)
            if (!Diagnostic.hasErrors(result.diagnostics)) out.write(`${result.path}: ok (with warnings)\n`)
          } else out.write(`${result.path}: ok\n`)
        }
      }
      if (failed) return yield* new CliExit({ code: 2, message: undefined })
    })
)

const planText = (plan: Plan.Plan, color: boolean): string => {
  const blocks: Array<string> = []
  for (const learner of plan.learners) {
    const rows = plan.rows.filter(
      (row) => row.learner.name === learner.learner.name && row.learner.index === learner.learner.index
    )
    const head = [
      Term.paint(
        color,
        "bold",
        `${Learner.label(learner.learner)}${learner.point === undefined ? "" : ` {${learner.point}}`}`
      ),
      `${learner.kind}`,
      learner.maxIter === undefined ? "until the criterion is met" : `max_iter ${learner.maxIter}`,
      learner.criterion === undefined
        ? ""
        : `stop when ${learner.criterion.metric} ${learner.criterion.operator} ${learner.criterion.threshold}`,
      learner.population?.text ?? "",
      learner.budget?.text ?? ""
    ]
      .filter((s) => s !== "")
      .join(" · ")
    const body = table(
      ["iteration", "task", "command"],
      rows.map((row, i) => {
        const first = i === 0 || rows[i - 1]!.iteration !== row.iteration
        let command = row.command
        if (row.argv === undefined && (row.binding === "CommandFunction" || row.binding === "InProcess")) {
          command += `  kwargs ${JSON.stringify(row.kwargs)}${row.args.length > 0 ? ` args ${JSON.stringify(row.args)}` : ""}`
        }
        if (row.problem !== undefined) command += `  (problem: ${row.problem})`
        return [first ? String(row.iteration) : "", row.task, command]
      }),
      { right: [0], color }
    )
    const more = learner.truncated
      ? `\n  … ${learner.maxIter === undefined ? "and so on until the criterion is met" : `${learner.maxIter - learner.shown} more iterations`} (--iterations N shows more)`
      : ""
    blocks.push(`${head}\n${body}${more}`)
  }
  return `${blocks.join("\n\n")}\n`
}

const planCommand = Command.make(
  "plan",
  {
    file,
    iterations: Options.integer("iterations").pipe(Options.optional),
    format,
    plugin: pluginOption
  },
  (config) =>
    Effect.gen(function* () {
      const out = Term.stdout()
      const err = Term.stderr()
      const iterations = Option.getOrUndefined(config.iterations)
      if (iterations !== undefined && iterations < 1) return yield* fail(2, "--iterations must be at least 1")
      const Input = yield* loadInput
      const loaded = yield* Input.load(config.file, { color: err.color, plugins: config.plugin }).pipe(
        Effect.mapError((e) => new CliExit({ code: 2, message: e.text }))
      )
      const plan = Plan.make(loaded.program, { iterations })
      out.write(
        config.format === "json" ? `${JSON.stringify(Plan.toJson(plan), null, 2)}\n` : planText(plan, out.color)
      )
    })
)

const fmtCommand = Command.make(
  "fmt",
  {
    files: Args.text({ name: "FILE" }).pipe(Args.atLeast(1)),
    check: Options.boolean("check")
  },
  (config) =>
    Effect.gen(function* () {
      const out = Term.stdout()
      const err = Term.stderr()
      let invalid = false
      let unformatted = false
      const Input = yield* loadInput
      const DslFormat = yield* loadDslFormat
      for (const path of config.files) {
        if (!Input.isRoseFile(path)) {
          err.write(`${path}: rose fmt formats .rose files\n`)
          invalid = true
          continue
        }
        const read = yield* Effect.either(Input.read(path))
        if (Either.isLeft(read)) {
          err.write(`${read.left.text}\n`)
          invalid = true
          continue
        }
        const formatted = DslFormat.format(read.right.text, { file: path })
        if (Either.isLeft(formatted)) {
          err.write(`${Input.formatDiagnostics(formatted.left, read.right.text, path, err.color)}\n`)
          invalid = true
          continue
        }
        if (formatted.right === read.right.text) {
          out.write(`${path}: already formatted\n`)
        } else if (config.check) {
          out.write(`${path}: not formatted\n`)
          unformatted = true
        } else {
          const tmp = `${read.right.absolute}.fmt-tmp`
          NodeFs.writeFileSync(tmp, formatted.right)
          NodeFs.renameSync(tmp, read.right.absolute)
          out.write(`${path}: formatted\n`)
        }
      }
      if (invalid) return yield* new CliExit({ code: 2, message: undefined })
      if (unformatted) return yield* new CliExit({ code: 1, message: undefined })
    })
)

const runDir = Args.directory({ name: "RUN_DIR", exists: "either" })

const reportCommand = Command.make("report", { runDir }, (config) =>
  Effect.gen(function* () {
    const dir = NodePath.resolve(config.runDir)
    const Report = yield* loadReport
    const path = yield* Report.write(dir).pipe(Effect.mapError((e) => new CliExit({ code: 2, message: e.message })))
    Term.stdout().write(`${path}\n`)
  })
)

const statusCommand = Command.make("status", { runDir, json: Options.boolean("json") }, (config) =>
  Effect.gen(function* () {
    const dir = NodePath.resolve(config.runDir)
    const snapshot = Status.readSync(dir)
    if (snapshot === undefined) {
      return yield* fail(
        2,
        `${config.runDir}: no journal (events.jsonl) here; ${NodeFs.existsSync(dir) ? "is it a run directory?" : "no such directory"}`
      )
    }
    const out = Term.stdout()
    if (config.json) {
      const progress = snapshot.progress
      const json: Json.JsonObject = {
        runId: progress.runId ?? null,
        runDir: dir,
        finished: progress.finished === undefined ? null : { ...progress.finished },
        rosePid: progress.rosePid ?? null,
        roseAlive: progress.rosePid === undefined ? false : Status.alive(progress.rosePid),
        tornLine: snapshot.tornLine !== undefined,
        learners: progress.learners.map((l) => ({
          name: l.ref.name,
          index: l.ref.index,
          status: l.status,
          iterations: l.iterations,
          history: [...l.history],
          task: l.task === undefined ? null : l.task.task
        })),
        ranking: snapshot.ranking,
        ...(snapshot.dryRun === true ? { dryRun: true } : {}),
        running: runningJson(progress)
      }
      out.write(`${JSON.stringify(json, null, 2)}\n`)
      return
    }
    out.write(Status.render(dir, snapshot, { now: Date.now(), color: out.color, isAlive: Status.alive }))
  })
)

const resumeCommand = Command.make(
  "resume",
  {
    runDir,
    explain: Options.boolean("explain"),
    dryRun: Options.boolean("dry-run"),
    force: forceOption,
    backend: Options.text("backend").pipe(Options.optional),
    maxConcurrency: Options.integer("max-concurrency").pipe(Options.optional),
    json: Options.boolean("json"),
    fsync: Options.boolean("fsync"),
    plugin: pluginOption,
    tracker: trackerOption
  },
  (config) =>
    Effect.gen(function* () {
      const dir = NodePath.resolve(config.runDir)
      const manifest = yield* RunManifest.load(dir).pipe(
        Effect.mapError(
          (e) =>
            new CliExit({
              code: 2,
              message: e.missing ? `${config.runDir}: no readable run.json here; is it a run directory?` : e.message
            })
        )
      )
      const source = manifest.source.file
      if (source === null) {
        return yield* fail(
          2,
          `${config.runDir}: the run does not say which file it came from; use rose run FILE --resume ${config.runDir}`
        )
      }
      if (!NodeFs.existsSync(source)) {
        return yield* fail(
          2,
          `${config.runDir}: its program ${source} no longer exists; restore it, or use rose run FILE --resume ${config.runDir}`
        )
      }
      const Run = yield* loadRun
      return yield* Run.run({
        file: source,
        backend: Option.getOrUndefined(config.backend),
        out: undefined,
        dryRun: false,
        maxConcurrency: Option.getOrUndefined(config.maxConcurrency),
        json: config.json,
        fsync: config.fsync,
        plugins: config.plugin,
        trackers: config.tracker,
        resume: { runDir: dir, force: config.force, detail: config.explain || config.dryRun, dryRun: config.dryRun }
      })
    }).pipe(Effect.scoped)
)

const logsCommand = Command.make(
  "logs",
  {
    runDir,
    learner: Args.text({ name: "LEARNER" }).pipe(Args.optional),
    iteration: Options.integer("iteration").pipe(Options.optional),
    task: Options.text("task").pipe(Options.optional),
    attempt: Options.integer("attempt").pipe(Options.optional),
    err: Options.boolean("err"),
    out: Options.boolean("out"),
    follow: Options.boolean("follow").pipe(Options.withAlias("f"))
  },
  (config) =>
    Effect.gen(function* () {
      if (config.err && config.out)
        return yield* fail(2, "rose logs: --err and --out exclude each other (neither shows both)")
      return yield* Logs.run({
        runDir: config.runDir,
        learner: Option.getOrUndefined(config.learner),
        iteration: Option.getOrUndefined(config.iteration),
        task: Option.getOrUndefined(config.task),
        attempt: Option.getOrUndefined(config.attempt),
        stream: config.err ? "err" : config.out ? "out" : undefined,
        follow: config.follow,
        out: Term.stdout(),
        err: Term.stderr()
      })
    })
)

// `--stdio` is what VS Code's client appends for this transport, the only one served.
const lspCommand = Command.make("lsp", { stdio: Options.boolean("stdio"), plugin: pluginOption }, (config) =>
  Effect.flatMap(loadLsp, (Lsp) => Lsp.serve({ plugins: config.plugin }))
)

const runningJson = (p: Status.Snapshot["progress"]): Json.Json =>
  [...p.running.values()].map((t) => ({
    learner: { name: t.learner.name, index: t.learner.index },
    iteration: t.iteration,
    task: t.task,
    attempt: t.attempt,
    pid: t.pid ?? null,
    pgid: t.pgid ?? null,
    host: t.host ?? null,
    jobId: t.jobId ?? null
  }))

/**
 * The subcommands, each parsing its own options and arguments.
 *
 * @since 0.1.0
 * @category commands
 */
export const subcommands = [
  runCommand,
  resumeCommand,
  checkCommand,
  planCommand,
  fmtCommand,
  reportCommand,
  statusCommand,
  logsCommand,
  lspCommand
] as const

/**
 * The command tree.
 *
 * @since 0.1.0
 * @category commands
 */
export const rose = Command.make("rose").pipe(Command.withSubcommands(subcommands))

/**
 * Runs the command line (argv as `process.argv`: runtime, script, arguments…).
 *
 * @since 0.1.0
 * @category commands
 */
export const cli = Command.run(rose, { name: "rose", version: Version.version })
