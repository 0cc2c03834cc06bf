/**
 * The tasks of a learner's interrupted iteration, as its journal tells them: those that finished (a
 * resume keeps them while the files they left are unchanged), those handed to a backend and never
 * seen to end (a resume re-attaches to them), and why any other runs again.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Backend from "../Backend.ts"
import type * as Event from "../Event.ts"
import type * as Json from "../Json.ts"

/** A file's size and modification time, as `task_finished` journals them. */
export interface FileMark {
  readonly size: number
  readonly mtimeMs: number
}

/**
 * A finished task a resume keeps: it is not run again, and its output is read back (an exec task's
 * from its `.out` file, an in-process task's from the journaled result).
 */
export interface KeptTask {
  readonly task: string
  readonly attempt: number
  /** The session that ran it. */
  readonly from: string
  /** What an in-process task returned (`undefined` for an exec task). */
  readonly result: Json.Json | undefined
}

/** A task handed to a backend and never seen to end: a resume re-attaches to it if it can. */
export interface InFlightTask {
  readonly task: string
  readonly attempt: number
  /** The session that submitted it. */
  readonly from: string
  readonly backend: string | undefined
  readonly ticket: string | undefined
  readonly placement: Backend.Placement | undefined
}

/** A task of the interrupted iteration that runs again, and why. */
export interface Rerun {
  readonly task: string
  readonly reason: string
}

/** What one task of an iteration did, as the journal tells it so far. */
interface Record {
  task: string
  attempt: number
  from: string
  /** The index in the journal of its first event of this attempt: the iteration's order. */
  at: number
  backend: string | undefined
  ticket: string | undefined
  placement: Backend.Placement | undefined
  state: "running" | "finished" | "failed" | "cancelled"
  files: { readonly [path: string]: FileMark } | undefined
  result: Json.Json | undefined
}

type TaskEvent = Extract<
  Event.Event,
  { _tag: "task_submitting" | "task_started" | "task_finished" | "task_failed" | "task_cancelled" }
>

/** The records of one learner's iterations, fed its task events in journal order. */
export class IterationTasks {
  private readonly byIteration = new Map<number, Map<string, Record>>()
  private readonly leftovers: Array<InFlightTask & { readonly iteration: number }> = []

  add(e: TaskEvent, at: number): void {
    let tasks = this.byIteration.get(e.iteration)
    if (tasks === undefined) {
      tasks = new Map()
      this.byIteration.set(e.iteration, tasks)
    }
    const known = tasks.get(e.task)
    const where = placementOf(e)
    if (e._tag === "task_submitting" || e._tag === "task_started") {
      // The same attempt seen again while it runs is a re-attachment (a resumed session's start of
      // it); after it ended, or for another attempt, it is a new run.
      if (known !== undefined && known.attempt === e.attempt && known.state === "running") {
        if (e._tag === "task_submitting") {
          // Handed over again by a later session (its re-attach found nothing): a new run of the
          // attempt, which that session's id proves and an earlier start no longer places.
          known.from = e.runId
          known.backend = e.backend
          known.ticket = e.ticket
          known.placement = undefined
        } else if (where !== undefined) known.placement = { ...known.placement, ...where }
        return
      }
      tasks.set(e.task, {
        task: e.task,
        attempt: e.attempt,
        from: e.runId,
        at,
        backend: e._tag === "task_submitting" ? e.backend : undefined,
        ticket: e._tag === "task_submitting" ? e.ticket : undefined,
        placement: e._tag === "task_started" ? where : undefined,
        state: "running",
        files: undefined,
        result: undefined
      })
      return
    }
    const record: Record =
      known !== undefined && known.attempt === e.attempt
        ? known
        : {
            task: e.task,
            attempt: e.attempt,
            from: e.runId,
            at,
            backend: undefined,
            ticket: undefined,
            placement: where,
            state: "running",
            files: undefined,
            result: undefined
          }
    tasks.set(e.task, record)
    if (e._tag === "task_finished") {
      record.state = "finished"
      record.files = e.files
      record.result = e.result
    } else record.state = e._tag === "task_failed" ? "failed" : "cancelled"
  }

  /**
   * An iteration completed: its tasks are history. One never seen to end (its end was on a damaged
   * line) stays a survivor: a resume kills it if it can prove it is still the task's.
   */
  complete(iteration: number): void {
    for (const r of this.byIteration.get(iteration)?.values() ?? []) {
      if (r.state === "running") this.leftovers.push({ ...toInFlight(r), iteration })
    }
    this.byIteration.delete(iteration)
  }

  /** Every task handed over and never seen to end, in any iteration: what may still run. */
  running(): ReadonlyArray<InFlightTask & { readonly iteration: number }> {
    const out: Array<InFlightTask & { readonly iteration: number }> = [...this.leftovers]
    for (const [iteration, tasks] of this.byIteration) {
      for (const r of tasks.values()) if (r.state === "running") out.push({ ...toInFlight(r), iteration })
    }
    return out
  }

  /**
   * The tasks of `iteration` (the one a resume re-runs), checked against the files on disk: kept,
   * in flight, and those that run again with the reason.
   */
  decide(
    iteration: number,
    options: { readonly keep: boolean; readonly why?: string }
  ): Effect.Effect<
    {
      readonly kept: ReadonlyArray<KeptTask>
      readonly inFlight: ReadonlyArray<InFlightTask>
      readonly rerun: ReadonlyArray<Rerun>
    },
    never,
    FileSystem.FileSystem
  > {
    const records = [...(this.byIteration.get(iteration)?.values() ?? [])].sort((a, b) => a.at - b.at)
    return Effect.gen(function* () {
      const rerun: Array<Rerun> = []
      if (!options.keep) {
        for (const r of records) {
          if (r.state === "finished" || r.state === "running") rerun.push({ task: r.task, reason: options.why ?? "" })
        }
        return { kept: [], inFlight: [], rerun }
      }
      const fs = yield* FileSystem.FileSystem
      // A file several tasks wrote must be as the last of them left it.
      const last = new Map<string, FileMark>()
      for (const r of records) for (const [path, mark] of Object.entries(r.files ?? {})) last.set(path, mark)
      const changed = new Map<string, string>()
      for (const [path, mark] of last) {
        const now = yield* markOf(fs, path)
        if (now === undefined) changed.set(path, `${path} is gone`)
        else if (now.size !== mark.size || now.mtimeMs !== mark.mtimeMs)
          changed.set(path, `${path} changed since it finished`)
      }
      // The first task that cannot be kept runs again, and so does every task that started after it
      // in the iteration (they may have read what it wrote).
      let cut: Record | undefined
      const unkept = new Map<Record, string>()
      for (const r of records) {
        if (r.state !== "finished") continue
        const problem =
          r.files === undefined && r.result === undefined
            ? "its run journaled neither its files nor a JSON result"
            : Object.keys(r.files ?? {})
                .map((p) => changed.get(p))
                .find((p) => p !== undefined)
        if (problem !== undefined) {
          unkept.set(r, problem)
          cut ??= r
        }
      }
      const kept: Array<KeptTask> = []
      const inFlight: Array<InFlightTask> = []
      for (const r of records) {
        if (r.state === "failed" || r.state === "cancelled") continue
        const problem = unkept.get(r)
        if (problem !== undefined) rerun.push({ task: r.task, reason: problem })
        else if (cut !== undefined && r.at > cut.at)
          rerun.push({ task: r.task, reason: `${cut.task}, which ran before it, runs again` })
        else if (r.state === "finished") kept.push({ task: r.task, attempt: r.attempt, from: r.from, result: r.result })
        else inFlight.push(toInFlight(r))
      }
      return { kept, inFlight, rerun }
    })
  }
}

const toInFlight = (r: Record): InFlightTask => ({
  task: r.task,
  attempt: r.attempt,
  from: r.from,
  backend: r.backend,
  ticket: r.ticket,
  placement: r.placement
})

const placementOf = (e: TaskEvent): Backend.Placement | undefined => {
  if (e._tag === "task_submitting") return undefined
  if (e.pid === undefined && e.pgid === undefined && e.jobId === undefined && e.host === undefined) return undefined
  return { pid: e.pid, pgid: e.pgid, startStamp: e.startStamp, host: e.host, jobId: e.jobId }
}

/** A file's mark now, or `undefined` if it is gone. */
export const markOf = (fs: FileSystem.FileSystem, path: string): Effect.Effect<FileMark | undefined> =>
  fs.stat(path).pipe(
    Effect.map(markOfInfo),
    Effect.orElseSucceed(() => undefined)
  )

/** The mark of a file whose `stat` is at hand. */
export const markOfInfo = (info: FileSystem.File.Info): FileMark => ({
  size: Number(info.size),
  mtimeMs: Option.match(info.mtime, { onNone: () => 0, onSome: (d) => d.getTime() })
})
