/**
 * A block's budget with in-process functions: one returning a plain value runs without Effect
 * (`startTask`), one returning a promise takes the general route. Both claim a task of the budget
 * before they run and count as one ended attempt each, so a program spends the same tasks, and its
 * results say the same `tasks`, whichever route its functions take.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type * as Event from "../../../core/Event.ts"
import * as Learner from "../../../core/Learner.ts"
import * as Rose from "../../../core/ProgramBuilder.ts"
import { TaskTally } from "../../../core/TaskTally.ts"
import { readEvents, runIn, withBackend } from "./learnerKit.ts"
import { metrics, program } from "./runnerKit.ts"

type Route = "plain" | "promise"
const routes: ReadonlyArray<Route> = ["plain", "promise"]

/** Four in-process tasks (a criterion that is never met among them), counting their calls. */
const tasksOf = (route: Route, calls: { n: number }, fail?: { readonly iteration: number; readonly task: string }) => {
  const task = (name: string, value: unknown) =>
    Rose.fn((ctx) => {
      calls.n++
      const failing = fail !== undefined && ctx.iteration === fail.iteration && ctx.task === fail.task
      if (route === "plain") {
        if (failing) throw new Error(`${name} fails`)
        return value
      }
      return failing ? Promise.reject(new Error(`${name} fails`)) : Promise.resolve(value)
    })
  return {
    simulation: task("simulation", { x: 1 }),
    training: task("training", { y: 2 }),
    active_learn: task("active_learn", { z: 3 }),
    criterion: task("criterion", 0.5)
  }
}
const tasksPerIteration = Object.keys(tasksOf("plain", { n: 0 })).length

const count = (events: ReadonlyArray<Event.Event>, tag: Event.EventType) => events.filter((e) => e._tag === tag).length

/** Each learner's ended attempts as the journal tells them (what the report and `rose status` show). */
const tallied = (events: ReadonlyArray<Event.Event>) => {
  const tally = new TaskTally()
  for (const e of events) tally.add(e)
  return (index: number) => tally.of(Learner.label({ name: "sweep", index }))
}

describe("Budget: in-process tasks", () => {
  for (const route of routes) {
    it.scoped(`${route}: concurrent learners start no more than the budget's tasks and stop with budget`, () =>
      withBackend(metrics())((dir) =>
        Effect.gen(function* () {
          const calls = { n: 0 }
          const budget = 10
          // 3 learners × 5 iterations × 4 tasks would be 60 tasks.
          const p = program({
            parallel: 3,
            maxIter: 5,
            tasks: tasksOf(route, calls),
            budget: Rose.budget({ tasks: budget })
          })
          const results = yield* runIn(p)(dir)
          const events = yield* readEvents(`${dir}/run`)
          assert.strictEqual(results.status, "completed")
          assert.strictEqual(calls.n, budget)
          assert.deepStrictEqual(
            results.learners.map((l) => l.stopReason),
            ["budget", "budget", "budget"]
          )
          assert.strictEqual(count(events, "budget_spent"), 1)
          assert.strictEqual(count(events, "task_started"), 0)
          // Every task that ran ended, and each is counted once.
          assert.strictEqual(
            results.learners.reduce((n, l) => n + (l.tasks ?? 0), 0),
            calls.n
          )
          for (const l of results.learners) {
            // Its completed iterations' tasks, and those of the one the budget cut short.
            assert.isDefined(l.tasks)
            assert.isAtLeast(l.tasks!, l.iterations * tasksPerIteration)
            assert.isBelow(l.tasks!, (l.iterations + 1) * tasksPerIteration)
          }
        })
      )
    )

    it.scoped(`${route}: each learner's tasks are its iterations' tasks, as the journal tallies them`, () =>
      withBackend(metrics())((dir) =>
        Effect.gen(function* () {
          const calls = { n: 0 }
          const p = program({
            parallel: 2,
            maxIter: 3,
            tasks: tasksOf(route, calls),
            budget: Rose.budget({ tasks: 100 })
          })
          const results = yield* runIn(p)(dir)
          const events = yield* readEvents(`${dir}/run`)
          const journal = tallied(events)
          assert.deepStrictEqual(
            results.learners.map((l) => [l.stopReason, l.iterations, l.tasks, journal(l.index)]),
            [
              ["max_iter", 3, 3 * tasksPerIteration, 3 * tasksPerIteration],
              ["max_iter", 3, 3 * tasksPerIteration, 3 * tasksPerIteration]
            ]
          )
          assert.strictEqual(calls.n, 2 * 3 * tasksPerIteration)
          // A plain value journals no task event (its iteration_completed counts it); a promise's finish is journaled.
          assert.strictEqual(count(events, "task_finished"), route === "plain" ? 0 : calls.n)
        })
      )
    )

    it.scoped(`${route}: a function that fails counts as one ended attempt`, () =>
      withBackend(metrics())((dir) =>
        Effect.gen(function* () {
          const calls = { n: 0 }
          const p = program({
            parallel: 1,
            maxIter: 5,
            tasks: tasksOf(route, calls, { iteration: 1, task: "training" }),
            budget: Rose.budget({ tasks: 100 })
          })
          const results = yield* runIn(p)(dir)
          const events = yield* readEvents(`${dir}/run`)
          const [l] = results.learners
          // Iteration 0's four tasks, then iteration 1's simulation and its failed training.
          assert.deepStrictEqual([l!.stopReason, l!.iterations, l!.tasks], ["error", 1, tasksPerIteration + 2])
          assert.strictEqual(calls.n, tasksPerIteration + 2)
          assert.strictEqual(count(events, "task_failed"), 1)
        })
      )
    )
  }
})
