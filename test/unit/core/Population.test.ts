/**
 * Successive halving (ASHA): which learners a block's policy prunes at a rung, in which order and
 * why, for a minimised and a maximised metric; that nobody waits for a learner that reaches a rung
 * late; and that the rung tables rebuilt from a journal make the same decisions.
 */
import * as fs from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type * as ScriptedBackend from "../../../backends/ScriptedBackend.ts"
import type * as Criterion from "../../../core/Criterion.ts"
import type * as Event from "../../../core/Event.ts"
import * as Population from "../../../core/Population.ts"
import * as Rose from "../../../core/ProgramBuilder.ts"
import * as Resume from "../../../core/Resume.ts"
import * as Runner from "../../../core/Runner.ts"
import { criterionTable, readEvents, started, withBackend } from "./learnerKit.ts"
import { program } from "./runnerKit.ts"

type Rung = Extract<Event.Event, { _tag: "rung_reached" }>
type Stopped = Extract<Event.Event, { _tag: "learner_stopped" }>

const rungsOf = (events: ReadonlyArray<Event.Event>) => events.filter((e): e is Rung => e._tag === "rung_reached")

/** The criterion values at the rung (iteration 2), by learner; 0.5 elsewhere. */
const atRung = { "0:2": 0.4, "1:2": 0.2, "2:2": 0.3, "3:2": 0.5 }

/**
 * Runs a 4-learner block with `asha every 3 keep 1/2` whose learners reach the rung in index order:
 * learner k's criterion at iteration 2 waits until learner k - 1 has been judged there.
 */
const runInOrder = (stopWhen: Criterion.CriterionInput) => {
  const gates = Array.from({ length: 4 }, () => Deferred.unsafeMake<void>(undefined as never))
  const table = criterionTable(atRung)
  const script: ScriptedBackend.Script = (inv) =>
    inv.task === "criterion" && inv.iteration === 2
      ? Effect.as(Deferred.await(gates[inv.learner.index]!), table(inv) as ScriptedBackend.Reply)
      : table(inv)
  return withBackend(script)((dir) =>
    Effect.gen(function* () {
      const p = program({ parallel: 4, maxIter: 6, stopWhen, population: Rose.asha({ every: 3, keep: 0.5 }) })
      const handle = yield* Runner.prepare(p, { out: `${dir}/run` })
      yield* Deferred.succeed(gates[0]!, undefined)
      yield* handle.eventStream.pipe(
        Stream.runForEach((e) =>
          e._tag === "rung_reached" && e.iteration === 2 && e.learner.index < 3
            ? Deferred.succeed(gates[e.learner.index + 1]!, undefined)
            : Effect.void
        ),
        Effect.forkScoped
      )
      yield* handle.start
      const results = yield* handle.await
      return { results, events: yield* readEvents(`${dir}/run`) }
    })
  )
}

describe("Population: ASHA in a run", () => {
  it.scoped("a minimised metric: the worst of each rung so far are pruned, with their rank as the reason", () =>
    Effect.gen(function* () {
      const { results, events } = yield* runInOrder({ metricName: "mse", operator: "<", threshold: 0.01 })
      const first = rungsOf(events).filter((e) => e.iteration === 2)
      assert.deepStrictEqual(
        first.map((e) => [e.learner.index, e.rank, e.of, e.pruned]),
        [
          [0, 1, 1, false],
          [1, 1, 2, false],
          [2, 2, 3, true],
          [3, 4, 4, true]
        ]
      )
      assert.deepStrictEqual(
        results.learners.map((l) => [l.stopReason, l.pruned ?? null, l.iterations]),
        [
          ["max_iter", null, 6],
          ["max_iter", null, 6],
          ["pruned", "rank 2 of 3 at iteration 2, mse 0.3", 3],
          ["pruned", "rank 4 of 4 at iteration 2, mse 0.5", 3]
        ]
      )
      const stopped = events.filter((e): e is Stopped => e._tag === "learner_stopped")
      assert.deepStrictEqual(
        stopped.filter((e) => e.reason === "pruned").map((e) => [e.learner.index, e.detail]),
        [
          [2, "rank 2 of 3 at iteration 2, mse 0.3"],
          [3, "rank 4 of 4 at iteration 2, mse 0.5"]
        ]
      )
      // A pruned learner starts nothing after its rung; the survivors run on (and are judged again
      // at iteration 5, where they end anyway).
      assert.isTrue(started(events, 2).every((e) => e.iteration <= 2))
      assert.isTrue(started(events, 3).every((e) => e.iteration <= 2))
      assert.deepStrictEqual(
        rungsOf(events)
          .filter((e) => e.iteration === 5)
          .map((e) => e.pruned),
        [false, false]
      )
    })
  )

  it.scoped("a maximised metric ranks the other way round", () =>
    Effect.gen(function* () {
      const { results, events } = yield* runInOrder({ metricName: "accuracy", operator: ">=", threshold: 0.99 })
      assert.deepStrictEqual(
        rungsOf(events)
          .filter((e) => e.iteration === 2)
          .map((e) => [e.learner.index, e.rank, e.of, e.pruned]),
        [
          [0, 1, 1, false],
          [1, 2, 2, true],
          [2, 2, 3, true],
          [3, 1, 4, false]
        ]
      )
      assert.deepStrictEqual(
        results.learners.map((l) => l.pruned ?? l.stopReason),
        ["max_iter", "rank 2 of 2 at iteration 2, accuracy 0.2", "rank 2 of 3 at iteration 2, accuracy 0.3", "max_iter"]
      )
    })
  )

  it.scopedLive("a learner late to a rung delays nobody's decision there", () => {
    const late = Deferred.unsafeMake<void>(undefined as never)
    const table = criterionTable(atRung)
    const script: ScriptedBackend.Script = (inv) =>
      inv.task === "criterion" && inv.iteration === 2 && inv.learner.index === 2
        ? Effect.as(Deferred.await(late), table(inv) as ScriptedBackend.Reply)
        : table(inv)
    return withBackend(script)((dir) =>
      Effect.gen(function* () {
        const p = program({
          parallel: 3,
          maxIter: 6,
          stopWhen: { metricName: "mse", operator: "<", threshold: 0.01 },
          population: Rose.asha({ rungs: [2], keep: 0.5 })
        })
        const handle = yield* Runner.prepare(p, { out: `${dir}/run` })
        const judged = new Set<number>()
        let onwards = false
        // The straggler answers only once the others were judged at the rung and one of them has
        // gone on past it: were decisions waiting for it, the run would never end.
        yield* handle.eventStream.pipe(
          Stream.runForEach((e) => {
            if (e._tag === "rung_reached") judged.add(e.learner.index)
            if (e._tag === "task_started" && e.iteration === 3 && e.learner.index !== 2) onwards = true
            return judged.has(0) && judged.has(1) && onwards ? Deferred.succeed(late, undefined) : Effect.void
          }),
          Effect.forkScoped
        )
        yield* handle.start
        const results = yield* handle.await.pipe(
          Effect.timeoutFail({ duration: "20 seconds", onTimeout: () => "hung" })
        )
        const events = yield* readEvents(`${dir}/run`)
        // The others were judged among themselves, and one went on, before the straggler arrived.
        const lateAt = events.findIndex((e) => e._tag === "rung_reached" && e.learner.index === 2)
        const onwardAt = events.findIndex((e) => e._tag === "task_started" && e.iteration === 3)
        assert.deepStrictEqual(
          rungsOf(events).map((e) => [e.learner.index === 2, e.of]),
          [
            [false, 1],
            [false, 2],
            [true, 3]
          ]
        )
        assert.isTrue(onwardAt >= 0 && onwardAt < lateAt)
        const lateRung = rungsOf(events).find((e) => e.learner.index === 2)!
        assert.strictEqual(lateRung.of, 3)
        assert.strictEqual(results.learners[2]!.stopReason, "pruned")
      })
    )
  })
})

describe("Population: ASHA across a resume", () => {
  const resumed = (crashBeforeRung: boolean) => {
    let hang = true
    const gates = Array.from({ length: 3 }, () => Deferred.unsafeMake<void>(undefined as never))
    const table = criterionTable({ "0:1": 0.4, "1:1": 0.2, "2:1": 0.3, "3:1": 0.35 })
    const script: ScriptedBackend.Script = (inv) => {
      if (inv.task !== "criterion" || inv.iteration !== 1) return table(inv)
      if (inv.learner.index === 3) return hang ? Effect.never : table(inv)
      return Effect.as(Deferred.await(gates[inv.learner.index]!), table(inv) as ScriptedBackend.Reply)
    }
    return withBackend(script)((dir) =>
      Effect.gen(function* () {
        const p = program({
          parallel: 4,
          maxIter: 3,
          stopWhen: { metricName: "mse", operator: "<", threshold: 0.01 },
          population: Rose.asha({ rungs: [1], keep: 0.5 })
        })
        const out = `${dir}/run`
        yield* Effect.scoped(
          Effect.gen(function* () {
            const handle = yield* Runner.prepare(p, { out })
            yield* Deferred.succeed(gates[0]!, undefined)
            const events = yield* handle.events.subscribe
            yield* handle.start
            // Learners 0, 1, 2 reach the rung in that order; learner 3 hangs before it.
            yield* Stream.fromQueue(events).pipe(
              Stream.takeUntil((e) => e._tag === "rung_reached" && e.learner.index === 2),
              Stream.runForEach((e) =>
                e._tag === "rung_reached" && e.learner.index < 2
                  ? Deferred.succeed(gates[e.learner.index + 1]!, undefined)
                  : Effect.void
              )
            )
            yield* handle.interrupt
            assert.strictEqual((yield* handle.await).status, "interrupted")
          })
        )
        hang = false
        if (crashBeforeRung) {
          // As if the process died after learner 2's iteration_completed, before its rung_reached.
          const lines = fs.readFileSync(`${out}/events.jsonl`, "utf8").split("\n")
          const lost = (l: string) =>
            (l.includes('"type":"rung_reached"') || l.includes('"type":"learner_stopped"')) &&
            l.includes('"learner":{"name":"sweep","index":2}')
          assert.strictEqual(lines.filter(lost).length, 2)
          fs.writeFileSync(`${out}/events.jsonl`, lines.filter((l) => !lost(l)).join("\n"))
        }
        const plan = yield* Resume.load(out, p)
        const results = yield* Effect.scoped(
          Effect.gen(function* () {
            const handle = yield* Runner.prepare(p, { resume: plan })
            yield* handle.start
            return yield* handle.await
          })
        )
        const rungs = rungsOf(yield* readEvents(out))
        // Judged against the three that were at the rung before the interruption: 0.2, 0.3, 0.4.
        assert.deepStrictEqual(
          rungs.map((e) => [e.learner.index, e.rank, e.of, e.pruned]),
          [
            [0, 1, 1, false],
            [1, 1, 2, false],
            [2, 2, 3, true],
            [3, 3, 4, true]
          ]
        )
        assert.deepStrictEqual(
          results.learners.map((l) => l.stopReason),
          ["max_iter", "max_iter", "pruned", "pruned"]
        )
        assert.strictEqual(results.learners[2]!.pruned, "rank 2 of 3 at iteration 1, mse 0.3")
        assert.strictEqual(results.learners[3]!.pruned, "rank 3 of 4 at iteration 1, mse 0.35")
      })
    )
  }

  it.scoped("a resumed run judges a late learner against the rung as the journal left it", () => resumed(false))

  it.scoped("a learner whose rung decision was lost in a crash is judged when the run resumes", () => resumed(true))
})

describe("Population: rung tables", () => {
  const criterion: Criterion.Criterion = { metric: "mse", operator: "<", threshold: 0.01 } as Criterion.Criterion
  const policy = Population.asha({ every: 2, keep: 0.5 })
  const ref = (index: number) => ({ name: "sweep", index })

  it("the first learners at a rung go on; later ones go on only within the kept fraction", () => {
    const rungs = new Population.Rungs()
    const verdicts = [0.3, 0.1, 0.2, 0.4, 0.05].map((v, k) => rungs.judge(policy, ref(k), 1, v, criterion, false))
    assert.deepStrictEqual(
      verdicts.map((v) => [v.rank, v.of, v.pruned]),
      [
        [1, 1, false],
        [1, 2, false],
        [2, 3, true],
        [4, 4, true],
        [1, 5, false]
      ]
    )
    assert.strictEqual(rungs.pruned(ref(3)), "rank 4 of 4 at iteration 1, mse 0.4")
    assert.isUndefined(rungs.pruned(ref(4)))
  })

  it("a learner that ends at the rung anyway is ranked but not pruned", () => {
    const rungs = new Population.Rungs()
    rungs.judge(policy, ref(0), 1, 0.1, criterion, false)
    const last = rungs.judge(policy, ref(1), 1, 0.9, criterion, true)
    assert.deepStrictEqual([last.rank, last.of, last.pruned], [2, 2, false])
  })

  it("tables rebuilt from the journal's rung_reached events judge the next arrival as the first ones would", () => {
    const live = new Population.Rungs()
    const events: Array<Event.Event> = [0.3, 0.1, 0.2].map((v, k) => {
      const verdict = live.judge(policy, ref(k), 1, v, criterion, false)
      return {
        _tag: "rung_reached",
        v: 1,
        seq: k,
        ts: "2026-01-01T00:00:00.000Z",
        runId: "r",
        learner: ref(k),
        iteration: 1,
        metricName: "mse",
        metricValue: v,
        rank: verdict.rank,
        of: verdict.of,
        pruned: verdict.pruned,
        reason: verdict.reason
      }
    })
    const resumed = Population.fromEvents(events)
    assert.strictEqual(resumed.pruned(ref(2)), live.pruned(ref(2)))
    // Re-judging a learner already at the rung (an iteration a resume re-runs) keeps its verdict.
    assert.deepStrictEqual(
      resumed.judge(policy, ref(2), 1, 0.01, criterion, false),
      live.judge(policy, ref(2), 1, 0.01, criterion, false)
    )
    assert.deepStrictEqual(
      resumed.judge(policy, ref(3), 1, 0.25, criterion, false),
      live.judge(policy, ref(3), 1, 0.25, criterion, false)
    )
  })

  it("rungs: every N gives iterations N-1, 2N-1, … below max_iter; a list is taken as written", () => {
    assert.deepStrictEqual(Population.rungsOf(Population.asha({ every: 3 }), 10), [2, 5, 8])
    assert.deepStrictEqual(Population.rungsOf(Population.asha({ rungs: [4, 1] }), 10), [1, 4])
    assert.isTrue(Population.isRung(Population.asha({ every: 3 }), 5))
    assert.isFalse(Population.isRung(Population.asha({ every: 3 }), 3))
  })
})
