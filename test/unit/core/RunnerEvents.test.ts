/**
 * `handle.eventStream`: every event of the run, in order, from the first, however late the stream
 * is run: before `start`, in the middle of the run, after its end, and in a resumed session.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import type * as Event from "../../../core/Event.ts"
import * as Resume from "../../../core/Resume.ts"
import * as Runner from "../../../core/Runner.ts"
import { readEvents, withBackend } from "./learnerKit.ts"
import { metrics, program } from "./runnerKit.ts"

const seqs = (events: ReadonlyArray<Event.Event>) => events.map((e) => e.seq)
const collect = (stream: Stream.Stream<Event.Event, unknown>) => Effect.map(Stream.runCollect(stream), Chunk.toArray)

/** Each event of the journal once, as the journal has it. */
const assertWhole = (got: ReadonlyArray<Event.Event>, journal: ReadonlyArray<Event.Event>) => {
  assert.deepStrictEqual(seqs(got), seqs(journal))
  assert.deepStrictEqual(
    seqs(got),
    Array.from(got, (_, k) => k)
  )
  assert.strictEqual(got[0]!._tag, "run_started")
  assert.strictEqual(got.at(-1)!._tag, "run_finished")
  assert.deepStrictEqual(
    got.map((e) => e._tag),
    journal.map((e) => e._tag)
  )
}

describe("Runner: the event stream", () => {
  it.scoped("run after the run ended, it replays every event from run_started to run_finished", () =>
    withBackend(metrics())((dir) =>
      Effect.gen(function* () {
        const handle = yield* Runner.prepare(program({ maxIter: 3 }), { out: `${dir}/run` })
        yield* handle.start
        yield* handle.await
        const got = yield* collect(handle.eventStream)
        assertWhole(got, yield* readEvents(`${dir}/run`))
        // Each run of the stream starts again from the first event.
        assert.deepStrictEqual(seqs(yield* collect(handle.eventStream)), seqs(got))
      })
    )
  )

  it.scoped("run in the middle of the run, it misses nothing and repeats nothing", () => {
    return Effect.gen(function* () {
      const gate = yield* Deferred.make<void>()
      return yield* withBackend((inv) =>
        inv.learner.index === 1 && inv.iteration === 2 && inv.task === "training"
          ? Effect.as(Deferred.await(gate), { stdout: "{}\n" })
          : metrics()(inv)
      )((dir) =>
        Effect.gen(function* () {
          const handle = yield* Runner.prepare(program({ maxIter: 4 }), { out: `${dir}/run` })
          // An early subscriber tells when the run is halfway.
          const early = yield* Effect.fork(collect(handle.eventStream))
          yield* handle.start
          yield* handle.eventStream.pipe(
            Stream.takeUntil((e) => e._tag === "task_started" && e.learner.index === 1 && e.iteration === 2),
            Stream.runDrain
          )
          const late = yield* Effect.fork(collect(handle.eventStream))
          yield* Deferred.succeed(gate, undefined)
          yield* handle.await
          const journal = yield* readEvents(`${dir}/run`)
          assertWhole(yield* Fiber.join(late), journal)
          assertWhole(yield* Fiber.join(early), journal)
        })
      )
    })
  })

  it.scoped("in a resumed session, it replays that session's events, not the earlier one's", () => {
    let hang = true
    return withBackend((inv) =>
      hang && inv.iteration === 2 && inv.task === "training" ? Effect.never : metrics()(inv)
    )((dir) =>
      Effect.gen(function* () {
        const p = program({ maxIter: 4 })
        const out = `${dir}/run`
        yield* Effect.scoped(
          Effect.gen(function* () {
            const handle = yield* Runner.prepare(p, { out })
            yield* handle.start
            yield* handle.eventStream.pipe(
              Stream.takeUntil((e) => e._tag === "task_started" && e.iteration === 2),
              Stream.runDrain
            )
            yield* handle.interrupt
            yield* handle.await
          })
        )
        const before = (yield* readEvents(out)).length
        hang = false
        const plan = yield* Resume.load(out, p)
        const got = yield* Effect.scoped(
          Effect.gen(function* () {
            const handle = yield* Runner.prepare(p, { resume: plan })
            yield* handle.start
            yield* handle.await
            return yield* collect(handle.eventStream)
          })
        )
        const session = (yield* readEvents(out)).slice(before)
        assertWhole(got, session)
        assert.isTrue(got.every((e) => e.runId === got[0]!.runId))
      })
    )
  })
})
