/**
 * One resolution of a task's config (defaults, then the layers of the iteration) for the runner,
 * `rose plan` and `TaskSchedule.resolve`: a program is run on the scripted backend and planned, and
 * every task the runner started must have the config and the command line the plan shows for it.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as ScriptedBackend from "../../../backends/ScriptedBackend.ts"
import type * as Event from "../../../core/Event.ts"
import * as Plan from "../../../core/Plan.ts"
import type * as Program from "../../../core/Program.ts"
import * as Rose from "../../../core/ProgramBuilder.ts"
import * as TaskSchedule from "../../../core/TaskSchedule.ts"
import { criterionTable, readEvents, runIn, withBackend } from "./learnerKit.ts"

type Started = Extract<Event.Event, { _tag: "task_started" }>
type Completed = Extract<Event.Event, { _tag: "iteration_completed" }>

const key = (learner: number, iteration: number, task: string) => `${learner}:${iteration}:${task}`

/** Runs the program, then checks each task the runner started against the plan's row for it. */
const runMatchesPlan = (program: Program.Program, script: ScriptedBackend.Script) => {
  const recorder = ScriptedBackend.makeRecorder()
  return withBackend(
    script,
    recorder
  )((dir) =>
    Effect.gen(function* () {
      const results = yield* runIn(program)(dir)
      assert.strictEqual(results.status, "completed")
      const events = yield* readEvents(`${dir}/run`)
      const plan = Plan.make(program)
      const rows = new Map(plan.rows.map((r) => [key(r.learner.index, r.iteration, r.task), r]))
      const argvs = new Map(
        recorder.invocations.map((inv) => [
          key(inv.learner.index, inv.iteration, inv.task),
          inv.command._tag === "Argv" ? inv.command.argv : []
        ])
      )
      const runs = events.filter((e): e is Started => e._tag === "task_started")
      assert.isAbove(runs.length, 0)
      for (const e of runs) {
        const at = key(e.learner.index, e.iteration, e.task)
        const row = rows.get(at)
        assert.isDefined(row, `the plan has no row ${at}`)
        assert.deepStrictEqual({ args: row!.args, kwargs: row!.kwargs }, e.config, at)
        assert.deepStrictEqual(row!.argv, argvs.get(at), at)
      }
      return { events, plan }
    })
  )
}

const activeTasks = {
  simulation: Rose.exec("sim --n {n}", { with: { n: 1, noise: 0.5 } }),
  training: Rose.exec("train", { with: { "--epochs": 3 } }),
  active_learn: Rose.exec("select"),
  criterion: Rose.exec("check")
}

describe("the runner and rose plan resolve configs alike", () => {
  it.scoped("static, per-iteration, piecewise and adaptive configs, learner by learner", () =>
    runMatchesPlan(
      Rose.program({
        here: "/proj",
        learners: [
          Rose.active("sweep", {
            parallel: 4,
            maxIter: 4,
            tasks: activeTasks,
            stopWhen: { metricName: "mse", threshold: 0.1 },
            configs: [
              { simulation: { kwargs: { n: 7, noise: null } }, training: { args: ["--fast"] } },
              { simulation: { 0: { kwargs: { n: 150 } }, 2: { kwargs: { n: 250 } }, [-1]: { kwargs: { n: 400 } } } },
              { simulation: TaskSchedule.piecewise({ 0: { kwargs: { n: 1 } }, 2: { kwargs: { "--n": 5 } } }) },
              {
                simulation: TaskSchedule.adaptive((i, ctx) => ({
                  kwargs: { n: 100 + i * 50, learner: ctx.learner.index, last: ctx.maxIter ?? -1 }
                }))
              }
            ]
          })
        ]
      }),
      criterionTable({})
    )
  )

  it.scoped("the kwargs the runner adds to each run of a task (a UQ learner's models and predictions)", () =>
    runMatchesPlan(
      Rose.program({
        here: "/proj",
        learners: [
          Rose.uq("ens", {
            parallel: 2,
            maxIter: 2,
            tasks: {
              simulation: Rose.exec("sim"),
              training: Rose.exec("train --model {model_name}", { with: { epochs: 1, "--model_name": "shadowed" } }),
              prediction: Rose.exec("predict"),
              uncertainty: Rose.exec("uq"),
              active_learn: Rose.exec("select"),
              criterion: Rose.exec("check")
            },
            stopWhen: { metricName: "mse", threshold: 0.1 },
            configs: [{ training: TaskSchedule.adaptive((i) => ({ kwargs: { epochs: i + 2 } })) }, null],
            options: { models: ["cnn", "gp"], predictions: 2, query_size: 4 }
          })
        ]
      }),
      (inv) => (inv.task.startsWith("criterion") ? { stdout: "0.5\n" } : { stdout: "{}\n" })
    )
  )

  it.scoped(
    "a config that reads prev: the runner's is TaskSchedule.resolve's with its prev; the plan's is symbolic",
    () => {
      const schedule = TaskSchedule.always(
        TaskSchedule.adaptive(
          (i, ctx) => {
            if (ctx.prev === undefined) return { kwargs: { n: 1 } }
            return { kwargs: { n: ctx.prev.metric! * 10 + i, seen: Object.keys(ctx.prev.state).length } }
          },
          { symbolic: (i) => ({ kwargs: { n: i === 0 ? 1 : `<prev.metric * 10 + ${i}>` } }) }
        )
      )
      const program = Rose.program({
        here: "/proj",
        learners: [
          Rose.active("sweep", {
            parallel: 1,
            maxIter: 3,
            tasks: activeTasks,
            stopWhen: { metricName: "mse", threshold: 0.1 },
            configs: [{ simulation: schedule }]
          })
        ]
      })
      const defaults = program.learners[0]!.tasks.get("simulation")!.defaults
      return withBackend(criterionTable({ "0:0": 0.7, "0:1": 0.3 }))((dir) =>
        Effect.gen(function* () {
          yield* runIn(program)(dir)
          const events = yield* readEvents(`${dir}/run`)
          const completed = events.filter((e): e is Completed => e._tag === "iteration_completed")
          for (const e of events) {
            if (e._tag !== "task_started" || e.task !== "simulation") continue
            const before = completed.find((c) => c.iteration === e.iteration - 1)
            const prev =
              before === undefined
                ? undefined
                : {
                    iteration: before.iteration,
                    metric: before.metricValue ?? undefined,
                    metricHistory: completed.filter((c) => c.iteration <= before.iteration).map((c) => c.metricValue!),
                    state: before.state as TaskSchedule.PreviousIteration["state"]
                  }
            const expected = TaskSchedule.resolve(defaults, schedule, {
              iteration: e.iteration,
              learner: e.learner,
              maxIter: 3,
              prev
            })
            assert.deepStrictEqual(e.config, {
              args: expected.args,
              kwargs: Object.fromEntries(expected.kwargs.map((k) => [k.key, k.value]))
            })
          }
          assert.deepStrictEqual(
            events.flatMap((e) => (e._tag === "task_started" && e.task === "simulation" ? [e.config.kwargs.n] : [])),
            [1, 8, 5]
          )
          const rows = Plan.make(program).rows.filter((r) => r.task === "simulation")
          assert.deepStrictEqual(
            rows.map((r) => [r.kwargs.n, r.symbolic]),
            [
              [1, true],
              ["<prev.metric * 10 + 1>", true],
              ["<prev.metric * 10 + 2>", true]
            ]
          )
        })
      )
    }
  )

  it.scoped("an adaptive config that is not a task config fails the run's learner as it fails resolve", () => {
    const schedule = TaskSchedule.always(
      TaskSchedule.adaptive((i) => ({ kwargs: { n: i === 1 ? Number.POSITIVE_INFINITY : i } }))
    )
    const program = Rose.program({
      here: "/proj",
      learners: [
        Rose.active("sweep", {
          parallel: 1,
          maxIter: 3,
          tasks: activeTasks,
          stopWhen: { metricName: "mse", threshold: 0.1 },
          configs: [{ simulation: schedule }]
        })
      ]
    })
    const ctx = { iteration: 1, learner: { name: "sweep", index: 0 }, maxIter: 3, prev: undefined }
    const resolved = TaskSchedule.resolveWith(undefined, schedule, ctx)
    assert.strictEqual(resolved._tag, "Left")
    const reason = resolved._tag === "Left" ? resolved.left.reason : ""
    assert.throws(() => TaskSchedule.resolve(undefined, schedule, ctx), reason)
    return withBackend(criterionTable({}))((dir) =>
      Effect.gen(function* () {
        const results = yield* runIn(program)(dir)
        const failure = results.learners[0]!.failure
        assert.strictEqual(failure?.tag, "TaskFunctionError")
        assert.strictEqual(failure?.iteration, 1)
        assert.strictEqual(failure?.message, `task "simulation": the adaptive config at iteration 1 failed: ${reason}`)
      })
    )
  })

  it("a function that throws: the runner fails with what it threw, the plan marks the value as needing prev", () => {
    const schedule = TaskSchedule.always(
      TaskSchedule.adaptive((_i, ctx) => {
        if (ctx.prev === undefined) throw new Error("no prev yet")
        return { kwargs: { n: 1 } }
      })
    )
    const ctx = { iteration: 0, learner: { name: "l", index: 0 }, maxIter: undefined, prev: undefined }
    const run = TaskSchedule.resolveWith(undefined, schedule, ctx)
    assert.deepStrictEqual(run._tag === "Left" ? run.left.reason : undefined, "no prev yet")
    assert.throws(() => TaskSchedule.resolve(undefined, schedule, ctx), "no prev yet")
    const plan = TaskSchedule.resolveWith(undefined, schedule, ctx, { reading: "plan" })
    assert.deepStrictEqual(plan._tag === "Right" ? [plan.right.symbolic, plan.right.resolved.kwargs] : undefined, [
      true,
      [{ key: TaskSchedule.dependsOnPrev, value: true }]
    ])
  })
})
