/**
 * A learner pruned by its block's ASHA policy on real processes: it starts nothing after its rung and
 * none of its processes lives on, while the learner that survived the rung keeps running.
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

describe("ASHA on the local backend", () => {
  it.live("a pruned learner's processes are gone while the survivor runs on", () =>
    Effect.gen(function* () {
      const dir = fs.mkdtempSync(`${os.tmpdir()}/rose-asha-`)
      const runDir = `${dir}/run`
      const program = Rose.program({
        learners: [
          Rose.active("prune", {
            parallel: 2,
            maxIter: 3,
            tasks: {
              // The survivor's next training waits for the test's word (at most 60 s), so it is still
              // running when we look, however slow the machine.
              training: Rose.shell(
                'echo $$ >> pids; if [ "$ROSE_LEARNER" = 0 ] && [ "$ROSE_ITERATION" -ge 1 ]; then n=0; while [ ! -f "$ROSE_RUN_DIR/release" ] && [ $n -lt 1200 ]; do sleep 0.05; n=$((n + 1)); done; else sleep 0.1; fi'
              ),
              active_learn: Rose.shell("echo $$ >> pids"),
              // Learner 1 reaches the rung second, with the worse value: it is pruned there.
              criterion: Rose.shell(
                'echo $$ >> pids; if [ "$ROSE_LEARNER" = 1 ]; then sleep 0.5; echo 0.9; else echo 0.1; fi'
              )
            },
            stopWhen: { metricName: "mse", operator: "<", threshold: 0.01 },
            population: Rose.asha({ rungs: [0], keep: 0.5 })
          })
        ]
      })
      const results = yield* Effect.scoped(
        Effect.gen(function* () {
          const handle = yield* Runner.prepare(program, { out: runDir })
          yield* handle.start
          yield* handle.eventStream.pipe(
            Stream.takeUntil((e) => e._tag === "learner_stopped" && e.learner.index === 1),
            Stream.runDrain
          )
          const pids = collectPids(`${runDir}/learners/prune-1`)
          assert.strictEqual(pids.length, 3, "one process per task of its one iteration")
          assert.deepStrictEqual(yield* Effect.promise(() => waitGone(pids, 10)), [])
          assert.deepStrictEqual(
            yield* Effect.promise(() => waitNone(() => aliveUnder(`${runDir}/learners/prune-1`), 10)),
            []
          )
          // Not the end of the run cleaning up: the survivor is still at work.
          assert.isNotEmpty(aliveUnder(`${runDir}/learners/prune-0`))
          fs.writeFileSync(`${runDir}/release`, "")
          return yield* handle.await
        })
      ).pipe(Effect.provide(layer))
      assert.deepStrictEqual(
        results.learners.map((l) => [l.stopReason, l.iterations]),
        [
          ["max_iter", 3],
          ["pruned", 1]
        ]
      )
      assert.strictEqual(results.learners[1]!.pruned, "rank 2 of 2 at iteration 0, mse 0.9")
      const journal = Event.parseJournal(fs.readFileSync(`${runDir}/events.jsonl`, "utf8")).events
      assert.isTrue(
        journal.every((e) => e._tag !== "task_started" || e.learner.index !== 1 || e.iteration === 0),
        "nothing of the pruned learner starts after its rung"
      )
      assert.deepStrictEqual(collectPids(`${runDir}/learners/prune-1`).length, 3)
    })
  )
})
