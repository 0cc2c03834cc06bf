import { assert, describe, it } from "@effect/vitest"
import * as Plan from "../../../core/Plan.ts"
import * as Rose from "../../../core/ProgramBuilder.ts"
import * as TaskSchedule from "../../../core/TaskSchedule.ts"

const program = (spec: Partial<Rose.LearnerSpec> = {}) =>
  Rose.program({
    here: "/proj",
    learners: [
      Rose.active("sweep", {
        parallel: spec.parallel ?? 2,
        maxIter: spec.maxIter,
        tasks: spec.tasks ?? {
          simulation: Rose.exec("node ./sim.mjs --n {n}", { with: { n: 100, lr: 0.1 } }),
          training: Rose.exec("node ./train.mjs", { with: { "--epochs": 3 } }),
          active_learn: Rose.shell("echo hi"),
          criterion: Rose.exec("node ./check.mjs")
        },
        stopWhen: "stopWhen" in spec ? spec.stopWhen : { metricName: "mse", threshold: 0.1 },
        configs: spec.configs
      })
    ]
  })

const row = (plan: Plan.Plan, index: number, iteration: number, task: string) =>
  plan.rows.find((r) => r.learner.index === index && r.iteration === iteration && r.task === task)!

describe("Plan", () => {
  it("lists learner × iteration × task in the order an iteration runs them", () => {
    const plan = Plan.make(program({ maxIter: 3 }))
    assert.strictEqual(plan.rows.length, 2 * 3 * 4)
    assert.deepStrictEqual(
      plan.rows.slice(0, 4).map((r) => r.task),
      ["simulation", "training", "active_learn", "criterion"]
    )
    assert.deepStrictEqual(
      plan.learners.map((l) => [l.learner.index, l.shown, l.truncated]),
      [
        [0, 3, false],
        [1, 3, false]
      ]
    )
  })

  it("renders the command line the runner would run: placeholders, ./ paths, appended kwargs", () => {
    const plan = Plan.make(program({ maxIter: 2 }))
    const sim = row(plan, 0, 0, "simulation")
    assert.deepStrictEqual(sim.argv, ["node", "/proj/sim.mjs", "--n", "100", "--lr", "0.1"])
    assert.strictEqual(sim.command, "node /proj/sim.mjs --n 100 --lr 0.1")
    assert.deepStrictEqual(row(plan, 0, 0, "training").argv, ["node", "/proj/train.mjs", "--epochs", "3"])
    assert.deepStrictEqual(row(plan, 0, 0, "active_learn").argv, ["/bin/sh", "-c", "echo hi", "active_learn"])
    assert.strictEqual(row(plan, 0, 0, "active_learn").command, "/bin/sh -c 'echo hi' active_learn")
  })

  it("applies per-learner, per-iteration layers (at, from, default) as the runner does", () => {
    const plan = Plan.make(
      program({
        maxIter: 8,
        configs: [
          { simulation: { 0: { kwargs: { n: 150 } }, 7: { kwargs: { n: 250 } }, [-1]: { kwargs: { n: 400 } } } },
          { simulation: TaskSchedule.piecewise({ 0: { kwargs: { n: 1 } }, 5: { kwargs: { n: 5 } } }) }
        ]
      })
    )
    assert.deepStrictEqual(
      [0, 1, 6, 7].map((i) => row(plan, 0, i, "simulation").kwargs.n),
      [150, 400, 400, 250]
    )
    assert.deepStrictEqual(
      [0, 4, 5, 7].map((i) => row(plan, 1, i, "simulation").kwargs.n),
      [1, 1, 5, 5]
    )
  })

  it("evaluates adaptive configs for any iteration and marks values that need prev", () => {
    const plan = Plan.make(
      program({
        maxIter: 3,
        configs: [
          { simulation: TaskSchedule.adaptive((i) => ({ kwargs: { n: 100 + i * 50 } })) },
          {
            simulation: TaskSchedule.adaptive((_i, ctx) => {
              if (ctx.prev === undefined) throw new Error("no prev")
              return { kwargs: { n: ctx.prev.metric ?? 0 } }
            })
          }
        ]
      })
    )
    assert.deepStrictEqual(
      [0, 1, 2].map((i) => row(plan, 0, i, "simulation").kwargs.n),
      [100, 150, 200]
    )
    const dep = row(plan, 1, 1, "simulation")
    assert.isTrue(dep.symbolic)
    assert.isUndefined(dep.argv)
    assert.include(dep.command, Plan.dependsOnPrev)
  })

  it("uses a schedule's symbolic form when it has one", () => {
    const plan = Plan.make(
      program({
        maxIter: 2,
        configs: [
          {
            simulation: TaskSchedule.adaptive((i, ctx) => ({ kwargs: { n: (ctx.prev?.metric ?? 1) * i } }), {
              symbolic: (i) => ({ kwargs: { n: `<prev.metric * ${i}>` } })
            })
          },
          null
        ]
      })
    )
    const r = row(plan, 0, 1, "simulation")
    assert.isTrue(r.symbolic)
    assert.strictEqual(r.kwargs.n, "<prev.metric * 1>")
    assert.strictEqual(r.command, "node /proj/sim.mjs --n '<prev.metric * 1>' --lr 0.1")
  })

  it("caps unbounded learners and honours --iterations", () => {
    const unbounded = Plan.make(program({ parallel: 1 }))
    assert.strictEqual(unbounded.learners[0]!.shown, Plan.defaultUnboundedIterations)
    assert.isTrue(unbounded.learners[0]!.truncated)
    assert.strictEqual(Plan.make(program({ parallel: 1, maxIter: 10 }), { iterations: 3 }).learners[0]!.shown, 3)
    assert.strictEqual(Plan.make(program({ parallel: 1, maxIter: 4 }), { iterations: 30 }).learners[0]!.shown, 4)
  })

  it("describes function tasks instead of calling them", () => {
    let called = 0
    const plan = Plan.make(
      program({
        parallel: 1,
        maxIter: 1,
        tasks: {
          training: Rose.command(function buildTrain() {
            called++
            return "train"
          }),
          active_learn: Rose.fn(function pick() {
            called++
            return {}
          })
        },
        stopWhen: undefined
      })
    )
    assert.strictEqual(called, 0)
    assert.include(row(plan, 0, 0, "training").command, "buildTrain")
    assert.include(row(plan, 0, 0, "active_learn").command, "in-process function pick")
  })

  it("reports an unknown placeholder as a problem of its row", () => {
    const plan = Plan.make(
      program({
        parallel: 1,
        maxIter: 1,
        tasks: { training: Rose.exec("train {nope}"), active_learn: Rose.exec("select") },
        stopWhen: undefined
      })
    )
    assert.include(row(plan, 0, 0, "training").problem ?? "", "{nope}")
  })

  it("quotes words for the shell", () => {
    assert.strictEqual(Plan.showArgv(["a b", "it's", "plain", ""]), `'a b' 'it'"'"'s' plain ''`)
  })

  it("has a JSON form", () => {
    const json = Plan.toJson(Plan.make(program({ parallel: 1, maxIter: 1 })))
    assert.deepStrictEqual(Object.keys(json), ["learners", "rows"])
    assert.strictEqual((json.rows as ReadonlyArray<unknown>).length, 4)
  })
})

describe("Plan: a block with a population policy", () => {
  const withPolicy = (population: Rose.LearnerSpec["population"], maxIter: number | undefined) =>
    Rose.program({
      here: "/proj",
      learners: [
        Rose.active("sweep", {
          parallel: 2,
          maxIter,
          tasks: { training: Rose.exec("train"), active_learn: Rose.exec("select"), criterion: Rose.exec("check") },
          stopWhen: { metricName: "mse", operator: "<", threshold: 0.1 },
          population
        })
      ]
    })

  it("shows each learner's rungs below max_iter, in the text and in JSON", () => {
    const plan = Plan.make(withPolicy(Rose.asha({ every: 3, keep: 0.25 }), 10))
    assert.deepStrictEqual(
      plan.learners.map((l) => l.population?.text),
      ["asha: keep 0.25 of each rung at iterations 2, 5, 8", "asha: keep 0.25 of each rung at iterations 2, 5, 8"]
    )
    assert.deepStrictEqual((Plan.toJson(plan).learners as ReadonlyArray<{ population: unknown }>)[0]!.population, {
      policy: "asha",
      keep: 0.25,
      rungs: [2, 5, 8]
    })
  })

  it("shows a block's budget in the text and in JSON; a budget needs no criterion", () => {
    const plan = Plan.make(
      Rose.program({
        learners: [
          Rose.active("sweep", {
            maxIter: 4,
            tasks: { training: Rose.exec("train"), active_learn: Rose.exec("select") },
            budget: Rose.budget({ tasks: 300, taskSeconds: 600 })
          })
        ]
      })
    )
    assert.strictEqual(plan.learners[0]!.budget?.text, "budget: 300 tasks, 600 task-seconds")
    assert.deepStrictEqual((Plan.toJson(plan).learners as ReadonlyArray<{ budget: unknown }>)[0]!.budget, {
      tasks: 300,
      taskSeconds: 600
    })
  })

  it("shows the first rungs of a block that runs until its criterion is met", () => {
    const plan = Plan.make(withPolicy(Rose.asha({ every: 2 }), undefined))
    assert.strictEqual(
      plan.learners[0]!.population?.text,
      "asha: keep 0.5 of each rung at iterations 1, 3, 5, 7, 9, 11, 13, 15, …"
    )
  })

  it("is refused by the TypeScript API on a block without a criterion or with a rung beyond max_iter", () => {
    const make = (spec: Partial<Rose.LearnerSpec>) =>
      Rose.make({
        learners: [
          Rose.active("sweep", {
            maxIter: 4,
            tasks: { training: Rose.exec("train"), active_learn: Rose.exec("select") },
            ...spec
          })
        ]
      })
    const problems = (spec: Partial<Rose.LearnerSpec>) => {
      const made = make(spec)
      return made._tag === "Left" ? made.left.problems.map((p) => p.message) : []
    }
    assert.deepStrictEqual(problems({ population: Rose.asha({ every: 2 }) }), [
      "population: a population policy ranks by the criterion metric: add `stop when`"
    ])
    assert.deepStrictEqual(
      problems({
        tasks: { training: Rose.exec("train"), active_learn: Rose.exec("select"), criterion: Rose.exec("check") },
        stopWhen: { metricName: "mse", operator: "<", threshold: 0.1 },
        population: Rose.asha({ rungs: [1, 4], keep: 1.5 })
      }),
      [
        "population: keep must be a fraction in (0, 1), got 1.5",
        "population: rung 4 is beyond max_iter 4 (iterations 0 … 3)"
      ]
    )
  })
})
