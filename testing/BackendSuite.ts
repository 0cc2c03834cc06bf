/**
 * The conformance suite every process-running backend passes: call `suite` from a `*.test.ts` file
 * (run by vitest, with `@effect/vitest`) with the backend's layer. Tasks run real processes; "no
 * process left" is checked by pid, on this machine unless `options.alive` looks where the backend
 * runs its tasks.
 *
 * ```ts
 * import { BackendSuite } from "rose-ts/testing"
 *
 * BackendSuite.suite("pinned", Pinned.layer({ cpus: [0, 1] }).pipe(Layer.provide(Platform.layer)), {
 *   root: fs.mkdtempSync(`${os.tmpdir()}/suite-`),
 *   concurrency: 2,
 *   killSeconds: 5
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import { assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Backend from "../core/Backend.ts"
import * as Spawner from "../core/Spawner.ts"
import type * as Task from "../core/Task.ts"
import * as NodeContext from "../runtime/NodeContext.ts"
import * as NodeSpawner from "../runtime/NodeSpawner.ts"
import * as ProcessTable from "../runtime/ProcessTable.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface SuiteOptions {
  /** The folder under which invocations get their working directories (must be visible to the tasks). */
  readonly root: string
  /** The concurrency the layer was configured with. */
  readonly concurrency: number
  /** Seconds a cancelled task may take to die (the backend's grace plus transport latency). */
  readonly killSeconds: number
  /**
   * Whether a process (by pid) is still alive where the backend runs tasks; by default, whether it
   * is on this machine (a zombie counts as gone).
   */
  readonly alive?: ((pid: number) => Effect.Effect<boolean>) | undefined
  /** Seconds a task may wait before it starts (a scheduler's queue); timeouts allow for it. 0 by default. */
  readonly startSeconds?: number | undefined
  /**
   * How long each task of the concurrency test runs, in ms (300 by default): long enough for tasks
   * started together to overlap, given how long the backend takes to start one.
   */
  readonly taskMillis?: number | undefined
  /** Resources no task of the backend can get; 4096 cores by default. */
  readonly tooLarge?: Task.Resources | undefined
  /**
   * The backend whose `reap` is tried on this backend's running task, as a resumed run's backend
   * would be; by default a second instance of the layer.
   */
  readonly reaper?: Layer.Layer<Backend.Backend, unknown, never> | undefined
  /**
   * Whether the backend proves a task its own by a scheduler's job id, which is never reused, rather
   * than by the task's process: it then signals no process group by its number, and spares none.
   */
  readonly provesByJob?: boolean | undefined
}

/**
 * Whether a process is alive on this machine (a zombie, which has exited and waits to be reaped,
 * counts as gone).
 *
 * @since 0.1.0
 * @category helpers
 */
export const aliveHere = (pid: number): Effect.Effect<boolean> =>
  Effect.sync(() => ProcessTable.startStamp(pid) !== undefined)

let counter = 0

const newInvocation = (
  root: string,
  argv: ReadonlyArray<string>,
  extra: Partial<Backend.Invocation> = {}
): Effect.Effect<Backend.Invocation, never, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const n = counter++
    const dir = `${root}/invocation-${process.pid}-${n}`
    yield* fs.makeDirectory(dir, { recursive: true }).pipe(Effect.orDie)
    return {
      runId: "suite",
      learner: { name: "suite", index: n },
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
  })

const read = (path: string) => Effect.flatMap(FileSystem.FileSystem, (fs) => fs.readFileString(path))

/** Polls until `check` holds or the time is up. */
const eventually = <R>(check: Effect.Effect<boolean, never, R>, seconds: number) =>
  Effect.gen(function* () {
    const deadline = (yield* Clock.currentTimeMillis) + seconds * 1000
    while ((yield* Clock.currentTimeMillis) < deadline) {
      if (yield* check) return true
      yield* Effect.sleep(Duration.millis(50))
    }
    return yield* check
  })

const readPids = (path: string) =>
  Effect.map(read(path), (text) =>
    text
      .split(/\s+/)
      .filter((s) => s.length > 0)
      .map(Number)
  )

/** Waits until a task has written `count` pids to the `pids` file of its working directory. */
const pidsWritten = (invocation: Backend.Invocation, count: number, seconds: number) =>
  eventually(
    Effect.map(Effect.either(readPids(`${invocation.cwd}/pids`)), (r) => Either.isRight(r) && r.right.length === count),
    seconds
  )

/**
 * Registers the suite's tests for one backend layer.
 *
 * @since 0.1.0
 * @category suites
 */
export const suite = (name: string, layer: Layer.Layer<Backend.Backend, unknown, never>, options: SuiteOptions) => {
  const services = Layer.merge(NodeContext.layer, NodeSpawner.layer)
  const alive = options.alive ?? aliveHere
  const startSeconds = options.startSeconds ?? 0

  const withBackend = <A, E>(
    f: (backend: Backend.Service) => Effect.Effect<A, E, FileSystem.FileSystem | Spawner.Spawner | Scope.Scope>
  ) =>
    Effect.gen(function* () {
      const backend = yield* Backend.Backend
      return yield* f(backend)
    }).pipe(Effect.provide(Layer.merge(layer, services)), Effect.scoped)

  const noneAlive = (pids: ReadonlyArray<number>) =>
    eventually(
      Effect.map(
        Effect.forEach(pids, (p) => alive(p)),
        (alives) => alives.every((a) => !a)
      ),
      options.killSeconds
    )

  describe(`${name} backend conformance`, () => {
    it.live("reports exit codes and signals", () =>
      withBackend((backend) =>
        Effect.gen(function* () {
          const ok = yield* backend.run(yield* newInvocation(options.root, ["sh", "-c", "exit 0"]))
          assert.strictEqual(ok.exitCode, 0)
          const three = yield* backend.run(yield* newInvocation(options.root, ["sh", "-c", "exit 3"]))
          assert.strictEqual(three.exitCode, 3)
          const killed = yield* backend.run(yield* newInvocation(options.root, ["sh", "-c", "kill -9 $$"]))
          assert.isTrue(killed.exitCode === null ? killed.signal === "SIGKILL" : killed.exitCode === 137)
        })
      )
    )

    it.live("writes stdout and stderr to the invocation's files", () =>
      withBackend((backend) =>
        Effect.gen(function* () {
          const invocation = yield* newInvocation(options.root, ["sh", "-c", "echo out1; echo err1 >&2; printf 'out2'"])
          yield* backend.run(invocation)
          assert.strictEqual(yield* read(invocation.stdoutPath), "out1\nout2")
          assert.strictEqual(yield* read(invocation.stderrPath), "err1\n")
        })
      )
    )

    it.live("runs in the invocation's working directory with its environment added", () =>
      withBackend((backend) =>
        Effect.gen(function* () {
          const invocation = yield* newInvocation(
            options.root,
            ["sh", "-c", 'pwd; echo "$ROSE_X|$ROSE_Y"; test -n "$PATH" && echo path'],
            {
              env: { ROSE_X: "a b", ROSE_Y: "it's $HOME" }
            }
          )
          yield* backend.run(invocation)
          const lines = (yield* read(invocation.stdoutPath)).split("\n")
          assert.strictEqual(lines[0], invocation.cwd)
          assert.strictEqual(lines[1], "a b|it's $HOME")
          assert.strictEqual(lines[2], "path")
        })
      )
    )

    it.live("passes argv literally: spaces, quotes, ;, $(…), newlines, unicode", () =>
      withBackend((backend) =>
        Effect.gen(function* () {
          const args = [
            "a b",
            `it's "quoted"`,
            "x; rm -rf /tmp/nothing",
            "$(id) `id` $HOME",
            "two\nlines",
            "ünïcødé ✓ 日本",
            "",
            "--",
            "*"
          ]
          const invocation = yield* newInvocation(options.root, [
            "node",
            "-e",
            "process.stdout.write(JSON.stringify(process.argv.slice(1)))",
            ...args
          ])
          const r = yield* backend.run(invocation)
          assert.strictEqual(r.exitCode, 0)
          assert.deepStrictEqual(JSON.parse(yield* read(invocation.stdoutPath)), args)
        })
      )
    )

    it.live("reports the placement once the task started, before it ends", () =>
      withBackend((backend) =>
        Effect.gen(function* () {
          const seen: Array<Backend.Placement> = []
          const invocation = yield* newInvocation(options.root, ["sh", "-c", "echo $$"], {
            onStart: (p) => Effect.sync(() => void seen.push(p))
          })
          const r = yield* backend.run(invocation)
          assert.strictEqual(seen.length, 1)
          assert.isNumber(seen[0]!.pgid)
          assert.strictEqual(Number((yield* read(invocation.stdoutPath)).trim()), r.pid)
        })
      )
    )

    it.live("kills the whole process group when interrupted, even children ignoring SIGTERM", () =>
      withBackend((backend) =>
        Effect.gen(function* () {
          const script = [
            "sleep 300 & echo $! >> pids",
            "(trap '' TERM; sleep 301 & echo $! >> pids; wait) & echo $! >> pids",
            "echo $$ >> pids",
            "echo started",
            "wait"
          ].join("; ")
          const invocation = yield* newInvocation(options.root, ["sh", "-c", script])
          const fiber = yield* Effect.fork(backend.run(invocation))
          assert.isTrue(yield* pidsWritten(invocation, 4, 10), "the task wrote its pids")
          const pids = yield* readPids(`${invocation.cwd}/pids`)
          yield* Fiber.interrupt(fiber)
          assert.isTrue(yield* noneAlive(pids), `no process left of ${pids.join(" ")}`)
        })
      )
    )

    it.live("kills a task that ignores SIGTERM after the grace period", () =>
      withBackend((backend) =>
        Effect.gen(function* () {
          const invocation = yield* newInvocation(options.root, [
            "sh",
            "-c",
            "trap '' TERM; echo $$ > pids; while true; do sleep 1; done"
          ])
          const fiber = yield* Effect.fork(backend.run(invocation))
          assert.isTrue(
            yield* eventually(Effect.map(Effect.either(readPids(`${invocation.cwd}/pids`)), Either.isRight), 10)
          )
          const pids = yield* readPids(`${invocation.cwd}/pids`)
          yield* Fiber.interrupt(fiber)
          assert.isTrue(yield* noneAlive(pids))
        })
      )
    )

    it.live("leaves nothing a task started in the background after it exits", () =>
      withBackend((backend) =>
        Effect.gen(function* () {
          const invocation = yield* newInvocation(options.root, [
            "sh",
            "-c",
            "(sleep 302 & echo $! > pids) ; sleep 0.2; echo done"
          ])
          const r = yield* backend.run(invocation)
          assert.strictEqual(r.exitCode, 0)
          const pids = yield* readPids(`${invocation.cwd}/pids`)
          assert.isTrue(yield* noneAlive(pids), `background process ${pids[0]} was killed`)
        })
      )
    )

    it.live("a timeout is a real kill", () =>
      withBackend((backend) =>
        Effect.gen(function* () {
          const invocation = yield* newInvocation(options.root, ["sh", "-c", "echo $$ > pids; sleep 303"])
          const r = yield* backend
            .run(invocation)
            .pipe(Effect.timeout(Duration.seconds(1.5 + startSeconds)), Effect.either)
          assert.isTrue(Either.isLeft(r) && r.left._tag === "TimeoutException")
          assert.isTrue(yield* noneAlive(yield* readPids(`${invocation.cwd}/pids`)))
        })
      )
    )

    it.live("holds the concurrency limit", () =>
      withBackend((backend) =>
        Effect.gen(function* () {
          const n = options.concurrency * 2 + 1
          const invocations = yield* Effect.forEach(Array.from({ length: n }), () =>
            newInvocation(options.root, [
              "node",
              "-e",
              `const t=Date.now(); setTimeout(()=>console.log(t, Date.now()), ${options.taskMillis ?? 300})`
            ])
          )
          yield* Effect.forEach(invocations, (i) => backend.run(i), { concurrency: "unbounded" })
          const spans = yield* Effect.forEach(invocations, (i) =>
            Effect.map(read(i.stdoutPath), (t) => t.trim().split(" ").map(Number) as [number, number])
          )
          let peak = 0
          for (const [start] of spans) {
            const at = spans.filter(([s, e]) => s <= start && start < e).length
            peak = Math.max(peak, at)
          }
          assert.isAtMost(peak, options.concurrency)
          assert.isAtLeast(peak, Math.min(2, options.concurrency), "tasks do overlap")
        })
      )
    )

    it.live("reports a missing executable clearly", () =>
      withBackend((backend) =>
        Effect.gen(function* () {
          const r = yield* Effect.either(backend.run(yield* newInvocation(options.root, ["no-such-command-rose"])))
          const tag = Either.isLeft(r) ? r.left._tag : Either.isRight(r) ? `exit ${r.right.exitCode}` : ""
          assert.strictEqual(tag, "CommandNotFound")
          assert.include(Either.isLeft(r) ? r.left.message : "", "no-such-command-rose")
        })
      )
    )

    it.live("refuses a task larger than it can serve, at once and saying why", () =>
      withBackend((backend) =>
        Effect.gen(function* () {
          const resources = options.tooLarge ?? { cores: 4096 }
          const invocation = yield* newInvocation(options.root, ["sh", "-c", "echo ran > ran"], { resources })
          const r = yield* backend
            .run(invocation)
            .pipe(Effect.timeout(Duration.seconds(30 + startSeconds)), Effect.either)
          const tag = Either.isLeft(r) ? r.left._tag : `exit ${r.right.exitCode}`
          assert.strictEqual(tag, "ResourceUnsatisfiable", "refused, not run and not hung")
          if (resources.cores !== undefined) {
            assert.include(
              Either.isLeft(r) ? r.left.message : "",
              String(resources.cores),
              "the message names the request"
            )
          }
          const ran = yield* Effect.flatMap(FileSystem.FileSystem, (fs) => fs.exists(`${invocation.cwd}/ran`))
          assert.isFalse(ran, "the task did not run")
        })
      )
    )

    it.live("reap kills a journaled task that still runs, and spares a process it cannot prove is the task's", () =>
      withBackend((backend) =>
        Effect.gen(function* () {
          const spawner = yield* Spawner.Spawner
          const runId = `suite-reap-${process.pid}-${counter}`
          const placed = yield* Deferred.make<Backend.Placement>()
          const invocation = yield* newInvocation(
            options.root,
            ["sh", "-c", "echo $$ >> pids; sleep 304 & echo $! >> pids; wait"],
            {
              runId,
              env: { ROSE_RUN_ID: runId },
              onStart: (placement) => Deferred.succeed(placed, placement)
            }
          )
          // The task of an earlier rose that died: still running, its placement journaled.
          const fiber = yield* Effect.fork(backend.run(invocation))
          const placement = yield* Deferred.await(placed).pipe(Effect.timeout(Duration.seconds(10 + startSeconds)))
          assert.isTrue(yield* pidsWritten(invocation, 2, 10), "the task wrote its pids")
          const pids = yield* readPids(`${invocation.cwd}/pids`)
          // A process of nobody's in a group of its own, journaled as if the task's pid had been
          // given to it since: its start is not the journaled one.
          const stranger = yield* spawner.spawn({
            command: { _tag: "Argv", argv: ["sleep", "305"] },
            cwd: invocation.cwd,
            env: {},
            stdout: { _tag: "Ignore" },
            stderr: { _tag: "Ignore" }
          })
          const reused: Backend.Placement = {
            ...placement,
            pid: stranger.pid,
            pgid: stranger.pid,
            startStamp: placement.startStamp === undefined ? undefined : `${placement.startStamp}-earlier`
          }
          const reaped = yield* Effect.flatMap(Backend.Backend, (reaper) =>
            reaper.reap([placement, reused], [runId])
          ).pipe(Effect.provide(options.reaper ?? layer))
          assert.isAtLeast(reaped.killed, 1, "the task was killed")
          assert.isTrue(yield* noneAlive(pids), `no process left of ${pids.join(" ")}`)
          assert.isTrue(yield* aliveHere(stranger.pid), "the stranger was not signalled")
          if (options.provesByJob !== true) {
            assert.isTrue(
              reaped.spared.some((line) => line.includes(String(stranger.pid))),
              `the stranger is reported spared: ${JSON.stringify(reaped.spared)}`
            )
          }
          yield* Fiber.interrupt(fiber)
        })
      )
    )
  })
}
