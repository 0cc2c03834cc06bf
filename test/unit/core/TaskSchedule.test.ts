import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as LearnerConfig from "../../../core/LearnerConfig.ts"
import * as TaskConfig from "../../../core/TaskConfig.ts"
import * as TaskSchedule from "../../../core/TaskSchedule.ts"

const ctx = (iteration: number, prev?: TaskSchedule.PreviousIteration): TaskSchedule.ScheduleContext => ({
  iteration,
  learner: { name: "l", index: 0 },
  maxIter: undefined,
  prev
})

const kwargsAt = (
  defaults: TaskConfig.TaskConfigInput | undefined,
  schedule: TaskSchedule.TaskSchedule | undefined,
  i: number
) => TaskConfig.kwargsRecord(TaskSchedule.resolve(defaults, schedule, ctx(i)))

describe("DESIGN §4.2 worked example", () => {
  // defaults {n: 100, lr: 0.1}, unconditional {noise: 0.1 * 0.95 ** i}, from 5 {n: 200}, at 7 {lr: 0.05}, default {n: 50}
  const schedule = TaskSchedule.make([
    { _tag: "Always", source: TaskSchedule.adaptive((i) => ({ kwargs: { noise: 0.1 * 0.95 ** i } })) },
    { _tag: "From", iteration: 5, source: { kwargs: { n: 200 } } },
    { _tag: "At", iteration: 7, source: { kwargs: { lr: 0.05 } } },
    { _tag: "Default", source: { kwargs: { n: 50 } } }
  ])
  const defaults = { kwargs: { n: 100, lr: 0.1 } }
  const table: ReadonlyArray<[number, number, number]> = [
    [0, 50, 0.1],
    [4, 50, 0.1],
    [5, 200, 0.1],
    [7, 200, 0.05],
    [8, 200, 0.1]
  ]
  for (const [i, n, lr] of table) {
    it(`iteration ${i}: n=${n}, lr=${lr}, noise=0.1·0.95^${i}`, () => {
      assert.deepStrictEqual(kwargsAt(defaults, schedule, i), { n, lr, noise: 0.1 * 0.95 ** i })
    })
  }
})

describe("merging", () => {
  it("treats dashed and bare keys as one kwarg, keeping first position and the winning spelling", () => {
    const r = new TaskConfig.Merger()
      .apply({ kwargs: { a: 1, "--n_labeled": "100", b: 2 } })
      .apply({ kwargs: { n_labeled: "200" } })
      .result()
    assert.deepStrictEqual(r.kwargs, [
      { key: "a", value: 1 },
      { key: "n_labeled", value: "200" },
      { key: "b", value: 2 }
    ])
  })

  it("removes a key set to null and replaces args only when a layer sets them", () => {
    const r = new TaskConfig.Merger()
      .apply({ args: ["x"], kwargs: { a: 1, b: 2 } })
      .apply({ kwargs: { a: null } })
      .result()
    assert.deepStrictEqual(r, { args: ["x"], kwargs: [{ key: "b", value: 2 }] })
    const r2 = new TaskConfig.Merger()
      .apply({ args: ["x"] })
      .apply({ args: [] })
      .result()
    assert.deepStrictEqual(r2.args, [])
  })
})

describe("the seed's schedules", () => {
  it("Approach 2: {0, 5, 10, -1} is exact — iterations 1-4 and 6-9 take the -1 entry", () => {
    const s = Either.getOrThrow(
      LearnerConfig.toSchedule("simulation", {
        0: new TaskConfig.TaskConfig({ kwargs: { "--n_labeled": "100" } }),
        5: new TaskConfig.TaskConfig({ kwargs: { "--n_labeled": "200" } }),
        10: new TaskConfig.TaskConfig({ kwargs: { "--n_labeled": "400" } }),
        [-1]: new TaskConfig.TaskConfig({ kwargs: { "--n_labeled": "500" } })
      })
    )
    const expected = [
      "100",
      "500",
      "500",
      "500",
      "500",
      "200",
      "500",
      "500",
      "500",
      "500",
      "400",
      "500",
      "500",
      "500",
      "500"
    ]
    for (let i = 0; i < 15; i++)
      assert.strictEqual(kwargsAt(undefined, s, i)["--n_labeled"], expected[i], `iteration ${i}`)
  })

  it("the piecewise form gives a curriculum: the greatest key ≤ i", () => {
    const s = TaskSchedule.piecewise({
      0: { kwargs: { n: 100 } },
      5: { kwargs: { n: 200 } },
      10: { kwargs: { n: 400 } }
    })
    const got = Array.from({ length: 12 }, (_, i) => kwargsAt(undefined, s, i).n)
    assert.deepStrictEqual(got, [100, 100, 100, 100, 100, 200, 200, 200, 200, 200, 400, 400])
  })

  it("Approach 3: an adaptive schedule is evaluated lazily for any iteration, 150 included", () => {
    let calls = 0
    const s = TaskSchedule.always(
      TaskSchedule.adaptive((i) => {
        calls++
        return {
          kwargs: {
            "--n_labeled": String(100 + i * 50),
            "--n_features": 2,
            "--noise_level": String(0.1 * 0.95 ** i)
          }
        }
      })
    )
    assert.strictEqual(calls, 0)
    const at150 = kwargsAt(undefined, s, 150)
    assert.strictEqual(calls, 1, "evaluated once per resolution")
    assert.deepStrictEqual(at150, {
      "--n_labeled": "7600",
      "--n_features": 2,
      "--noise_level": String(0.1 * 0.95 ** 150)
    })
  })

  it("an adaptive schedule sees the previous iteration's metric and state", () => {
    const s = TaskSchedule.always(
      TaskSchedule.adaptive((_i, c) => ({
        kwargs: { batch: c.prev === undefined ? 10 : c.prev.metric! > 0.5 ? 20 : 5 }
      }))
    )
    assert.strictEqual(TaskConfig.kwargsRecord(TaskSchedule.resolve(undefined, s, ctx(0))).batch, 10)
    const prev = { iteration: 0, metric: 0.9, metricHistory: [0.9], state: {} }
    assert.strictEqual(TaskConfig.kwargsRecord(TaskSchedule.resolve(undefined, s, ctx(1, prev))).batch, 20)
  })
})

describe("LearnerConfig.normalize", () => {
  const tasks = new Set(["simulation", "training", "active_learn", "criterion"])

  it("rejects an unknown task, naming it and the learner's tasks", () => {
    const r = LearnerConfig.normalize({ tasks: { trainng: { kwargs: {} } } }, tasks)
    assert.isTrue(Either.isLeft(r))
    const problems = Either.getLeft(r).pipe((o) => (o._tag === "Some" ? o.value : []))
    assert.strictEqual(problems[0]!.task, "trainng")
    assert.match(problems[0]!.message, /no task "trainng"/)
  })

  it("rejects a per-iteration key that is not an iteration", () => {
    const r = LearnerConfig.normalize({ simulation: { 0: { kwargs: {} }, first: { kwargs: {} } } as never }, tasks)
    assert.isTrue(Either.isLeft(r))
  })

  it("rejects a kwarg value that is not JSON", () => {
    const r = LearnerConfig.normalize({ simulation: { kwargs: { n: (() => 1) as never } } }, tasks)
    assert.isTrue(Either.isLeft(r))
  })

  it("rejects a schedule made for another task", () => {
    const r = LearnerConfig.normalize({ simulation: TaskSchedule.exact({ 0: { kwargs: {} } }, "training") }, tasks)
    assert.isTrue(Either.isLeft(r))
  })

  it("accepts the string key 'default' as the fallback", () => {
    const r = Either.getOrThrow(
      LearnerConfig.normalize({ training: { 3: { kwargs: { lr: 1 } }, default: { kwargs: { lr: 2 } } } }, tasks)
    )
    const s = r.get("training")!
    assert.strictEqual(kwargsAt(undefined, s, 3).lr, 1)
    assert.strictEqual(kwargsAt(undefined, s, 4).lr, 2)
  })
})
