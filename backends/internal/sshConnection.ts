/**
 * The SSH backend's control connections: one ControlMaster per host, started when the layer is
 * built, restarted with a backoff when it dies, and stopped when the layer is released, and the
 * short commands multiplexed over it. A master runs under a watchdog shell, so a rose that dies
 * without closing it (SIGKILL, a crash) does not leave it holding its connection.
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Scope from "effect/Scope"
import type * as Host from "../../core/Host.ts"
import * as Spawner from "../../core/Spawner.ts"
import * as TaskError from "../../core/TaskError.ts"
import * as Args from "./sshArgs.ts"
import { diagnose, trimText } from "./sshHints.ts"
import type { HostState } from "./sshHosts.ts"
import * as Script from "./sshScript.ts"

/** What the connections need from the backend. */
export interface Deps {
  readonly spawner: Spawner.Service
  readonly fs: FileSystem.FileSystem
  readonly localHost: Host.Service
  /** The ssh program. */
  readonly ssh: string
  /** The remote command that reads a script on its stdin (`exec /bin/sh -s`). */
  readonly shell: string
  readonly connectSeconds: number
  /** The layer's nonce, which names its remote control folders. */
  readonly nonce: string
}

/** Why a host could not be connected. */
export interface Failure {
  readonly reason: string
  readonly retryable: boolean
}

export interface Connections {
  /** Runs a short local command (ssh, sftp) to its end with captured output, bounded. */
  readonly captured: (
    argv: ReadonlyArray<string>,
    stdin: string | undefined,
    timeoutMillis: number
  ) => Effect.Effect<Spawner.ProcessExit, Spawner.SpawnError>
  /** Runs a script on a host, over its master, bounded. */
  readonly remote: (
    host: HostState,
    script: string,
    timeoutMillis: number
  ) => Effect.Effect<Spawner.ProcessExit, Spawner.SpawnError>
  /** The host's master, restarted (with backoff) if it died. */
  readonly ensure: (host: HostState) => Effect.Effect<void, TaskError.ConnectionLost>
  /**
   * Connects every host, all at once; gives the failures. Closing the scope kills what lost
   * connections left running and stops the masters.
   */
  readonly connectAll: (hosts: ReadonlyArray<HostState>) => Effect.Effect<ReadonlyArray<Failure>, never, Scope.Scope>
}

export const make = (deps: Deps): Connections => {
  const { connectSeconds, fs, localHost, nonce, shell, spawner, ssh } = deps

  const bounded = <A, E>(argv: ReadonlyArray<string>, run: Effect.Effect<A, E>, timeoutMillis: number) =>
    run.pipe(
      Effect.timeoutFail({
        duration: Duration.millis(timeoutMillis),
        onTimeout: () =>
          new TaskError.SpawnFailed({ command: argv[0]!, reason: `no answer after ${timeoutMillis / 1000} s` })
      })
    )

  const captured = (argv: ReadonlyArray<string>, stdin: string | undefined, timeoutMillis: number) =>
    bounded(argv, spawner.capture({ argv, cwd: localHost.cwd, stdin }), timeoutMillis)

  const remote = (host: HostState, script: string, timeoutMillis: number) =>
    captured(Args.command(ssh, host.spec.connection, host.socket, shell), script, timeoutMillis)

  /** Whether the master answers `ssh -O check` on its socket (which appears after authentication). */
  const answers = (host: HostState) =>
    Effect.gen(function* () {
      if (!(yield* fs.exists(host.socket).pipe(Effect.orElseSucceed(() => false)))) return false
      const argv = Args.control(ssh, host.spec.connection, host.socket, "check")
      return Either.isRight(yield* Effect.either(bounded(argv, spawner.string({ argv, cwd: localHost.cwd }), 10_000)))
    })

  const start = (host: HostState): Effect.Effect<void, Failure> =>
    Effect.gen(function* () {
      // A master that died (killed, or its connection dropped) may leave its socket behind; a new
      // master would then run without multiplexing.
      yield* fs.remove(host.socket, { force: true }).pipe(Effect.ignore)
      // The master outlives this fiber: its scope is the host's until `stop` closes it, or this
      // start's, closed when the start fails.
      const scope = yield* Scope.make()
      yield* startIn(host, scope).pipe(Effect.onError(() => Scope.close(scope, Exit.void)))
    })

  const startIn = (host: HostState, scope: Scope.CloseableScope) =>
    Effect.gen(function* () {
      const spawned = yield* Effect.either(
        spawner
          .spawn({
            command: {
              _tag: "Argv",
              argv: Args.watchedMaster(ssh, host.spec.connection, host.socket, localHost.pid)
            },
            cwd: localHost.cwd,
            env: {},
            stdout: { _tag: "Ignore" },
            stderr: { _tag: "Capture" }
          })
          .pipe(Scope.extend(scope))
      )
      if (Either.isLeft(spawned)) {
        return yield* Effect.fail<Failure>({
          reason: `cannot run ${ssh}: ${spawned.left.message}; is the OpenSSH client installed?`,
          retryable: false
        })
      }
      const master = spawned.right
      const deadline = (yield* Clock.currentTimeMillis) + (connectSeconds + 5) * 1000
      const ready: Effect.Effect<boolean> = Effect.gen(function* () {
        while ((yield* Clock.currentTimeMillis) < deadline) {
          if (yield* answers(host)) return true
          yield* Effect.sleep(Duration.millis(25))
        }
        return false
      })
      // Both sides interruptible: a master may be started from a finalizer (to kill what a lost
      // connection left), where a race's loser would otherwise be waited for, here forever.
      const outcome = yield* Effect.race(
        Effect.interruptible(
          Effect.map(ready, (ok) => (ok ? { _tag: "ready" as const } : { _tag: "timeout" as const }))
        ),
        Effect.interruptible(
          Effect.map(master.exit, (exit) => ({ _tag: "exited" as const, stderr: exit.stderr, code: exit.exitCode }))
        )
      )
      if (outcome._tag !== "ready") {
        yield* Spawner.terminate(master, 500)
        const stderr = outcome._tag === "exited" ? outcome.stderr : ""
        const { hint, retryable } =
          outcome._tag === "exited"
            ? diagnose(stderr, host.spec)
            : { hint: `no connection after ${connectSeconds + 5} s`, retryable: true }
        const said = trimText(stderr)
        return yield* Effect.fail<Failure>({
          reason: `${host.spec.label}: ${hint}${said.length > 0 ? `; ssh said: ${said}` : ""}`,
          retryable
        })
      }
      host.master = { process: master, scope }
      host.connected = true
      host.failures = 0
      // Watch the master: when it exits (network, sshd restart), the next task reconnects. A daemon,
      // not a fiber of the layer's scope: a master may be started while that scope closes (to kill
      // what a lost connection left), and it ends with its master, which the release always stops.
      host.watcher = yield* Effect.forkDaemon(
        Effect.flatMap(master.exit, (exit) =>
          Effect.sync(() => {
            if (host.master?.process !== master) return
            host.connected = false
            host.lastError = trimText(exit.stderr) || `the control master exited (${exit.exitCode ?? exit.signal})`
          })
        )
      )
    })

  /** Stops a master: SIGTERM to its group, `graceMillis` for it to exit, then SIGKILL. */
  const close = (master: NonNullable<HostState["master"]>, graceMillis: number) =>
    Spawner.terminate(master.process, graceMillis).pipe(Effect.zipRight(Scope.close(master.scope, Exit.void)))

  const stop = (host: HostState) =>
    Effect.gen(function* () {
      const master = host.master
      if (master === undefined) return
      host.connected = false
      yield* Effect.ignore(captured(Args.control(ssh, host.spec.connection, host.socket, "exit"), undefined, 5000))
      yield* close(master, 2000)
      host.master = undefined
      if (host.watcher !== undefined) yield* Fiber.interrupt(host.watcher)
      host.watcher = undefined
    })

  /** Kills what lost connections left running on a host (best effort). */
  const killOrphans = (host: HostState) =>
    host.orphans.size === 0
      ? Effect.void
      : Effect.gen(function* () {
          const controls = [...host.orphans]
          const result = yield* Effect.either(remote(host, Script.orphans(controls), 15_000))
          if (Either.isRight(result) && result.right.exitCode === 0) for (const c of controls) host.orphans.delete(c)
        })

  const ensure = (host: HostState): Effect.Effect<void, TaskError.ConnectionLost> =>
    host.connected
      ? Effect.void
      : host.lock.withPermits(1)(
          Effect.gen(function* () {
            if (host.connected) return
            const now = yield* Clock.currentTimeMillis
            if (host.retryAt > now) yield* Effect.sleep(Duration.millis(host.retryAt - now))
            if (host.master !== undefined) yield* close(host.master, 500)
            host.master = undefined
            const started = yield* Effect.either(start(host))
            if (Either.isLeft(started)) {
              host.failures++
              host.retryAt = (yield* Clock.currentTimeMillis) + Math.min(30_000, 500 * 2 ** (host.failures - 1))
              host.lastError = started.left.reason
              return yield* new TaskError.ConnectionLost({
                host: host.spec.label,
                reason: `cannot reconnect: ${started.left.reason}`
              })
            }
            yield* killOrphans(host)
          })
        )

  const connectAll = (hosts: ReadonlyArray<HostState>) =>
    Effect.gen(function* () {
      const failures: Array<Failure> = []
      yield* Effect.forEach(
        hosts,
        (host) =>
          start(host).pipe(
            Effect.catchAll((failure) => Effect.sync(() => failures.push(failure))),
            Effect.zipRight(
              Effect.addFinalizer(() =>
                Effect.gen(function* () {
                  if (host.connected || host.orphans.size > 0 || host.adopted.size > 0) {
                    if (!host.connected) yield* Effect.ignore(ensure(host))
                    if (host.connected) {
                      yield* Effect.ignore(
                        remote(host, Script.cleanup(nonce, [...host.orphans], [...host.adopted]), 10_000)
                      )
                    }
                  }
                  yield* stop(host)
                })
              )
            )
          ),
        { concurrency: "unbounded", discard: true }
      )
      return failures
    })

  return { captured, remote, ensure, connectAll }
}
