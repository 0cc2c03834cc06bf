import { assert, describe, it } from "@effect/vitest"
import * as Ranking from "../../../core/Ranking.ts"
import * as Results from "../../../core/Results.ts"

const entry = (
  index: number,
  value: number | undefined,
  options: {
    readonly name?: string
    readonly operator?: string
    readonly metric?: string | null
    readonly failed?: boolean
    readonly lr?: number | undefined
  } = {}
): Ranking.Entry => ({
  name: options.name ?? "sweep",
  index,
  metric:
    options.metric === null
      ? undefined
      : { name: options.metric ?? "score", operator: options.operator ?? "<", threshold: 0.5 },
  value,
  failed: options.failed ?? false,
  iterations: 3,
  tasks: 12,
  config:
    options.lr === undefined ? {} : { training: { args: ["fixed"], kwargs: { learning_rate: options.lr, epochs: 10 } } }
})

const order = (standings: ReadonlyArray<Ranking.Standing>) => standings.map((s) => `${s.rank}:${s.learner}`)

describe("Ranking", () => {
  it("puts the lowest value first for < and <=, the highest for > and >=", () => {
    const values = [0.3, 0.1, 0.2]
    for (const op of ["<", "<="]) {
      assert.deepStrictEqual(order(Ranking.rank(values.map((v, i) => entry(i, v, { operator: op })))), [
        "1:sweep[1]",
        "2:sweep[2]",
        "3:sweep[0]"
      ])
    }
    for (const op of [">", ">="]) {
      assert.deepStrictEqual(order(Ranking.rank(values.map((v, i) => entry(i, v, { operator: op })))), [
        "1:sweep[0]",
        "2:sweep[2]",
        "3:sweep[1]"
      ])
    }
  })

  it("ranks == by the distance to the threshold, and says which way each metric goes", () => {
    const ranked = Ranking.rank([entry(0, 0.9, { operator: "==" }), entry(1, 0.45, { operator: "==" })])
    assert.deepStrictEqual(order(ranked), ["1:sweep[1]", "2:sweep[0]"])
    assert.strictEqual(Ranking.directionText("mse", "<"), "lower is better")
    assert.strictEqual(Ranking.directionText("accuracy", ">="), "higher is better")
  })

  it("ranks learners without a value last and marks failed ones where their value puts them", () => {
    const ranked = Ranking.rank([
      entry(0, undefined, { failed: true }),
      entry(1, 0.4, { failed: true }),
      entry(2, 0.2),
      entry(3, undefined)
    ])
    assert.deepStrictEqual(order(ranked), ["1:sweep[2]", "2:sweep[1]", "3:sweep[0]", "3:sweep[3]"])
    assert.deepStrictEqual(
      ranked.map((s) => [s.learner, s.failed, s.value]),
      [
        ["sweep[2]", false, 0.2],
        ["sweep[1]", true, 0.4],
        ["sweep[0]", true, null],
        ["sweep[3]", false, null]
      ]
    )
  })

  it("gives equal values one rank and keeps the run's order between them", () => {
    const ranked = Ranking.rank([entry(0, 0.3), entry(1, 0.1), entry(2, 0.1), entry(3, 0.5)])
    assert.deepStrictEqual(order(ranked), ["1:sweep[1]", "1:sweep[2]", "3:sweep[0]", "4:sweep[3]"])
  })

  it("ranks learners against those with the same metric, learners without a metric last", () => {
    const ranked = Ranking.rank([
      entry(0, 0.9, { name: "a", metric: "accuracy", operator: ">" }),
      entry(0, 3, { name: "free", metric: null }),
      entry(0, 0.2, { name: "b", metric: "mse" }),
      entry(1, 0.95, { name: "a", metric: "accuracy", operator: ">" }),
      entry(1, 0.1, { name: "b", metric: "mse" })
    ])
    assert.deepStrictEqual(order(ranked), ["1:a[1]", "2:a[0]", "1:b[1]", "2:b[0]", "1:free[0]"])
    assert.deepStrictEqual(ranked.at(-1)!.metric, null)
  })

  it("keeps only the config keys that differ within a block; a learner that ran nothing has none", () => {
    const ranked = Ranking.rank([entry(0, 0.3, { lr: 0.1 }), entry(1, 0.2, { lr: 0.01 }), entry(2, undefined)])
    assert.deepStrictEqual(
      ranked.map((s) => [s.learner, s.config]),
      [
        ["sweep[1]", { "training.learning_rate": 0.01 }],
        ["sweep[0]", { "training.learning_rate": 0.1 }],
        ["sweep[2]", {}]
      ]
    )
    assert.strictEqual(
      Ranking.configText({ "training.learning_rate": 0.01, "sim.mode": "fast" }),
      "training.learning_rate=0.01 sim.mode=fast"
    )
    // one learner alone has nothing that sets it apart
    assert.deepStrictEqual(Ranking.rank([entry(0, 0.3, { lr: 0.1 })])[0]!.config, {})
  })

  it("ranks results.json's learners by their last value; a failed learner is marked", () => {
    const learner = (
      index: number,
      history: ReadonlyArray<number>,
      stopReason: Results.LearnerResult["stopReason"]
    ) => ({
      name: "sweep",
      index,
      kind: "active",
      iterations: history.length,
      stopReason,
      metric: { name: "accuracy", operator: ">=", threshold: 0.99, history },
      state: {},
      failure: null
    })
    const ranked = Results.ranking([
      learner(0, [0.5, 0.9], "max_iter"),
      learner(1, [0.8, 0.7], "error"),
      learner(2, [], "error")
    ])
    assert.deepStrictEqual(
      ranked.map((s) => [s.rank, s.learner, s.value, s.failed]),
      [
        [1, "sweep[0]", 0.9, false],
        [2, "sweep[1]", 0.7, true],
        [3, "sweep[2]", null, true]
      ]
    )
  })
})
