/**
 * PBT on real processes and files (the local backend): the learner in the bottom quantile of a
 * period gets the working folder its source had after the period iteration (not the source's later
 * files), keeps the output folders of its own tasks, and runs its next iteration with the source's
 * config perturbed. Under a block budget, the learners copy as before and then stop at the budget.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as LocalBackend from "../../../backends/LocalBackend.ts"
import * as Event from "../../../core/Event.ts"
import * as Rose from "../../../core/ProgramBuilder.ts"
import * as Runner from "../../../core/Runner.ts"
import * as Platform from "../../../runtime/Platform.ts"

const layer = LocalBackend.layer({ concurrency: 4, graceMillis: 500 }).pipe(Layer.provideMerge(Platform.layer))

// Learner k's criterion at the period waits for learner k - 1's rung_reached in the journal, so the
// learners arrive in index order; then it prints its value (learner 3 the worst, learner 1 the best).
const criterion = `
if [ "$ROSE_ITERATION" = 1 ] && [ "$ROSE_LEARNER" -gt 0 ]; then
  prev=$((ROSE_LEARNER - 1))
  until grep '"type":"rung_reached"' "$ROSE_RUN_DIR/events.jsonl" 2>/dev/null | grep -q "\\"index\\":$prev}"; do sleep 0.05; done
fi
case "$ROSE_ITERATION:$ROSE_LEARNER" in
  1:0) echo 0.4 ;; 1:1) echo 0.2 ;; 1:2) echo 0.3 ;; 1:3) echo 0.5 ;; *) echo 0.5 ;;
esac`

describe("PBT on the local backend", () => {
  it.live("the bottom learner continues in a copy of its source's folder, with its source's config perturbed", () =>
    Effect.gen(function* () {
      const dir = fs.mkdtempSync(`${os.tmpdir()}/rose-pbt-`)
      try {
        const runDir = `${dir}/run`
        const program = Rose.program({
          learners: [
            Rose.active("pbt", {
              sweep: Rose.grid({ training: { learning_rate: [0.1, 0.2, 0.3, 0.4] } }),
              maxIter: 3,
              tasks: {
                // Each learner's history: who wrote it, at which iteration, with which kwargs.
                training: Rose.shell(
                  'echo "$ROSE_LEARNER:$ROSE_ITERATION $*" >> history.txt; mkdir -p model; echo "$ROSE_LEARNER" > model/owner'
                ),
                active_learn: Rose.shell("true"),
                criterion: Rose.shell(criterion)
              },
              stopWhen: { metricName: "mse", operator: "<", threshold: 0.001 },
              population: Rose.pbt({
                every: 2,
                quantile: 0.25,
                seed: 3,
                perturb: { training: { learning_rate: [0.5] } }
              })
            })
          ]
        })
        const results = yield* Runner.run(program, { out: runDir }).pipe(Effect.scoped, Effect.provide(layer))
        assert.strictEqual(results.status, "completed")
        const journal = Event.parseJournal(fs.readFileSync(`${runDir}/events.jsonl`, "utf8")).events
        const exploited = journal.filter(
          (e): e is Extract<Event.Event, { _tag: "exploited" }> => e._tag === "exploited"
        )
        assert.deepStrictEqual(
          exploited.map((e) => [e.learner.index, e.iteration, e.source.index, e.rank, e.of, e.from, e.to]),
          [[3, 1, 1, 4, 4, { "training.learning_rate": 0.4 }, { "training.learning_rate": 0.1 }]]
        )
        assert.strictEqual(
          exploited[0]!.reason,
          "rank 4 of 4 in the block at iteration 1, mse 0.5: copied pbt[1] (mse 0.2), learning_rate 0.4 → 0.1"
        )
        const read = (k: number, file: string) => fs.readFileSync(`${runDir}/learners/pbt-${k}/${file}`, "utf8")
        // Learner 1's history at the period, then learner 3's own last iteration with the new rate.
        const source = read(1, "history.txt").trim().split("\n")
        assert.deepStrictEqual(
          source.map((l) => l.split(" ")[0]),
          ["1:0", "1:1", "1:2"]
        )
        const copied = read(3, "history.txt").trim().split("\n")
        assert.deepStrictEqual(copied.slice(0, 2), source.slice(0, 2))
        assert.strictEqual(copied.length, 3)
        assert.match(copied[2]!, /^3:2 .*0\.1/)
        assert.strictEqual(read(3, "model/owner").trim(), "3")
        // Its own task output stays its own.
        assert.strictEqual(read(3, "iter-1/criterion.out").trim(), "0.5")
        // The snapshot is the source's folder as the period left it.
        assert.strictEqual(
          fs.readFileSync(`${runDir}/learners/.pbt/pbt-1/1/history.txt`, "utf8").trim().split("\n").length,
          2
        )
      } finally {
        fs.rmSync(dir, { recursive: true, force: true })
      }
    })
  )

  it.live("under a task budget, the bottom learner still copies, then every learner stops at the budget", () =>
    Effect.gen(function* () {
      const dir = fs.mkdtempSync(`${os.tmpdir()}/rose-pbt-budget-`)
      try {
        const runDir = `${dir}/run`
        const program = Rose.program({
          learners: [
            Rose.active("spent", {
              sweep: Rose.grid({ training: { learning_rate: [0.1, 0.2, 0.3, 0.4] } }),
              maxIter: 6,
              tasks: {
                // Past the period, training waits for the copy: until then each of learners 0-2 has
                // claimed at most one task beyond the period's 24, so a budget of 30 lets learner 3
                // reach the period whatever the order of the claims.
                training: Rose.shell(
                  `if [ "$ROSE_ITERATION" -ge 2 ]; then until grep -q '"type":"exploited"' "$ROSE_RUN_DIR/events.jsonl" 2>/dev/null; do sleep 0.05; done; fi`
                ),
                active_learn: Rose.shell("true"),
                criterion: Rose.shell(criterion)
              },
              stopWhen: { metricName: "mse", operator: "<", threshold: 0.001 },
              population: Rose.pbt({
                every: 2,
                quantile: 0.25,
                seed: 3,
                perturb: { training: { learning_rate: [0.5] } }
              }),
              budget: Rose.budget({ tasks: 30 })
            })
          ]
        })
        const results = yield* Runner.run(program, { out: runDir }).pipe(Effect.scoped, Effect.provide(layer))
        // 4 learners × 6 iterations × 3 tasks would be 72: the budget ends every one of them.
        assert.deepStrictEqual(
          results.learners.map((l) => l.stopReason),
          ["budget", "budget", "budget", "budget"]
        )
        assert.strictEqual(
          results.learners.reduce((n, l) => n + (l.tasks ?? 0), 0),
          30
        )
        const journal = Event.parseJournal(fs.readFileSync(`${runDir}/events.jsonl`, "utf8")).events
        assert.strictEqual(journal.filter((e) => e._tag === "task_started").length, 30)
        const exploited = journal.flatMap((e) =>
          e._tag === "exploited" ? [[e.learner.index, e.iteration, e.source.index, e.to]] : []
        )
        assert.deepStrictEqual(exploited, [[3, 1, 1, { "training.learning_rate": 0.1 }]])
        const at = (tag: Event.Event["_tag"]) => journal.findIndex((e) => e._tag === tag)
        assert.deepStrictEqual(
          journal.flatMap((e) => (e._tag === "budget_spent" ? [[e.block, e.tasks]] : [])),
          [["spent", 30]]
        )
        assert.isBelow(at("exploited"), at("budget_spent"))
        // The source's folder was kept at the period, for the copy.
        assert.isTrue(fs.existsSync(`${runDir}/learners/.pbt/spent-1/1`))
      } finally {
        fs.rmSync(dir, { recursive: true, force: true })
      }
    })
  )
})
