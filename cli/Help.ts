/**
 * What `rose` says about itself: the help of every command, written for this tool, and the check of a
 * command line's shape (known command, known options, their values, the count of files) before it is
 * handed to `@effect/cli`. `@effect/cli` still parses and runs the commands; its own help and usage
 * errors are not shown, because they cannot be made to read as this tool's (every option carries the
 * type's stock sentence and "This setting is optional.", a subcommand's usage reads `$ run`, the
 * built-in `--wizard` and `--log-level` are listed, and an unknown optional flag is reported as an
 * unexpected argument, naming the next word instead of the flag).
 *
 * @since 0.1.0
 */
import * as Version from "../core/Version.ts"
import { closest } from "../dsl/internal/suggest.ts"

/**
 * An option of a command: its long name, the placeholder of its value (none for a switch) and a line
 * saying what it does.
 *
 * @since 0.1.0
 * @category models
 */
export interface Flag {
  readonly name: string
  /** A one-letter alias (`f` for `-f`). */
  readonly short?: string
  readonly value?: string
  readonly kind?: "integer" | ReadonlyArray<string>
  readonly help: string
}

/**
 * A command: its positional arguments (how many, and what they are), options and examples.
 *
 * @since 0.1.0
 * @category models
 */
export interface CommandHelp {
  readonly name: string
  readonly summary: string
  /** What it takes after its options; `undefined` for a command that takes nothing. */
  readonly operand: { readonly name: string; readonly many: boolean; readonly help: string } | undefined
  /** An optional second argument (`rose logs RUN_DIR [LEARNER]`). */
  readonly optional?: { readonly name: string; readonly help: string }
  readonly flags: ReadonlyArray<Flag>
  readonly examples: ReadonlyArray<string>
}

const file = {
  name: "FILE",
  many: false,
  help: "a .rose file, or a program module (.ts/.js) exporting Rose.program(…)"
}
const runDir = { name: "RUN_DIR", many: false, help: "a run directory (runs/<id>/, or the --out of a run)" }

const plugin: Flag = {
  name: "plugin",
  value: "PATH",
  help: "load a plugin module (a path or a package name); repeatable"
}
const tracker: Flag = {
  name: "tracker",
  value: "KIND",
  help: "attach a tracker (csv: <run>/metrics.csv, or a plugin's kind); repeatable"
}
const backend: Flag = {
  name: "backend",
  value: "NAME",
  help: "run on this backend: one the file declares, or a kind (local, dry-run, …)"
}
const maxConcurrency: Flag = {
  name: "max-concurrency",
  value: "N",
  kind: "integer",
  help: "run at most N tasks at once (overrides the backend's concurrency)"
}
const json: Flag = { name: "json", help: "stream every event as a JSON line on stdout (messages go to stderr)" }
const fsync: Flag = { name: "fsync", help: "fsync the journal after each write (survives a power loss)" }
const force: Flag = { name: "force", help: "resume even though the program changed since the run started" }
const format: Flag = {
  name: "format",
  value: "FORMAT",
  kind: ["text", "json"],
  help: "text (diagnostics with code frames, the default) or json"
}

/**
 * Every command, in the order the root help lists them.
 *
 * @since 0.1.0
 * @category help
 */
export const commands: ReadonlyArray<CommandHelp> = [
  {
    name: "run",
    summary: "Run a program: every learner at once, with live progress; writes a run directory.",
    operand: file,
    flags: [
      { name: "out", value: "DIR", help: "the run directory, missing or empty (default runs/<date>-<time>-<hex>/)" },
      { name: "dry-run", help: "run no process: synthetic outputs and scripted metrics" },
      backend,
      maxConcurrency,
      json,
      fsync,
      { name: "resume", value: "RUN_DIR", help: "continue this run directory with FILE (see rose resume)" },
      force,
      plugin,
      tracker
    ],
    examples: [
      "rose run sweep.rose",
      "rose run sweep.rose --dry-run",
      "rose run sweep.ts --out runs/try1 --max-concurrency 4",
      "rose run sweep.rose --json > events.jsonl"
    ]
  },
  {
    name: "resume",
    summary: "Continue an interrupted or crashed run in its own directory.",
    operand: runDir,
    flags: [
      { name: "explain", help: "say per task what is kept, re-attached to or run again, then resume" },
      { name: "dry-run", help: "say the same and stop: nothing is killed, nothing runs" },
      force,
      backend,
      maxConcurrency,
      json,
      fsync,
      plugin,
      tracker
    ],
    examples: ["rose resume runs/20261128-143005-1a2b --dry-run", "rose resume runs/20261128-143005-1a2b"]
  },
  {
    name: "check",
    summary: "Check files without running them; exits 2 if any has an error.",
    operand: { ...file, many: true },
    flags: [format, plugin],
    examples: ["rose check sweep.rose", "rose check sweep.rose other.rose --format json"]
  },
  {
    name: "plan",
    summary: "Show every command line a run would execute, per learner and iteration, running nothing.",
    operand: file,
    flags: [
      {
        name: "iterations",
        value: "N",
        kind: "integer",
        help: "iterations to show per learner (default max_iter, or 20 without one)"
      },
      format,
      plugin
    ],
    examples: ["rose plan sweep.rose", "rose plan sweep.rose --iterations 3 --format json"]
  },
  {
    name: "fmt",
    summary: "Format .rose files in place.",
    operand: { name: "FILE", many: true, help: "a .rose file" },
    flags: [{ name: "check", help: "change nothing; exit 1 if a file is not formatted" }],
    examples: ["rose fmt sweep.rose", "rose fmt --check *.rose"]
  },
  {
    name: "report",
    summary: "Write a run's report.html again from its run directory.",
    operand: runDir,
    flags: [],
    examples: ["rose report runs/20261128-143005-1a2b"]
  },
  {
    name: "status",
    summary: "Where a run stands (running or finished), read from its journal, from any shell.",
    operand: runDir,
    flags: [{ name: "json", help: "print where the run stands as JSON" }],
    examples: ["rose status runs/20261128-143005-1a2b", "rose status runs/20261128-143005-1a2b --json"]
  },
  {
    name: "logs",
    summary: "Print the .out/.err files of a run's tasks, or follow them while the run goes on.",
    operand: runDir,
    optional: { name: "LEARNER", help: "sweep[2] or sweep-2 (one learner), or sweep (all of the block)" },
    flags: [
      { name: "iteration", value: "I", kind: "integer", help: "only this iteration (0-based, as in iter-<i>/)" },
      { name: "task", value: "T", help: "only this task (training, simulation, …)" },
      { name: "attempt", value: "N", kind: "integer", help: "only this attempt (1 is the first)" },
      { name: "err", help: "only stderr (.err files)" },
      { name: "out", help: "only stdout (.out files)" },
      { name: "follow", short: "f", help: "print output as it is written, new tasks too, until the run ends" }
    ],
    examples: [
      "rose logs runs/20261128-143005-1a2b 'sweep[2]' --err",
      "rose logs runs/20261128-143005-1a2b sweep --iteration 0 --task training",
      "rose logs runs/20261128-143005-1a2b -f"
    ]
  },
  {
    name: "lsp",
    summary: "Serve the language server for .rose files to an editor, over stdin and stdout.",
    operand: undefined,
    flags: [
      { name: "stdio", help: "talk over stdin and stdout (the default and only transport)" },
      {
        name: "plugin",
        value: "PATH",
        help: "load a plugin module for every file (a path or a package name); repeatable"
      }
    ],
    examples: ["rose lsp", "rose lsp --plugin ./plugins/my-cluster.ts"]
  }
]

/**
 * `--help`, which every command takes.
 *
 * @since 0.1.0
 * @category help
 */
export const helpFlag: Flag = { name: "help", help: "show this help" }

/**
 * The shells `--completions` writes a script for.
 *
 * @since 0.1.0
 * @category help
 */
export const shells = ["bash", "zsh", "fish"] as const

/**
 * A shell `--completions` writes a script for.
 *
 * @since 0.1.0
 * @category models
 */
export type Shell = (typeof shells)[number]

/**
 * The options `rose` takes before a command.
 *
 * @since 0.1.0
 * @category help
 */
export const rootFlags: ReadonlyArray<Flag> = [
  { name: "help", help: "show this help; rose COMMAND --help shows a command's" },
  { name: "version", help: "print the version" },
  { name: "completions", value: "SHELL", kind: shells, help: "print a completion script for bash, zsh or fish" }
]

const flagLabel = (flag: Flag): string =>
  `${flag.name === "help" ? "-h, " : flag.short === undefined ? "    " : `-${flag.short}, `}--${flag.name}${flag.value === undefined ? "" : ` ${flag.value}`}`

const twoColumns = (rows: ReadonlyArray<readonly [string, string]>): Array<string> => {
  const width = Math.max(...rows.map(([left]) => left.length))
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`)
}

/**
 * `rose --help`.
 *
 * @since 0.1.0
 * @category help
 */
export const root = (): string =>
  [
    `rose ${Version.version}: surrogate-building loops (active, reinforcement, uncertainty-driven learning,`,
    "algorithm selection) on local processes, SSH hosts and SLURM.",
    "",
    "Usage: rose COMMAND [options] [FILE | RUN_DIR]",
    "",
    "Commands:",
    ...twoColumns(commands.map((c) => [c.name, c.summary])),
    "",
    "Options:",
    ...twoColumns(rootFlags.map((f) => [flagLabel(f), f.help])),
    "",
    "Examples:",
    "  rose check sweep.rose",
    "  rose plan sweep.rose --iterations 3",
    "  rose run sweep.rose --dry-run",
    "  rose run sweep.rose --out runs/try1",
    "  rose status runs/try1",
    "  rose resume runs/try1",
    "",
    "Exit codes: 0 success · 1 a learner or task failed · 2 invalid input (nothing ran) ·",
    "128 + n interrupted by signal n (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP).",
    "",
    "Installed in a project only? Write npx --no-install rose for rose.",
    ""
  ].join("\n")

/**
 * `rose COMMAND --help`.
 *
 * @since 0.1.0
 * @category help
 */
export const command = (c: CommandHelp): string => {
  const operand = c.operand === undefined ? undefined : c.operand.many ? `${c.operand.name}...` : c.operand.name
  const optional = c.optional === undefined ? [] : ([[`[${c.optional.name}]`, c.optional.help]] as const)
  return [
    `rose ${c.name}: ${c.summary.charAt(0).toLowerCase()}${c.summary.slice(1)}`,
    "",
    `Usage: rose ${c.name} [options]${operand === undefined ? "" : ` ${operand}`}${c.optional === undefined ? "" : ` [${c.optional.name}]`}`,
    "",
    ...(operand === undefined ? [] : ["Arguments:", ...twoColumns([[operand, c.operand!.help], ...optional]), ""]),
    "Options:",
    ...twoColumns([...c.flags, helpFlag].map((f) => [flagLabel(f), f.help])),
    "",
    "Examples:",
    ...c.examples.map((e) => `  ${e}`),
    ""
  ].join("\n")
}

/**
 * What to do with a command line: hand it to the parser, print a text and exit with `code`, or refuse
 * it with a message (exit 2).
 *
 * @since 0.1.0
 * @category models
 */
export type Preflight =
  | { readonly _tag: "Parse" }
  | { readonly _tag: "Print"; readonly text: string }
  | { readonly _tag: "Completions"; readonly shell: Shell }
  | { readonly _tag: "Refuse"; readonly message: string }

const parse: Preflight = { _tag: "Parse" }
const print = (text: string): Preflight => ({ _tag: "Print", text })
const refuse = (message: string, tryHelp: string): Preflight => ({
  _tag: "Refuse",
  message: `${message}\nTry '${tryHelp} --help'.`
})

// `@effect/cli` takes the word after a switch as its value when it reads as a boolean.
const booleanWords = new Set(["true", "1", "y", "yes", "on", "false", "0", "n", "no", "off"])

const unknownFlag = (word: string, flags: ReadonlyArray<Flag>, where: string): Preflight => {
  const name = word.split("=")[0]!
  const guess = closest(
    name,
    flags.map((f) => `--${f.name}`)
  )
  const owner = where === "rose" ? commands.find((c) => c.flags.some((f) => `--${f.name}` === name)) : undefined
  const hint =
    guess !== undefined
      ? `; did you mean '${guess}'?`
      : owner !== undefined
        ? `; it belongs after a command, as in rose ${owner.name} ${name}`
        : name.startsWith("--")
          ? ""
          : " (rose's options are long ones, such as --help)"
  return refuse(`${where}: unknown option '${name}'${hint}`, where)
}

const valueProblem = (flag: Flag, value: string): string | undefined => {
  if (flag.kind === "integer" && !/^-?\d+$/.test(value)) return `expects a whole number, not '${value}'`
  if (Array.isArray(flag.kind) && !flag.kind.includes(value))
    return `expects one of ${flag.kind.join(", ")}, not '${value}'`
  return undefined
}

/**
 * Checks the shape of a command line (the arguments after `rose`) and answers `--help`, `--version`
 * itself, and says which shell's completion script `--completions` asks for.
 *
 * @since 0.1.0
 * @category checking
 */
export const preflight = (args: ReadonlyArray<string>): Preflight => {
  const [first, ...rest] = args
  if (first === undefined || first === "-h" || first === "--help") return print(root())
  if (first === "--version") return print(`${Version.version}\n`)
  if (first === "--completions" || first.startsWith("--completions=")) {
    const shell = first.includes("=") ? first.slice(first.indexOf("=") + 1) : rest[0]
    const known = shells.find((s) => s === shell)
    if (known === undefined) return refuse(`rose: --completions expects one of ${shells.join(", ")}`, "rose")
    return { _tag: "Completions", shell: known }
  }
  if (first.startsWith("-")) return unknownFlag(first, rootFlags, "rose")
  if (first === "help") {
    const asked = commands.find((c) => c.name === rest[0])
    return print(asked === undefined ? root() : command(asked))
  }
  const c = commands.find((c) => c.name === first)
  if (c === undefined) {
    const guess = closest(
      first,
      commands.map((c) => c.name)
    )
    return refuse(`rose: unknown command '${first}'${guess === undefined ? "" : `; did you mean '${guess}'?`}`, "rose")
  }
  const where = `rose ${c.name}`
  const operands: Array<string> = []
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!
    if (word === "-h" || word === "--help") return print(command(c))
    if (!word.startsWith("-") || word === "-") {
      operands.push(word)
      continue
    }
    const eq = word.indexOf("=")
    const name = eq < 0 ? word : word.slice(0, eq)
    const flag = name.startsWith("--")
      ? c.flags.find((f) => `--${f.name}` === name.toLowerCase())
      : c.flags.find((f) => f.short !== undefined && `-${f.short}` === name)
    if (flag === undefined) return unknownFlag(word, c.flags, where)
    if (flag.value === undefined) {
      if (eq >= 0) return refuse(`${where}: option '${name}' takes no value`, where)
      if (booleanWords.has(rest[i + 1] ?? "")) i++
      continue
    }
    const value = eq >= 0 ? word.slice(eq + 1) : rest[++i]
    if (value === undefined) return refuse(`${where}: option '${name}' needs a value (${flag.value})`, where)
    const problem = valueProblem(flag, value)
    if (problem !== undefined) return refuse(`${where}: option '${name}' ${problem}`, where)
  }
  if (c.operand === undefined) {
    return operands.length === 0 ? parse : refuse(`${where}: takes no arguments; unexpected '${operands[0]}'`, where)
  }
  if (operands.length === 0) return refuse(`${where}: missing ${c.operand.name}`, where)
  const most = c.operand.many ? Number.POSITIVE_INFINITY : c.optional === undefined ? 1 : 2
  if (operands.length > most) {
    const expected = c.optional === undefined ? `one ${c.operand.name}` : `${c.operand.name} [${c.optional.name}]`
    return refuse(`${where}: ${expected} expected; unexpected '${operands[most]}'`, where)
  }
  return parse
}
