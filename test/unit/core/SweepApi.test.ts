/**
 * Sweeps in the TypeScript API: `sweep: Rose.grid/zip/random(…)` derives `parallel`, names each
 * learner by its point in plans and results.json, and a `configs` function goes on top of it.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Plan from "../../../core/Plan.ts"
import type * as Program from "../../../core/Program.ts"
import * as Rose from "../../../core/ProgramBuilder.ts"
import * as TaskConfig from "../../../core/TaskConfig.ts"
import * as TaskSchedule from "../../../core/TaskSchedule.ts"
import { runIn, withBackend } from "./learnerKit.ts"
import { activeTasks, metrics } from "./runnerKit.ts"

const make = (spec: Partial<Rose.LearnerSpec>) =>
  Rose.make({ here: "/proj", learners: [Rose.active("sweep", { maxIter: 2, tasks: activeTasks(false), ...spec })] })

const kwargs = (program: Program.Program, index: number, task: string) => {
  const def = program.learners[0]!
  return TaskConfig.kwargsRecord(
    TaskSchedule.resolve(def.tasks.get(task)!.defaults, def.configs[index]?.get(task), {
      iteration: 0,
      learner: { name: def.name, index },
      maxIter: def.maxIter,
      prev: undefined
    })
  )
}

const grid = Rose.grid({ simulation: { n: [100, 200] }, training: { lr: [0.1, 0.01, 0.001] } })

describe("sweeps in the TypeScript API", () => {
  it("a grid derives parallel and configures each learner with its point", () => {
    const program = Either.getOrThrow(make({ sweep: grid }))
    const def = program.learners[0]!
    assert.strictEqual(def.parallel, 6)
    assert.deepStrictEqual(kwargs(program, 4, "simulation"), { n: 200 })
    assert.deepStrictEqual(kwargs(program, 4, "training"), { lr: 0.01 })
    assert.deepStrictEqual(def.points?.[4], { simulation: { n: 200 }, training: { lr: 0.01 } })
  })

  it("a configs function of the index goes on top of the point, key by key", () => {
    const program = Either.getOrThrow(
      make({
        sweep: Rose.zip({ training: { lr: [0.1, 0.2] } }),
        configs: (k) =>
          k === 1 ? { training: { kwargs: { lr: 5, decay: k } } } : { training: { kwargs: { decay: k } } }
      })
    )
    assert.deepStrictEqual(kwargs(program, 0, "training"), { lr: 0.1, decay: 0 })
    assert.deepStrictEqual(kwargs(program, 1, "training"), { lr: 5, decay: 1 })
    const plain = Either.getOrThrow(make({ parallel: 3, configs: (k) => ({ training: { kwargs: { k } } }) }))
    assert.deepStrictEqual(kwargs(plain, 2, "training"), { k: 2 })
  })

  it("refuses a parallel that disagrees, an empty list, a task the learner does not have", () => {
    const problems = (spec: Partial<Rose.LearnerSpec>) => {
      const r = make(spec)
      return Either.isLeft(r) ? r.left.problems.map((p) => p.message) : []
    }
    assert.include(problems({ sweep: grid, parallel: 4 }).join("\n"), "parallel 4 disagrees with the sweep's 6 points")
    assert.include(problems({ sweep: Rose.grid({ training: { lr: [] } }) }).join("\n"), "training.lr has no values")
    assert.include(
      problems({ sweep: Rose.grid({ trainer: { lr: [1] } }) }).join("\n"),
      'the sweep sets "trainer", which is not a task of the learner'
    )
  })

  it("a seeded random sweep is the same for a seed and within its bounds", () => {
    const space = { training: { lr: Rose.logUniform(1e-4, 0.1), batch: [8, 16], k: Rose.intUniform(1, 4) } }
    const a = Rose.random({ count: 5, seed: 3, space })
    assert.deepStrictEqual(a.points, Rose.random({ count: 5, seed: 3, space }).points)
    assert.notDeepEqual(a.points, Rose.random({ count: 5, seed: 4, space }).points)
    for (const p of a.points) {
      const t = p.training!
      assert.isTrue((t.lr as number) >= 1e-4 && (t.lr as number) <= 0.1)
      assert.include([8, 16], t.batch)
      assert.include([1, 2, 3, 4], t.k)
    }
    assert.strictEqual(Rose.random({ count: 0, seed: 1, space }).problem, "count must be an integer ≥ 1, got 0")
  })

  it("names each learner by its point in the plan", () => {
    const plan = Plan.make(Either.getOrThrow(make({ sweep: grid })))
    assert.deepStrictEqual(
      plan.learners.map((l) => l.point),
      ["n=100, lr=0.1", "n=100, lr=0.01", "n=100, lr=0.001", "n=200, lr=0.1", "n=200, lr=0.01", "n=200, lr=0.001"]
    )
    assert.strictEqual((Plan.toJson(plan).learners as Array<{ point: string }>)[3]!.point, "n=200, lr=0.1")
  })

  it.scoped("gives each learner of a sweep its label and point in results.json", () =>
    withBackend(metrics())((dir) =>
      Effect.gen(function* () {
        const program = Either.getOrThrow(make({ sweep: Rose.zip({ training: { lr: [0.1, 0.2] } }) }))
        const results = yield* runIn(program)(dir)
        assert.deepStrictEqual(
          results.learners.map((l) => [l.index, l.label, l.point]),
          [
            [0, "lr=0.1", { training: { lr: 0.1 } }],
            [1, "lr=0.2", { training: { lr: 0.2 } }]
          ]
        )
        const fs = yield* FileSystem.FileSystem
        const onDisk = JSON.parse(yield* fs.readFileString(`${dir}/run/results.json`))
        assert.strictEqual(onDisk.learners[1].label, "lr=0.2")
      })
    )
  )
})
