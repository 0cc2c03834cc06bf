/**
 * Re-attaching to a task of an earlier process (resume): a script in a session over the host's
 * master finds the task's control folder (by its ticket, or by its pid and run id) and, when the task
 * still runs, streams its output files into the invocation's local files until it ends; when it has
 * ended, it sends them whole with the exit status. A task that was cancelled, or that cannot be
 * found, is marked cancelled so its launcher never starts it, and gives `None`.
 */
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import type * as Backend from "../../core/Backend.ts"
import * as TaskError from "../../core/TaskError.ts"
import * as Args from "./sshArgs.ts"
import { trimText } from "./sshHints.ts"
import * as ResumeScript from "./sshResumeScript.ts"
import { type Deps, killRemote } from "./sshTask.ts"
import * as Ticket from "./sshTicket.ts"

/** What the attach script reported. */
interface Reports {
  control: string | undefined
  pid: number | undefined
  running: boolean
  exit: number | undefined
  /** `cancelled`, `none`, `foreign` or `lost`: the task is not to be waited for. */
  gone: string | undefined
}

/** The backend's `attach`. */
export const make =
  (deps: Deps) =>
  (
    invocation: Backend.Invocation,
    earlier: Backend.Earlier
  ): Effect.Effect<Option.Option<Backend.Outcome>, TaskError.BackendError> => {
    const { connections, marker, pool } = deps
    const ticket = earlier.ticket === undefined ? Option.none() : Ticket.decode(earlier.ticket)
    const label = Option.isSome(ticket) ? ticket.value.host : earlier.placement?.host
    const host = label === undefined ? undefined : pool.byLabel.get(label)
    const pid = earlier.placement?.pid
    if (host === undefined || (Option.isNone(ticket) && pid === undefined)) return Effect.succeed(Option.none())
    const where: ResumeScript.Where = Option.isSome(ticket)
      ? { _tag: "Control", control: ticket.value.control }
      : { _tag: "Pid", pid: pid! }
    const cores = Math.min(invocation.resources.cores ?? 1, host.slots.capacity)
    const taskOptions = deps.config.tasks?.[invocation.task]
    const downloads =
      host.spec.root === undefined ? [] : [...(deps.config.download ?? []), ...(taskOptions?.download ?? [])]

    return Effect.gen(function* () {
      yield* connections.ensure(host)
      const reports: Reports = {
        control: where._tag === "Control" ? where.control : undefined,
        pid: undefined,
        running: false,
        exit: undefined,
        gone: undefined
      }
      const running = Deferred.unsafeMake<void>(FiberId.none)
      const onRecord = (text: string) => {
        if (text.startsWith("control=")) reports.control = text.slice(8)
        else if (text.startsWith("pid=")) reports.pid = Number(text.slice(4)) || undefined
        else if (text.startsWith("running=")) {
          reports.running = true
          Deferred.unsafeDone(running, Effect.void)
        } else if (text.startsWith("exit=")) reports.exit = Number(text.slice(5))
        else if (["cancelled", "none", "foreign", "lost"].includes(text)) reports.gone = text
      }
      const ticketNow = () =>
        reports.control === undefined
          ? earlier.ticket
          : Ticket.encode({ host: host.spec.label, control: reports.control })
      const placement = () => ({
        host: host.spec.label,
        pid: reports.pid,
        pgid: reports.pid,
        ticket: ticketNow()
      })
      const script = ResumeScript.attach({ marker, where, runId: earlier.runId, graceMillis: deps.graceMillis })

      const exit = yield* Effect.scoped(
        Effect.gen(function* () {
          const client = yield* Effect.acquireRelease(
            deps.spawner.spawn({
              command: { _tag: "Argv", argv: Args.command(deps.ssh, host.spec.connection, host.socket, deps.shell) },
              cwd: deps.localHost.cwd,
              env: {},
              stdin: script,
              stdout: { _tag: "File", path: invocation.stdoutPath, records: { marker, onRecord } },
              stderr: { _tag: "File", path: invocation.stderrPath, records: { marker, onRecord } }
            }),
            // Interrupted while it waits: the task is cancelled as `run` cancels it (SIGTERM to its
            // group, the grace period, SIGKILL), by a kill script in a session of its own.
            (client, exit) =>
              Exit.isInterrupted(exit) && reports.control !== undefined && reports.exit === undefined
                ? killRemote(deps, host, reports.control).pipe(Effect.zipRight(client.signalGroup("SIGKILL")))
                : Effect.void
          )
          yield* Effect.race(
            Effect.interruptible(Deferred.await(running)),
            Effect.interruptible(Effect.asVoid(client.exit))
          )
          if (reports.running) yield* invocation.onStart(placement())
          return yield* client.exit
        })
      )
      if (reports.exit === undefined) {
        if (reports.gone !== undefined) return Option.none()
        return yield* new TaskError.ConnectionLost({
          host: host.spec.label,
          reason: `the session that re-attached to the task ended without its status: ${trimText(exit.stderr) || `ssh exited with ${exit.exitCode ?? exit.signal}`}`
        })
      }
      if (reports.control !== undefined) host.adopted.add(reports.control)
      const outcome: Backend.Outcome = {
        ...placement(),
        exitCode: reports.exit,
        signal: null,
        endedAt: yield* Clock.currentTimeMillis
      }
      if (downloads.length > 0) {
        const fetched = yield* Effect.either(deps.transfer.download(host, invocation, downloads))
        if (Either.isLeft(fetched) && outcome.exitCode === 0) return yield* fetched.left
      }
      return Option.some(outcome)
    }).pipe(pool.overall.withSlots(cores), host.slots.withSlots(cores))
  }
