/**
 * A block's budget: it stops the block's learners at exactly the tasks (or task-seconds) it allows,
 * with stopReason `budget` and one `budget_spent` event; with ASHA, the pruned learners' capacity
 * goes to the survivors; a resumed run stops at the same total; the ranking counts iterations and
 * tasks.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as ScriptedBackend from "../../../backends/ScriptedBackend.ts"
import type * as Event from "../../../core/Event.ts"
import * as Population from "../../../core/Population.ts"
import * as Rose from "../../../core/ProgramBuilder.ts"
import * as Resume from "../../../core/Resume.ts"
import * as Runner from "../../../core/Runner.ts"
import { TaskTally } from "../../../core/TaskTally.ts"
import { criterionTable, readEvents, runIn, withBackend } from "./learnerKit.ts"
import { metrics, program } from "./runnerKit.ts"

type Spent = Extract<Event.Event, { _tag: "budget_spent" }>

const count = (events: ReadonlyArray<Event.Event>, tag: Event.EventType) => events.filter((e) => e._tag === tag).length
const spentOf = (events: ReadonlyArray<Event.Event>) => events.filter((e): e is Spent => e._tag === "budget_spent")

describe("Budget: tasks", () => {
  it.scoped("stops the block at exactly N task starts, each learner with budget, and says so once", () =>
    withBackend(metrics())((dir) =>
      Effect.gen(function* () {
        // 3 learners × 5 iterations × 4 tasks would be 60 tasks.
        const p = program({ parallel: 3, maxIter: 5, budget: Rose.budget({ tasks: 10 }) })
        const results = yield* runIn(p)(dir)
        const events = yield* readEvents(`${dir}/run`)
        assert.strictEqual(count(events, "task_started"), 10)
        assert.deepStrictEqual(
          results.learners.map((l) => l.stopReason),
          ["budget", "budget", "budget"]
        )
        assert.strictEqual(results.status, "completed")
        const spent = spentOf(events)
        assert.deepStrictEqual(
          spent.map((e) => [e.block, e.tasks, e.budget]),
          [["sweep", 10, { tasks: 10 }]]
        )
        // The iteration a learner was in when the budget ran out stays incomplete.
        for (const l of results.learners) {
          const completed = events.filter((e) => e._tag === "iteration_completed" && e.learner.index === l.index).length
          assert.strictEqual(l.iterations, completed)
        }
        const stopped = events.filter(
          (e): e is Extract<Event.Event, { _tag: "learner_stopped" }> => e._tag === "learner_stopped"
        )
        assert.isTrue(
          stopped.every((e) => e.reason === "budget" && e.detail === "its block's budget: 10 tasks is spent")
        )
        // The ranking says what each learner spent: the tasks add up to the budget.
        assert.strictEqual(
          results.ranking!.reduce((n, r) => n + r.tasks!, 0),
          10
        )
        assert.deepStrictEqual(
          results.ranking!.map((r) => [r.learner, r.iterations, r.tasks]).sort(),
          results.learners.map((l) => [`sweep[${l.index}]`, l.iterations, l.tasks]).sort()
        )
      })
    )
  )

  it.scoped("a budget the learners do not reach changes nothing; the ranking still counts their tasks", () =>
    withBackend(metrics())((dir) =>
      Effect.gen(function* () {
        const p = program({ parallel: 2, maxIter: 2, budget: Rose.budget({ tasks: 16 }) })
        const results = yield* runIn(p)(dir)
        const events = yield* readEvents(`${dir}/run`)
        assert.deepStrictEqual(
          results.learners.map((l) => [l.stopReason, l.iterations, l.tasks]),
          [
            ["max_iter", 2, 8],
            ["max_iter", 2, 8]
          ]
        )
        assert.strictEqual(spentOf(events).length, 0)
        assert.deepStrictEqual(
          results.ranking!.map((r) => [r.iterations, r.tasks]),
          [
            [2, 8],
            [2, 8]
          ]
        )
      })
    )
  )

  it.scoped("a retried attempt claims a task of its own", () => {
    let failures = 0
    const script: ScriptedBackend.Script = (inv) =>
      inv.task === "training" && failures++ < 1 ? { exitCode: 1 } : metrics()(inv)
    return withBackend(script)((dir) =>
      Effect.gen(function* () {
        const p = program({
          parallel: 1,
          maxIter: 5,
          tasks: {
            simulation: Rose.exec("sim"),
            training: Rose.exec("train", { retry: { times: 2, on: "exit", baseDelayMillis: 1 } }),
            active_learn: Rose.exec("select"),
            criterion: Rose.exec("check")
          },
          budget: Rose.budget({ tasks: 5 })
        })
        const fiber = yield* Effect.fork(runIn(p)(dir))
        while ((yield* Fiber.poll(fiber))._tag === "None") {
          yield* TestClock.adjust("1 second")
          yield* Effect.promise(() => new Promise((r) => setImmediate(r)))
        }
        const results = yield* Fiber.join(fiber)
        const events = yield* readEvents(`${dir}/run`)
        // sim, train (fails), train again, select, check: iteration 0 done in 5 tasks, nothing after.
        assert.deepStrictEqual(
          [results.learners[0]!.stopReason, results.learners[0]!.iterations, results.learners[0]!.tasks],
          ["budget", 1, 5]
        )
        assert.strictEqual(count(events, "task_started"), 5)
      })
    )
  })
})

describe("Budget: task-seconds", () => {
  it.scoped("a learner about to start a task when the block's task time reaches the budget ends", () =>
    withBackend((inv) => ({ ...(metrics()(inv) as ScriptedBackend.Reply), durationMillis: 1000 }))((dir) =>
      Effect.gen(function* () {
        const p = program({ parallel: 1, maxIter: 5, budget: Rose.budget({ taskSeconds: 6 }) })
        const fiber = yield* Effect.fork(runIn(p)(dir))
        // Each task sleeps one second of the test clock: moved only while a task sleeps, so each
        // one's measured duration is exactly a second.
        while ((yield* Fiber.poll(fiber))._tag === "None") {
          if ((yield* TestClock.sleeps()).length > 0) yield* TestClock.adjust("1 second")
          yield* Effect.promise(() => new Promise((r) => setImmediate(r)))
        }
        const results = yield* Fiber.join(fiber)
        const events = yield* readEvents(`${dir}/run`)
        // Six one-second tasks spend the six seconds: the seventh is not started.
        assert.strictEqual(count(events, "task_started"), 6)
        assert.deepStrictEqual([results.learners[0]!.stopReason, results.learners[0]!.iterations], ["budget", 1])
        assert.deepStrictEqual(
          spentOf(events).map((e) => [e.tasks, e.taskSeconds, e.budget]),
          [[6, 6, { taskSeconds: 6 }]]
        )
      })
    )
  )
})

describe("Budget: with ASHA", () => {
  it.scoped("the learners a rung prunes leave the budget and the slots to the survivors", () => {
    const recorder = ScriptedBackend.makeRecorder()
    const table = criterionTable({ "0:1": 0.1, "1:1": 0.2, "2:1": 0.3, "3:1": 0.4 })
    return withBackend(
      table,
      recorder,
      2
    )((dir) =>
      Effect.gen(function* () {
        // Two iterations each before the rung (32 tasks); without a budget the survivors would run
        // 8 more iterations (64 tasks); the budget leaves them 16.
        const p = program({
          parallel: 4,
          maxIter: 10,
          stopWhen: { metricName: "mse", operator: "<", threshold: 0.01 },
          population: Rose.asha({ rungs: [1], keep: 0.5 }),
          budget: Rose.budget({ tasks: 48 })
        })
        const results = yield* runIn(p)(dir)
        const events = yield* readEvents(`${dir}/run`)
        assert.strictEqual(count(events, "task_started"), 48)
        const reasons = results.learners.map((l) => l.stopReason)
        const pruned = results.learners.filter((l) => l.stopReason === "pruned")
        const survivors = results.learners.filter((l) => l.stopReason !== "pruned")
        assert.isAtLeast(pruned.length, 1)
        assert.isTrue(
          survivors.every((l) => l.stopReason === "budget"),
          reasons.join(",")
        )
        // Pruned learners stop at the rung; the survivors took the tasks and slots they left.
        assert.isTrue(pruned.every((l) => l.iterations === 2 && l.tasks === 8))
        assert.strictEqual(
          survivors.reduce((n, l) => n + l.tasks!, 0),
          48 - 8 * pruned.length
        )
        assert.isTrue(survivors.every((l) => l.iterations > 2))
        assert.strictEqual(recorder.maxRunning, 2)
      })
    )
  })
})

describe("Budget: across a resume", () => {
  it.scoped("a run interrupted mid-budget and resumed ends as many tasks in all as one that was not", () => {
    // Until the interruption, learner 2's first training hangs: a task the interruption cancels.
    let hang = true
    const hanging = (inv: { readonly learner: { readonly index: number }; readonly task: string }) =>
      hang && inv.learner.index === 2 && inv.task === "training"
    return withBackend((inv) => (hanging(inv) ? Effect.never : metrics()(inv)))((dir) =>
      Effect.gen(function* () {
        const p = program({ parallel: 3, maxIter: 5, budget: Rose.budget({ tasks: 14 }) })
        const out = `${dir}/run`
        yield* Effect.scoped(
          Effect.gen(function* () {
            const handle = yield* Runner.prepare(p, { out })
            const events = yield* handle.events.subscribe
            yield* handle.start
            yield* Stream.fromQueue(events).pipe(
              Stream.filter((e) => e._tag === "task_started" && hanging(e)),
              Stream.take(1),
              Stream.runDrain
            )
            yield* handle.interrupt
            assert.strictEqual((yield* handle.await).status, "interrupted")
          })
        )
        hang = false
        const first = yield* readEvents(out)
        assert.isBelow(count(first, "task_finished"), 14)
        // The interruption cancelled tasks that had started: they are charged when they run again.
        assert.isAbove(count(first, "task_cancelled"), 0)
        const plan = yield* Resume.load(out, p)
        const results = yield* Effect.scoped(
          Effect.gen(function* () {
            const handle = yield* Runner.prepare(p, { resume: plan })
            yield* handle.start
            return yield* handle.await
          })
        )
        const events = yield* readEvents(out)
        assert.strictEqual(count(events, "task_finished"), 14)
        // What the interruption cut short ran again (and was charged) in the resumed session.
        assert.isAtLeast(count(events, "task_started"), 14 + count(first, "task_cancelled"))
        assert.deepStrictEqual(
          results.learners.map((l) => l.stopReason),
          ["budget", "budget", "budget"]
        )
        assert.strictEqual(spentOf(events).length, 1)
        // Both sessions' ended attempts are counted in each learner's tasks.
        assert.strictEqual(
          results.learners.reduce((n, l) => n + l.tasks!, 0),
          14
        )
      })
    )
  })

  it.scoped("a run whose budget was spent resumes to nothing new", () =>
    withBackend(metrics())((dir) =>
      Effect.gen(function* () {
        const p = program({ parallel: 2, maxIter: 5, budget: Rose.budget({ tasks: 6 }) })
        const out = `${dir}/run`
        yield* Runner.run(p, { out })
        const plan = yield* Resume.load(out, p)
        const results = yield* Runner.run(p, { resume: plan })
        const events = yield* readEvents(out)
        assert.strictEqual(count(events, "task_started"), 6)
        assert.strictEqual(spentOf(events).length, 1)
        assert.deepStrictEqual(
          results.learners.map((l) => l.stopReason),
          ["budget", "budget"]
        )
      })
    )
  )
})

describe("Budget: the model", () => {
  it("says what is wrong with a budget and how a plan reads it", () => {
    assert.deepStrictEqual(
      Population.budgetProblems(Population.budget({})).map((p) => p.field),
      ["tasks"]
    )
    assert.deepStrictEqual(
      Population.budgetProblems(Population.budget({ tasks: 2.5, taskSeconds: 0 })).map((p) => p.message),
      ["a task budget is an integer ≥ 1, got 2.5", "a task-seconds budget is a number > 0, got 0"]
    )
    assert.strictEqual(Population.describeBudget(Population.budget({ tasks: 300 })), "budget: 300 tasks")
    assert.strictEqual(Population.describeBudget(Population.budget({ taskSeconds: 600 })), "budget: 600 task-seconds")
    assert.deepStrictEqual(Population.budgetToJson(Population.budget({ tasks: 1 })), { tasks: 1 })
  })

  it("tallies a learner's ended attempts, the silent in-process ones from their iteration", () => {
    const learner = { name: "sweep", index: 0 }
    const stamp = { v: 1 as const, seq: 0, ts: "2026-01-01T00:00:00.000Z", runId: "r" }
    const task = (tag: "task_finished" | "task_failed", name: string, attempt: number): Event.Event =>
      tag === "task_finished"
        ? { _tag: tag, ...stamp, learner, iteration: 0, task: name, attempt, exitCode: 0, durationMs: 5 }
        : {
            _tag: tag,
            ...stamp,
            learner,
            iteration: 0,
            task: name,
            attempt,
            durationMs: 5,
            error: { tag: "TaskFailed", message: "x" }
          }
    const tally = new TaskTally()
    const counted = [
      task("task_failed", "training", 1),
      task("task_finished", "training", 2),
      {
        _tag: "iteration_completed",
        ...stamp,
        learner,
        iteration: 0,
        metricName: null,
        metricValue: null,
        metricThreshold: null,
        shouldStop: false,
        state: {},
        // training journaled its finish; simulation and active_learn returned plain values.
        config: Object.fromEntries(["simulation", "training", "active_learn"].map((t) => [t, { args: [], kwargs: {} }]))
      } satisfies Event.Event
    ].map((e) => tally.add(e))
    assert.deepStrictEqual(counted, [1, 1, 2])
    assert.strictEqual(tally.of("sweep[0]"), 4)
    assert.strictEqual(tally.of("sweep[1]"), 0)
  })

  it("a block with a bad budget is refused when the program is built", () => {
    assert.throws(
      () => program({ parallel: 2, budget: Rose.budget({ tasks: 0 }) }),
      /budget: a task budget is an integer ≥ 1, got 0/
    )
  })
})
