/**
 * Job mode's re-attaching (resume): finding the job an earlier process of the run submitted for a
 * task, by its journaled job id or else by the job name its ticket carries, and either following it
 * to its end (it is still queued or running) or reading how it ended (its wrapper's exit file, which
 * outlives the job in the scheduler's memory). A job that was cancelled, or that cannot be found and
 * left no exit status, gives none: it is made certain never to start, and the task runs again.
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Backend from "../../core/Backend.ts"
import type * as TaskError from "../../core/TaskError.ts"
import type { Attempt } from "./slurmAttempt.ts"
import type { Commands } from "./slurmCommands.ts"
import * as Parse from "./slurmParse.ts"
import type * as Poller from "./slurmPoller.ts"
import * as Script from "./slurmScript.ts"

/** How a followed job ended, with its start record and last state. */
export interface Followed {
  readonly start: Parse.StartRecord | undefined
  readonly end: Poller.JobEnd
  readonly state: string | undefined
}

export interface Deps {
  readonly attempt: Attempt
  readonly commands: Commands
  /** Bounds the wait for a cancelled job to leave the queue. */
  readonly cancelBound: Duration.Duration
  /**
   * Watches an outstanding job as `run` watches its own (a job slot, the poller, `onStart` once it
   * runs); interrupted, it cancels the job.
   */
  readonly follow: (
    invocation: Backend.Invocation,
    jobId: string,
    files: Script.Files
  ) => Effect.Effect<Followed, TaskError.BackendError>
  /** The outcome (or error) a job's end stands for, as `run` gives it. */
  readonly outcomeOf: (
    invocation: Backend.Invocation,
    jobId: string,
    start: Parse.StartRecord | undefined,
    end: Poller.JobEnd,
    state: string | undefined
  ) => Effect.Effect<Backend.Outcome, TaskError.BackendError>
}

/** The job of a ticket or a journaled id as the scheduler shows it (no row: it left the queue). */
interface Found {
  readonly jobId: string | undefined
  readonly row: Parse.JobRow | undefined
}

/** The row to follow among jobs of one name: an active one, else the newest. */
export const pickRow = (rows: ReadonlyArray<Parse.JobRow>): Parse.JobRow | undefined => {
  const byId = [...rows].sort((a, b) => Number(b.jobId) - Number(a.jobId))
  return byId.find((row) => Parse.isActive(row.state)) ?? byId[0]
}

export const make =
  (deps: Deps) =>
  (
    invocation: Backend.Invocation,
    earlier: Backend.Earlier
  ): Effect.Effect<Option.Option<Backend.Outcome>, TaskError.BackendError> => {
    const { attempt, commands } = deps
    const ticket = Script.parseTicket(earlier.ticket)
    const journaled = /^(\d+)$/.exec(earlier.placement?.jobId ?? "")?.[1]
    let jobId = journaled

    /** Cancels the earlier job by its id and its name, and waits (bounded) until it is gone. */
    const cancelEarlier = Effect.suspend(() =>
      Effect.all(
        [
          jobId === undefined ? Effect.void : commands.scancel([jobId]),
          ticket === undefined ? Effect.void : commands.scancel([`--name=${ticket.job}`])
        ],
        { discard: true }
      ).pipe(Effect.zipRight(jobId === undefined ? Effect.void : commands.awaitGone([jobId], deps.cancelBound)))
    )

    const find = Effect.gen(function* () {
      if (journaled !== undefined) {
        const rows = yield* commands.squeue([journaled])
        if (rows === undefined) return yield* commands.unavailable("squeue did not answer", true)
        return { jobId: journaled, row: rows.get(journaled) } satisfies Found
      }
      const result = yield* commands.command([
        "squeue",
        "--noheader",
        "--states=all",
        `--name=${ticket!.job}`,
        `--format=${Parse.squeueFormat}`
      ])
      if (result.exitCode !== 0) {
        return yield* commands.unavailable(`squeue failed: ${Parse.errorLines(result.stderr)}`, true)
      }
      const row = pickRow([...Parse.parseSqueue(result.stdout).values()])
      return { jobId: row?.jobId, row } satisfies Found
    })

    /** The wrapper's files: the ticket's, or (an older journal) the script `scontrol` names. */
    const filesOf = (id: string | undefined) =>
      ticket !== undefined
        ? Effect.succeed(Script.files(ticket.base))
        : id === undefined
          ? Effect.succeed(undefined)
          : commands.command(["scontrol", "show", "job", id]).pipe(
              Effect.map((shown) => {
                const script = shown.exitCode === 0 ? Parse.parseScontrol(shown.stdout).get("Command") : undefined
                return script?.endsWith(".sh") ? Script.files(script.slice(0, -".sh".length)) : undefined
              })
            )

    /** A cancelled task (by the earlier process, or by hand) is run again, not reported. */
    const settle = (id: string, followed: Followed) =>
      Effect.gen(function* () {
        const { end, start, state } = followed
        if (end._tag === "Exit" && (yield* attempt.cancelled(invocation, end.record, state))) {
          return Option.none()
        }
        if (end._tag === "Lost" && (end.state === "CANCELLED" || end.state === "UNKNOWN")) return Option.none()
        return Option.some(yield* deps.outcomeOf(invocation, id, start, end, state))
      })

    const body = Effect.gen(function* () {
      if (ticket === undefined && journaled === undefined) return Option.none()
      const found = yield* find
      jobId = found.jobId
      const files = yield* filesOf(found.jobId)
      if (files === undefined) {
        yield* cancelEarlier
        return Option.none()
      }
      const record = Parse.parseExit((yield* attempt.read(files.exit)) ?? "")
      const row = found.row
      // Still queued or running, or over with its exit file perhaps not yet visible on a shared file
      // system: the poller waits for it as it does for a job of this process.
      if (
        found.jobId !== undefined &&
        row !== undefined &&
        (Parse.isActive(row.state) || (record === undefined && row.state !== "CANCELLED"))
      ) {
        return yield* settle(found.jobId, yield* deps.follow(invocation, found.jobId, files))
      }
      if (record === undefined) {
        yield* cancelEarlier
        return Option.none()
      }
      // It ended while nobody watched: its exit file says how, its output is in the task's files.
      const start = Parse.parseStart((yield* attempt.read(files.start)) ?? "")
      const id = start?.jobId ?? found.jobId ?? ticket?.job ?? "unknown"
      if (start !== undefined) yield* invocation.onStart(attempt.placementOf(id, start))
      const endedAt = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
      return yield* settle(id, { start, end: { _tag: "Exit", record, at: endedAt }, state: row?.state })
    })

    // Interrupted before the job was followed (whose release cancels it): cancel it here.
    return body.pipe(Effect.onInterrupt(() => cancelEarlier))
  }
