/**
 * PBT's rank and choice of source on the period tables: a learner is ranked against the latest value
 * of every learner of its block, not only the earlier arrivals at its period; it copies only a
 * learner of the period's table that is better than itself; a journal replayed in order ranks the
 * next arrival alike. And which perturbed keys stay integers.
 */
import { assert, describe, it } from "@effect/vitest"
import type * as Criterion from "../../../core/Criterion.ts"
import type * as Event from "../../../core/Event.ts"
import * as Exploit from "../../../core/internal/exploit.ts"
import type * as Learner from "../../../core/Learner.ts"
import * as LearnerConfig from "../../../core/LearnerConfig.ts"
import * as Population from "../../../core/Population.ts"
import * as Sweep from "../../../core/Sweep.ts"

const criterion = { metric: "mse", operator: "<", threshold: 0.001 } as Criterion.Criterion
const ref = (index: number) => ({ name: "sweep", index })
const def = { space: { training: { learning_rate: [1, 0.1] } } } as unknown as Learner.LearnerDef
const standing = (lr: number): Population.Standing => ({
  resolved: { training: { args: [], kwargs: { learning_rate: lr } } },
  config: LearnerConfig.empty
})

/** Judges `[learner, value]` arrivals at a period in order; learner k runs learning rate (k + 1) / 10. */
const arrive = (
  rungs: Population.Rungs,
  policy: Population.Pbt,
  iteration: number,
  arrivals: ReadonlyArray<readonly [number, number]>
) =>
  arrivals.map(([k, value]) => {
    const verdict = rungs.judge(policy, ref(k), iteration, value, criterion, false, standing((k + 1) / 10))
    const copies = Population.exploits(policy, verdict, false)
    const decision = copies ? Exploit.decide(policy, rungs, def, ref(k), iteration, criterion, verdict, {}) : undefined
    return { k, verdict, copies, source: decision?.source.index, to: decision?.to }
  })

describe("PBT: ranking in the block", () => {
  const policy = Population.pbt({ every: 2, quantile: 0.25, seed: 5, perturb: { training: { learning_rate: true } } })
  const firstPeriod = [
    [0, 0.1],
    [1, 0.2],
    [2, 0.3],
    [3, 0.9]
  ] as const

  it("a bad learner second at a period ranks against the block's latest values and copies the one before it", () => {
    const rungs = new Population.Rungs()
    const first = arrive(rungs, policy, 1, firstPeriod)
    assert.deepStrictEqual(
      first.map((a) => [a.k, a.verdict.rank, a.verdict.of, a.source ?? null]),
      [
        [0, 1, 1, null],
        [1, 2, 2, null],
        [2, 3, 3, null],
        [3, 4, 4, 0]
      ]
    )
    // At iteration 3 learner 3 arrives after learner 0 only: among the two of them it would be 2nd,
    // and ⌊2/4⌋ = 0 would spare it; learners 1 and 2 still count with their values at iteration 1.
    const [zero, three] = arrive(rungs, policy, 3, [
      [0, 0.05],
      [3, 0.8]
    ])
    assert.deepStrictEqual([zero!.verdict.rank, zero!.verdict.of, zero!.copies], [1, 4, false])
    assert.deepStrictEqual([three!.verdict.rank, three!.verdict.of, three!.copies, three!.source], [4, 4, true, 0])
    assert.strictEqual(three!.verdict.reason, "rank 4 of 4 in the block at iteration 3, mse 0.8")
    // Learner 0 ran learning rate 0.1, which the sweep [1, 0.1] makes a float.
    assert.include([0.08, 0.12], three!.to!["training.learning_rate"])
  })

  it("a bad learner first at a period is in the bottom quantile but has no one to copy", () => {
    const rungs = new Population.Rungs()
    arrive(rungs, policy, 1, firstPeriod)
    const [three] = arrive(rungs, policy, 3, [[3, 0.8]])
    assert.deepStrictEqual([three!.verdict.rank, three!.verdict.of, three!.copies], [4, 4, true])
    assert.isUndefined(three!.source)
  })

  it("the source is never worse than the learner that copies", () => {
    const half = Population.pbt({ every: 2, quantile: 0.5, seed: 5, perturb: { training: { learning_rate: true } } })
    const rungs = new Population.Rungs()
    arrive(rungs, half, 1, [
      [0, 0.1],
      [1, 0.2],
      [2, 0.3],
      [3, 0.4]
    ])
    // Learner 1 got worse and arrives first; learner 3, 3rd of 4 (the bottom half), finds only
    // learner 1 at the period, worse than itself; learner 2, last, copies learner 3 or learner 1.
    const out = arrive(rungs, half, 3, [
      [1, 0.6],
      [3, 0.5],
      [2, 0.7]
    ])
    assert.deepStrictEqual(
      out.map((a) => [a.k, a.verdict.rank, a.verdict.of, a.copies]),
      [
        [1, 4, 4, true],
        [3, 3, 4, true],
        [2, 4, 4, true]
      ]
    )
    assert.deepStrictEqual(
      out.map((a) => a.source),
      [undefined, undefined, out[2]!.source]
    )
    assert.include([3, 1], out[2]!.source)
  })

  it("ASHA still ranks against the earlier arrivals at the rung only", () => {
    const asha = Population.asha({ every: 2, keep: 0.5 })
    const rungs = new Population.Rungs()
    for (const [k, v] of firstPeriod) rungs.judge(asha, ref(k), 1, v, criterion, false)
    rungs.judge(asha, ref(0), 3, 0.05, criterion, false)
    const verdict = rungs.judge(asha, ref(1), 3, 0.8, criterion, false)
    assert.deepStrictEqual(verdict, { rank: 2, of: 2, pruned: true, reason: "rank 2 of 2 at iteration 3, mse 0.8" })
  })

  it("tables rebuilt from the journal rank the next arrival as the live ones, whatever period each learner reached", () => {
    const live = new Population.Rungs()
    // Learner 0 reaches iteration 3 before learner 3 reaches iteration 1: its latest value is then
    // the one at iteration 3, which learner 3 is ranked against.
    const order = [
      [0, 1, 0.4],
      [1, 1, 0.2],
      [0, 3, 0.05],
      [2, 1, 0.3],
      [1, 3, 0.25],
      [3, 1, 0.5]
    ] as const
    const verdicts = order.map(([k, iteration, value]) =>
      live.judge(policy, ref(k), iteration, value, criterion, false, standing(0.1))
    )
    const events: Array<Event.Event> = order.map(([k, iteration, value], seq) => {
      const verdict = verdicts[seq]!
      return {
        _tag: "rung_reached",
        v: 1,
        seq,
        ts: "2026-01-01T00:00:00.000Z",
        runId: "r",
        learner: ref(k),
        iteration,
        metricName: "mse",
        metricValue: value,
        rank: verdict.rank,
        of: verdict.of,
        pruned: false,
        reason: verdict.reason
      }
    })
    // Learner 3 is ranked against 0.05 (learner 0 at iteration 3), 0.25 and 0.3: 4th of 4.
    assert.deepStrictEqual([verdicts.at(-1)!.rank, verdicts.at(-1)!.of], [4, 4])
    const resumed = Population.fromEvents(events)
    for (const [k, iteration, value] of [
      [2, 3, 0.6],
      [3, 3, 0.1]
    ] as const)
      assert.deepStrictEqual(
        resumed.judge(policy, ref(k), iteration, value, criterion, false),
        live.judge(policy, ref(k), iteration, value, criterion, false)
      )
  })
})

describe("PBT: which perturbed keys stay integers", () => {
  const low = 0 // picks ×0.8
  const high = 0.99 // picks ×1.2
  const both = (value: number, swept: Sweep.Distribution | ReadonlyArray<number> | undefined) =>
    [low, high].map((r) => Exploit.perturbed(value, Population.defaultFactors, r, swept))

  it("a key whose sweep values are all integers stays an integer; one with a float among them does not", () => {
    assert.deepStrictEqual(both(1, [1, 0.1]), [0.8, 1.2])
    assert.deepStrictEqual(both(100, [50, 100]), [80, 120])
    assert.deepStrictEqual(both(7, Sweep.intUniform(1, 10)), [6, 8])
    assert.deepStrictEqual(both(5, Sweep.uniform(1, 10)), [4, 6])
  })

  it("outside the sweep, an integer stays one only from 10 up in absolute value", () => {
    assert.deepStrictEqual(both(1, undefined), [0.8, 1.2])
    assert.deepStrictEqual(both(100, undefined), [80, 120])
    assert.deepStrictEqual(both(-20, undefined), [-16, -24])
    assert.deepStrictEqual(both(0.1, undefined), [0.08, 0.12])
  })
})

describe("PBT: a copy's perturbed values", () => {
  it("take the block's sweep into account: a learning rate of 1 becomes 0.8 or 1.2, a count stays a count", () => {
    const policy = Population.pbt({
      every: 2,
      quantile: 0.5,
      seed: 3,
      perturb: { training: { learning_rate: true }, simulation: { n_labeled: true, n_init: true } }
    })
    const swept = {
      space: { training: { learning_rate: [1, 0.1] }, simulation: { n_labeled: [50, 100] } }
    } as unknown as Learner.LearnerDef
    const rungs = new Population.Rungs()
    rungs.judge(policy, ref(0), 1, 0.1, criterion, false, {
      resolved: {
        training: { args: [], kwargs: { learning_rate: 1 } },
        simulation: { args: [], kwargs: { n_labeled: 100, n_init: 1 } }
      },
      config: LearnerConfig.empty
    })
    const verdict = rungs.judge(policy, ref(1), 1, 0.5, criterion, false, standing(0.2))
    const decision = Exploit.decide(policy, rungs, swept, ref(1), 1, criterion, verdict, {})
    assert.strictEqual(decision?.source.index, 0)
    assert.include([0.8, 1.2], decision!.to["training.learning_rate"])
    assert.include([80, 120], decision!.to["simulation.n_labeled"])
    // n_init is outside the sweep and below 10: a float.
    assert.include([0.8, 1.2], decision!.to["simulation.n_init"])
  })
})
