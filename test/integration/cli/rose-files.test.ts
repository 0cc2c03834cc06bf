/**
 * The `rose` command on `.rose` files: run (a real run and a scripted dry run), check with
 * diagnostics, plan, fmt.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { ensureCli, journal, rose, stackLines, tempDir } from "./helpers.ts"

let cli: string
let dir: string

const write = (name: string, text: string) => {
  NodeFs.writeFileSync(NodePath.join(dir, name), text)
  return name
}

beforeAll(async () => {
  cli = await ensureCli()
  dir = tempDir("rose-files-")
  write("check.sh", 'if [ "$ROSE_ITERATION" -ge 1 ]; then echo 0.05; else echo 0.5; fi\n')
  write(
    "real.rose",
    `# a real run: tasks are shell scripts next to this file
active "real" {
  parallel 2
  max_iter 3
  training     = exec "sh -c {script}" with { script: "echo trained" }
  active_learn = exec "true"
  criterion    = exec "sh ./check.sh"
  stop when mse < 0.1
}
`
  )
  write(
    "scripted.rose",
    `backend dry-run {
  duration_ms: 5,
  metrics: { "x[1]": [0.5, 0.05] },
  failures: [{ learner: "x[2]", task: "training", iteration: 1, exit_code: 4 }]
}

active "x" {
  parallel 3
  max_iter 4
  training     = exec "node ./train.mjs" with { lr: 0.1 }
  active_learn = exec "node ./active.mjs"
  criterion    = exec "node ./check.mjs"
  stop when mse < 0.1
  learner 0 { training { lr: 0.01 * (i + 1) } }
}
`
  )
  write(
    "broken.rose",
    `active "b" {
  max_iter 3
  training     = exec "t"
  active_learn = exec "a"
  stop when mse < "low"
}
`
  )
  write(
    "tasks.mjs",
    `export const select = (ctx) => ({ picked: ctx.iteration })
export const metric = async (ctx) => (ctx.iteration >= 1 ? 0.05 : 0.5)
`
  )
  const callRose = (select: string) => `active "c" {
  max_iter 3
  training     = exec "true"
  active_learn = call "./tasks.mjs#${select}"
  criterion    = call "./tasks.mjs#metric"
  stop when mse < 0.1
}
`
  write("call.rose", callRose("select"))
  write("call-missing.rose", callRose("nope"))
  write("messy.rose", 'active "m" {\nmax_iter 2\n    training = exec "t"\n active_learn   =   exec "a"\n}\n')
})

afterAll(() => {
  NodeFs.rmSync(dir, { recursive: true, force: true })
})

describe("rose on .rose files", () => {
  it("runs a .rose file: ./ paths resolve next to the file, placeholders and stop criteria work", async () => {
    const out = NodePath.join(dir, "run-real")
    const r = await rose(cli, ["run", "real.rose", "--out", out], dir)
    assert.strictEqual(r.code, 0, r.stderr)
    const results = JSON.parse(NodeFs.readFileSync(`${out}/results.json`, "utf8"))
    assert.deepStrictEqual(
      results.learners.map((l: any) => [l.stopReason, l.iterations, l.metric.history]),
      [
        ["criterion_met", 2, [0.5, 0.05]],
        ["criterion_met", 2, [0.5, 0.05]]
      ]
    )
    assert.strictEqual(NodeFs.readFileSync(`${out}/learners/real-0/iter-0/training.out`, "utf8"), "trained\n")
    const run = JSON.parse(NodeFs.readFileSync(`${out}/run.json`, "utf8"))
    assert.strictEqual(run.source.text, NodeFs.readFileSync(NodePath.join(dir, "real.rose"), "utf8"))
  })

  it("a call binding runs the module's export in-process, loaded when the task first runs", async () => {
    const out = NodePath.join(dir, "run-call")
    const r = await rose(cli, ["run", "call.rose", "--out", out], dir)
    assert.strictEqual(r.code, 0, r.stderr)
    const results = JSON.parse(NodeFs.readFileSync(`${out}/results.json`, "utf8"))
    const [learner] = results.learners
    assert.deepStrictEqual(
      [learner.stopReason, learner.iterations, learner.metric.history],
      ["criterion_met", 2, [0.5, 0.05]]
    )
    assert.deepStrictEqual(learner.state.active_learn, { picked: 1 })
    const failedOut = NodePath.join(dir, "run-call-missing")
    const missing = await rose(cli, ["run", "call-missing.rose", "--out", failedOut], dir)
    assert.strictEqual(missing.code, 1, missing.stderr)
    const failed = JSON.parse(NodeFs.readFileSync(`${failedOut}/results.json`, "utf8")).learners[0]
    assert.strictEqual(failed.stopReason, "error")
    assert.include(failed.failure.message, "tasks.mjs#nope")
    assert.include(failed.failure.message, "the module has no such export")
  })

  it("a backend dry-run block scripts metrics and failures; adaptive configs are evaluated", async () => {
    const out = NodePath.join(dir, "run-scripted")
    const r = await rose(cli, ["run", "scripted.rose", "--out", out], dir)
    assert.strictEqual(r.code, 1, r.stderr)
    const results = JSON.parse(NodeFs.readFileSync(`${out}/results.json`, "utf8"))
    assert.deepStrictEqual(
      results.learners.map((l: any) => [l.stopReason, l.iterations]),
      [
        ["max_iter", 4],
        ["criterion_met", 2],
        ["error", 1]
      ]
    )
    assert.strictEqual(results.learners[2].failure.exitCode, 4)
    const lrs = journal(out)
      .filter((e) => e.type === "task_started" && e.task === "training" && e.learner.index === 0)
      .map((e) => e.config.kwargs.lr)
    assert.deepStrictEqual(lrs, [0.01, 0.02, 0.03, 0.04])
  })

  it("bad .rose input: every diagnostic with file:line:col and a code frame on stderr, exit 2, nothing created", async () => {
    const out = NodePath.join(dir, "never")
    const r = await rose(cli, ["run", "broken.rose", "--out", out], dir)
    assert.strictEqual(r.code, 2)
    assert.match(r.stderr, /^broken\.rose:5:\d+ error\[E\d+\]: .*threshold/m)
    assert.match(r.stderr, /^ 5 \| {3}stop when mse < "low"$/m)
    assert.match(r.stderr, /\^+/)
    assert.match(r.stderr, /broken\.rose: \d+ errors?/)
    assert.deepStrictEqual(stackLines(r.stderr), [])
    assert.isFalse(NodeFs.existsSync(out))
    const check = await rose(cli, ["check", "real.rose", "broken.rose"], dir)
    assert.strictEqual(check.code, 2)
    assert.include(check.stdout, "real.rose: ok")
    assert.match(check.stderr, /^broken\.rose:5:\d+ error/m)
    const json = await rose(cli, ["check", "broken.rose", "--format", "json"], dir)
    assert.strictEqual(json.code, 2)
    const [file] = JSON.parse(json.stdout)
    assert.strictEqual(file.ok, false)
    assert.isAbove(file.diagnostics.length, 0)
    assert.deepStrictEqual(Object.keys(file.diagnostics[0]).sort(), [
      "code",
      "column",
      "endColumn",
      "endLine",
      "file",
      "line",
      "message",
      "severity"
    ])
  })

  it("plan shows adaptive values per iteration", async () => {
    const r = await rose(cli, ["plan", "scripted.rose", "--format", "json"], dir)
    assert.strictEqual(r.code, 0, r.stderr)
    const plan = JSON.parse(r.stdout)
    const lrs = plan.rows
      .filter((row: any) => row.learner.index === 0 && row.task === "training")
      .map((row: any) => row.kwargs.lr)
    assert.deepStrictEqual(lrs, [0.01, 0.02, 0.03, 0.04])
    const text = await rose(cli, ["plan", "real.rose"], dir)
    assert.include(text.stdout, `sh ${NodePath.join(dir, "check.sh")}`)
  })

  it("fmt --check says what is not formatted (exit 1); fmt formats in place", async () => {
    const check = await rose(cli, ["fmt", "--check", "messy.rose", "real.rose"], dir)
    assert.strictEqual(check.code, 1)
    assert.include(check.stdout, "messy.rose: not formatted")
    const fmt = await rose(cli, ["fmt", "messy.rose"], dir)
    assert.strictEqual(fmt.code, 0, fmt.stderr)
    assert.include(fmt.stdout, "messy.rose: formatted")
    assert.strictEqual((await rose(cli, ["fmt", "--check", "messy.rose"], dir)).code, 0)
    const bad = await rose(cli, ["fmt", "broken.rose", "nope.ts"], dir)
    assert.strictEqual(bad.code === 0, false)
  })
})

describe("plugins and trackers on the command line", () => {
  const repo = NodePath.resolve(import.meta.dirname, "../../..")

  it("checks and plans a file whose backend kind comes from its plugin", async () => {
    const file = NodePath.join(repo, "examples/custom-backend/pinned.rose")
    const check = await rose(cli, ["check", file], dir)
    assert.strictEqual(check.code, 0, check.stderr)
    const plan = await rose(cli, ["plan", file, "--iterations", "1"], dir)
    assert.strictEqual(plan.code, 0, plan.stderr)
  })

  it("loads a plugin given with --plugin, and says which kind is unknown without it", async () => {
    write(
      "uses-pinned.rose",
      `backend pinned { cpus: [0], nice: 5 }
active "p" {
  max_iter 1
  training     = exec "true"
  active_learn = exec "true"
}
`
    )
    const without = await rose(cli, ["check", "uses-pinned.rose"], dir)
    assert.strictEqual(without.code, 2)
    assert.include(without.stderr, "pinned")
    const plugin = NodePath.join(repo, "examples/custom-backend/pinned.ts")
    const withPlugin = await rose(cli, ["check", "uses-pinned.rose", "--plugin", plugin], dir)
    assert.strictEqual(withPlugin.code, 0, withPlugin.stderr)
    const bad = await rose(cli, ["check", "uses-pinned.rose", "--plugin", "./no-such-plugin.ts"], dir)
    assert.strictEqual(bad.code, 2)
    assert.include(bad.stderr, "no-such-plugin.ts")
    assert.deepStrictEqual(stackLines(bad.stderr), [])
  })

  it("--tracker csv writes one row per learner and iteration; an unknown tracker is bad input", async () => {
    const run = await rose(cli, ["run", "scripted.rose", "--tracker", "csv", "--out", "tracked"], dir)
    assert.strictEqual(run.code, 1, run.stderr)
    const rows = NodeFs.readFileSync(NodePath.join(dir, "tracked/metrics.csv"), "utf8").trim().split("\n")
    const completed = journal(NodePath.join(dir, "tracked")).filter((e) => e.type === "iteration_completed")
    assert.strictEqual(rows.length, completed.length + 1)
    assert.match(rows[0]!, /^learner,index,iteration,metric,value/)
    const unknown = await rose(cli, ["run", "scripted.rose", "--tracker", "mlflow", "--out", "never"], dir)
    assert.strictEqual(unknown.code, 2)
    assert.include(unknown.stderr, "--tracker mlflow")
    assert.isFalse(NodeFs.existsSync(NodePath.join(dir, "never")))
  })
})

describe("backend configurations", () => {
  it("check and run report a configuration the backend's schema refuses, at the backend's line", async () => {
    write(
      "bad-backend.rose",
      `# a comment line first

backend local { concurrency: 0 }
active "b" {
  max_iter 1
  training     = exec "true"
  active_learn = exec "true"
}
`
    )
    const check = await rose(cli, ["check", "bad-backend.rose"], dir)
    assert.strictEqual(check.code, 2)
    assert.match(check.stderr, /bad-backend\.rose:3:1 backend local "local": concurrency: /)
    const run = await rose(cli, ["run", "bad-backend.rose", "--out", "refused"], dir)
    assert.strictEqual(run.code, 2)
    assert.match(run.stderr, /bad-backend\.rose:3:1 backend local/)
    assert.isFalse(NodeFs.existsSync(NodePath.join(dir, "refused")))
    assert.deepStrictEqual(stackLines(run.stderr), [])
  })
})
