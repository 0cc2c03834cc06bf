/**
 * Resuming a run from its journal (DESIGN §4.6): completed iterations are not re-run, metric
 * history and state are restored, learners that had finished stay finished, an incomplete iteration
 * re-runs whole with the configs it was journaled with, and whatever the earlier process left
 * running is killed first. A plan whose hash differs from the journaled one is refused unless forced.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type * as Backend from "./Backend.ts"
import * as Event from "./Event.ts"
import type * as IterationState from "./IterationState.ts"
import { sha256 } from "./internal/hash.ts"
import type * as Json from "./Json.ts"
import * as Learner from "./Learner.ts"
import * as Program from "./Program.ts"
import * as RunManifest from "./RunManifest.ts"

/**
 * @since 0.1.0
 * @category errors
 */
export class ResumeError extends Data.TaggedError("ResumeError")<{
  readonly runDir: string
  readonly reason: string
}> {
  override get message(): string {
    return `cannot resume ${this.runDir}: ${this.reason}`
  }
}

/**
 * What the journal says about one parallel learner.
 *
 * @since 0.1.0
 * @category models
 */
export interface LearnerPosition {
  readonly ref: Learner.LearnerRef
  /** `done`: it ended (criterion, max_iter, stopped) and stays so; `continue`: it runs from `nextIteration`. */
  readonly status: "done" | "continue"
  readonly nextIteration: number
  readonly history: ReadonlyArray<number>
  readonly prev:
    | {
        readonly iteration: number
        readonly metric: number | undefined
        readonly state: { readonly [task: string]: { readonly [key: string]: Json.Json } }
      }
    | undefined
  readonly lastConfig: { readonly [task: string]: IterationState.ResolvedConfig }
  /** How it ended, for learners that stay done. */
  readonly stopReason: Event.StopReason | undefined
  readonly failure: Event.Failure | undefined
  /** The configs the incomplete iteration's tasks were started with, replayed when it re-runs. */
  readonly replay: { readonly [task: string]: IterationState.ResolvedConfig }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ResumePlan {
  readonly runDir: string
  readonly previousRunId: string
  readonly planHash: string
  readonly learners: ReadonlyMap<string, LearnerPosition>
  /** Tasks journaled as started and never as ended: what the earlier process may have left running. */
  readonly survivors: ReadonlyArray<Backend.Placement & { readonly backend?: string | undefined }>
  /** Set when the journal's last line was torn (a crash mid-write); it is dropped. */
  readonly tornLine: string | undefined
  /** The numbers of lines in the journal that are not events (damaged): what they said is lost. */
  readonly damagedLines: ReadonlyArray<number>
  /** The pid of the earlier `rose` process. */
  readonly previousPid: number | undefined
  /** The ids of every earlier session of the run (one per start or resume). */
  readonly previousRunIds: ReadonlyArray<string>
}

const keyOf = (ref: Learner.LearnerRef) => Learner.label(ref)

/**
 * Reads a run directory's journal and works out where each learner of `program` stands.
 *
 * @since 0.1.0
 * @category constructors
 */
export const load = (
  runDir: string,
  program: Program.Program,
  options: { readonly force?: boolean } = {}
): Effect.Effect<ResumePlan, ResumeError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const fail = (reason: string) => Effect.fail(new ResumeError({ runDir, reason }))
    const run = yield* RunManifest.load(runDir).pipe(
      Effect.mapError(
        (e) =>
          new ResumeError({ runDir, reason: e.missing ? "it has no run.json (is it a run directory?)" : e.message })
      )
    )
    const journal = yield* fs
      .readFileString(`${runDir}/events.jsonl`)
      .pipe(Effect.catchAll(() => fail("it has no events.jsonl")))
    const planHash = yield* sha256(Program.canonicalJson(Program.describe(program)))
    if (run.planHash !== planHash && options.force !== true) {
      return yield* fail(
        "the program no longer matches the run (its compiled plan changed since the run started); resume with the same file, or force it (--force) to continue with the new plan"
      )
    }
    const parsed = Event.parseJournal(journal)
    const known = new Map<string, Learner.LearnerRef>()
    for (const def of program.learners) {
      for (let index = 0; index < def.parallel; index++)
        known.set(keyOf({ name: def.name, index }), { name: def.name, index })
    }
    type Mutable = {
      nextIteration: number
      history: Array<number>
      prev: LearnerPosition["prev"]
      lastConfig: LearnerPosition["lastConfig"]
      stop: Extract<Event.Event, { _tag: "learner_stopped" }> | undefined
      replay: Record<string, IterationState.ResolvedConfig>
    }
    const state = new Map<string, Mutable>()
    const at = (ref: Learner.LearnerRef) => {
      const key = keyOf(ref)
      let s = state.get(key)
      if (s === undefined) {
        s = { nextIteration: 0, history: [], prev: undefined, lastConfig: {}, stop: undefined, replay: {} }
        state.set(key, s)
      }
      return s
    }
    const open = new Map<string, Backend.Placement>()
    let previousPid: number | undefined
    let previousRunId = run.runId
    const runIds: Array<string> = []
    for (const e of parsed.events) {
      switch (e._tag) {
        case "run_started":
          previousPid = e.pid
          previousRunId = e.runId
          runIds.push(e.runId)
          break
        case "task_started": {
          const s = at(e.learner)
          if (e.iteration === s.nextIteration) s.replay[e.task] = e.config
          if (e.pid !== undefined || e.pgid !== undefined || e.jobId !== undefined) {
            open.set(`${keyOf(e.learner)}/${e.iteration}/${e.task}/${e.attempt}`, {
              pid: e.pid,
              pgid: e.pgid,
              startStamp: e.startStamp,
              host: e.host,
              jobId: e.jobId
            })
          }
          break
        }
        case "task_finished":
        case "task_failed":
          open.delete(`${keyOf(e.learner)}/${e.iteration}/${e.task}/${e.attempt}`)
          break
        case "iteration_completed": {
          const s = at(e.learner)
          if (e.metricValue !== null) s.history.push(e.metricValue)
          s.prev = { iteration: e.iteration, metric: e.metricValue ?? undefined, state: e.state as never }
          s.lastConfig = e.config
          s.nextIteration = e.iteration + 1
          s.replay = {}
          break
        }
        case "learner_stopped":
          at(e.learner).stop = e
          break
        default:
          break
      }
    }
    for (const key of state.keys()) {
      if (!known.has(key)) {
        if (options.force === true) continue
        return yield* fail(`the journal has learner ${key}, which the program does not define`)
      }
    }
    const learners = new Map<string, LearnerPosition>()
    for (const [key, ref] of known) {
      const s = state.get(key)
      // A learner that ended by itself or was stopped stays so; one that was interrupted or failed
      // continues from its incomplete iteration.
      const reason = s?.stop?.reason
      const done = reason === "criterion_met" || reason === "max_iter" || reason === "stopped"
      learners.set(key, {
        ref,
        status: done ? "done" : "continue",
        nextIteration: s?.nextIteration ?? 0,
        history: s?.history ?? [],
        prev: s?.prev,
        lastConfig: s?.lastConfig ?? {},
        stopReason: done ? reason : undefined,
        failure: undefined,
        replay: s?.replay ?? {}
      })
    }
    return {
      runDir,
      previousRunId,
      planHash,
      learners,
      survivors: [...open.values()],
      tornLine: parsed.tornLine,
      damagedLines: parsed.invalidLines,
      previousPid,
      previousRunIds: runIds
    }
  })

/**
 * What a resume will do, one line per learner (`rose resume --explain`).
 *
 * @since 0.1.0
 * @category rendering
 */
export const explain = (plan: ResumePlan): ReadonlyArray<string> => {
  const lines: Array<string> = []
  if (plan.tornLine !== undefined)
    lines.push(`the journal's last line was torn by the crash and is dropped: ${plan.tornLine.slice(0, 80)}`)
  if (plan.damagedLines.length > 0) {
    const n = plan.damagedLines.length
    const which = plan.damagedLines.slice(0, 10).join(", ") + (n > 10 ? ", …" : "")
    lines.push(
      `the journal is damaged: ${n} line(s) are not events (line${n === 1 ? "" : "s"} ${which}) and what they recorded is lost; a task whose end was on one counts as unfinished: its iteration runs again, and its process is killed only if it is provably still the task's`
    )
  }
  if (plan.survivors.length > 0) {
    lines.push(`${plan.survivors.length} task(s) of the earlier process may still run; they are killed first`)
  }
  for (const p of plan.learners.values()) {
    const label = keyOf(p.ref)
    const kept = p.nextIteration === 0 ? "nothing to reuse" : `reuses iterations 0-${p.nextIteration - 1}`
    if (p.status === "done") {
      lines.push(`${label}: ${p.stopReason} after ${p.nextIteration} iteration(s); stays as it is`)
    } else {
      const replayed = Object.keys(p.replay)
      lines.push(
        `${label}: ${kept}; runs from iteration ${p.nextIteration}${
          replayed.length > 0 ? ` (re-run whole, replaying the journaled configs of ${replayed.join(", ")})` : ""
        }`
      )
    }
  }
  return lines
}
