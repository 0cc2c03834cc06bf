/**
 * One task over SSH: its launcher sent on the stdin of an `ssh` multiplexed over the host's master,
 * the launcher's records (`ready`, `pid=`, `exit=`, …) read from the session's output, what the end
 * of the session means (an exit status, a missing command, a lost connection), and the cancel: a
 * line on the session's stdin, or a kill script in a session of its own when that gets no answer.
 */
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import type * as Backend from "../../core/Backend.ts"
import type * as Host from "../../core/Host.ts"
import type * as Spawner from "../../core/Spawner.ts"
import * as TaskError from "../../core/TaskError.ts"
import * as Args from "./sshArgs.ts"
import { type Config, entries } from "./sshConfig.ts"
import type { Connections } from "./sshConnection.ts"
import { trimText } from "./sshHints.ts"
import type { HostState, Pool } from "./sshHosts.ts"
import * as Script from "./sshScript.ts"
import * as Ticket from "./sshTicket.ts"
import type { Transfer } from "./sshTransfer.ts"

export interface Deps {
  readonly config: Config
  /** The backend's name, for its errors. */
  readonly name: string
  readonly spawner: Spawner.Service
  readonly localHost: Host.Service
  readonly ssh: string
  /** The remote command that reads the launcher on its stdin (`exec /bin/sh -s`). */
  readonly shell: string
  readonly graceMillis: number
  readonly connectSeconds: number
  /** The layer's nonce (its remote control folders) and the marker of the launchers' records. */
  readonly nonce: string
  readonly marker: string
  readonly pool: Pool
  readonly connections: Connections
  readonly transfer: Transfer
}

/** What a launcher reported. */
interface Reports {
  ready: boolean
  pid: number | undefined
  exit: number | undefined
  notFound: boolean
  fail: string | undefined
}

/** Cancels a remote task; a kill that cannot be delivered now is retried on reconnect or release. */
export const killRemote = (deps: Deps, host: HostState, control: string): Effect.Effect<void> =>
  Effect.gen(function* () {
    const result = yield* Effect.either(
      deps.connections.remote(
        host,
        Script.kill(control, deps.graceMillis),
        deps.graceMillis + deps.connectSeconds * 1000 + 5000
      )
    )
    if (Either.isLeft(result) || result.right.exitCode !== 0) host.orphans.add(control)
  })

/** The backend's `run`. */
export const make = (
  deps: Deps
): ((invocation: Backend.Invocation) => Effect.Effect<Backend.Outcome, TaskError.BackendError>) => {
  const { config, connectSeconds, connections, graceMillis: grace, marker, name, nonce, pool } = deps
  /** Numbers the layer's tasks: each has a remote control folder of that name. */
  let seq = 0

  const cancelRemote = (host: HostState, n: number) => killRemote(deps, host, Script.controlName(nonce, n))

  /**
   * Cancels a running task with a `cancel` line on its session's stdin, read by the watcher its
   * launcher starts: no new remote shell, whose login may take seconds. The line is sent once the
   * launcher said `ready`, when its shell has read the whole script and reads no more. A launcher
   * that never gets ready, or a line that gets no answer in time (a stuck connection), gets a kill
   * script in a session of its own.
   */
  const cancel = (host: HostState, n: number, client: Spawner.Process, ready: Deferred.Deferred<void>) =>
    Effect.gen(function* () {
      const within = <A>(effect: Effect.Effect<A>, millis: number) =>
        Effect.interruptible(effect).pipe(Effect.timeout(Duration.millis(millis)), Effect.option)
      const login = yield* within(
        Effect.raceFirst(Deferred.await(ready), Effect.asVoid(client.exit)),
        connectSeconds * 1000 + 10_000
      )
      const sent = Option.isSome(login) && (yield* client.send("cancel\n"))
      const ended = sent ? yield* within(client.exit, grace + connectSeconds * 1000 + 2000) : Option.none()
      if (Option.isNone(ended)) {
        yield* cancelRemote(host, n)
        yield* within(client.exit, 5000)
      }
      yield* client.signalGroup("SIGKILL")
    })

  return (invocation) => {
    const host = pool.hostFor(invocation.learner)
    const cores = invocation.resources.cores ?? 1
    if (cores > host.slots.capacity) {
      return Effect.fail(
        new TaskError.ResourceUnsatisfiable({
          reason: `task "${invocation.task}" asks for ${cores} cores; host ${host.spec.label} of backend ${name} has ${host.slots.capacity} slots`
        })
      )
    }
    const argv =
      invocation.command._tag === "Argv" ? invocation.command.argv : ["/bin/sh", "-c", invocation.command.script]
    const command = argv[0] ?? ""
    if (command.length === 0) {
      return Effect.fail(new TaskError.CommandNotFound({ command: "", reason: "the command line is empty" }))
    }
    for (const key of Object.keys(invocation.env)) {
      if (!Script.isEnvName(key)) {
        return Effect.fail(
          new TaskError.BackendUnavailable({
            backend: name,
            reason: `task "${invocation.task}": ${JSON.stringify(key)} is not a valid environment variable name`,
            retryable: false
          })
        )
      }
    }
    const taskOptions = config.tasks?.[invocation.task]
    const transfers = host.spec.root !== undefined
    const uploads = transfers ? [...(config.upload ?? []), ...(taskOptions?.upload ?? [])] : []
    const downloads = transfers ? [...(config.download ?? []), ...(taskOptions?.download ?? [])] : []

    // The host's slots first, then the overall cap: a task never holds a global slot while its host is busy.
    return Effect.gen(function* () {
      yield* connections.ensure(host)
      if (uploads.length > 0) yield* deps.transfer.upload(host, invocation, uploads)
      const n = ++seq
      const ticket = Ticket.encode({ host: host.spec.label, control: Script.controlName(nonce, n) })
      const placement = { host: host.spec.label, ticket }
      if (invocation.onSubmit !== undefined) yield* invocation.onSubmit(ticket)
      const reports: Reports = { ready: false, pid: undefined, exit: undefined, notFound: false, fail: undefined }
      const pidKnown = Deferred.unsafeMake<number>(FiberId.none)
      const ready = Deferred.unsafeMake<void>(FiberId.none)
      const onRecord = (text: string) => {
        if (text === "ready") {
          reports.ready = true
          Deferred.unsafeDone(ready, Effect.void)
        } else if (text.startsWith("pid=")) {
          reports.pid = Number(text.slice(4))
          Deferred.unsafeDone(pidKnown, Effect.succeed(reports.pid))
        } else if (text.startsWith("exit=")) reports.exit = Number(text.slice(5))
        else if (text === "notfound") reports.notFound = true
        else if (text.startsWith("fail=")) reports.fail = text.slice(5)
      }
      const script = Script.launcher({
        marker,
        nonce,
        seq: n,
        runId: invocation.runId,
        cwd: invocation.cwd,
        env: [...host.spec.env, ...entries(taskOptions?.env), ...entries(invocation.env)],
        setup: [...host.spec.setup, ...(taskOptions?.setup ?? [])],
        argv,
        graceMillis: grace
      })
      let started = false
      const reportStart = Effect.suspend(() => {
        if (started || reports.pid === undefined) return Effect.void
        started = true
        return invocation.onStart({ ...placement, pid: reports.pid, pgid: reports.pid })
      })

      /** What the end of the session means. */
      const outcome = (exit: Spawner.ProcessExit) =>
        Effect.gen(function* () {
          const endedAt = yield* Clock.currentTimeMillis
          const where = { ...placement, pid: reports.pid, pgid: reports.pid, endedAt }
          if (reports.exit !== undefined) return { ...where, exitCode: reports.exit, signal: null }
          if (reports.notFound) {
            return yield* new TaskError.CommandNotFound({
              command,
              host: host.spec.label,
              reason: command.includes("/")
                ? "no executable file at that path"
                : "not on the remote PATH (after the setup lines)"
            })
          }
          if (reports.fail !== undefined) {
            return yield* new TaskError.SpawnFailed({
              command,
              host: host.spec.label,
              reason:
                reports.fail === "cwd"
                  ? `cannot create or enter the working directory ${invocation.cwd}`
                  : "cannot create the launcher's control folder under $TMPDIR or /tmp"
            })
          }
          const connectionGone = `the control connection is gone (${host.lastError})`
          if (!reports.ready) {
            if (exit.exitCode === 255 || exit.exitCode === null) {
              return yield* new TaskError.ConnectionLost({
                host: host.spec.label,
                reason: `ssh failed before the task started: ${host.connected ? trimText(exit.stderr) || "no message" : connectionGone}`
              })
            }
            return yield* new TaskError.SpawnFailed({
              command: config.shell ?? "/bin/sh",
              host: host.spec.label,
              reason: `the remote shell did not run the launcher (exit ${exit.exitCode}): ${trimText(exit.stderr)}`
            })
          }
          if (reports.pid === undefined && exit.exitCode !== null && exit.exitCode !== 255) {
            // A setup line failed; the launcher said which on the task's stderr.
            return { ...where, exitCode: exit.exitCode, signal: null }
          }
          // ssh's own 255 (or a killed client): ask the host what became of the task.
          const status = yield* Effect.either(
            connections.remote(
              host,
              Script.status(marker, Script.controlName(nonce, n)),
              connectSeconds * 1000 + 10_000
            )
          )
          const record = Either.isRight(status) ? Script.recordsIn(status.right.stdout, marker)[0] : undefined
          if (record?.startsWith("exit=")) return { ...where, exitCode: Number(record.slice(5)), signal: null }
          if (record?.startsWith("running=")) yield* cancelRemote(host, n)
          else if (record === undefined) host.orphans.add(Script.controlName(nonce, n))
          const what =
            record?.startsWith("running=") === true
              ? " (the task was killed)"
              : record === undefined
                ? " (its process group will be killed on reconnect)"
                : ""
          return yield* new TaskError.ConnectionLost({
            host: host.spec.label,
            reason: `the connection broke while the task ran${what}: ${host.connected ? trimText(exit.stderr) || `ssh exited with ${exit.exitCode ?? exit.signal}` : connectionGone}`
          })
        })

      const result = yield* Effect.scoped(
        Effect.gen(function* () {
          const client = yield* Effect.acquireRelease(
            deps.spawner.spawn({
              command: { _tag: "Argv", argv: Args.command(deps.ssh, host.spec.connection, host.socket, deps.shell) },
              cwd: deps.localHost.cwd,
              env: {},
              stdin: script,
              keepStdinOpen: true,
              stdout: { _tag: "File", path: invocation.stdoutPath, records: { marker, onRecord } },
              stderr: { _tag: "File", path: invocation.stderrPath, records: { marker, onRecord } }
            }),
            // Runs before the scope kills the client's group.
            (client, exit) => (Exit.isInterrupted(exit) ? cancel(host, n, client, ready) : Effect.void)
          )
          yield* Effect.race(
            Effect.interruptible(Deferred.await(pidKnown)),
            Effect.interruptible(Effect.map(client.exit, () => 0))
          )
          yield* reportStart
          const exit = yield* client.exit
          yield* reportStart
          return yield* outcome(exit)
        })
      )
      if (downloads.length > 0) {
        const fetched = yield* Effect.either(deps.transfer.download(host, invocation, downloads))
        if (Either.isLeft(fetched) && result.exitCode === 0) return yield* fetched.left
      }
      return result satisfies Backend.Outcome
    }).pipe(pool.overall.withSlots(cores), host.slots.withSlots(cores))
  }
}
