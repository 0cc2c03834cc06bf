/**
 * Where a run stands, folded from its events: each learner's iteration, metric history, state and
 * measured iteration times, and which tasks are queued and running (with their process ids). The live display, `rose status`
 * and the message of a second Ctrl-C all read it. Updating it is cheap, so observers keep up with
 * the learners without ever making them wait.
 *
 * @since 0.1.0
 */
import type * as Event from "../core/Event.ts"
import * as Learner from "../core/Learner.ts"
import type * as Program from "../core/Program.ts"
import type * as RunManifest from "../core/RunManifest.ts"
import { TaskTally } from "../core/TaskTally.ts"
import * as Format from "./Format.ts"

/**
 * @since 0.1.0
 * @category models
 */
export type Status =
  | "waiting"
  | "queued"
  | "running"
  | "converged"
  | "max_iter"
  | "error"
  | "stopped"
  | "interrupted"
  | "pruned"
  | "budget"

/**
 * What is known of a learner block before it runs.
 *
 * @since 0.1.0
 * @category models
 */
export interface BlockInfo {
  readonly name: string
  readonly kind: string
  readonly parallel: number
  readonly maxIter: number | undefined
  readonly criterion: { readonly metric: string; readonly operator: string; readonly threshold: number } | undefined
  /** A sweep's point per learner (`n_labeled=200, learning_rate=0.1`). */
  readonly points?: ReadonlyArray<string | undefined> | undefined
}

/**
 * A task that was queued or started and has not ended.
 *
 * @since 0.1.0
 * @category models
 */
export interface TaskView {
  readonly learner: Learner.LearnerRef
  readonly iteration: number
  readonly task: string
  readonly attempt: number
  /** When it started (epoch ms); `undefined` while queued. */
  readonly startedAt: number | undefined
  readonly pid?: number | undefined
  readonly pgid?: number | undefined
  readonly host?: string | undefined
  readonly jobId?: string | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface LearnerView {
  readonly ref: Learner.LearnerRef
  readonly label: string
  /** The learner's sweep point, shown after its label (cut to 32 characters). */
  readonly point: string | undefined
  readonly kind: string
  readonly maxIter: number | undefined
  readonly criterion: BlockInfo["criterion"]
  /** Iterations completed. */
  iterations: number
  /** Task attempts that ended, finished or failed (retries included): `TaskTally`'s count. */
  tasks: number
  readonly history: Array<number>
  /**
   * `queued` while its tasks wait for a backend slot and none of them runs; `running` from its
   * first started task until it stops.
   */
  status: Status
  /** The iteration being run (while running). */
  current: number | undefined
  /** The task it runs now, if any. */
  task: TaskView | undefined
  /** How many of its tasks run now. */
  runningTasks: number
  /** Why it failed (`error`), why its block's population policy pruned it (`pruned`), or what budget stopped it. */
  failure: string | undefined
  /** When its current iteration began (its first task queued, or the previous iteration ended). */
  iterationStartedAt: number | undefined
  /** The wall time of each iteration it completed in this process, queueing included (ms). */
  readonly iterationMs: Array<number>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Progress {
  runId: string | undefined
  runDir: string | undefined
  /** The pid of the `rose` process that runs (ran) it. */
  rosePid: number | undefined
  /** Whether the run's metrics are synthetic (a dry run). */
  dryRun: boolean
  startedAt: number | undefined
  lastEventAt: number | undefined
  finished: { readonly status: Event.RunStatus; readonly durationMs: number } | undefined
  readonly learners: Array<LearnerView>
  readonly byLabel: Map<string, LearnerView>
  /** Tasks queued for a backend slot, by key. */
  readonly queued: Map<string, TaskView>
  /** Tasks running, by key. */
  readonly running: Map<string, TaskView>
  /** The tasks each learner spent (`LearnerView.tasks`). */
  readonly tally: TaskTally
  events: number
}

const keyOf = (learner: Learner.LearnerRef, iteration: number, task: string, attempt: number) =>
  `${Learner.label(learner)}/${iteration}/${task}/${attempt}`

const shortPoint = (point: string | undefined): string | undefined => {
  const chars = point === undefined ? [] : Array.from(point)
  return chars.length > 32 ? `${chars.slice(0, 31).join("")}…` : point
}

const addLearner = (p: Progress, ref: Learner.LearnerRef, block: BlockInfo | undefined): LearnerView => {
  const view: LearnerView = {
    ref,
    label: Learner.label(ref),
    point: shortPoint(block?.points?.[ref.index]),
    kind: block?.kind ?? "active",
    maxIter: block?.maxIter,
    criterion: block?.criterion,
    iterations: 0,
    tasks: 0,
    history: [],
    status: "waiting",
    current: undefined,
    task: undefined,
    runningTasks: 0,
    failure: undefined,
    iterationStartedAt: undefined,
    iterationMs: []
  }
  p.learners.push(view)
  p.byLabel.set(view.label, view)
  return view
}

/**
 * An empty progress for the given learner blocks.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (blocks: ReadonlyArray<BlockInfo>): Progress => {
  const p: Progress = {
    runId: undefined,
    runDir: undefined,
    rosePid: undefined,
    dryRun: false,
    startedAt: undefined,
    lastEventAt: undefined,
    finished: undefined,
    learners: [],
    byLabel: new Map(),
    queued: new Map(),
    running: new Map(),
    tally: new TaskTally(),
    events: 0
  }
  for (const b of blocks) for (let index = 0; index < b.parallel; index++) addLearner(p, { name: b.name, index }, b)
  return p
}

/**
 * The learner blocks of a program.
 *
 * @since 0.1.0
 * @category constructors
 */
export const blocksOfProgram = (program: Program.Program): ReadonlyArray<BlockInfo> =>
  program.learners.map((l) => ({
    name: l.name,
    kind: l.kind,
    parallel: l.parallel,
    maxIter: l.maxIter,
    criterion:
      l.criterion === undefined
        ? undefined
        : { metric: l.criterion.metric, operator: l.criterion.operator, threshold: l.criterion.threshold },
    ...(l.points === undefined
      ? {}
      : { points: Array.from({ length: l.parallel }, (_, k) => Learner.pointLabel(l, k)) })
  }))

/**
 * The learner blocks of a `run.json` plan.
 *
 * @since 0.1.0
 * @category constructors
 */
export const blocksOfPlan = (plan: RunManifest.Plan): ReadonlyArray<BlockInfo> =>
  plan.learners.map((l) => ({
    name: l.name,
    kind: l.kind,
    parallel: l.parallel,
    maxIter: l.maxIter ?? undefined,
    criterion:
      l.criterion === null
        ? undefined
        : { metric: l.criterion.metric, operator: l.criterion.operator, threshold: l.criterion.threshold }
  }))

const learnerOf = (p: Progress, ref: Learner.LearnerRef): LearnerView =>
  p.byLabel.get(Learner.label(ref)) ?? addLearner(p, ref, undefined)

const stopStatus = (reason: Event.StopReason): Status =>
  reason === "criterion_met" ? "converged" : reason === "max_iter" ? "max_iter" : reason

const where = (e: {
  readonly pid?: number | undefined
  readonly pgid?: number | undefined
  readonly host?: string | undefined
  readonly jobId?: string | undefined
}) => {
  const out: { pid?: number; pgid?: number; host?: string; jobId?: string } = {}
  if (e.pid !== undefined) out.pid = e.pid
  if (e.pgid !== undefined) out.pgid = e.pgid
  if (e.host !== undefined) out.host = e.host
  if (e.jobId !== undefined) out.jobId = e.jobId
  return out
}

/**
 * Folds one event into the progress (in place).
 *
 * @since 0.1.0
 * @category combinators
 */
export const apply = (progress: Progress, event: Event.Event): void => {
  progress.events++
  const at = Date.parse(event.ts)
  progress.lastEventAt = at
  if (progress.runId === undefined) progress.runId = event.runId
  switch (event._tag) {
    case "run_started": {
      progress.runDir = event.runDir
      progress.rosePid = event.pid
      progress.dryRun = event.dryRun === true
      progress.startedAt = at
      if (progress.learners.length === 0) {
        for (const learner of event.learners) {
          for (let index = 0; index < learner.parallel; index++) {
            addLearner(
              progress,
              { name: learner.name, index },
              { ...learner, maxIter: learner.maxIter ?? undefined, criterion: undefined }
            )
          }
        }
      }
      return
    }
    case "task_queued": {
      const view = { learner: event.learner, iteration: event.iteration, task: event.task, attempt: event.attempt }
      progress.queued.set(keyOf(event.learner, event.iteration, event.task, event.attempt), {
        ...view,
        startedAt: undefined
      })
      const learner = learnerOf(progress, event.learner)
      if (learner.runningTasks === 0 && (learner.status === "waiting" || learner.status === "running")) {
        learner.status = "queued"
      }
      learner.current = event.iteration
      learner.iterationStartedAt ??= at
      return
    }
    case "task_started": {
      const key = keyOf(event.learner, event.iteration, event.task, event.attempt)
      progress.queued.delete(key)
      const view: TaskView = {
        learner: event.learner,
        iteration: event.iteration,
        task: event.task,
        attempt: event.attempt,
        startedAt: at,
        ...where(event)
      }
      const learner = learnerOf(progress, event.learner)
      if (!progress.running.has(key)) learner.runningTasks++
      progress.running.set(key, view)
      if (learner.status === "waiting" || learner.status === "queued") learner.status = "running"
      learner.current = event.iteration
      learner.task = view
      learner.iterationStartedAt ??= at
      return
    }
    case "task_finished":
    case "task_failed": {
      const key = keyOf(event.learner, event.iteration, event.task, event.attempt)
      progress.queued.delete(key)
      const learner = learnerOf(progress, event.learner)
      learner.tasks += progress.tally.add(event)
      if (progress.running.delete(key)) learner.runningTasks = Math.max(0, learner.runningTasks - 1)
      if (
        learner.task !== undefined &&
        keyOf(learner.task.learner, learner.task.iteration, learner.task.task, learner.task.attempt) === key
      ) {
        learner.task = undefined
      }
      if (event._tag === "task_failed") learner.failure = `${event.task}: ${Format.failure(event.error)}`
      return
    }
    case "task_retried":
      return
    case "iteration_completed": {
      const learner = learnerOf(progress, event.learner)
      learner.tasks += progress.tally.add(event)
      learner.iterations = Math.max(learner.iterations, event.iteration + 1)
      if (event.metricValue !== null) learner.history.push(event.metricValue)
      learner.current = event.iteration + 1
      if (learner.iterationStartedAt !== undefined) learner.iterationMs.push(at - learner.iterationStartedAt)
      learner.iterationStartedAt = at
      if (learner.status === "waiting" || learner.status === "queued") learner.status = "running"
      return
    }
    case "learner_stopped": {
      const learner = learnerOf(progress, event.learner)
      learner.status = stopStatus(event.reason)
      learner.iterations = Math.max(learner.iterations, event.iterations)
      learner.current = undefined
      learner.task = undefined
      learner.runningTasks = 0
      learner.iterationStartedAt = undefined
      if (event.failure !== undefined) {
        learner.failure = `${event.failure.task === undefined ? "" : `${event.failure.task}: `}${Format.failure(event.failure)}`
      } else if (event.reason === "pruned" || event.reason === "budget") learner.failure = event.detail
      else if (event.reason !== "error") learner.failure = undefined
      for (const [key, t] of progress.running)
        if (Learner.label(t.learner) === learner.label) progress.running.delete(key)
      for (const [key, t] of progress.queued)
        if (Learner.label(t.learner) === learner.label) progress.queued.delete(key)
      return
    }
    case "run_finished":
      progress.finished = { status: event.status, durationMs: event.durationMs }
      return
  }
}

/**
 * A progress folded from a whole journal.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromEvents = (blocks: ReadonlyArray<BlockInfo>, events: ReadonlyArray<Event.Event>): Progress => {
  const p = make(blocks)
  for (const e of events) apply(p, e)
  return p
}

/**
 * Whether a learner has ended.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isDone = (l: LearnerView): boolean =>
  l.status !== "waiting" && l.status !== "queued" && l.status !== "running"

/**
 * The tasks that started and did not end: what may still be running if `rose` went away.
 *
 * @since 0.1.0
 * @category getters
 */
export const unfinished = (p: Progress): ReadonlyArray<TaskView> => [...p.running.values()]

/**
 * `3/15`: iterations done of `max_iter` (a count, where iteration indices are 0-based: a learner
 * that shows `3/15` runs iteration 3), or `3` without one.
 *
 * @since 0.1.0
 * @category rendering
 */
export const iterationText = (l: LearnerView): string =>
  l.maxIter === undefined ? `${l.iterations}` : `${Math.min(l.iterations, l.maxIter)}/${l.maxIter}`
