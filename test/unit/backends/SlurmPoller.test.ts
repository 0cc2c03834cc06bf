import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import type * as Parse from "../../../backends/internal/slurmParse.ts"
import * as Poller from "../../../backends/internal/slurmPoller.ts"

/** A scripted scheduler and file system for the watcher. */
const world = () => {
  const jobs = new Map<string, Parse.JobRow>()
  const files = new Map<string, string>()
  let answering = true
  let calls = 0
  const poller = Poller.make({
    squeue: (ids) =>
      Effect.sync(() => {
        calls++
        if (!answering) return undefined
        const rows = new Map<string, Parse.JobRow>()
        for (const id of ids) {
          const row = jobs.get(id)
          if (row !== undefined) rows.set(id, row)
        }
        return rows
      }),
    read: (path) => Effect.sync(() => files.get(path)),
    pollMillis: 100,
    exitWaitMillis: 1000
  })
  const set = (id: string, state: string, reason = "None") => jobs.set(id, { jobId: id, state, nodes: "n1", reason })
  return {
    poller,
    jobs,
    files,
    set,
    calls: () => calls,
    silence: (b: boolean) => {
      answering = !b
    }
  }
}

const watch = (w: ReturnType<typeof world>, id: string) =>
  w.poller.add(id, { jobId: id, startFile: `/s/${id}.start`, exitFile: `/s/${id}.exit` })

const polled = <A, E>(d: Deferred.Deferred<A, E>) =>
  Effect.flatMap(Deferred.poll(d), (o) => (Option.isNone(o) ? Effect.succeed(undefined) : Effect.asSome(o.value)))

describe("SLURM watcher", () => {
  it.effect("asks squeue once per round for all jobs, and reports start then exit", () =>
    Effect.gen(function* () {
      const w = world()
      const a = yield* watch(w, "1")
      const b = yield* watch(w, "2")
      w.set("1", "PENDING", "Priority")
      w.set("2", "RUNNING")
      yield* w.poller.tick
      assert.strictEqual(w.calls(), 1)
      assert.isUndefined(yield* polled(a.started))
      assert.isUndefined(yield* polled(b.started), "running but the task has not written its start record")
      w.files.set("/s/2.start", "77 n1 2 -\n")
      yield* w.poller.tick
      assert.deepStrictEqual(
        yield* polled(b.started),
        Option.some(Option.some({ pid: 77, node: "n1", jobId: "2", stepId: undefined }))
      )
      w.files.set("/s/2.exit", "3\n")
      yield* TestClock.adjust("100 millis")
      yield* w.poller.tick
      const end = yield* Deferred.await(b.ended)
      assert.deepStrictEqual(end, { _tag: "Exit", record: { _tag: "Exited", code: 3 }, at: 100 })
      assert.isUndefined(yield* polled(a.ended))
      assert.strictEqual(w.calls(), 3)
    })
  )

  it.effect("a task that started and ended between two rounds is seen starting first", () =>
    Effect.gen(function* () {
      const w = world()
      const a = yield* watch(w, "1")
      w.set("1", "COMPLETED")
      w.files.set("/s/1.start", "5 n1 1 -\n")
      w.files.set("/s/1.exit", "0\n")
      yield* w.poller.tick
      assert.isTrue(Option.isSome(yield* Deferred.await(a.started)))
      assert.strictEqual((yield* Deferred.await(a.ended))._tag, "Exit")
      assert.isTrue(a.isGone)
    })
  )

  it.effect("a job over without an exit status is lost, after the exit file's grace", () =>
    Effect.gen(function* () {
      const w = world()
      const a = yield* watch(w, "1")
      w.set("1", "RUNNING")
      w.files.set("/s/1.start", "5 n1 1 -\n")
      yield* w.poller.tick
      w.set("1", "TIMEOUT", "TimeLimit")
      yield* w.poller.tick
      assert.isTrue(a.isGone)
      assert.isUndefined(yield* polled(a.ended), "the exit file may still be on its way")
      yield* TestClock.adjust("1000 millis")
      yield* w.poller.tick
      const end = yield* Deferred.await(a.ended)
      assert.strictEqual(end._tag, "Lost")
      assert.include(end._tag === "Lost" ? end.reason : "", "time limit")
    })
  )

  it.effect("an exit file that shows up late still counts", () =>
    Effect.gen(function* () {
      const w = world()
      const a = yield* watch(w, "1")
      w.set("1", "COMPLETED")
      w.files.set("/s/1.start", "5 n1 1 -\n")
      yield* w.poller.tick
      yield* TestClock.adjust("500 millis")
      w.files.set("/s/1.exit", "0\n")
      yield* w.poller.tick
      assert.strictEqual((yield* Deferred.await(a.ended))._tag, "Exit")
    })
  )

  it.effect("a job that vanished from squeue is lost; one that never started reports no start", () =>
    Effect.gen(function* () {
      const w = world()
      const a = yield* watch(w, "1")
      yield* w.poller.tick
      assert.isFalse(a.isGone, "one missing round is not enough")
      yield* w.poller.tick
      assert.isTrue(a.isGone)
      yield* TestClock.adjust("1000 millis")
      yield* w.poller.tick
      const end = yield* Deferred.await(a.ended)
      assert.include(end._tag === "Lost" ? end.reason : "", "vanished")
      assert.deepStrictEqual(yield* Deferred.await(a.started), Option.none())
    })
  )

  it.effect("a job pending for a reason that never resolves ends at once", () =>
    Effect.gen(function* () {
      const w = world()
      const a = yield* watch(w, "1")
      w.set("1", "PENDING", "PartitionTimeLimit")
      yield* w.poller.tick
      const end = yield* Deferred.await(a.ended)
      assert.deepStrictEqual(end._tag === "Hopeless" ? end.kind : end._tag, "resources")
      assert.isFalse(a.isGone, "the job still has to be cancelled")
    })
  )

  it.effect("when squeue does not answer, exit files still complete jobs and nothing is declared lost", () =>
    Effect.gen(function* () {
      const w = world()
      const a = yield* watch(w, "1")
      const b = yield* watch(w, "2")
      w.silence(true)
      w.files.set("/s/1.start", "5 n1 1 -\n")
      w.files.set("/s/1.exit", "0\n")
      for (let i = 0; i < 30; i++) {
        yield* w.poller.tick
        yield* TestClock.adjust("100 millis")
      }
      assert.strictEqual((yield* Deferred.await(a.ended))._tag, "Exit")
      assert.isUndefined(yield* polled(b.ended))
      assert.isFalse(b.isGone)
    })
  )

  it.effect("steps (no job id) are only watched for their start; removed watches are forgotten", () =>
    Effect.gen(function* () {
      const w = world()
      const s = yield* w.poller.add("step", { jobId: undefined, startFile: "/s/step.start", exitFile: undefined })
      yield* w.poller.tick
      assert.strictEqual(w.calls(), 0, "no squeue for steps")
      w.files.set("/s/step.start", "9 n1 4 2\n")
      yield* w.poller.tick
      assert.strictEqual((yield* Poller.startRecord(s))?.stepId, "2")
      yield* w.poller.remove("step")
      assert.strictEqual(w.poller.size(), 0)
      assert.deepStrictEqual(w.poller.jobIds(), [])
    })
  )
})
