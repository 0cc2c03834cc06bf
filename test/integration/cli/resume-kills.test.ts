/**
 * Task-granular resume on the local backend: `rose` is killed with SIGKILL at random points of a run
 * and resumed until the run completes. A task whose finish reached the journal is never run again; a
 * task that was running at the kill is killed and run again (a local process cannot be waited for by
 * another process); the results equal an uninterrupted run's.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { assert, beforeAll, describe, it } from "@effect/vitest"
import { comparable, killUntilDone, problems, seeded, writeTaskScript } from "../support/randomKills.ts"
import { ensureCli, journal, rose, tempDir, writeProgram } from "./helpers.ts"

let cli: string
let dir: string

const program = (task: string, counts: string) => {
  const run = (name: string) => `Rose.exec(["sh", ${JSON.stringify(task)}, ${JSON.stringify(counts)}, "${name}"])`
  return `export default Rose.program({
  here: import.meta.dirname,
  learners: [
    Rose.active("r", {
      parallel: 2,
      maxIter: 4,
      tasks: { simulation: ${run("simulation")}, training: ${run("training")}, active_learn: ${run("active_learn")}, criterion: ${run("criterion")} },
      stopWhen: { metricName: "mse", threshold: 0.09 }
    })
  ]
})`
}

beforeAll(async () => {
  cli = await ensureCli()
  dir = tempDir("rose-resume-kills-")
})

describe("rose resume after random kills (local)", () => {
  it("never runs a task whose finish was journaled again, and ends as an uninterrupted run", async () => {
    const task = writeTaskScript(dir)
    writeProgram(dir, "reference.ts", program(task, NodePath.join(dir, "reference.counts")))
    const reference = await rose(cli, ["run", "reference.ts", "--out", "reference"], dir)
    assert.strictEqual(reference.code, 0, reference.stderr)

    const random = seeded(Number(process.env.ROSE_KILL_SEED ?? 20))
    let kills = 0
    let round = 0
    let kept = 0
    while (kills < 20) {
      round++
      const counts = NodePath.join(dir, `round-${round}.counts`)
      writeProgram(dir, `round-${round}.ts`, program(task, counts))
      const out = NodePath.join(dir, `round-${round}`)
      const report = await killUntilDone({
        cli,
        cwd: dir,
        file: `round-${round}.ts`,
        out,
        kills: 20 - kills,
        minDelayMs: 300,
        maxDelayMs: 2500,
        random
      })
      kills += report.kills
      assert.deepStrictEqual(problems(out, counts, { once: false }), [], `round ${round}`)
      assert.deepStrictEqual(comparable(out), comparable(NodePath.join(dir, "reference")), `round ${round}`)
      kept += journal(out).filter((e) => e.type === "task_kept").length
    }
    assert.isAtLeast(kills, 20)
    // The kills landed inside iterations: finished tasks of an interrupted iteration were kept.
    assert.isAbove(kept, 0)
  }, 600_000)

  it("--dry-run says, task by task, what is kept and what runs again, and does nothing", async () => {
    const task = writeTaskScript(dir)
    const counts = NodePath.join(dir, "dry.counts")
    writeProgram(dir, "dry.ts", program(task, counts))
    const out = NodePath.join(dir, "dry")
    const report = await killUntilDone({
      cli,
      cwd: dir,
      file: "dry.ts",
      out,
      kills: 0,
      minDelayMs: 0,
      maxDelayMs: 0,
      random: () => 0
    })
    assert.strictEqual(report.kills, 0)
    // Make an interrupted iteration by hand: keep the journal up to iteration 1's simulations.
    const path = NodePath.join(out, "events.jsonl")
    const kept = NodeFs.readFileSync(path, "utf8")
      .split("\n")
      .filter((l) => {
        if (l.length === 0) return false
        const e = JSON.parse(l)
        if (e.type === "learner_stopped" || e.type === "run_finished") return false
        return e.iteration === undefined || e.iteration < 1 || (e.iteration === 1 && e.task === "simulation")
      })
    NodeFs.writeFileSync(path, `${kept.join("\n")}\n`)
    // Learner 1's simulation output changed since it finished: it runs again, and so does what followed it.
    const sim1 = NodePath.join(out, "learners/r-1/iter-1/simulation.out")
    const finishedBefore = journal(out).filter((e) => e.type === "task_finished").length
    NodeFs.appendFileSync(sim1, "edited\n")
    const before = NodeFs.readFileSync(counts, "utf8")
    const dry = await rose(cli, ["resume", "dry", "--dry-run"], dir)
    assert.strictEqual(dry.code, 0, dry.stderr)
    assert.include(dry.stderr, "dry run: nothing is done")
    assert.match(dry.stderr, /iteration 1 simulation: kept \(it finished in session \S+; its files are unchanged\)/)
    assert.include(dry.stderr, `iteration 1 simulation: re-run (${sim1} changed since it finished)`)
    assert.strictEqual(NodeFs.readFileSync(counts, "utf8"), before, "--dry-run ran nothing")
    assert.strictEqual(journal(out).filter((e) => e.type === "task_finished").length, finishedBefore)
  }, 120_000)
})
