/**
 * examples/sweep: the same 16-learner grid of the parallel-learners surrogate run three ways, plainly,
 * with ASHA and with PBT, through the built `rose` CLI, as a user runs them. The tasks are seeded, so
 * a learner's MSE at an iteration is the same in every run until a policy changes its course. The
 * claims of the example's README are checked on what the runs left: ASHA's best MSE is within 10% of
 * the plain sweep's best, for at most half of its tasks (task_finished events in the journal); PBT's
 * copies go from better learners to worse ones, with the perturbed values in the tasks that follow,
 * and leave the block's median MSE below the plain sweep's for the same tasks.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { ensureCli, journal, root, rose, tempDir } from "../cli/helpers.ts"

const example = path.join(root, "examples/sweep")
const MAX_ITER = 9
const TASKS_PER_ITERATION = 4

interface LearnerResult {
  readonly index: number
  readonly label: string
  readonly iterations: number
  readonly stopReason: string
  readonly metric: { readonly history: ReadonlyArray<number> }
}

interface Sweep {
  readonly learners: ReadonlyArray<LearnerResult>
  readonly best: { readonly index: number; readonly value: number }
  readonly tasks: number
  readonly events: ReadonlyArray<Record<string, any>>
}

/** Runs `rose run examples/sweep/<file> --out <tmp> [extra]` to its end and reads its run directory. */
const runSweep = async (file: string, dir: string, extra: ReadonlyArray<string> = []): Promise<Sweep> => {
  const cli = await ensureCli()
  const out = path.join(dir, file.replace(".rose", ""))
  const r = await rose(cli, ["run", path.join(example, file), "--out", out, ...extra], root)
  assert.strictEqual(r.code, 0, `rose run ${file} exited with ${r.code}:\n${r.stderr}\n${r.stdout}`)
  const results = JSON.parse(fs.readFileSync(path.join(out, "results.json"), "utf8"))
  const events = journal(out)
  const learners: ReadonlyArray<LearnerResult> = results.learners
  assert.strictEqual(learners.length, 16)
  const best = learners
    .map((l) => ({ index: l.index, value: l.metric.history[l.metric.history.length - 1]! }))
    .reduce((a, b) => (b.value < a.value ? b : a))
  return { learners, best, tasks: events.filter((e) => e.type === "task_finished").length, events }
}

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

const lastOf = (l: LearnerResult): number => l.metric.history[l.metric.history.length - 1]!

describe("examples/sweep", () => {
  let dir: string
  let plainRun: Promise<Sweep> | undefined
  // The plain sweep, run once for both comparisons.
  const plainSweep = () => (plainRun ??= runSweep("plain.rose", dir))
  beforeAll(() => {
    dir = tempDir("rose-sweep-example-")
  })
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

  it("ASHA reaches within 10% of the plain sweep's best MSE with at most half of its tasks", {
    timeout: 600_000
  }, async () => {
    const plain = await plainSweep()
    // Async ASHA judges a learner against those already at its rung, so its decisions follow the
    // order learners arrive in; one task at a time makes that order the scheduler's, the same on
    // every machine (268 tasks here; with 4 at a time 196–248, depending on timing).
    const asha = await runSweep("asha.rose", dir, ["--max-concurrency", "1"])

    // The plain sweep runs every learner to max_iter: all its tasks, none pruned.
    for (const l of plain.learners) {
      assert.deepStrictEqual([l.stopReason, l.iterations], ["max_iter", MAX_ITER], l.label)
    }
    assert.strictEqual(plain.tasks, 16 * MAX_ITER * TASKS_PER_ITERATION)

    // Seeded tasks: each ASHA learner's MSE history is the start of the same learner's plain one.
    for (const l of asha.learners) {
      const p = plain.learners.find((q) => q.index === l.index)!
      assert.strictEqual(l.label, p.label)
      assert.deepStrictEqual(l.metric.history, p.metric.history.slice(0, l.iterations), l.label)
    }

    // Pruned learners stopped at a rung (after iteration 0, 2 or 5), with the ranking in the journal.
    const pruned = asha.learners.filter((l) => l.stopReason === "pruned")
    assert.isAbove(pruned.length, 0, "ASHA pruned some learners")
    for (const l of pruned) {
      assert.include([1, 3, 6], l.iterations, `${l.label} was pruned at a rung`)
      const rung = asha.events.find(
        (e) => e.type === "rung_reached" && e.learner.index === l.index && e.iteration === l.iterations - 1
      )
      assert.isDefined(rung, `${l.label}: a rung_reached event`)
      assert.isTrue(rung!.pruned)
      assert.match(rung!.reason, /^rank \d+ of \d+ at iteration \d, mean_squared_error_mse /)
    }
    for (const l of asha.learners.filter((q) => q.stopReason !== "pruned")) {
      assert.strictEqual(l.iterations, MAX_ITER, `${l.label} went on to max_iter`)
    }

    assert.isAtMost(asha.best.value, plain.best.value * 1.1, "ASHA's best MSE is within 10% of the plain best")
    assert.isAtMost(asha.tasks, plain.tasks / 2, "ASHA ran at most half of the plain sweep's tasks")
    // Each finished task is counted once: the journal agrees with the learners' iterations.
    const iterations = asha.learners.reduce((n, l) => n + l.iterations, 0)
    assert.strictEqual(asha.tasks, iterations * TASKS_PER_ITERATION)
  })
  it("PBT's copies go from better learners to worse, and lower the block's median MSE", {
    timeout: 600_000
  }, async () => {
    const plain = await plainSweep()
    // One task at a time: learners reach each period in the scheduler's order, the same everywhere.
    const pbt = await runSweep("pbt.rose", dir, ["--max-concurrency", "1"])

    // PBT prunes nothing: every learner runs to max_iter, every task of the plain sweep runs.
    for (const l of pbt.learners) assert.deepStrictEqual([l.stopReason, l.iterations], ["max_iter", MAX_ITER], l.label)
    assert.strictEqual(pbt.tasks, plain.tasks)

    const copies = pbt.events.filter((e) => e.type === "exploited")
    assert.isAtLeast(copies.length, 4, "the bottom quarter copied the top at the periods")
    for (const c of copies) {
      const who = `sweep[${c.learner.index}] after ${c.iteration}`
      assert.include([1, 3, 5, 7], c.iteration, `${who}: at a period`)
      assert.isBelow(c.sourceValue, c.metricValue, `${who}: its source was better`)
      // The perturbed learning rate is the source's times 0.8 or 1.2, and its next training runs with it.
      const sourceRate = c.sourceConfig.training.kwargs.learning_rate
      const rate = c.to["training.learning_rate"]
      assert.include(
        [0.8, 1.2].map((f) => Number((sourceRate * f).toPrecision(12))),
        rate,
        `${who}: learning_rate`
      )
      const next = pbt.events.find(
        (e) =>
          e.type === "task_started" &&
          e.learner.index === c.learner.index &&
          e.iteration === c.iteration + 1 &&
          e.task === "training"
      )
      assert.strictEqual(next?.config.kwargs.learning_rate, rate, `${who}: the next training's learning_rate`)
      assert.include([25, 50, 100, 200], c.to["simulation.n_labeled"], `${who}: n_labeled drawn from the grid`)
    }
    // Until its first copy a learner's course is the plain sweep's (seeded tasks).
    for (const l of pbt.learners) {
      const first = Math.min(MAX_ITER, ...copies.filter((c) => c.learner.index === l.index).map((c) => c.iteration + 1))
      const p = plain.learners.find((q) => q.index === l.index)!
      assert.deepStrictEqual(l.metric.history.slice(0, first), p.metric.history.slice(0, first), l.label)
    }

    const plainMedian = median(plain.learners.map(lastOf))
    const pbtMedian = median(pbt.learners.map(lastOf))
    assert.isBelow(pbtMedian, plainMedian, "the bottom learners went on from better states")
    assert.isAtMost(pbt.best.value, plain.best.value * 1.1, "PBT's best MSE is within 10% of the plain best")

    // The report draws the lineage: an arrow per copy.
    const report = fs.readFileSync(path.join(dir, "pbt", "report.html"), "utf8")
    assert.strictEqual((report.match(/<path class="copy" /g) ?? []).length, copies.length)
  })
})
