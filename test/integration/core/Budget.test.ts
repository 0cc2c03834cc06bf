/**
 * A block's budget on real processes: the learner that spends it ends with `budget` and none of its
 * processes lives on, while a task of another learner that was already running finishes, and that
 * learner ends with `budget` when it is about to start the next one.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as LocalBackend from "../../../backends/LocalBackend.ts"
import * as Event from "../../../core/Event.ts"
import * as Rose from "../../../core/ProgramBuilder.ts"
import * as Runner from "../../../core/Runner.ts"
import * as Platform from "../../../runtime/Platform.ts"
import { aliveUnder, collectPids, waitGone, waitNone } from "../support/processes.ts"

const layer = LocalBackend.layer({ concurrency: 4, graceMillis: 500 }).pipe(Layer.provideMerge(Platform.layer))

describe("a budget on the local backend", () => {
  it.live("the learner that spends it stops with no process left; a running task of another finishes", () =>
    Effect.gen(function* () {
      const dir = fs.mkdtempSync(`${os.tmpdir()}/rose-budget-`)
      const runDir = `${dir}/run`
      const program = Rose.program({
        learners: [
          Rose.active("spend", {
            parallel: 2,
            maxIter: 10,
            tasks: {
              // Learner 0's first training waits for the test's go-ahead: it runs while learner 1
              // spends the rest of the budget.
              training: Rose.shell(
                'echo $$ >> pids; if [ "$ROSE_LEARNER" = 0 ]; then while [ ! -f "$ROSE_RUN_DIR/go" ]; do sleep 0.05; done; fi'
              ),
              active_learn: Rose.shell("echo $$ >> pids")
            },
            budget: Rose.budget({ tasks: 6 })
          })
        ]
      })
      try {
        const results = yield* Effect.scoped(
          Effect.gen(function* () {
            const handle = yield* Runner.prepare(program, { out: runDir })
            yield* handle.start
            yield* handle.eventStream.pipe(
              Stream.takeUntil((e) => e._tag === "learner_stopped" && e.learner.index === 1),
              Stream.runDrain
            )
            // Learner 1 started 5 of the 6 tasks (learner 0 holds the other) and was refused the 7th.
            const pids = collectPids(`${runDir}/learners/spend-1`)
            assert.strictEqual(pids.length, 5)
            assert.deepStrictEqual(yield* Effect.promise(() => waitGone(pids, 10)), [])
            assert.deepStrictEqual(
              yield* Effect.promise(() => waitNone(() => aliveUnder(`${runDir}/learners/spend-1`), 10)),
              []
            )
            // The budget running out does not kill a task that was running: learner 0's still is.
            assert.isNotEmpty(aliveUnder(`${runDir}/learners/spend-0`))
            fs.writeFileSync(`${runDir}/go`, "")
            return yield* handle.await
          })
        ).pipe(Effect.provide(layer))
        assert.deepStrictEqual(
          results.learners.map((l) => [l.stopReason, l.iterations, l.tasks]),
          [
            ["budget", 0, 1],
            ["budget", 2, 5]
          ]
        )
        const journal = Event.parseJournal(fs.readFileSync(`${runDir}/events.jsonl`, "utf8")).events
        assert.strictEqual(journal.filter((e) => e._tag === "task_started").length, 6)
        assert.strictEqual(journal.filter((e) => e._tag === "task_finished").length, 6)
        assert.strictEqual(journal.filter((e) => e._tag === "task_cancelled").length, 0)
        assert.deepStrictEqual(
          journal.flatMap((e) => (e._tag === "budget_spent" ? [[e.block, e.tasks]] : [])),
          [["spend", 6]]
        )
        assert.deepStrictEqual(collectPids(`${runDir}/learners/spend-0`).length, 1)
      } finally {
        fs.rmSync(dir, { recursive: true, force: true })
      }
    })
  )
})
