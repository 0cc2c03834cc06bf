import * as fs from "node:fs"
import * as os from "node:os"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as LocalBackend from "../../../backends/LocalBackend.ts"
import * as Event from "../../../core/Event.ts"
import * as Rose from "../../../core/ProgramBuilder.ts"
import * as Runner from "../../../core/Runner.ts"
import { localBackend, ParallelActiveLearner } from "../../../index.ts"
import * as Platform from "../../../runtime/Platform.ts"
import { collectPids, waitForFile, waitGone } from "../support/processes.ts"

const tmp = () => fs.mkdtempSync(`${os.tmpdir()}/rose-run-`)

const layer = (concurrency: number) =>
  LocalBackend.layer({ concurrency, graceMillis: 500 }).pipe(Layer.provideMerge(Platform.layer))

const events = (runDir: string) => Event.parseJournal(fs.readFileSync(`${runDir}/events.jsonl`, "utf8")).events

describe("learners on real processes", () => {
  it.live("run concurrently, overlapping in time, never above the backend's limit", () =>
    Effect.gen(function* () {
      const dir = tmp()
      const sleep = Rose.exec(["sleep", "0.2"])
      const program = Rose.program({
        learners: [
          Rose.active("c", {
            parallel: 4,
            maxIter: 2,
            tasks: { training: sleep, active_learn: sleep, criterion: Rose.exec("echo 1") },
            stopWhen: { metricName: "mse", threshold: 0 }
          })
        ]
      })
      const results = yield* Runner.run(program, { out: `${dir}/run` }).pipe(Effect.provide(layer(2)))
      assert.strictEqual(results.status, "completed")
      const evs = events(`${dir}/run`)
      // A task ran from its task_started timestamp for the durationMs its task_finished reports.
      const started = new Map<string, number>()
      const spans = new Map<string, [number, number]>()
      for (const e of evs) {
        if (e._tag !== "task_started" && e._tag !== "task_finished") continue
        const key = `${e.learner.index}/${e.iteration}/${e.task}`
        if (e._tag === "task_started") started.set(key, Date.parse(e.ts))
        else spans.set(key, [started.get(key)!, started.get(key)! + e.durationMs])
      }
      assert.strictEqual(spans.size, 24)
      const all = [...spans.values()]
      let peak = 0
      for (const [s] of all) peak = Math.max(peak, all.filter(([a, b]) => a <= s && s < b).length)
      assert.strictEqual(peak, 2, "two tasks ran at once, never three")
      const learnersOverlapping = new Set<string>()
      for (const [k1, [s1, e1]] of spans) {
        for (const [k2, [s2, e2]] of spans) {
          if (k1.split("/")[0] !== k2.split("/")[0] && s1 < e2 && s2 < e1) learnersOverlapping.add(k1.split("/")[0]!)
        }
      }
      assert.isAtLeast(learnersOverlapping.size, 2, "different learners' tasks overlap")
    })
  )

  it.live("interrupting a run kills a task's child and grandchild, and a task that ignores SIGTERM", () =>
    Effect.gen(function* () {
      const dir = tmp()
      const tree = Rose.shell(
        "sleep 310 & echo $! >> pids; (sleep 311 & echo $! >> pids; wait) & echo $! >> pids; echo $$ >> pids; wait"
      )
      const stubborn = Rose.shell("trap '' TERM; echo $$ >> pids; while true; do sleep 1; done")
      const program = Rose.program({
        learners: [
          Rose.active("tree", { maxIter: 1, tasks: { training: tree, active_learn: Rose.exec("true") } }),
          Rose.active("stubborn", { maxIter: 1, tasks: { training: stubborn, active_learn: Rose.exec("true") } })
        ]
      })
      const results = yield* Effect.scoped(
        Effect.gen(function* () {
          const handle = yield* Runner.prepare(program, { out: `${dir}/run` })
          yield* handle.start
          yield* Effect.promise(() =>
            Promise.all([
              waitForFile(`${dir}/run/learners/tree-0/pids`, (t) => t.trim().split(/\s+/).length === 4),
              waitForFile(`${dir}/run/learners/stubborn-0/pids`)
            ])
          )
          yield* handle.interrupt
          return yield* handle.await
        })
      ).pipe(Effect.provide(layer(4)))
      assert.strictEqual(results.status, "interrupted")
      const pids = collectPids(`${dir}/run/learners`)
      assert.strictEqual(pids.length, 5)
      const survivors = yield* Effect.promise(() => waitGone(pids, 5))
      assert.deepStrictEqual(survivors, [])
      const journal = events(`${dir}/run`)
      const started = journal.filter((e) => e._tag === "task_started" && e.task === "training")
      assert.isTrue(
        started.every((e) => e._tag === "task_started" && typeof e.pgid === "number"),
        "pgids are journaled"
      )
    })
  )

  it.live("a missing executable ends the learner with a clear error", () =>
    Effect.gen(function* () {
      const dir = tmp()
      const program = Rose.program({
        learners: [
          Rose.active("m", {
            maxIter: 1,
            tasks: { training: Rose.exec("no-such-binary-rose --x"), active_learn: Rose.exec("true") }
          })
        ]
      })
      const results = yield* Runner.run(program, { out: `${dir}/run` }).pipe(Effect.provide(layer(2)))
      assert.strictEqual(results.learners[0]!.failure!.tag, "CommandNotFound")
      assert.include(results.learners[0]!.failure!.message, "no-such-binary-rose")
    })
  )

  it.live("a stream consumer that stops early stops the run and kills its running tasks", () =>
    Effect.gen(function* () {
      const dir = tmp()
      const program = Rose.program({
        learners: [
          Rose.active("s", {
            parallel: 2,
            maxIter: 100,
            tasks: {
              training: Rose.shell('echo $$ >> pids; [ "$ROSE_ITERATION" -lt 2 ] || sleep 300'),
              active_learn: Rose.exec("true"),
              criterion: Rose.exec("echo 1")
            },
            stopWhen: { metricName: "mse", threshold: 0 }
          })
        ]
      })
      const fiber = yield* Runner.stream(program, { out: `${dir}/run` }).pipe(
        Stream.take(3),
        Stream.runCollect,
        Effect.provide(layer(4)),
        Effect.fork
      )
      const states = yield* Fiber.join(fiber)
      assert.strictEqual(states.length, 3)
      const results = JSON.parse(fs.readFileSync(`${dir}/run/results.json`, "utf8"))
      assert.deepStrictEqual(
        results.learners.map((l: { stopReason: string }) => l.stopReason),
        ["stopped", "stopped"]
      )
      assert.deepStrictEqual(yield* Effect.promise(() => waitGone(collectPids(`${dir}/run/learners`), 5)), [])
    })
  )
})

describe("the Promise facade", () => {
  const define = (acl: ParallelActiveLearner) => {
    acl.simulationTask(async () => ["sh", "-c", 'echo $$ >> pids; [ "$ROSE_ITERATION" -lt 1 ] || exec sleep 300'])
    acl.trainingTask(async () => "true")
    acl.activeLearnTask(async () => "true")
    acl.asStopCriterion({ metricName: "mean_squared_error_mse", threshold: 0.0 }, async () => "echo 0.5")
  }

  it("break out of for await stops the run with stopped and kills its tasks", async () => {
    const dir = tmp()
    const acl = new ParallelActiveLearner(localBackend({ concurrency: 4, graceMillis: 500 }))
    define(acl)
    const run = acl.start({ parallelLearners: 2, maxIter: 50, out: `${dir}/run` })
    let seen = 0
    for await (const state of run) {
      seen++
      assert.strictEqual(state.iteration, 0)
      if (seen === 2) break
    }
    await waitForFile(`${dir}/run/results.json`)
    const results = JSON.parse(fs.readFileSync(`${dir}/run/results.json`, "utf8"))
    assert.deepStrictEqual(
      results.learners.map((l: { stopReason: string }) => l.stopReason),
      ["stopped", "stopped"]
    )
    assert.deepStrictEqual(await waitGone(collectPids(`${dir}/run/learners`), 5), [])
    await acl.shutdown()
  })

  it("stop(learner) ends only that learner, killing its task; the others run on", async () => {
    const dir = tmp()
    const acl = new ParallelActiveLearner(localBackend({ concurrency: 4, graceMillis: 500 }))
    acl.simulationTask(async (_a, _k, ctx) =>
      ctx.learner.index === 1 && ctx.iteration === 1 ? ["sh", "-c", "echo $$ >> pids; exec sleep 300"] : "true"
    )
    acl.trainingTask(async () => "true")
    acl.activeLearnTask(async () => "true")
    acl.asStopCriterion({ metricName: "mean_squared_error_mse", threshold: 0.0 }, async () => "echo 0.5")
    const run = acl.start({ parallelLearners: 3, maxIter: 4, out: `${dir}/run` })
    await waitForFile(`${dir}/run/learners/learner-1/pids`)
    await run.stop(1)
    const results = await run
    assert.deepStrictEqual(
      results.learners.map((l) => [l.stopReason, l.iterations]),
      [
        ["max_iter", 4],
        ["stopped", 1],
        ["max_iter", 4]
      ]
    )
    assert.deepStrictEqual(await waitGone(collectPids(`${dir}/run/learners/learner-1`), 5), [])
    await acl.shutdown()
  })

  it("completed() rejects when a learner failed, naming it, after the others finished", async () => {
    const dir = tmp()
    const acl = new ParallelActiveLearner(localBackend({ concurrency: 4 }))
    acl.simulationTask(async (_a, _k, ctx) =>
      ctx.learner.index === 0 ? ["sh", "-c", "echo boom >&2; exit 4"] : "true"
    )
    acl.trainingTask(async () => "true")
    acl.activeLearnTask(async () => "true")
    const error = await acl
      .start({ parallelLearners: 2, maxIter: 2, out: `${dir}/run` })
      .completed()
      .then(
        () => undefined,
        (e: unknown) => e
      )
    assert.instanceOf(error, Error)
    assert.match((error as Error).message, /learner\[0\].*exited with code 4/s)
    const results = (error as unknown as { results: { learners: Array<{ stopReason: string }> } }).results
    assert.deepStrictEqual(
      results.learners.map((l) => l.stopReason),
      ["error", "max_iter"]
    )
    await acl.shutdown()
  })
})
