/**
 * What a resume does with each task of a learner's interrupted iteration, from journal events and
 * the files on disk: finished tasks kept while their files are unchanged, tasks in flight handed
 * over, the rest (and everything that started after a task that runs again) run again.
 */
import * as NodeFs from "node:fs"
import * as FileSystem from "@effect/platform/FileSystem"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type * as Event from "../../../core/Event.ts"
import { IterationTasks, markOf } from "../../../core/internal/resumeTasks.ts"

const learner = { name: "r", index: 0 }
const base = (seq: number) => ({ v: 1 as const, seq, ts: "2026-12-06T00:00:00.000Z", runId: "s1" })
const started = (seq: number, task: string, iteration = 2, attempt = 1): Event.Event => ({
  _tag: "task_started",
  ...base(seq),
  learner,
  iteration,
  task,
  attempt,
  pid: 100 + seq,
  pgid: 100 + seq,
  config: { args: [], kwargs: {} }
})
const finished = (
  seq: number,
  task: string,
  files: { [path: string]: { size: number; mtimeMs: number } } | undefined,
  iteration = 2
): Event.Event => ({
  _tag: "task_finished",
  ...base(seq),
  learner,
  iteration,
  task,
  attempt: 1,
  exitCode: 0,
  durationMs: 5,
  ...(files === undefined ? {} : { files })
})

const feed = (tasks: IterationTasks, events: ReadonlyArray<Event.Event>) =>
  events.forEach((e, at) => {
    tasks.add(e as never, at)
  })

describe("a resume's view of an interrupted iteration", () => {
  it.scoped("keeps finished tasks with unchanged files, hands over the one in flight", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped({ prefix: "rose-resume-tasks-" })
      NodeFs.writeFileSync(`${dir}/sim.out`, "{}\n")
      NodeFs.writeFileSync(`${dir}/train.out`, "{}\n")
      const sim = (yield* markOf(fs, `${dir}/sim.out`))!
      const train = (yield* markOf(fs, `${dir}/train.out`))!
      const tasks = new IterationTasks()
      feed(tasks, [
        started(0, "simulation"),
        finished(1, "simulation", { [`${dir}/sim.out`]: sim }),
        started(2, "training"),
        finished(3, "training", { [`${dir}/train.out`]: train }),
        started(4, "active_learn")
      ])
      const decided = yield* tasks.decide(2, { keep: true })
      assert.deepStrictEqual(
        decided.kept.map((t) => t.task),
        ["simulation", "training"]
      )
      assert.deepStrictEqual(
        decided.inFlight.map((t) => [t.task, t.placement?.pid]),
        [["active_learn", 104]]
      )
      assert.deepStrictEqual(decided.rerun, [])
      assert.deepStrictEqual(
        tasks.running().map((t) => [t.task, t.iteration]),
        [["active_learn", 2]]
      )
    }).pipe(Effect.provide(NodeContext.layer))
  )

  it.scoped("runs again a task whose file changed, and every task that started after it", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped({ prefix: "rose-resume-tasks-" })
      NodeFs.writeFileSync(`${dir}/sim.out`, "{}\n")
      NodeFs.writeFileSync(`${dir}/train.out`, "{}\n")
      const sim = (yield* markOf(fs, `${dir}/sim.out`))!
      const train = (yield* markOf(fs, `${dir}/train.out`))!
      const tasks = new IterationTasks()
      feed(tasks, [
        started(0, "simulation"),
        finished(1, "simulation", { [`${dir}/sim.out`]: sim }),
        started(2, "training"),
        finished(3, "training", { [`${dir}/train.out`]: train }),
        started(4, "active_learn")
      ])
      NodeFs.appendFileSync(`${dir}/sim.out`, "edited\n")
      const decided = yield* tasks.decide(2, { keep: true })
      assert.deepStrictEqual(decided.kept, [])
      assert.deepStrictEqual(decided.inFlight, [])
      assert.deepStrictEqual(decided.rerun, [
        { task: "simulation", reason: `${dir}/sim.out changed since it finished` },
        { task: "training", reason: "simulation, which ran before it, runs again" },
        { task: "active_learn", reason: "simulation, which ran before it, runs again" }
      ])
      NodeFs.rmSync(`${dir}/train.out`)
      const gone = yield* tasks.decide(2, { keep: true })
      assert.strictEqual(gone.rerun[0]!.task, "simulation")
    }).pipe(Effect.provide(NodeContext.layer))
  )

  it.scoped("a file several tasks wrote is checked as the last of them left it", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped({ prefix: "rose-resume-tasks-" })
      NodeFs.writeFileSync(`${dir}/log`, "a\n")
      const first = (yield* markOf(fs, `${dir}/log`))!
      NodeFs.writeFileSync(`${dir}/log`, "a\nbb\n")
      const second = (yield* markOf(fs, `${dir}/log`))!
      const tasks = new IterationTasks()
      feed(tasks, [
        started(0, "simulation"),
        finished(1, "simulation", { [`${dir}/log`]: first }),
        started(2, "training"),
        finished(3, "training", { [`${dir}/log`]: second })
      ])
      const decided = yield* tasks.decide(2, { keep: true })
      assert.deepStrictEqual(
        decided.kept.map((t) => t.task),
        ["simulation", "training"]
      )
    }).pipe(Effect.provide(NodeContext.layer))
  )

  it.scoped(
    "a failed or cancelled run is not kept; a later attempt that finished is; nothing is kept when told not to",
    () =>
      Effect.gen(function* () {
        const tasks = new IterationTasks()
        feed(tasks, [
          started(0, "simulation"),
          { ...(finished(1, "simulation", undefined) as object), _tag: "task_cancelled" } as Event.Event,
          started(2, "training"),
          {
            _tag: "task_failed",
            ...base(3),
            learner,
            iteration: 2,
            task: "training",
            attempt: 1,
            durationMs: 1,
            error: { tag: "TaskFailed", message: "exit 1" }
          },
          started(4, "training", 2, 2),
          {
            ...(finished(5, "training", undefined) as object),
            attempt: 2,
            result: { loss: 0.5 }
          } as unknown as Event.Event,
          {
            _tag: "task_submitting",
            ...base(6),
            learner,
            iteration: 2,
            task: "criterion",
            attempt: 1,
            backend: "slurm",
            ticket: "t-1"
          }
        ])
        const decided = yield* tasks.decide(2, { keep: true })
        assert.deepStrictEqual(
          decided.kept.map((t) => [t.task, t.attempt, t.result]),
          [["training", 2, { loss: 0.5 }]]
        )
        assert.deepStrictEqual(
          decided.inFlight.map((t) => [t.task, t.ticket, t.backend, t.placement]),
          [["criterion", "t-1", "slurm", undefined]]
        )
        const forced = yield* tasks.decide(2, { keep: false, why: "the program changed" })
        assert.deepStrictEqual(forced.kept, [])
        assert.deepStrictEqual(
          forced.rerun.map((r) => r.task),
          ["training", "criterion"]
        )
      }).pipe(Effect.provide(NodeContext.layer))
  )

  it.scoped(
    "a re-attached task's start in a later session joins its earlier record; a completed iteration's are history",
    () =>
      Effect.gen(function* () {
        const tasks = new IterationTasks()
        feed(tasks, [
          {
            _tag: "task_submitting",
            ...base(0),
            learner,
            iteration: 2,
            task: "training",
            attempt: 1,
            backend: "ssh",
            ticket: "h/1"
          },
          { ...(started(1, "training") as object), runId: "s2" } as Event.Event
        ])
        const decided = yield* tasks.decide(2, { keep: true })
        assert.deepStrictEqual(
          decided.inFlight.map((t) => [t.from, t.ticket, t.placement?.pid]),
          [["s1", "h/1", 101]]
        )
        // Handed over again by a third session: that session's run of it is the one to re-attach to.
        feed(tasks, [
          {
            _tag: "task_submitting",
            ...base(2),
            runId: "s3",
            learner,
            iteration: 2,
            task: "training",
            attempt: 1,
            backend: "ssh",
            ticket: "h/2"
          } as Event.Event
        ])
        assert.deepStrictEqual(
          (yield* tasks.decide(2, { keep: true })).inFlight.map((t) => [t.from, t.ticket, t.placement?.pid]),
          [["s3", "h/2", undefined]]
        )
        feed(tasks, [started(0, "simulation", 3), finished(1, "simulation", {}, 3)])
        tasks.complete(3)
        assert.deepStrictEqual((yield* tasks.decide(3, { keep: true })).kept, [])
      }).pipe(Effect.provide(NodeContext.layer))
  )
})
