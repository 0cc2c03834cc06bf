/**
 * `rose`'s help and usage errors, as the bundled command prints them: written for this tool (no
 * library defaults, no `--wizard`), unknown options named with a suggestion and exit code 2, and a
 * completion script that completes for `rose` and for a `rose` function running `npx --no-install rose`.
 */
import * as ChildProcess from "node:child_process"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { ensureCli, rose, stackLines, tempDir } from "./helpers.ts"

const commands = ["run", "resume", "check", "plan", "fmt", "report", "status"]
const stock = /A user-defined piece of text|This setting is optional|A true or false value|--wizard|--log-level|\$ /

describe("rose help and usage errors", () => {
  let cli = ""
  let dir = ""
  beforeAll(async () => {
    cli = await ensureCli()
    dir = tempDir("rose-help-")
  }, 120_000)
  afterAll(() => NodeFs.rmSync(dir, { recursive: true, force: true }))

  it("rose --help lists the commands and global options, without library defaults", async () => {
    const r = await rose(cli, ["--help"], dir, { NO_COLOR: "" })
    assert.strictEqual(r.code, 0, r.stderr)
    const lines = r.stdout.split("\n")
    assert.include(lines, "Usage: rose COMMAND [options] [FILE | RUN_DIR]")
    assert.include(lines, "  -h, --help               show this help; rose COMMAND --help shows a command's")
    assert.include(lines, "      --completions SHELL  print a completion script for bash, zsh or fish")
    for (const c of commands)
      assert.isTrue(
        lines.some((l) => l.startsWith(`  ${c} `)),
        c
      )
    assert.include(lines, "Examples:")
    assert.include(r.stdout, "Exit codes: 0 success")
    assert.notMatch(r.stdout, stock)
    assert.notInclude(r.stdout, "\u001b[")
  })

  it("every command's --help has its usage line, one line per option and examples", async () => {
    const run = await rose(cli, ["run", "--help"], dir)
    assert.strictEqual(run.code, 0)
    const lines = run.stdout.split("\n")
    assert.include(lines, "Usage: rose run [options] FILE")
    assert.include(lines, "      --dry-run            run no process: synthetic outputs and scripted metrics")
    assert.include(
      lines,
      "      --max-concurrency N  run at most N tasks at once (overrides the backend's concurrency)"
    )
    assert.include(lines, "  rose run sweep.rose --dry-run")
    for (const c of commands) {
      const r = await rose(cli, [c, "--help"], dir)
      assert.strictEqual(r.code, 0, `${c}: ${r.stderr}`)
      assert.match(r.stdout, new RegExp(`^Usage: rose ${c} \\[options\\] (FILE|RUN_DIR)`, "m"), c)
      assert.match(r.stdout, /^Examples:\n {2}rose /m, c)
      assert.notMatch(r.stdout, stock, c)
    }
  })

  it("names an unknown option with a suggestion, and exits 2", async () => {
    NodeFs.writeFileSync(NodePath.join(dir, "x.rose"), "")
    const r = await rose(cli, ["run", "--dryrun", "x.rose"], dir)
    assert.strictEqual(r.code, 2)
    assert.strictEqual(
      r.stderr,
      "rose run: unknown option '--dryrun'; did you mean '--dry-run'?\nTry 'rose run --help'.\n"
    )
    assert.strictEqual(r.stdout, "")
    assert.isFalse(NodeFs.existsSync(NodePath.join(dir, "runs")))
  })

  it("blames -n, not the file after it", async () => {
    const r = await rose(cli, ["run", "-n", "full.rose"], dir)
    assert.strictEqual(r.code, 2)
    assert.match(r.stderr, /^rose run: unknown option '-n'/)
    assert.notInclude(r.stderr, "full.rose")
    assert.deepStrictEqual(stackLines(r.stderr), [])
  })

  it("an unknown command and --wizard are refused with exit 2", async () => {
    const plan = await rose(cli, ["plna", "x.rose"], dir)
    assert.strictEqual(plan.code, 2)
    assert.include(plan.stderr, "rose: unknown command 'plna'; did you mean 'plan'?")
    const wizard = await rose(cli, ["--wizard"], dir)
    assert.strictEqual(wizard.code, 2)
    assert.include(wizard.stderr, "rose: unknown option '--wizard'")
  })

  it("the bash completion script completes for rose and for a rose function that runs npx", async () => {
    const script = await rose(cli, ["--completions", "bash"], dir)
    assert.strictEqual(script.code, 0, script.stderr)
    NodeFs.writeFileSync(NodePath.join(dir, "rose.bash"), script.stdout)
    const complete = (words: ReadonlyArray<string>) =>
      ChildProcess.execFileSync(
        "bash",
        [
          "-c",
          `source rose.bash; rose() { npx --no-install rose "$@"; }
COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _rose_complete
printf '%s\\n' "\${COMPREPLY[@]}"; complete -p rose`
        ],
        { cwd: dir, encoding: "utf8" }
      )
    const commandsOut = complete(["rose", "re"])
    assert.deepStrictEqual(commandsOut.split("\n").slice(0, 3), [
      "resume",
      "report",
      "complete -o filenames -F _rose_complete rose"
    ])
    assert.include(complete(["rose", "run", "x.rose", "--dr"]), "--dry-run\n")
    assert.include(complete(["rose", "check", "--format", ""]), "text\njson\n")
    assert.include(complete(["rose", "run", "x.r"]), "x.rose\n")
  })
})
