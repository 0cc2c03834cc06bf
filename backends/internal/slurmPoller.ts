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

const markStarted = (watch: Watch, start: Option.Option<Parse.StartRecord>) =>
  Effect.suspend(() => {
    if (watch.isStarted) return Effect.void
    watch.isStarted = true
    return Deferred.succeed(watch.started, start)
  })

const markGone = (watch: Watch) =>
  Effect.suspend(() => {
    if (watch.isGone) return Effect.void
    watch.isGone = true
    return Deferred.succeed(watch.gone, undefined)
  })

const markEnded = (watch: Watch, jobEnd: JobEnd) =>
  Effect.suspend(() => {
    if (watch.isEnded) return Effect.void
    watch.isEnded = true
    watch.end = jobEnd
    return markStarted(watch, Option.none()).pipe(Effect.zipRight(Deferred.succeed(watch.ended, jobEnd)))
  })

/** The start record, if the task was seen starting. */
export const startRecord = (watch: Watch): Effect.Effect<Parse.StartRecord | undefined> =>
  Effect.flatMap(Deferred.poll(watch.started), (o) =>
    Option.isNone(o) ? Effect.succeed(undefined) : Effect.map(o.value, Option.getOrUndefined)
  )

/** Makes the registry and its loop. */
export const make = (deps: PollerDeps): Poller => {
  const watches = new Map<string, Watch>()

  const checkStart = (watch: Watch) =>
    watch.isStarted
      ? Effect.void
      : Effect.flatMap(deps.read(watch.startFile), (text) => {
          const start = text === undefined ? undefined : Parse.parseStart(text)
          return start === undefined ? Effect.void : markStarted(watch, Option.some(start))
        })

  const end = markEnded

  const checkJob = (watch: Watch, rows: Map<string, Parse.JobRow> | undefined, now: number) =>
    Effect.gen(function* () {
      const row = watch.jobId === undefined ? undefined : rows?.get(watch.jobId)
      if (row !== undefined) {
        watch.state = row.state
        watch.reason = row.reason
        watch.missing = 0
      } else if (rows !== undefined && watch.jobId !== undefined && !watch.isGone) {
        watch.missing++
      }
      // Once over, a job is no longer asked about (and stays over).
      const over =
        watch.isGone || (row !== undefined ? !Parse.isActive(row.state) : rows !== undefined && watch.missing >= 2)
      if (over) yield* markGone(watch)
      if (watch.isEnded) return
      if (row !== undefined && Parse.isPending(row.state)) {
        const hopeless = Parse.hopelessPending(row.reason)
        if (hopeless !== undefined) {
          yield* end(watch, {
            _tag: "Hopeless",
            kind: hopeless,
            reason: `job ${watch.jobId} can never start as submitted (pending, reason ${row.reason})`
          })
        }
        return
      }
      yield* checkStart(watch)
      if (watch.exitFile === undefined) return
      const text = yield* deps.read(watch.exitFile)
      const record = text === undefined ? undefined : Parse.parseExit(text)
      if (record !== undefined) {
        // The task may have started and ended since the start file was last read.
        yield* checkStart(watch)
        yield* end(watch, { _tag: "Exit", record, at: now })
        return
      }
      if (!over) return
      // Over without an exit status: give a shared file system a moment to show the file.
      if (watch.overAt === undefined) watch.overAt = now
      else if (now - watch.overAt >= deps.exitWaitMillis) {
        const state = watch.state ?? "UNKNOWN"
        yield* end(watch, {
          _tag: "Lost",
          state,
          reason:
            row === undefined && watch.state === undefined
              ? "the job vanished from the scheduler's queue without writing an exit status"
              : Parse.lostReason(state, watch.reason)
        })
      }
    })

  const tick = Effect.gen(function* () {
    if (watches.size === 0) return
    const all = [...watches.values()]
    const ids = all.flatMap((watch) => (watch.jobId !== undefined && !watch.isGone ? [watch.jobId] : []))
    const rows = ids.length === 0 ? new Map<string, Parse.JobRow>() : yield* deps.squeue(ids)
    const now = yield* Clock.currentTimeMillis
    yield* Effect.forEach(
      all,
      (watch) =>
        watch.jobId === undefined
          ? checkStart(watch)
          : watch.isEnded && watch.isGone
            ? Effect.void
            : checkJob(watch, rows, now),
      { concurrency: 16, discard: true }
    )
  })

  return {
    add: (key, spec) =>
      Effect.sync(() => {
        const watch: Watch = {
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
        watches.set(key, watch)
        return watch
      }),
    remove: (key) => Effect.sync(() => void watches.delete(key)),
    size: () => watches.size,
    jobIds: () =>
      [...watches.values()].flatMap((watch) => (watch.jobId !== undefined && !watch.isGone ? [watch.jobId] : [])),
    tick,
    loop: Effect.forever(
      tick.pipe(
        Effect.catchAllCause((cause) => Effect.logWarning("slurm poller: a round failed", cause)),
        Effect.zipRight(Effect.sleep(Duration.millis(deps.pollMillis)))
      )
    )
  }
}
