/**
 * Population policies on the learner kinds other than active learning: ASHA on reinforcement
 * learners whose reward is maximised (ranks read from the journal, the pruned ones start nothing
 * after their rung), and a task budget on uncertainty-driven learners (per-model tasks included).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type * as Event from "../../../core/Event.ts"
import * as Rose from "../../../core/ProgramBuilder.ts"
import { criterionTable, readEvents, runIn, withBackend } from "./learnerKit.ts"

type Rung = Extract<Event.Event, { _tag: "rung_reached" }>

describe("Population policies on other learner kinds", () => {
  it.scoped("ASHA prunes reinforcement learners by a maximised reward, each judged as it arrives", () =>
    // Rewards at iteration 0: agent[1] best, then agent[2], agent[0], agent[3].
    withBackend(criterionTable({ "0:0": 10, "1:0": 50, "2:0": 30, "3:0": 5 }, 1))((dir) =>
      Effect.gen(function* () {
        const p = Rose.program({
          here: "/proj",
          learners: [
            Rose.reinforcement("agent", {
              parallel: 4,
              maxIter: 3,
              tasks: {
                environment: Rose.exec("env"),
                update: Rose.exec("update"),
                criterion: Rose.exec("reward")
              },
              stopWhen: { metricName: "reward", operator: ">=", threshold: 1000 },
              population: Rose.asha({ rungs: [0], keep: 0.5 })
            })
          ]
        })
        const results = yield* runIn(p)(dir)
        const events = yield* readEvents(`${dir}/run`)
        const rungs = events.filter((e): e is Rung => e._tag === "rung_reached")
        assert.strictEqual(rungs.length, 4, "every agent reached the rung")
        const reward: Record<number, number> = { 0: 10, 1: 50, 2: 30, 3: 5 }
        rungs.forEach((e, k) => {
          // Higher is better: its rank counts the earlier arrivals with a reward at least as high.
          const ahead = rungs.slice(0, k).filter((f) => reward[f.learner.index]! >= reward[e.learner.index]!).length
          assert.deepStrictEqual([e.rank, e.of, e.metricValue], [1 + ahead, k + 1, reward[e.learner.index]])
          const kept = Math.floor((k + 1) * 0.5)
          assert.strictEqual(e.pruned, kept >= 1 && e.rank > kept, `agent[${e.learner.index}]`)
        })
        // agent[3], the worst, is pruned wherever it arrives after the first; the best never is.
        const byIndex = new Map(results.learners.map((l) => [l.index, l]))
        assert.strictEqual(byIndex.get(1)!.stopReason, "max_iter")
        for (const e of rungs) {
          const l = byIndex.get(e.learner.index)!
          if (e.pruned) {
            assert.deepStrictEqual([l.stopReason, l.iterations], ["pruned", 1])
            assert.strictEqual(l.pruned, e.reason)
            assert.match(e.reason, /^rank \d of \d at iteration 0, reward \d+$/)
            const after = events.filter(
              (x) => x._tag === "task_started" && x.learner.index === e.learner.index && x.iteration > 0
            )
            assert.deepStrictEqual(after, [], `agent[${e.learner.index}] started nothing after its rung`)
          } else {
            assert.deepStrictEqual([l.stopReason, l.iterations], ["max_iter", 3])
          }
        }
        assert.isAbove(results.learners.filter((l) => l.stopReason === "pruned").length, 0)
      })
    )
  )

  it.scoped("a task budget stops uncertainty-driven learners, per-model tasks counted", () =>
    withBackend((inv) =>
      inv.task.startsWith("criterion")
        ? { stdout: "0.5\n" }
        : inv.task === "uncertainty"
          ? { stdout: '{"value":1,"picked":3}\n' }
          : { stdout: "{}\n" }
    )((dir) =>
      Effect.gen(function* () {
        const p = Rose.program({
          here: "/proj",
          learners: [
            Rose.uq("ens", {
              parallel: 2,
              maxIter: 5,
              tasks: {
                simulation: Rose.exec("sim"),
                training: Rose.exec("train --model {model_name}"),
                prediction: Rose.exec("predict"),
                active_learn: Rose.exec("select"),
                criterion: Rose.exec("check")
              },
              stopWhen: { metricName: "mse", threshold: 0.1 },
              options: { models: 2, predictions: 2 },
              budget: Rose.budget({ tasks: 17 })
            })
          ]
        })
        const results = yield* runIn(p)(dir)
        const events = yield* readEvents(`${dir}/run`)
        assert.strictEqual(events.filter((e) => e._tag === "task_started").length, 17)
        assert.deepStrictEqual(
          results.learners.map((l) => l.stopReason),
          ["budget", "budget"]
        )
        assert.strictEqual(events.filter((e) => e._tag === "budget_spent").length, 1)
        // Per-model tasks are tasks: the learners count the attempts that ended, finished or failed;
        // a model's task that was still running when its learner stopped was killed, not ended.
        const ended = events.filter((e) => e._tag === "task_finished" || e._tag === "task_failed").length
        assert.strictEqual(
          results.learners.reduce((n, l) => n + l.tasks!, 0),
          ended
        )
        assert.isAtMost(ended, 17)
        const perModel = events.filter((e) => e._tag === "task_started" && e.task.includes("@"))
        assert.isAbove(perModel.length, 0, "per-model tasks ran under the budget")
      })
    )
  )
})
