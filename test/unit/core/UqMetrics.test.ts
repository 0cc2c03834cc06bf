/**
 * lib/uq.mjs, the uncertainty metrics for task scripts: each metric's value on cases worked by hand,
 * its direction, and a top-k selection that takes the most uncertain instances for every metric
 * (the lowest margins, the highest entropies).
 */
import { assert, describe, it } from "@effect/vitest"
// @ts-expect-error: a plain JavaScript module without types
import * as Lib from "../../../lib/uq.mjs"

type Probs = ReadonlyArray<ReadonlyArray<ReadonlyArray<number>>>
type Preds = ReadonlyArray<ReadonlyArray<number>>
const uq = Lib as {
  predictiveEntropy: (p: Probs) => Array<number>
  mutualInformation: (p: Probs) => Array<number>
  variationRatio: (p: Probs) => Array<number>
  margin: (p: Probs) => Array<number>
  predictiveVariance: (p: Preds) => Array<number>
  predictiveIntervalWidth: (p: Preds, q?: number) => Array<number>
  negativeLogLikelihood: (p: Probs | Preds, y: ReadonlyArray<number>) => Array<number>
  metrics: Record<string, { higher: boolean; stop: string; task: string }>
  score: (metric: string, samples: unknown, options?: object) => Array<number>
  topK: (scores: ReadonlyArray<number>, k: number, higher?: boolean) => Array<number>
  selectTopUncertain: (
    samples: unknown,
    k: number,
    options?: { metric?: string; yTrue?: ReadonlyArray<number> }
  ) => { metric: string; indices: Array<number>; scores: Array<number> }
  UQScorer: new (
    t: string
  ) => {
    register: (name: string, fn: (s: unknown) => Array<number>, o?: { higher?: boolean }) => unknown
    names: Array<string>
    computeUncertainty: (s: unknown, o?: object) => Record<string, unknown>
    selectTopUncertain: (s: unknown, k: number, o?: { metric?: string }) => { indices: Array<number> }
  }
}

const close = (a: ReadonlyArray<number>, b: ReadonlyArray<number>) => {
  assert.strictEqual(a.length, b.length)
  for (const [i, x] of a.entries()) assert.closeTo(x, b[i]!, 1e-9, `index ${i}`)
}

// Three samples, three instances, two classes: instance 0 sure and agreed, 1 agreed on 50/50,
// 2 each sample sure of a different class.
const probs: Probs = [
  [
    [1, 0],
    [0.5, 0.5],
    [1, 0]
  ],
  [
    [1, 0],
    [0.5, 0.5],
    [0, 1]
  ],
  [
    [1, 0],
    [0.5, 0.5],
    [1, 0]
  ]
]

describe("lib/uq.mjs", () => {
  it("classification metrics", () => {
    const h = (p: number) => -(p * Math.log(p) + (1 - p) * Math.log(1 - p))
    close(uq.predictiveEntropy(probs), [0, Math.log(2), h(2 / 3)])
    // Instance 1: every sample is itself uncertain, so nothing is learnt from disagreement (MI 0);
    // instance 2: the samples are sure but disagree, so all its entropy is disagreement.
    close(uq.mutualInformation(probs), [0, 0, h(2 / 3)])
    close(uq.variationRatio(probs), [0, 0, 1 / 3])
    close(uq.margin(probs), [1, 0, 1 / 3])
  })

  it("regression metrics", () => {
    const preds: Preds = [
      [1, 0],
      [1, 2],
      [1, 4],
      [1, 6]
    ]
    close(uq.predictiveVariance(preds), [0, 5])
    close(uq.predictiveIntervalWidth(preds, 0.5), [0, 3])
    const nll = uq.negativeLogLikelihood(preds, [1, 3])
    assert.closeTo(nll[1]!, 0.5 * Math.log(2 * Math.PI * 5), 1e-9)
    assert.isBelow(nll[0]!, -10, "confident and right: a high density")
  })

  it("negative log-likelihood of classes", () => {
    close(uq.negativeLogLikelihood(probs, [0, 1, 1]), [
      -Math.log(1 + 1e-12),
      -Math.log(0.5 + 1e-12),
      -Math.log(1 / 3 + 1e-12)
    ])
  })

  it("every metric knows which way is more uncertain, and its stop operator agrees", () => {
    for (const [name, m] of Object.entries(uq.metrics)) {
      assert.strictEqual(m.stop, m.higher ? "<" : ">", name)
    }
    assert.isFalse(uq.metrics.margin!.higher)
    assert.isTrue(uq.metrics.predictive_entropy!.higher)
  })

  it("top-k takes the most uncertain: the highest entropy, the lowest margin", () => {
    assert.deepStrictEqual(uq.selectTopUncertain(probs, 2, { metric: "predictive_entropy" }).indices, [1, 2])
    assert.deepStrictEqual(uq.selectTopUncertain(probs, 2, { metric: "margin" }).indices, [1, 2])
    assert.deepStrictEqual(uq.selectTopUncertain(probs, 1, { metric: "mutual_information" }).indices, [2])
    assert.strictEqual(uq.selectTopUncertain(probs, 1).metric, "predictive_entropy")
    const preds: Preds = [
      [0, 0, 0],
      [0, 3, 1]
    ]
    const top = uq.selectTopUncertain(preds, 2)
    assert.strictEqual(top.metric, "predictive_variance")
    assert.deepStrictEqual(top.indices, [1, 2])
    assert.deepStrictEqual(uq.topK([3, 1, 2], 2, false), [1, 2])
    assert.deepStrictEqual(uq.topK([1, 1, 1], 2), [0, 1], "ties by index")
  })

  it("rejects malformed input and unknown metrics", () => {
    assert.throws(() => uq.predictiveVariance([]), /non-empty/)
    assert.throws(() => uq.predictiveVariance([[1, 2], [1]]), /instances/)
    assert.throws(() => uq.score("entropy", probs), /unknown uncertainty metric/)
    assert.throws(() => uq.negativeLogLikelihood(probs, [0]), /true values/)
  })

  it("UQScorer: the metrics of a task type, and metrics of your own with their direction", () => {
    const scorer = new uq.UQScorer("classification")
    assert.sameMembers(scorer.names, [
      "predictive_entropy",
      "mutual_information",
      "variation_ratio",
      "margin",
      "negative_log_likelihood"
    ])
    const all = scorer.computeUncertainty(probs)
    assert.hasAllKeys(all, ["predictive_entropy", "mutual_information", "variation_ratio", "margin"])
    scorer.register("confidence", (s) => uq.margin(s as Probs), { higher: false })
    assert.deepStrictEqual(scorer.selectTopUncertain(probs, 1, { metric: "confidence" }).indices, [1])
    assert.throws(() => new uq.UQScorer("ranking"), /classification/)
  })
})
