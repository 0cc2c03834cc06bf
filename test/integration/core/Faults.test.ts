import * as fs from "node:fs"
import * as os from "node:os"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as FaultInjection from "../../../backends/FaultInjection.ts"
import * as LocalBackend from "../../../backends/LocalBackend.ts"
import * as Event from "../../../core/Event.ts"
import * as Rose from "../../../core/ProgramBuilder.ts"
import * as Runner from "../../../core/Runner.ts"
import * as Platform from "../../../runtime/Platform.ts"
import { collectPids, waitGone } from "../support/processes.ts"

const tmp = () => fs.mkdtempSync(`${os.tmpdir()}/rose-faults-`)

const faulty = (config: FaultInjection.Config) =>
  FaultInjection.layer(config).pipe(
    Layer.provide(LocalBackend.layer({ concurrency: 4, graceMillis: 300 })),
    Layer.provideMerge(Platform.layer)
  )

const sixteen = (retry: Rose.TaskOptions["retry"]) =>
  Rose.program({
    learners: [
      Rose.active("f", {
        parallel: 16,
        maxIter: 3,
        tasks: {
          simulation: Rose.exec("true", { retry }),
          training: Rose.exec("true", { retry }),
          active_learn: Rose.exec("true", { retry }),
          criterion: Rose.exec("echo 1", { retry })
        },
        stopWhen: { metricName: "mse", threshold: 0 }
      })
    ]
  })

describe("failures, retries and timeouts on real processes", () => {
  it.live("with 20% of attempts failing as infrastructure failures, retry 3 completes every learner", () =>
    Effect.gen(function* () {
      const dir = tmp()
      const results = yield* Runner.run(sixteen({ times: 3, baseDelayMillis: 5 }), { out: `${dir}/run` }).pipe(
        Effect.provide(faulty({ failRate: 0.2, seed: 7 }))
      )
      assert.strictEqual(results.status, "completed")
      assert.isTrue(results.learners.every((l) => l.stopReason === "max_iter" && l.iterations === 3))
      const events = Event.parseJournal(fs.readFileSync(`${dir}/run/events.jsonl`, "utf8")).events
      const retried = events.filter((e) => e._tag === "task_retried").length
      const failed = events.filter((e) => e._tag === "task_failed").length
      assert.isAbove(retried, 20, "about a fifth of 192 tasks needed a retry")
      assert.strictEqual(failed, retried, "each failed attempt was retried and journaled")
    })
  )

  it.live("with retry 0 the learners that meet a failure end with error, the others complete", () =>
    Effect.gen(function* () {
      const dir = tmp()
      const results = yield* Runner.run(sixteen(0), { out: `${dir}/run` }).pipe(
        Effect.provide(faulty({ failRate: 0.2, seed: 7 }))
      )
      assert.strictEqual(results.status, "failed")
      const errored = results.learners.filter((l) => l.stopReason === "error")
      const completed = results.learners.filter((l) => l.stopReason === "max_iter")
      assert.isAbove(errored.length, 0)
      assert.isAbove(completed.length, 0)
      assert.strictEqual(errored.length + completed.length, 16)
      assert.isTrue(errored.every((l) => l.failure!.tag === "ConnectionLost"))
    })
  )

  it.live("a task that hangs past its timeout is killed and counts as a failed attempt", () =>
    Effect.gen(function* () {
      const dir = tmp()
      const program = Rose.program({
        learners: [
          Rose.active("h", {
            maxIter: 1,
            tasks: {
              training: Rose.exec("true", { timeoutMillis: 1000, retry: { times: 1, on: "exit", baseDelayMillis: 1 } }),
              active_learn: Rose.exec("true")
            }
          })
        ]
      })
      const results = yield* Runner.run(program, { out: `${dir}/run` }).pipe(
        Effect.provide(faulty({ hangRate: 1, tasks: ["training"] }))
      )
      const failure = results.learners[0]!.failure!
      assert.strictEqual(failure.tag, "TaskTimedOut")
      assert.strictEqual(failure.attempt, 2, "the timeout was retried once, as asked, then gave up")
      const pids = fs
        .readdirSync(`${dir}/run/learners/h-0`)
        .filter((f) => f.startsWith(".hung-"))
        .map((f) => Number(fs.readFileSync(`${dir}/run/learners/h-0/${f}`, "utf8")))
      assert.strictEqual(pids.length, 1)
      assert.deepStrictEqual(yield* Effect.promise(() => waitGone(pids, 5)), [])
      const events = Event.parseJournal(fs.readFileSync(`${dir}/run/events.jsonl`, "utf8")).events
      assert.deepStrictEqual(
        events
          .filter((e) => e._tag === "task_failed")
          .map((e) => (e._tag === "task_failed" ? [e.attempt, e.error.tag] : [])),
        [
          [1, "TaskTimedOut"],
          [2, "TaskTimedOut"]
        ]
      )
    })
  )
})

describe("no orphans", () => {
  // Interrupts runs at random moments and checks by pid that nothing of them survives.
  const tree = Rose.shell(
    "echo $$ >> pids; sleep 30 & echo $! >> pids; (trap '' TERM; sleep 31 & echo $! >> pids; wait) & echo $! >> pids; sleep 0.$((RANDOM % 3))"
  )
  const program = Rose.program({
    learners: [
      Rose.active("o", {
        parallel: 3,
        maxIter: 100,
        tasks: { simulation: tree, training: tree, active_learn: Rose.exec("true"), criterion: Rose.exec("echo 1") },
        stopWhen: { metricName: "mse", threshold: 0 }
      })
    ]
  })
  const layer = LocalBackend.layer({ concurrency: 3, graceMillis: 200 }).pipe(Layer.provideMerge(Platform.layer))

  it.live(
    "50 interrupts at random points leave no process of the run alive",
    () =>
      Effect.gen(function* () {
        const base = tmp()
        let seed = 12345
        const random = () => {
          seed = (seed * 1103515245 + 12345) % 2147483648
          return seed / 2147483648
        }
        for (let n = 0; n < 50; n++) {
          const out = `${base}/run-${n}`
          const delay = Math.floor(random() * 600)
          yield* Effect.scoped(
            Effect.gen(function* () {
              const handle = yield* Runner.prepare(program, { out })
              yield* handle.start
              yield* Effect.sleep(`${delay} millis`)
              yield* handle.interrupt
              const results = yield* handle.await
              assert.strictEqual(results.status, "interrupted")
            })
          ).pipe(Effect.provide(layer))
          const journal = Event.parseJournal(fs.readFileSync(`${out}/events.jsonl`, "utf8")).events
          const fromJournal = journal.flatMap((e) => (e._tag === "task_started" && e.pid !== undefined ? [e.pid] : []))
          const written = fs.existsSync(`${out}/learners`) ? collectPids(`${out}/learners`) : []
          const all = [...new Set([...fromJournal, ...written])]
          const survivors = yield* Effect.promise(() => waitGone(all, 3))
          assert.deepStrictEqual(survivors, [], `run ${n} (interrupted after ${delay} ms) left ${survivors.join(" ")}`)
        }
      }),
    240_000
  )
})
