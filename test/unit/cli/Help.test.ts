import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Usage from "@effect/cli/Usage"
import { assert, describe, it } from "@effect/vitest"
import * as Cli from "../../../cli/Cli.ts"
import * as Completions from "../../../cli/Completions.ts"
import * as Help from "../../../cli/Help.ts"

const refusal = (args: ReadonlyArray<string>): string => {
  const p = Help.preflight(args)
  assert.strictEqual(p._tag, "Refuse", JSON.stringify(p))
  return (p as { message: string }).message
}

// Each subcommand's type differs; only its names and usage are read here.
const subcommands = Cli.subcommands as unknown as ReadonlyArray<Command.Command<string, never, unknown, unknown>>

const stock = [
  "A user-defined piece of text",
  "This setting is optional",
  "A true or false value",
  "--wizard",
  "--log-level"
]

describe("Help", () => {
  it("writes each command's help for rose: a usage line, one line per option, examples", () => {
    const run = Help.command(Help.commands.find((c) => c.name === "run")!)
    const lines = run.split("\n")
    assert.include(lines, "Usage: rose run [options] FILE")
    for (const flag of [
      "out DIR",
      "dry-run",
      "backend NAME",
      "max-concurrency N",
      "json",
      "resume RUN_DIR",
      "tracker KIND"
    ]) {
      assert.strictEqual(lines.filter((l) => l.includes(`--${flag}  `)).length, 1, flag)
    }
    assert.include(lines, "  rose run sweep.rose --dry-run")
    for (const c of Help.commands) {
      const text = Help.command(c)
      assert.include(text, `Usage: rose ${c.name} [options]${c.operand === undefined ? "\n" : ` ${c.operand.name}`}`)
      assert.isAtLeast(c.examples.length, 1)
      for (const e of c.examples) assert.include(text, `\n  ${e}\n`)
      for (const s of stock) assert.notInclude(text, s, c.name)
      for (const l of text.split("\n")) assert.isAtMost(l.length, 100, l)
    }
    for (const s of stock) assert.notInclude(Help.root(), s)
  })

  it("lists exactly the options @effect/cli parses for each command", () => {
    for (const sub of subcommands) {
      const [name] = [...Command.getNames(sub)]
      const parsed = HelpDoc.toAnsiText(Usage.getHelp(Command.getUsage(sub)))
      const flags = [...new Set(parsed.match(/--[a-z-]+/g) ?? [])].sort()
      const help = Help.commands.find((c) => c.name === name)!
      assert.deepStrictEqual(flags, help.flags.map((f) => `--${f.name}`).sort(), name)
    }
    assert.deepStrictEqual(
      subcommands.map((s) => [...Command.getNames(s)][0]),
      Help.commands.map((c) => c.name)
    )
  })

  it("names an unknown option with the closest known one", () => {
    assert.strictEqual(
      refusal(["run", "--dryrun", "x.rose"]),
      "rose run: unknown option '--dryrun'; did you mean '--dry-run'?\nTry 'rose run --help'."
    )
    assert.include(refusal(["check", "a.rose", "--formt=json"]), "unknown option '--formt'; did you mean '--format'?")
    assert.include(refusal(["--dry-run", "x.rose"]), "it belongs after a command, as in rose run --dry-run")
    assert.include(refusal(["--wizard"]), "unknown option '--wizard'")
    assert.include(refusal(["plna", "x.rose"]), "unknown command 'plna'; did you mean 'plan'?")
  })

  it("blames the flag, not the word after it", () => {
    const message = refusal(["run", "-n", "full.rose"])
    assert.match(message, /^rose run: unknown option '-n'/)
    assert.notInclude(message, "full.rose")
  })

  it("checks values and the count of files, and lets a good command line through", () => {
    assert.include(refusal(["run", "x.rose", "--out"]), "option '--out' needs a value (DIR)")
    assert.include(refusal(["run", "x.rose", "--max-concurrency", "lots"]), "expects a whole number, not 'lots'")
    assert.include(refusal(["plan", "x.rose", "--format", "xml"]), "expects one of text, json, not 'xml'")
    assert.include(refusal(["run"]), "rose run: missing FILE")
    assert.include(refusal(["run", "a.rose", "b.rose"]), "unexpected 'b.rose'")
    assert.include(refusal(["status", "r", "--json=yes"]), "option '--json' takes no value")
    assert.include(refusal(["lsp", "x.rose"]), "rose lsp: takes no arguments; unexpected 'x.rose'")
    for (const ok of [
      ["run", "x.rose", "--dry-run", "--out=o", "--max-concurrency", "3", "--plugin", "p", "--plugin", "q"],
      ["check", "a.rose", "b.rose", "--format", "json"],
      ["fmt", "--check", "a.rose"],
      ["status", "--json", "true", "runs/x"],
      ["lsp", "--stdio"]
    ]) {
      assert.deepStrictEqual(Help.preflight(ok), { _tag: "Parse" }, ok.join(" "))
    }
  })

  it("answers --help, --version and --completions itself", () => {
    assert.deepStrictEqual(Help.preflight(["resume", "r", "-h"]), {
      _tag: "Print",
      text: Help.command(Help.commands.find((c) => c.name === "resume")!)
    })
    assert.deepStrictEqual(Help.preflight([]), { _tag: "Print", text: Help.root() })
    assert.deepStrictEqual(Help.preflight(["help"]), { _tag: "Print", text: Help.root() })
    assert.deepStrictEqual(Help.preflight(["help", "plan"]), {
      _tag: "Print",
      text: Help.command(Help.commands.find((c) => c.name === "plan")!)
    })
    assert.deepStrictEqual(Help.preflight(["--completions", "zsh"]), { _tag: "Completions", shell: "zsh" })
    assert.include(Completions.script("bash"), "complete -o filenames -F _rose_complete rose")
    assert.match(Completions.script("zsh"), /^autoload -U \+X bashcompinit && bashcompinit\n_rose_complete\(\) \{/)
    assert.include(Completions.script("fish"), "complete -c rose -n '__fish_seen_subcommand_from run' -l dry-run")
    for (const s of ["bash", "zsh", "fish"] as const) assert.notMatch(Completions.script(s), /wizard|log-level/)
    assert.include(refusal(["--completions", "tcsh"]), "--completions expects one of bash, zsh, fish")
  })
})
