/**
 * What goes wrong on a real cluster, against the single-node test SLURM: a partition that does not
 * exist, resources no node has, an allocation that never starts, and jobs the scheduler kills (an
 * outside `scancel`, a time limit, the allocation ending under its steps). Each is a clear error of
 * the right kind: configuration problems are not retried, lost jobs are.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as SlurmBackend from "../../../backends/SlurmBackend.ts"
import * as Backend from "../../../core/Backend.ts"
import * as TaskError from "../../../core/TaskError.ts"
import * as Platform from "../../../runtime/Platform.ts"
import { activeJobs, requireSlurm, slurm, waitNoJobs } from "./slurm.ts"

const cluster = await requireSlurm()
const root = fs.mkdtempSync(`${os.tmpdir()}/rose-slurm-errors-`)

const layerOf = (config: SlurmBackend.Config) =>
  SlurmBackend.layer({ pollMillis: 100, exitWaitMillis: 1000, graceMillis: 1000, ...config }).pipe(
    Layer.provide(Platform.layer)
  )

let counter = 0
const invocation = (argv: ReadonlyArray<string>, extra: Partial<Backend.Invocation> = {}): Backend.Invocation => {
  const n = counter++
  const dir = `${root}/inv-${n}`
  fs.mkdirSync(dir, { recursive: true })
  return {
    runId: `errors-${process.pid}`,
    learner: { name: "err", index: n },
    iteration: 0,
    task: "task",
    attempt: 1,
    command: { _tag: "Argv", argv },
    cwd: dir,
    env: {},
    stdoutPath: `${dir}/task.out`,
    stderrPath: `${dir}/task.err`,
    resources: {},
    onStart: () => Effect.void,
    ...extra
  }
}

/** Runs one invocation on a backend built from `config`; the layer's own failure counts too. */
const runOn = (config: SlurmBackend.Config, inv: Backend.Invocation) =>
  Effect.gen(function* () {
    const backend = yield* Backend.Backend
    return yield* backend.run(inv)
  }).pipe(Effect.provide(Layer.merge(layerOf(config), NodeContext.layer)), Effect.scoped, Effect.either)

const failure = <A>(r: Either.Either<A, TaskError.BackendError>) => {
  assert.isTrue(Either.isLeft(r), `expected a failure, got ${JSON.stringify(r)}`)
  return (r as Either.Left<TaskError.BackendError, A>).left
}

const prefix = `rose-errors-${process.pid}`

describe("SLURM backend errors", () => {
  it.live("a partition that does not exist: not retryable, and the message names it (job mode)", () =>
    Effect.gen(function* () {
      const e = failure(yield* runOn({ partition: "nosuchpart" }, invocation(["true"])))
      assert.strictEqual(e._tag, "BackendUnavailable")
      assert.isFalse(TaskError.isInfrastructure(e))
      assert.include(e.message, `"nosuchpart"`)
      assert.include(e.message, "does not exist")
    })
  )

  it.live("a partition that does not exist: the allocation cannot be made (allocation mode)", () =>
    Effect.gen(function* () {
      const e = failure(
        yield* runOn({ partition: "nosuchpart", mode: "allocation", allocation: { cores: 1 } }, invocation(["true"]))
      )
      assert.strictEqual(e._tag, "BackendUnavailable")
      assert.include(e.message, `"nosuchpart"`)
    })
  )

  it.live("more cores than any node has: ResourceUnsatisfiable naming the request", () =>
    Effect.gen(function* () {
      const e = failure(
        yield* runOn({ partition: cluster.partition }, invocation(["true"], { resources: { cores: 64 } }))
      )
      assert.strictEqual(e._tag, "ResourceUnsatisfiable")
      assert.include(e.message, "cores=64")
      assert.include(e.message, `partition "${cluster.partition}"`)
      const mem = failure(
        yield* runOn({ partition: cluster.partition }, invocation(["true"], { resources: { memory: "100T" } }))
      )
      assert.strictEqual(mem._tag, "ResourceUnsatisfiable")
      assert.include(mem.message, "memory=100T")
    })
  )

  it.live("an allocation larger than the cluster, and a task larger than its allocation", () =>
    Effect.gen(function* () {
      const big = failure(
        yield* runOn(
          { partition: cluster.partition, mode: "allocation", allocation: { cores: 64, nodes: 1 } },
          invocation(["true"])
        )
      )
      assert.strictEqual(big._tag, "ResourceUnsatisfiable")
      assert.include(big.message, "cores=64")
      const task = failure(
        yield* runOn(
          { partition: cluster.partition, mode: "allocation", allocation: { cores: 1 } },
          invocation(["true"], { resources: { cores: 2 } })
        )
      )
      assert.strictEqual(task._tag, "ResourceUnsatisfiable")
      assert.include(task.message, "asks for 2 cores")
      assert.deepStrictEqual(yield* Effect.promise(() => waitNoJobs("rose-slurm-allocation")), [])
    })
  )

  it.live("an allocation that never starts gives up after its start timeout and is cancelled", () =>
    Effect.gen(function* () {
      // The `short` partition does not oversubscribe: a job holding every CPU blocks the allocation.
      const blocker = slurm([
        "sbatch",
        "--parsable",
        `--job-name=${prefix}-blocker`,
        "--partition=short",
        `--ntasks=${cluster.cpus}`,
        "--time=2",
        "--output=/dev/null",
        "--chdir=/",
        "--wrap=sleep 120"
      ]).trim()
      try {
        yield* Effect.promise(() => waitForState(blocker, "RUNNING"))
        const started = Date.now()
        const e = failure(
          yield* runOn(
            {
              name: "never",
              partition: "short",
              mode: "allocation",
              allocation: { cores: 1, startTimeoutMillis: 3000 }
            },
            invocation(["true"])
          )
        )
        assert.strictEqual(e._tag, "BackendUnavailable")
        assert.include(e.message, "did not start within 3 s")
        assert.include(e.message, "PENDING")
        assert.isBelow(Date.now() - started, 15_000)
        assert.deepStrictEqual(yield* Effect.promise(() => waitNoJobs("rose-never-allocation", 10)), [])
      } finally {
        slurm(["scancel", blocker])
      }
    })
  )

  it.live("a job cancelled outside rose is JobLost (retryable), with the scheduler's state", () =>
    Effect.gen(function* () {
      const seen: Array<Backend.Placement> = []
      const inv = invocation(["sleep", "300"], {
        runId: prefix,
        onStart: (p) => Effect.sync(() => void seen.push(p))
      })
      const fiber = yield* Effect.fork(runOn({ partition: cluster.partition }, inv))
      yield* Effect.promise(() => waitUntil(() => seen.length > 0, 20))
      slurm(["scancel", seen[0]!.jobId!])
      const e = failure(yield* Fiber.join(fiber))
      assert.strictEqual(e._tag, "JobLost")
      assert.isTrue(TaskError.isInfrastructure(e))
      assert.include(e.message, "CANCELLED")
      assert.include(e.message, seen[0]!.jobId!)
    })
  )

  it.live(
    "a job killed at its time limit is JobLost (retryable), with TIMEOUT as the reason",
    () =>
      Effect.gen(function* () {
        const seen: Array<Backend.Placement> = []
        const inv = invocation(["sleep", "300"], {
          runId: prefix,
          resources: { time: "1" },
          onStart: (p) => Effect.sync(() => void seen.push(p))
        })
        const fiber = yield* Effect.fork(runOn({ partition: cluster.partition }, inv))
        yield* Effect.promise(() => waitUntil(() => seen.length > 0, 20))
        // Time limits count in minutes; bring the job's end forward instead of waiting one out.
        // slurmctld checks limits every ~30 s.
        const end = new Date(Date.now() + 1000).toISOString().slice(0, 19)
        slurm(["scontrol", "update", `JobId=${seen[0]!.jobId}`, `EndTime=${end}`])
        const e = failure(yield* Fiber.join(fiber))
        assert.strictEqual(e._tag, "JobLost")
        assert.isTrue(TaskError.isInfrastructure(e))
        assert.include(e.message, "TIMEOUT")
        assert.include(e.message, "time limit")
      }),
    90_000
  )

  it.live("the allocation ending under a running step: that task is lost, the next is refused", () =>
    Effect.gen(function* () {
      const result = yield* Effect.gen(function* () {
        const backend = yield* SlurmBackend.SlurmBackend
        const seen: Array<Backend.Placement> = []
        const fiber = yield* Effect.fork(
          Effect.either(
            backend.run(invocation(["sleep", "300"], { onStart: (p) => Effect.sync(() => void seen.push(p)) }))
          )
        )
        yield* Effect.promise(() => waitUntil(() => seen.length > 0, 20))
        slurm(["scancel", backend.allocation!])
        const first = yield* Fiber.join(fiber)
        const second = yield* Effect.either(backend.run(invocation(["true"])))
        return { first, second }
      }).pipe(
        Effect.provide(
          Layer.merge(
            layerOf({ name: "ended", partition: cluster.partition, mode: "allocation", allocation: { cores: 1 } }),
            NodeContext.layer
          )
        ),
        Effect.scoped
      )
      const lost = failure(result.first)
      assert.strictEqual(lost._tag, "JobLost")
      const refused = failure(result.second)
      assert.strictEqual(refused._tag, "BackendUnavailable")
      assert.include(refused.message, "allocation has ended")
    })
  )

  it.live("the controller's absence is a clear error when the backend is built", () =>
    Effect.gen(function* () {
      // A bogus SLURM_CONF makes every command fail the way an unreachable controller does.
      const saved = process.env.SLURM_CONF
      process.env.SLURM_CONF = `${root}/no-such-slurm.conf`
      try {
        const exit = yield* Effect.exit(
          Effect.scoped(Layer.build(layerOf({ partition: cluster.partition, submitTimeoutMillis: 3000 }))).pipe(
            Effect.asVoid
          )
        )
        assert.isTrue(Exit.isFailure(exit))
        const e = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
        assert.strictEqual((e as TaskError.BackendUnavailable)._tag, "BackendUnavailable")
        assert.include((e as TaskError.BackendUnavailable).message, "is slurmctld running?")
      } finally {
        if (saved === undefined) delete process.env.SLURM_CONF
        else process.env.SLURM_CONF = saved
      }
    })
  )

  it.live("nothing is left in the queue", () =>
    Effect.gen(function* () {
      const left = activeJobs().filter((j) => j.name.startsWith("rose-errors") || j.name.startsWith(prefix))
      assert.deepStrictEqual(left, [])
    })
  )
})

const waitUntil = async (check: () => boolean, seconds: number) => {
  const deadline = Date.now() + seconds * 1000
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out")
    await new Promise((r) => setTimeout(r, 50))
  }
}

const waitForState = async (jobId: string, state: string, seconds = 30) => {
  const deadline = Date.now() + seconds * 1000
  while (Date.now() < deadline) {
    if (activeJobs().some((j) => j.id === jobId && j.state === state)) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`job ${jobId} is not ${state} after ${seconds} s`)
}
