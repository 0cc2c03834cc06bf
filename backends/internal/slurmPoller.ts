/**
 * The SLURM backend's one watcher: a fiber that, every poll interval, asks `squeue` about every
 * outstanding job in one call and reads the wrappers' start and exit files, then completes each job's
 * deferreds. No process waits per task.
 */
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import * as Parse from "./slurmParse.ts"

/** How a watched job ended. */
export type JobEnd =
  | { readonly _tag: "Exit"; readonly record: Parse.ExitRecord; readonly at: number }
  | { readonly _tag: "Lost"; readonly state: string; readonly reason: string }
  | { readonly _tag: "Hopeless"; readonly kind: "resources" | "config"; readonly reason: string }

/** One job (job mode) or one step (allocation mode: only its start is watched). */
export interface Watch {
  /** The job to ask `squeue` about; undefined for a step, whose `srun` reports its end. */
  readonly jobId: string | undefined
  readonly startFile: string
  /** The exit file (job mode). */
  readonly exitFile: string | undefined
  /** The task's start record, or none if the job ended before the task started. */
  readonly started: Deferred.Deferred<Option.Option<Parse.StartRecord>>
  readonly ended: Deferred.Deferred<JobEnd>
  /** Completes once the scheduler no longer shows the job pending, running or completing. */
  readonly gone: Deferred.Deferred<void>
  state: string | undefined
  reason: string
  /** Consecutive polls that did not list the job. */
  missing: number
  /** When the job was first seen over (ended or gone) with no exit file yet. */
  overAt: number | undefined
  /** How it ended, once it did. */
  end: JobEnd | undefined
  /** Which of the deferreds are completed. */
  isStarted: boolean
  isEnded: boolean
  isGone: boolean
}

/** What the poller needs from the backend. */
export interface PollerDeps {
  /** Runs `squeue` for these ids: the rows, or undefined if the scheduler did not answer. */
  readonly squeue: (ids: ReadonlyArray<string>) => Effect.Effect<Map<string, Parse.JobRow> | undefined>
  /** A file's text, or undefined if it does not exist (yet). */
  readonly read: (path: string) => Effect.Effect<string | undefined>
  readonly pollMillis: number
  /** How long a job may be over without its exit file before it counts as lost. */
  readonly exitWaitMillis: number
}

/** The watcher's registry of outstanding jobs and steps. */
export interface Poller {
  readonly add: (
    key: string,
    watch: { readonly jobId: string | undefined; readonly startFile: string; readonly exitFile: string | undefined }
  ) => Effect.Effect<Watch>
  readonly remove: (key: string) => Effect.Effect<void>
  readonly size: () => number
  /** The jobs not yet seen gone. */
  readonly jobIds: () => ReadonlyArray<string>
  /** One round of checks (the loop runs it every poll interval). */
  readonly tick: Effect.Effect<void>
  /** The loop; fork it in the layer's scope. */
  readonly loop: Effect.Effect<never>
}

const markStarted = (w: Watch, rec: Option.Option<Parse.StartRecord>) =>
  Effect.suspend(() => {
    if (w.isStarted) return Effect.void
    w.isStarted = true
    return Deferred.succeed(w.started, rec)
  })

const markGone = (w: Watch) =>
  Effect.suspend(() => {
    if (w.isGone) return Effect.void
    w.isGone = true
    return Deferred.succeed(w.gone, undefined)
  })

const markEnded = (w: Watch, e: JobEnd) =>
  Effect.suspend(() => {
    if (w.isEnded) return Effect.void
    w.isEnded = true
    w.end = e
    return markStarted(w, Option.none()).pipe(Effect.zipRight(Deferred.succeed(w.ended, e)))
  })

/** The start record, if the task was seen starting. */
export const startRecord = (w: Watch): Effect.Effect<Parse.StartRecord | undefined> =>
  Effect.flatMap(Deferred.poll(w.started), (o) =>
    Option.isNone(o) ? Effect.succeed(undefined) : Effect.map(o.value, Option.getOrUndefined)
  )

/** Makes the registry and its loop. */
export const make = (deps: PollerDeps): Poller => {
  const watches = new Map<string, Watch>()

  const checkStart = (w: Watch) =>
    w.isStarted
      ? Effect.void
      : Effect.flatMap(deps.read(w.startFile), (text) => {
          const rec = text === undefined ? undefined : Parse.parseStart(text)
          return rec === undefined ? Effect.void : markStarted(w, Option.some(rec))
        })

  const end = markEnded

  const checkJob = (w: Watch, rows: Map<string, Parse.JobRow> | undefined, now: number) =>
    Effect.gen(function* () {
      const row = w.jobId === undefined ? undefined : rows?.get(w.jobId)
      if (row !== undefined) {
        w.state = row.state
        w.reason = row.reason
        w.missing = 0
      } else if (rows !== undefined && w.jobId !== undefined && !w.isGone) {
        w.missing++
      }
      // Once over, a job is no longer asked about (and stays over).
      const over = w.isGone || (row !== undefined ? !Parse.isActive(row.state) : rows !== undefined && w.missing >= 2)
      if (over) yield* markGone(w)
      if (w.isEnded) return
      if (row !== undefined && Parse.isPending(row.state)) {
        const hopeless = Parse.hopelessPending(row.reason)
        if (hopeless !== undefined) {
          yield* end(w, {
            _tag: "Hopeless",
            kind: hopeless,
            reason: `job ${w.jobId} can never start as submitted (pending, reason ${row.reason})`
          })
        }
        return
      }
      yield* checkStart(w)
      if (w.exitFile === undefined) return
      const text = yield* deps.read(w.exitFile)
      const record = text === undefined ? undefined : Parse.parseExit(text)
      if (record !== undefined) {
        // The task may have started and ended since the start file was last read.
        yield* checkStart(w)
        yield* end(w, { _tag: "Exit", record, at: now })
        return
      }
      if (!over) return
      // Over without an exit status: give a shared file system a moment to show the file.
      if (w.overAt === undefined) w.overAt = now
      else if (now - w.overAt >= deps.exitWaitMillis) {
        const state = w.state ?? "UNKNOWN"
        yield* end(w, {
          _tag: "Lost",
          state,
          reason:
            row === undefined && w.state === undefined
              ? "the job vanished from the scheduler's queue without writing an exit status"
              : Parse.lostReason(state, w.reason)
        })
      }
    })

  const tick = Effect.gen(function* () {
    if (watches.size === 0) return
    const all = [...watches.values()]
    const ids = all.flatMap((w) => (w.jobId !== undefined && !w.isGone ? [w.jobId] : []))
    const rows = ids.length === 0 ? new Map<string, Parse.JobRow>() : yield* deps.squeue(ids)
    const now = yield* Clock.currentTimeMillis
    yield* Effect.forEach(
      all,
      (w) => (w.jobId === undefined ? checkStart(w) : w.isEnded && w.isGone ? Effect.void : checkJob(w, rows, now)),
      { concurrency: 16, discard: true }
    )
  })

  return {
    add: (key, spec) =>
      Effect.sync(() => {
        const w: Watch = {
          ...spec,
          started: Deferred.unsafeMake(FiberId.none),
          ended: Deferred.unsafeMake(FiberId.none),
          gone: Deferred.unsafeMake(FiberId.none),
          state: undefined,
          reason: "",
          missing: 0,
          overAt: undefined,
          end: undefined,
          isStarted: false,
          isEnded: false,
          isGone: false
        }
        watches.set(key, w)
        return w
      }),
    remove: (key) => Effect.sync(() => void watches.delete(key)),
    size: () => watches.size,
    jobIds: () => [...watches.values()].flatMap((w) => (w.jobId !== undefined && !w.isGone ? [w.jobId] : [])),
    tick,
    loop: Effect.forever(
      tick.pipe(
        Effect.catchAllCause((cause) => Effect.logWarning("slurm poller: a round failed", cause)),
        Effect.zipRight(Effect.sleep(Duration.millis(deps.pollMillis)))
      )
    )
  }
}
