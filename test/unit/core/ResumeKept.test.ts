/**
 * A resumed run keeps what its interrupted iteration finished: an async function's JSON result from
 * the journal, an exec task's state from its `.out`; what was cancelled runs again; the results
 * equal an uninterrupted run's.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Rose from "../../../core/ProgramBuilder.ts"
import * as Resume from "../../../core/Resume.ts"
import * as Runner from "../../../core/Runner.ts"
import { readEvents, withBackend } from "./learnerKit.ts"

const calls: Array<string> = []

const program = Rose.program({
  here: "/proj",
  learners: [
    Rose.active("k", {
      parallel: 1,
      maxIter: 4,
      tasks: {
        simulation: Rose.fn(async (ctx) => {
          calls.push(`simulation ${ctx.iteration}`)
          return { n: ctx.iteration * 10 }
        }),
        training: Rose.exec("train"),
        active_learn: Rose.exec("select"),
        // Reads what the earlier tasks gave: kept outputs must be the ones they gave.
        criterion: Rose.fn(
          (ctx) =>
            1 / (2 + (ctx.results.training as { fit: number }).fit + (ctx.results.simulation as { n: number }).n / 10)
        )
      },
      stopWhen: { metricName: "mse", threshold: 0.01 }
    })
  ]
})

const comparable = (r: { readonly learners: ReadonlyArray<unknown> }) => JSON.parse(JSON.stringify(r.learners))

describe("a resume of an interrupted iteration", () => {
  it.scoped("keeps its finished tasks and runs what was cancelled again", () => {
    let hang = true
    return withBackend((inv) => {
      calls.push(`${inv.task} ${inv.iteration}`)
      return hang && inv.iteration === 2 && inv.task === "active_learn"
        ? Effect.never
        : { stdout: `{"fit": ${inv.iteration}}\n` }
    })((dir) =>
      Effect.gen(function* () {
        hang = false
        const reference = yield* Runner.run(program, { out: `${dir}/reference` })
        hang = true
        calls.length = 0
        const out = `${dir}/run`
        yield* Effect.scoped(
          Effect.gen(function* () {
            const handle = yield* Runner.prepare(program, { out })
            const events = yield* handle.events.subscribe
            yield* handle.start
            yield* Stream.fromQueue(events).pipe(
              Stream.takeUntil((e) => e._tag === "task_started" && e.iteration === 2 && e.task === "active_learn"),
              Stream.runDrain
            )
            yield* handle.interrupt
            assert.strictEqual((yield* handle.await).status, "interrupted")
          })
        )
        hang = false
        const plan = yield* Resume.load(out, program)
        const position = plan.learners.get("k[0]")!
        assert.deepStrictEqual([...position.kept.keys()], ["simulation", "training"])
        assert.deepStrictEqual(position.inFlight.size, 0, "a cancelled task is not in flight")
        assert.deepStrictEqual(plan.survivors, [])
        const results = yield* Effect.scoped(
          Effect.gen(function* () {
            const handle = yield* Runner.prepare(program, { resume: plan })
            yield* handle.start
            return yield* handle.await
          })
        )
        assert.strictEqual(results.status, "completed")
        const count = (call: string) => calls.filter((c) => c === call).length
        assert.strictEqual(count("simulation 2"), 1, "the function's result was kept")
        assert.strictEqual(count("training 2"), 1, "the exec task's output was kept")
        assert.deepStrictEqual(comparable(results), comparable(reference))
        const journal = yield* readEvents(out)
        const cancelled = journal.findIndex((e) => e._tag === "task_cancelled" && e.task === "active_learn")
        assert.isAbove(cancelled, 0, "the interrupt journaled the cancel")
        assert.isTrue(
          journal.some(
            (e, at) => at > cancelled && e._tag === "task_started" && e.iteration === 2 && e.task === "active_learn"
          ),
          "the cancelled task ran again"
        )
        const kept = journal.filter((e) => e._tag === "task_kept")
        assert.deepStrictEqual(
          kept.map((e) => [e.iteration, e.task]),
          [
            [2, "simulation"],
            [2, "training"]
          ]
        )
      })
    )
  })
})
