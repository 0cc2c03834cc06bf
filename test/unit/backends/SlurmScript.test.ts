import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Script from "../../../backends/internal/slurmScript.ts"
import * as CommandLine from "../../../core/CommandLine.ts"

const split = (s: string) => Either.getOrThrow(CommandLine.split(s))

describe("SLURM wrapper: quoting", () => {
  const words = [
    "plain",
    "a b",
    "",
    `it's "quoted"`,
    "x; rm -rf /",
    "$(id) `id` $HOME",
    "$" + "{X}",
    "two\nlines",
    "tab\there",
    "ünïcødé ✓ 日本",
    "*",
    "~",
    "back\\slash",
    "'",
    "''",
    "--flag=value",
    "-",
    "!bang",
    "#hash"
  ]

  it("quotes every word so a POSIX shell reads it back unchanged", () => {
    for (const w of words) assert.deepStrictEqual(split(Script.quote(w)), [w], JSON.stringify(w))
    assert.deepStrictEqual(split(words.map(Script.quote).join(" ")), words)
  })

  it("leaves safe words bare and single-quotes the rest", () => {
    assert.strictEqual(Script.quote("/usr/bin/node"), "/usr/bin/node")
    assert.strictEqual(Script.quote("--n_labeled=100"), "--n_labeled=100")
    assert.strictEqual(Script.quote(""), "''")
    assert.strictEqual(Script.quote("a b"), "'a b'")
    assert.strictEqual(Script.quote("it's"), `'it'\\''s'`)
    assert.strictEqual(Script.quote("$HOME"), "'$HOME'")
    assert.strictEqual(Script.quote("~/x"), "'~/x'")
  })

  it("escapes % in output paths (sbatch reads %j, %x, … in them)", () => {
    assert.strictEqual(Script.outputPattern("/runs/100%/task.out"), "/runs/100%%/task.out")
    assert.strictEqual(Script.outputPattern("/runs/a/task.out"), "/runs/a/task.out")
  })

  it("makes job names SLURM shows well", () => {
    assert.strictEqual(
      Script.jobName(["rose", "20261128-1200-ab12", "my learner", 0, "simulation"]),
      "rose-20261128-1200-ab12-my_learner-0-simulation"
    )
    assert.strictEqual(Script.jobName(["a".repeat(200)]).length, 128)
  })

  it("names each task attempt's job uniquely, within 128 characters, keeping the run id prefix", () => {
    const name = {
      runId: "20261128-1200-ab12",
      learner: "my learner",
      index: 1,
      iteration: 3,
      task: "simulation",
      attempt: 2
    }
    assert.strictEqual(Script.attemptJobName(name), "rose-20261128-1200-ab12-my_learner-1-i3-simulation-a2")
    const variants = [
      name,
      { ...name, iteration: 4 },
      { ...name, attempt: 3 },
      { ...name, index: 0 },
      { ...name, task: "training" }
    ].map(Script.attemptJobName)
    assert.strictEqual(new Set(variants).size, variants.length)

    const long = { ...name, learner: "l".repeat(300) }
    const longNames = [long, { ...long, learner: `${"l".repeat(299)}m` }, { ...long, iteration: 4 }].map(
      Script.attemptJobName
    )
    for (const n of longNames) {
      assert.isAtMost(n.length, 128)
      assert.isTrue(n.startsWith("rose-20261128-1200-ab12-"), n)
    }
    assert.isTrue(longNames[0]!.endsWith("-1-i3-simulation-a2"), longNames[0])
    assert.strictEqual(new Set(longNames).size, longNames.length, "cut names stay apart")

    const longTask = [
      { ...long, task: "t".repeat(300) },
      { ...long, task: `${"t".repeat(299)}u` }
    ].map(Script.attemptJobName)
    for (const n of longTask) {
      assert.isAtMost(n.length, 128)
      assert.isTrue(n.startsWith("rose-20261128-1200-ab12-"), n)
      assert.isTrue(n.endsWith("-a2"), n)
    }
    assert.notStrictEqual(longTask[0], longTask[1])
  })

  it("writes a ticket a later process reads back, and refuses what is not one", () => {
    const ticket = { job: "rose-r1-s-0-i1-training-a1", base: "/runs/r 1/learners/s-0/iter-1/.slurm/x" }
    assert.deepStrictEqual(Script.parseTicket(Script.ticketText(ticket)), ticket)
    for (const bad of [undefined, "", "not json", "null", "12", `{"job":"x"}`, `{"slurm":1,"job":"","base":"/b"}`]) {
      assert.isUndefined(Script.parseTicket(bad), String(bad))
    }
    assert.isUndefined(Script.parseTicket(JSON.stringify({ host: "h", dir: "rose-ssh.ab/1" })))
  })

  it("tells shell variable names from others", () => {
    assert.isTrue(Script.isShellName("ROSE_RUN_DIR"))
    assert.isTrue(Script.isShellName("_x1"))
    assert.isFalse(Script.isShellName("1x"))
    assert.isFalse(Script.isShellName("odd-name"))
    assert.isFalse(Script.isShellName(""))
  })
})

describe("SLURM wrapper: the script", () => {
  const base = {
    command: { _tag: "Argv", argv: ["node", "./sim.mjs", "--n", "it's 5"] } as const,
    cwd: "/runs/r 1/learners/sweep-0",
    env: { ROSE_TASK: "simulation", ROSE_NOTE: "a $b 'c'" },
    setup: [] as ReadonlyArray<string>,
    files: Script.files("/runs/r 1/learners/sweep-0/iter-0/.slurm/x"),
    graceSeconds: 4,
    label: "run r, sweep[0], iteration 0, task simulation\nattempt 1"
  }
  const text = Script.wrapper(base)
  const lines = text.split("\n")

  it("is a POSIX sh script that enters the working directory and exports the environment", () => {
    assert.strictEqual(lines[0], "#!/bin/sh")
    assert.include(text, `mkdir -p '/runs/r 1/learners/sweep-0'; } && cd '/runs/r 1/learners/sweep-0'`)
    assert.include(lines, "export ROSE_TASK=simulation")
    assert.include(lines, `export ROSE_NOTE='a $b '\\''c'\\'''`)
    // a newline in the label must not end the comment
    assert.isFalse(lines.some((l) => l.startsWith("attempt 1")))
  })

  it("runs the argv as words, never through the shell's parsing", () => {
    const set = lines.find((l) => l.startsWith("set -- "))!
    assert.deepStrictEqual(split(set.slice("set -- ".length)), ["node", "./sim.mjs", "--n", "it's 5"])
  })

  it("runs a shell command under /bin/sh -c", () => {
    const t = Script.wrapper({ ...base, command: { _tag: "Shell", script: "echo $HOME | wc -c" } })
    const set = t.split("\n").find((l) => l.startsWith("set -- "))!
    assert.deepStrictEqual(split(set.slice("set -- ".length)), ["/bin/sh", "-c", "echo $HOME | wc -c"])
  })

  it("passes variables the shell cannot export through env(1)", () => {
    const t = Script.wrapper({ ...base, env: { "odd-name": "v w" } })
    const set = t.split("\n").find((l) => l.startsWith("set -- "))!
    assert.deepStrictEqual(split(set.slice("set -- ".length)), [
      "env",
      "odd-name=v w",
      "node",
      "./sim.mjs",
      "--n",
      "it's 5"
    ])
    assert.notInclude(t, "export odd-name")
  })

  it("runs setup lines before the task and reports the first that fails", () => {
    const t = Script.wrapper({ ...base, setup: ["module load python/3.12", ". ./venv/bin/activate"] })
    const at = (s: string) => t.indexOf(s)
    assert.isTrue(at("module load python/3.12") > at("export ROSE_TASK"))
    assert.isTrue(at(". ./venv/bin/activate") < at("set -- "))
    assert.include(t, "error setup line 2 failed")
  })

  it("reports a setup line that ends the wrapper's shell itself (a failing `.`, an `exit`) as that line's failure", () => {
    const dir = fs.mkdtempSync(`${os.tmpdir()}/rose-slurm-wrapper-`)
    try {
      const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
        [["true", "false"], "error setup line 2 failed (exit 1)"],
        [["true", ". /nonexistent/rose/venv/bin/activate"], "error setup line 2 failed (exit 2)"],
        [["exit 3", "true"], "error setup line 1 failed (exit 3)"]
      ]
      for (const [n, [setup, expected]] of cases.entries()) {
        const files = Script.files(`${dir}/case${n}`)
        const script = Script.wrapper({
          ...base,
          command: { _tag: "Argv", argv: ["sh", "-c", "echo ran > ran"] },
          cwd: dir,
          setup,
          files
        })
        fs.writeFileSync(files.script, script)
        spawnSync("/bin/sh", [files.script], { cwd: dir, encoding: "utf8" })
        assert.strictEqual(fs.readFileSync(files.exit, "utf8"), `${expected}\n`, setup.join("; "))
        assert.isFalse(fs.existsSync(files.start), "the task never started")
        assert.isFalse(fs.existsSync(`${dir}/ran`))
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it("starts the task in its own process group, records the start, and writes the exit status atomically", () => {
    assert.include(text, `setsid "$@" &`)
    assert.include(text, `"$rose_exit.tmp" && mv -f "$rose_exit.tmp" "$rose_exit"`)
    assert.include(text, `rose_start='/runs/r 1/learners/sweep-0/iter-0/.slurm/x.start'`)
    assert.include(text, "rose_grace=4")
    // on a signal: TERM to the group, SIGKILL after the grace period, no exit status
    assert.include(text, "trap rose_signal TERM INT HUP")
    // cancelled during the setup lines: the task never starts
    assert.include(text, `[ -n "$rose_pg" ] || exit 143`)
    assert.include(text, `[ "$rose_signalled" = 0 ] || exit 143`)
    // after the task, whatever it left in its group is killed before the status is written
    assert.isTrue(text.lastIndexOf(`kill -s KILL -- "-$rose_pg"`) < text.indexOf(`rose_status "$rose_code"`))
  })
})

describe("SLURM command lines", () => {
  const placement = { name: "rose-r-sweep-0-sim", stdoutPath: "/r/%x/sim.out", stderrPath: "/r/sim.err", cwd: "/r/w" }

  it("sbatch: resources, partition, account, then the directives, then the script", () => {
    const argv = Script.sbatchArgs({
      placement,
      partition: "debug",
      account: "proj1",
      resources: { cores: 4, gpus: 1, memory: "8G", time: "00:10:00" },
      directives: ["--qos=high"],
      script: "/r/.slurm/x.sh"
    })
    assert.deepStrictEqual(argv, [
      "sbatch",
      "--parsable",
      "--no-requeue",
      "--job-name=rose-r-sweep-0-sim",
      "--output=/r/%%x/sim.out",
      "--error=/r/sim.err",
      "--chdir=/r/w",
      "--partition=debug",
      "--account=proj1",
      "--ntasks=1",
      "--cpus-per-task=4",
      "--gres=gpu:1",
      "--mem=8G",
      "--time=00:10:00",
      "--qos=high",
      "/r/.slurm/x.sh"
    ])
  })

  it("sbatch: one core and the cluster's defaults when the task asks for nothing", () => {
    const argv = Script.sbatchArgs({ placement, resources: {}, directives: [], script: "s.sh" })
    assert.include(argv, "--cpus-per-task=1")
    assert.isFalse(argv.some((a) => a.startsWith("--partition") || a.startsWith("--mem") || a.startsWith("--time")))
  })

  it("srun: a step of the allocation with exactly the task's CPUs", () => {
    const argv = Script.srunArgs({ allocation: "42", placement, resources: { cores: 2 }, script: "/r/x.sh" })
    assert.deepStrictEqual(argv.slice(0, 7), [
      "srun",
      "--jobid=42",
      "--exact",
      "--quiet",
      "--nodes=1",
      "--ntasks=1",
      "--cpus-per-task=2"
    ])
    assert.deepStrictEqual(argv.slice(-2), ["/bin/sh", "/r/x.sh"])
  })

  it("the allocation: one CPU per task slot, held by a job that only sleeps", () => {
    const argv = Script.allocationArgs({
      name: "rose-alloc",
      partition: "debug",
      request: { cores: 8, nodes: 2, time: "01:00:00" },
      directives: []
    })
    assert.includeMembers(argv, [
      "--ntasks=8",
      "--cpus-per-task=1",
      "--nodes=2",
      "--time=01:00:00",
      "--partition=debug"
    ])
    assert.strictEqual(argv.at(-1), `--wrap=${Script.holderScript}`)
  })

  it("directives: as options, with or without #SBATCH, split into words", () => {
    assert.deepStrictEqual(
      Either.getOrThrow(
        Script.directiveArgs(["--qos=high", "#SBATCH --constraint avx2", "  ", "--comment 'two words'"])
      ),
      ["--qos=high", "--constraint", "avx2", "--comment", "two words"]
    )
    assert.isTrue(Either.isLeft(Script.directiveArgs(["qos=high"])))
    assert.isTrue(Either.isLeft(Script.directiveArgs(["--comment 'unclosed"])))
  })
})
