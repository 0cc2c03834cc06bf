/**
 * Resuming a run from its journal: completed iterations are not re-run, metric history and state are
 * restored, learners that had finished stay finished, and an incomplete iteration continues with the
 * configs it was journaled with: its finished tasks are kept while the files they left are
 * unchanged, tasks still running on a backend that can re-attach (SSH, SLURM) are waited for, and
 * the rest run again; whatever else the earlier process left running is killed first. A plan whose
 * hash differs from the journaled one is refused unless forced (and then nothing is kept of the
 * incomplete iteration).
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
import { type InFlightTask, IterationTasks, type KeptTask, type Rerun } from "./internal/resumeTasks.ts"
import type * as Json from "./Json.ts"
import * as Learner from "./Learner.ts"
import * as Program from "./Program.ts"
import * as RunManifest from "./RunManifest.ts"

export type { InFlightTask, KeptTask, Rerun } from "./internal/resumeTasks.ts"

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
  /** `done`: it ended (criterion, max_iter, stopped, budget) and stays so; `continue`: it runs from `nextIteration`. */
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
  /** The incomplete iteration's finished tasks that are kept (not run again), by task. */
  readonly kept: ReadonlyMap<string, KeptTask>
  /** Its tasks handed to a backend and never seen to end, by task: re-attached to if the backend can. */
  readonly inFlight: ReadonlyMap<string, InFlightTask>
  /** Its tasks that had started or finished and run again, with the reason. */
  readonly rerun: ReadonlyArray<Rerun>
}

/**
 * A task of the earlier process that never ended, with whose it is.
 *
 * @since 0.2.0
 * @category models
 */
export interface Survivor extends Backend.Placement {
  readonly learner: string
  readonly iteration: number
  readonly task: string
  readonly attempt: number
  readonly backend: string | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ResumePlan {
  readonly runDir: string
  readonly previousRunId: string
  /** The run's own id: its first session's, which names its directory (a resume keeps it). */
  readonly runId: string
  readonly planHash: string
  readonly learners: ReadonlyMap<string, LearnerPosition>
  /**
   * Tasks journaled as submitted or started and never as ended: what the earlier process may have
   * left running (a resume re-attaches to some of them and kills the others).
   */
  readonly survivors: ReadonlyArray<Survivor>
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
      tasks: IterationTasks
    }
    const state = new Map<string, Mutable>()
    const stateOf = (ref: Learner.LearnerRef) => {
      const key = keyOf(ref)
      let s = state.get(key)
      if (s === undefined) {
        s = {
          nextIteration: 0,
          history: [],
          prev: undefined,
          lastConfig: {},
          stop: undefined,
          replay: {},
          tasks: new IterationTasks()
        }
        state.set(key, s)
      }
      return s
    }
    let previousPid: number | undefined
    let previousRunId = run.sessionId ?? run.runId
    const runIds: Array<string> = []
    parsed.events.forEach((e, at) => {
      switch (e._tag) {
        case "run_started":
          previousPid = e.pid
          previousRunId = e.runId
          runIds.push(e.runId)
          break
        case "task_started": {
          const s = stateOf(e.learner)
          if (e.iteration === s.nextIteration) s.replay[e.task] = e.config
          s.tasks.add(e, at)
          break
        }
        case "task_submitting":
        case "task_finished":
        case "task_failed":
        case "task_cancelled":
          stateOf(e.learner).tasks.add(e, at)
          break
        case "iteration_completed": {
          const s = stateOf(e.learner)
          s.tasks.complete(e.iteration)
          if (e.metricValue !== null) s.history.push(e.metricValue)
          s.prev = { iteration: e.iteration, metric: e.metricValue ?? undefined, state: e.state as never }
          s.lastConfig = e.config
          s.nextIteration = e.iteration + 1
          s.replay = {}
          break
        }
        case "learner_stopped":
          stateOf(e.learner).stop = e
          break
        default:
          break
      }
    })
    for (const key of state.keys()) {
      if (!known.has(key)) {
        if (options.force === true) continue
        return yield* fail(`the journal has learner ${key}, which the program does not define`)
      }
    }
    const learners = new Map<string, LearnerPosition>()
    const survivors: Array<Survivor> = []
    const keep = run.planHash === planHash
    for (const [key, s] of state) {
      for (const t of s.tasks.running()) survivors.push(survivorOf(key, t.iteration, t))
    }
    for (const [key, ref] of known) {
      const s = state.get(key)
      // A learner that ended by itself, was stopped or ran out of its block's budget stays so; one
      // that was interrupted or failed continues from its incomplete iteration.
      const reason = s?.stop?.reason
      const done = reason === "criterion_met" || reason === "max_iter" || reason === "stopped" || reason === "budget"
      const tasks =
        s === undefined
          ? { kept: [], inFlight: [], rerun: [] }
          : yield* s.tasks.decide(s.nextIteration, {
              keep: keep && !done,
              why: done ? "its learner ended" : "the program changed since the run started (--force)"
            })
      learners.set(key, {
        ref,
        status: done ? "done" : "continue",
        nextIteration: s?.nextIteration ?? 0,
        history: s?.history ?? [],
        prev: s?.prev,
        lastConfig: s?.lastConfig ?? {},
        stopReason: done ? reason : undefined,
        failure: undefined,
        replay: s?.replay ?? {},
        kept: new Map(tasks.kept.map((t) => [t.task, t])),
        inFlight: new Map(tasks.inFlight.map((t) => [t.task, t])),
        rerun: tasks.rerun
      })
    }
    return {
      runDir,
      previousRunId,
      runId: runIds[0] ?? run.runId,
      planHash,
      learners,
      survivors: survivors.filter(findable),
      tornLine: parsed.tornLine,
      damagedLines: parsed.invalidLines,
      previousPid,
      previousRunIds: runIds
    }
  })

const survivorOf = (learner: string, iteration: number, t: InFlightTask): Survivor => ({
  ...t.placement,
  ticket: t.ticket,
  learner,
  iteration,
  task: t.task,
  attempt: t.attempt,
  backend: t.backend
})

/**
 * Which tasks of the earlier process a resume re-attaches to (in flight in an iteration that
 * continues, on a backend that can) and which it kills first.
 *
 * @since 0.2.0
 * @category resume
 */
export const handover = (
  plan: ResumePlan,
  canAttach: (learner: Learner.LearnerRef, task: string) => boolean
): { readonly attach: ReadonlyArray<Survivor>; readonly reap: ReadonlyArray<Survivor> } => {
  const attach: Array<Survivor> = []
  const reap: Array<Survivor> = []
  for (const s of plan.survivors) {
    const at = plan.learners.get(s.learner)
    const flight = at?.status === "continue" && at.nextIteration === s.iteration ? at.inFlight.get(s.task) : undefined
    if (at !== undefined && flight?.attempt === s.attempt && canAttach(at.ref, s.task)) attach.push(s)
    else reap.push(s)
  }
  return { attach, reap }
}

/** Whether a survivor has anything a backend could find it by. */
const findable = (s: Survivor) =>
  s.pid !== undefined || s.pgid !== undefined || s.jobId !== undefined || s.ticket !== undefined

/**
 * What a resume will do: a few lines, and with `detail` one line per task of each learner's
 * incomplete iteration (kept, re-attached or run again, and why).
 *
 * @since 0.1.0
 * @category rendering
 */
export const explain = (
  plan: ResumePlan,
  options: {
    readonly canAttach?: (learner: Learner.LearnerRef, task: string) => boolean
    readonly detail?: boolean
  } = {}
): ReadonlyArray<string> => {
  const lines: Array<string> = []
  if (plan.tornLine !== undefined)
    lines.push(`the journal's last line was torn by the crash and is dropped: ${plan.tornLine.slice(0, 80)}`)
  if (plan.damagedLines.length > 0) {
    const n = plan.damagedLines.length
    const which = plan.damagedLines.slice(0, 10).join(", ") + (n > 10 ? ", …" : "")
    lines.push(
      `the journal is damaged: ${n} line(s) are not events (line${n === 1 ? "" : "s"} ${which}) and what they recorded is lost; a task whose end was on one counts as unfinished: it runs again, and its process is killed only if it is provably still the task's`
    )
  }
  const split = handover(plan, options.canAttach ?? (() => false))
  const attached = new Set(split.attach.map((s) => `${s.learner}/${s.task}`))
  const toKill = split.reap.filter(findable)
  if (toKill.length > 0) {
    lines.push(`${toKill.length} task(s) of the earlier process may still run; they are killed first`)
  }
  for (const p of plan.learners.values()) {
    const label = keyOf(p.ref)
    // Indices are 0-based as in schedules; counts are counts ("1 iteration done").
    const done = `${p.nextIteration} iteration${p.nextIteration === 1 ? "" : "s"} done`
    const reused =
      p.nextIteration === 0
        ? "nothing to reuse"
        : `reuses iteration${p.nextIteration === 1 ? " 0" : `s 0-${p.nextIteration - 1}`}`
    if (p.status === "done") {
      lines.push(`${label}: ${p.stopReason} with ${done}; stays as it is`)
      continue
    }
    const rejoined = [...p.inFlight.keys()].filter((t) => attached.has(`${label}/${t}`))
    const counts = [
      p.kept.size > 0 ? `keeps ${p.kept.size} finished task(s)` : undefined,
      rejoined.length > 0 ? `re-attaches to ${rejoined.length} running task(s)` : undefined
    ].filter((c) => c !== undefined)
    const replayed = Object.keys(p.replay).length > 0 ? "with its journaled configs" : undefined
    const how = [replayed, ...counts].filter((c) => c !== undefined).join(", ")
    lines.push(`${label}: ${reused}; continues from iteration ${p.nextIteration}${how.length > 0 ? ` (${how})` : ""}`)
    if (options.detail !== true) continue
    for (const t of p.kept.values()) {
      lines.push(
        `  iteration ${p.nextIteration} ${t.task}: kept (it finished in session ${t.from}; its files are unchanged)`
      )
    }
    for (const t of p.inFlight.values()) {
      const where =
        t.placement?.jobId !== undefined
          ? `job ${t.placement.jobId}`
          : (t.placement?.host ?? t.backend ?? "its backend")
      lines.push(
        attached.has(`${label}/${t.task}`)
          ? `  iteration ${p.nextIteration} ${t.task}: re-attached (still running or ended on ${where}; waited for, not started again)`
          : `  iteration ${p.nextIteration} ${t.task}: re-run (its backend cannot re-attach to a task of a process that died: it is killed and started again)`
      )
    }
    for (const r of p.rerun) lines.push(`  iteration ${p.nextIteration} ${r.task}: re-run (${r.reason})`)
  }
  return lines
}

/**
 * Whether the backend a learner's task runs on can re-attach to a run of it by an earlier process.
 *
 * @since 0.2.0
 * @category resume
 */
export const attachable =
  (program: Program.Program, backend: Backend.Service, named: ReadonlyMap<string, Backend.Service>) =>
  (learner: Learner.LearnerRef, task: string): boolean => {
    const def = program.learners.find((l) => l.name === learner.name)
    // A task run several times an iteration runs under `<task>@<instance>`.
    const t = def?.tasks.get(task) ?? def?.tasks.get(task.split("@")[0] ?? task)
    if (t === undefined || t.binding._tag === "InProcess") return false
    const b = t.backend === undefined ? backend : (named.get(t.backend) ?? backend)
    return b.attach !== undefined
  }
