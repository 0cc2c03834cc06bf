/**
 * The SSH backend against the test sshd, beyond the conformance suite: clear errors for an
 * unreachable host, refused authentication and an unknown host key (when the layer is built); a
 * lost connection (retryable, the remote task killed once the backend reconnects); ssh's own 255
 * told from a task's; the environment and setup lines per backend, host and task; the login shell's
 * chatter kept out of the task's output; files uploaded and downloaded around a task.
 */

import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as SshBackend from "../../../backends/SshBackend.ts"
import type * as Backend from "../../../core/Backend.ts"
import * as TaskError from "../../../core/TaskError.ts"
import * as Platform from "../../../runtime/Platform.ts"
import { isAlive, waitForFile, waitGone, waitNone } from "../support/processes.ts"
import { pgrepLocal, requireSshd } from "./sshd.ts"

const sshd = await requireSshd()
const host = sshd.hosts[0]!
const made: Array<string> = []
const tmp = () => {
  const dir = fs.mkdtempSync(`${os.tmpdir()}/rose-ssh-err-`)
  made.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true })
})

const direct = (overrides: Partial<SshBackend.Config> = {}): SshBackend.Config => ({
  hosts: [host],
  port: sshd.port,
  user: sshd.user,
  identity: sshd.key,
  knownHosts: sshd.knownHosts,
  connectTimeoutSeconds: 5,
  graceMillis: 500,
  ...overrides
})

let n = 0
const invocation = (dir: string, argv: ReadonlyArray<string>, extra: Partial<Backend.Invocation> = {}) => {
  const k = n++
  const cwd = `${dir}/w${k}`
  return {
    runId: "errors",
    learner: { name: "e", index: 0 },
    iteration: 0,
    task: "task",
    attempt: 1,
    command: { _tag: "Argv", argv },
    cwd,
    env: {},
    stdoutPath: `${dir}/t${k}.out`,
    stderrPath: `${dir}/t${k}.err`,
    resources: {},
    onStart: () => Effect.void,
    ...extra
  } satisfies Backend.Invocation
}

/** Builds the layer and returns how it failed. */
const buildError = (config: SshBackend.Config) =>
  Effect.scoped(Layer.build(SshBackend.layer(config).pipe(Layer.provide(Platform.layer)))).pipe(
    Effect.flip,
    Effect.map((e) => e as TaskError.BackendUnavailable)
  )

const withBackend = <A, E>(
  config: SshBackend.Config,
  f: (backend: SshBackend.Service) => Effect.Effect<A, E>
): Effect.Effect<A, E | TaskError.BackendUnavailable> =>
  Effect.scoped(
    Effect.flatMap(Layer.build(SshBackend.layer(config).pipe(Layer.provide(Platform.layer))), (c) =>
      f(Context.get(c, SshBackend.SshBackend))
    )
  )

// This run's control masters: their command lines name this checkout's sshd files (its key or its
// ssh_config), which another checkout's test run on this machine does not use.
const masters = () => new Set(pgrepLocal("ControlPath=/tmp/rose-ssh-", sshd.dir))

describe("ssh backend: connection errors are clear when the layer is built", () => {
  it.live("an unreachable host", () =>
    Effect.gen(function* () {
      const e = yield* buildError(direct({ hosts: ["127.0.0.9"] }))
      assert.strictEqual(e._tag, "BackendUnavailable")
      assert.include(e.message, "127.0.0.9")
      assert.include(e.message, "refused")
      assert.isTrue(e.retryable)
    })
  )

  it.live("no ssh program", () =>
    Effect.gen(function* () {
      const e = yield* buildError(direct({ ssh: "/nonexistent/bin/ssh" }))
      assert.include(e.message, "the ssh program was not found")
      assert.isFalse(e.retryable)
    })
  )

  it.live("refused authentication", () =>
    Effect.gen(function* () {
      const dir = tmp()
      spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", `${dir}/stranger`])
      const e = yield* buildError(direct({ identity: `${dir}/stranger` }))
      assert.include(e.message, `${host}: authentication was refused`)
      assert.include(e.message, "Permission denied")
      assert.isFalse(e.retryable)
    })
  )

  it.live("an unknown host key, with strict checking on by default", () =>
    Effect.gen(function* () {
      const dir = tmp()
      fs.writeFileSync(`${dir}/known_hosts`, "")
      const e = yield* buildError(direct({ knownHosts: `${dir}/known_hosts` }))
      assert.include(e.message, "host key is unknown or changed")
      assert.include(e.message, "Host key verification failed")
      // accept-new trusts it the first time
      yield* withBackend(
        direct({ knownHosts: `${dir}/known_hosts`, strictHostKeyChecking: "accept-new" }),
        () => Effect.void
      )
      // ssh recorded the key (hashed or not): looking the host up in that file finds it.
      const found = spawnSync("ssh-keygen", ["-F", `[${host}]:${sshd.port}`, "-f", `${dir}/known_hosts`])
      assert.strictEqual(found.status, 0)
    })
  )

  it.live("one host of a pool down: the error names it, and the other hosts' masters are closed", () =>
    Effect.gen(function* () {
      const before = masters()
      const e = yield* buildError({
        hosts: [sshd.hosts[1]!, "127.0.0.9"],
        sshConfig: sshd.config,
        connectTimeoutSeconds: 5
      })
      assert.include(e.message, "cannot connect to a host: 127.0.0.9")
      assert.notInclude(e.message, `${sshd.hosts[1]}:`)
      const left = yield* Effect.promise(() => waitNone(() => [...masters()].filter((p) => !before.has(p))))
      assert.deepStrictEqual(left, [])
    })
  )
})

describe("ssh backend: tasks", () => {
  it.live(
    "a lost connection is ConnectionLost (retryable); the task is killed on reconnect, and the next task runs",
    () =>
      Effect.gen(function* () {
        const dir = tmp()
        yield* withBackend(direct(), (ssh) =>
          Effect.gen(function* () {
            const inv = invocation(dir, ["sh", "-c", "echo $$ > ../lost.pid; sleep 300"])
            fs.mkdirSync(inv.cwd, { recursive: true })
            const fiber = yield* Effect.fork(ssh.run(inv))
            const pid = Number(
              (yield* Effect.promise(() => waitForFile(`${dir}/lost.pid`, (t) => t.trim().length > 0, 60))).trim()
            )
            const master = ssh.hosts()[0]!.masterPid!
            process.kill(-master, "SIGKILL")
            const r = yield* Fiber.join(fiber).pipe(Effect.either)
            assert.isTrue(Either.isLeft(r))
            const e = (r as Either.Left<TaskError.BackendError, Backend.Outcome>).left
            assert.strictEqual(e._tag, "ConnectionLost")
            assert.isTrue(TaskError.isInfrastructure(e))
            assert.include(e.message, host)
            assert.isTrue(isAlive(pid), "the remote task outlived its connection")
            // The next task reconnects (a new master), and the orphan is killed first.
            const next = invocation(dir, ["sh", "-c", "echo again"])
            const ok = yield* ssh.run(next)
            assert.strictEqual(ok.exitCode, 0)
            assert.strictEqual(fs.readFileSync(next.stdoutPath, "utf8"), "again\n")
            assert.notStrictEqual(ssh.hosts()[0]!.masterPid, master)
            assert.deepStrictEqual(yield* Effect.promise(() => waitGone([pid])), [], "the orphaned task was killed")
          })
        )
      })
  )

  it.live("resume: reap kills what an earlier process left running, by journaled pgid and by run id", () =>
    Effect.gen(function* () {
      const dir = tmp()
      // The "earlier process": its layer starts three tasks, then loses its connection and is never
      // released, as if rose had been killed.
      const abandoned = yield* Scope.make()
      const earlier = Context.get(
        yield* Layer.build(SshBackend.layer(direct()).pipe(Layer.provide(Platform.layer))).pipe(
          Scope.extend(abandoned)
        ),
        SshBackend.SshBackend
      )
      const start = (k: number, runId: string) =>
        Effect.gen(function* () {
          const inv = invocation(dir, ["sh", "-c", `echo $$ > ../left-${k}.pid; sleep 300`], { runId })
          fs.mkdirSync(inv.cwd, { recursive: true })
          yield* Effect.forkDaemon(Effect.ignore(earlier.run(inv)))
          const text = yield* Effect.promise(() => waitForFile(`${dir}/left-${k}.pid`, (t) => t.trim().length > 0, 60))
          return Number(text.trim())
        })
      const journaled = yield* start(0, "run-a")
      const unjournaled = yield* start(1, "run-a")
      const other = yield* start(2, "run-b")
      process.kill(-earlier.hosts()[0]!.masterPid!, "SIGKILL")
      yield* Effect.sleep("1 second")
      assert.deepStrictEqual([journaled, unjournaled, other].filter(isAlive), [journaled, unjournaled, other])
      // The resumed run's process: the pgid its journal has, and the earlier run's id.
      const killed = yield* withBackend(direct(), (ssh) => ssh.reap([{ host, pgid: journaled }], ["run-a"]))
      assert.isAtLeast(killed.killed, 2)
      const left = yield* Effect.promise(() => waitGone([journaled, unjournaled]))
      assert.notInclude(left, journaled, "killed by its journaled pgid")
      assert.notInclude(left, unjournaled, "killed by its run id (its start never reached the journal)")
      assert.isTrue(isAlive(other), "another run's task was left alone")
      // Clean up what the "dead" process left: its release kills its own tasks.
      yield* Scope.close(abandoned, Exit.void)
      assert.deepStrictEqual(yield* Effect.promise(() => waitGone([other])), [])
    })
  )

  it.live("a task's own exit 255 is its exit code, not a lost connection", () =>
    Effect.gen(function* () {
      const dir = tmp()
      yield* withBackend(direct(), (ssh) =>
        Effect.gen(function* () {
          const r = yield* ssh.run(invocation(dir, ["sh", "-c", "echo bye >&2; exit 255"]))
          assert.strictEqual(r.exitCode, 255)
        })
      )
    })
  )

  it.live("environment and setup lines per backend, host and task, in that order; a failing setup line says so", () =>
    Effect.gen(function* () {
      const dir = tmp()
      const config = direct({
        hosts: [{ host, env: { LEVEL: "host", HOST_ONLY: "h" }, setup: ['export SETUP_TRAIL="$SETUP_TRAIL>host"'] }],
        env: { LEVEL: "backend", BACKEND_ONLY: "it's $HOME" },
        setup: ["export SETUP_TRAIL=backend", "cd /"],
        tasks: {
          training: { env: { LEVEL: "task" }, setup: ['export SETUP_TRAIL="$SETUP_TRAIL>task"'] },
          broken: { setup: ['sh -c "exit 3"'] }
        }
      })
      yield* withBackend(config, (ssh) =>
        Effect.gen(function* () {
          const script = 'echo "$LEVEL|$HOST_ONLY|$BACKEND_ONLY|$SETUP_TRAIL|$ROSE_X"; pwd'
          const training = invocation(dir, ["sh", "-c", script], { task: "training", env: { ROSE_X: "inv" } })
          yield* ssh.run(training)
          assert.strictEqual(
            fs.readFileSync(training.stdoutPath, "utf8"),
            `task|h|it's $HOME|backend>host>task|inv\n${training.cwd}\n`,
            "later levels win; setup runs in the launcher's shell; the task still starts in its own directory"
          )
          const other = invocation(dir, ["sh", "-c", script], { task: "other", env: { LEVEL: "invocation" } })
          yield* ssh.run(other)
          assert.strictEqual(
            fs.readFileSync(other.stdoutPath, "utf8").split("\n")[0],
            "invocation|h|it's $HOME|backend>host|"
          )
          const broken = invocation(dir, ["sh", "-c", "echo never"], { task: "broken" })
          const r = yield* ssh.run(broken)
          assert.strictEqual(r.exitCode, 3)
          assert.strictEqual(fs.readFileSync(broken.stdoutPath, "utf8"), "")
          assert.include(fs.readFileSync(broken.stderrPath, "utf8"), "rose: setup line 4 failed with status 3")
        })
      )
    })
  )

  it.live("what the login shell prints before the launcher stays out of the task's output", () =>
    Effect.gen(function* () {
      const dir = tmp()
      const chatty = `sh -c 'echo motd-out; echo motd-err >&2; exec /bin/sh "$@"' sh`
      yield* withBackend(direct({ shell: chatty }), (ssh) =>
        Effect.gen(function* () {
          const inv = invocation(dir, ["sh", "-c", "echo out; echo err >&2"])
          yield* ssh.run(inv)
          assert.strictEqual(fs.readFileSync(inv.stdoutPath, "utf8"), "out\n")
          assert.strictEqual(fs.readFileSync(inv.stderrPath, "utf8"), "err\n")
        })
      )
    })
  )

  it.live("large and binary output arrives intact", () =>
    Effect.gen(function* () {
      const dir = tmp()
      yield* withBackend(direct(), (ssh) =>
        Effect.gen(function* () {
          const inv = invocation(dir, [
            "sh",
            "-c",
            "head -c 3000000 /dev/urandom > ../blob; cat ../blob; cat ../blob >&2"
          ])
          fs.mkdirSync(inv.cwd, { recursive: true })
          const r = yield* ssh.run(inv)
          assert.strictEqual(r.exitCode, 0)
          const blob = fs.readFileSync(`${dir}/blob`)
          assert.isTrue(fs.readFileSync(inv.stdoutPath).equals(blob))
          assert.isTrue(fs.readFileSync(inv.stderrPath).equals(blob))
        })
      )
    })
  )

  it.live("files are uploaded before a task and downloaded after it, on a host with its own root", () =>
    Effect.gen(function* () {
      const dir = tmp()
      const local = `${dir}/local`
      const root = `${dir}/remote root`
      fs.mkdirSync(`${local}/learners/e-0/iter-0`, { recursive: true })
      fs.writeFileSync(`${local}/learners/e-0/input.txt`, "21\n")
      fs.writeFileSync(`${dir}/shared data.csv`, "x,y\n")
      const config = direct({
        hosts: [{ host, root }],
        upload: ["input.txt", `${dir}/shared data.csv`],
        tasks: { training: { download: ["result.txt", "logs"] } }
      })
      yield* withBackend(config, (ssh) =>
        Effect.gen(function* () {
          const workspace = ssh.workspace(local, "r1", { name: "e", index: 0 })
          assert.strictEqual(workspace, `${root}/r1`)
          const cwd = `${workspace}/learners/e-0`
          const inv = invocation(
            dir,
            [
              "sh",
              "-c",
              'echo $(( $(cat input.txt) * 2 )) > result.txt; mkdir -p logs; cat "shared data.csv" > logs/copy.csv'
            ],
            {
              runId: "r1",
              task: "training",
              cwd,
              stdoutPath: `${local}/learners/e-0/iter-0/training.out`,
              stderrPath: `${local}/learners/e-0/iter-0/training.err`
            }
          )
          const r = yield* ssh.run(inv)
          assert.strictEqual(r.exitCode, 0, fs.readFileSync(inv.stderrPath, "utf8"))
          assert.strictEqual(fs.readFileSync(`${local}/learners/e-0/result.txt`, "utf8"), "42\n")
          assert.strictEqual(fs.readFileSync(`${local}/learners/e-0/logs/copy.csv`, "utf8"), "x,y\n")
          // A download that is missing after a successful task is an error naming it.
          const missing = invocation(dir, ["true"], {
            runId: "r1",
            task: "training",
            cwd,
            stdoutPath: `${local}/learners/e-0/iter-0/t2.out`,
            stderrPath: `${local}/learners/e-0/iter-0/t2.err`
          })
          fs.rmSync(`${root}/r1/learners/e-0/result.txt`)
          const e = yield* Effect.flip(ssh.run(missing))
          assert.include(e.message, "download of result.txt, logs failed")
        })
      )
    })
  )
})
