/**
 * `rose status RUN_DIR`: where a running or finished run stands, read from its journal (and
 * `run.json`) from another shell. A torn last line (the run is writing, or crashed mid-write) is
 * tolerated and said so.
 *
 * @since 0.1.0
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import * as Either from "effect/Either"
import * as DryRunBackend from "../backends/DryRunBackend.ts"
import * as Event from "../core/Event.ts"
import * as FileError from "../core/FileError.ts"
import * as Learner from "../core/Learner.ts"
import * as Ranking from "../core/Ranking.ts"
import * as RunManifest from "../core/RunManifest.ts"
import * as Display from "./Display.ts"
import * as Format from "./Format.ts"
import * as Progress from "./Progress.ts"
import { table } from "./Summary.ts"
import * as Term from "./Term.ts"

/**
 * What a run directory holds.
 *
 * @since 0.1.0
 * @category models
 */
export interface Snapshot {
  readonly progress: Progress.Progress
  /** Why `run.json` was not used (it is damaged): the learners are then the journal's alone. */
  readonly manifestProblem: string | undefined
  /** `run.json` says the tasks run on a dry-run backend. */
  readonly dryRun?: boolean | undefined
  readonly tornLine: string | undefined
  readonly invalid: number
  readonly hasResults: boolean
  /** The learners best first by their last metric value so far (as `results.json`'s `ranking`). */
  readonly ranking: ReadonlyArray<Ranking.Standing>
}

/**
 * Ranks a run's learners from its journal: each one's last metric value so far and the resolved
 * configuration of its last completed iteration.
 *
 * @since 0.1.0
 * @category constructors
 */
export const rankingOf = (
  progress: Progress.Progress,
  events: ReadonlyArray<Event.Event>
): ReadonlyArray<Ranking.Standing> => {
  const configs = new Map<string, Ranking.Entry["config"]>()
  for (const e of events) if (e._tag === "iteration_completed") configs.set(Learner.label(e.learner), e.config)
  return Ranking.rank(
    progress.learners.map((l) => ({
      name: l.ref.name,
      index: l.ref.index,
      metric:
        l.criterion === undefined
          ? undefined
          : { name: l.criterion.metric, operator: l.criterion.operator, threshold: l.criterion.threshold },
      value: l.history.at(-1),
      failed: l.status === "error",
      iterations: l.iterations,
      tasks: l.tasks,
      config: configs.get(l.label) ?? {}
    }))
  )
}

const readManifestSync = (runDir: string): Either.Either<RunManifest.RunManifest, RunManifest.RunManifestError> => {
  const path = `${runDir}/${RunManifest.fileName}`
  let text: string
  try {
    text = NodeFs.readFileSync(path, "utf8")
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === "ENOENT"
    const reason = missing ? "does not exist" : `cannot be read: ${FileError.reasonOf(e)}`
    return Either.left(new RunManifest.RunManifestError({ path, field: undefined, reason, missing }))
  }
  return RunManifest.decode(text, path)
}

/**
 * Reads a run directory's journal into a progress (sync: also used from a signal handler).
 *
 * @since 0.1.0
 * @category files
 */
export const readSync = (runDir: string): Snapshot | undefined => {
  let text: string
  try {
    text = NodeFs.readFileSync(`${runDir}/events.jsonl`, "utf8")
  } catch {
    return undefined
  }
  const manifest = readManifestSync(runDir)
  const journal = Event.parseJournal(text)
  const progress = Progress.fromEvents(
    Either.isRight(manifest) ? Progress.blocksOfPlan(manifest.right.plan) : [],
    journal.events
  )
  return {
    progress,
    ranking: rankingOf(progress, journal.events),
    manifestProblem: Either.isLeft(manifest) && !manifest.left.missing ? manifest.left.message : undefined,
    dryRun: Either.isRight(manifest) && manifest.right.dryRun === true,
    tornLine: journal.tornLine,
    invalid: journal.invalid,
    hasResults: NodeFs.existsSync(`${runDir}/results.json`)
  }
}

/**
 * Whether a process exists (signal 0).
 *
 * @since 0.1.0
 * @category predicates
 */
export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

const placement = (t: Progress.TaskView): string => {
  const parts: Array<string> = []
  if (t.pid !== undefined) parts.push(`pid ${t.pid}`)
  if (t.pgid !== undefined && t.pgid !== t.pid) parts.push(`pgid ${t.pgid}`)
  if (t.host !== undefined) parts.push(`on ${t.host}`)
  if (t.jobId !== undefined) parts.push(`job ${t.jobId}`)
  return parts.join(", ")
}

/**
 * Lists tasks that may still be running, one per line, with how to kill them.
 *
 * @since 0.1.0
 * @category rendering
 */
export const unfinishedLines = (tasks: ReadonlyArray<Progress.TaskView>): ReadonlyArray<string> =>
  tasks.map((t) => {
    const where = placement(t)
    return `  ${Learner.label(t.learner)} ${t.task} (iteration ${t.iteration}, attempt ${t.attempt})${where === "" ? "" : `: ${where}`}`
  })

/**
 * The kill command for tasks' process groups, if they have local ones.
 *
 * @since 0.1.0
 * @category rendering
 */
export const killHint = (tasks: ReadonlyArray<Progress.TaskView>): string | undefined => {
  const groups = tasks.flatMap((t) => (t.host === undefined && t.pgid !== undefined ? [t.pgid] : []))
  return groups.length === 0 ? undefined : `kill -KILL ${groups.map((g) => `-${g}`).join(" ")}`
}

/** Per metric, the learner ahead (`leading` while the run goes on, `best` once it ended). */
const bestLines = (ranking: ReadonlyArray<Ranking.Standing>, running: boolean): ReadonlyArray<string> => {
  const seen = new Set<string>()
  const out: Array<string> = []
  for (const r of ranking) {
    if (r.metric === null || r.operator === null || r.value === null || seen.has(r.metric)) continue
    seen.add(r.metric)
    const config = Ranking.configText(r.config)
    out.push(
      `${running ? "leading" : "best"} ${r.learner}: ${r.metric} ${Format.number(r.value)} (${Ranking.directionText(r.metric, r.operator)})${r.failed ? ", but it failed" : ""}${config === "" ? "" : `; ${config}`}`
    )
  }
  return out
}

/**
 * The command that resumes a run, to copy: `rose resume runs/X` (relative to `cwd` when the run is
 * under it; quoted for a POSIX shell when it has to be).
 *
 * @since 0.1.0
 * @category rendering
 */
export const resumeCommand = (runDir: string, cwd: string): string => {
  const relative = NodePath.relative(cwd, runDir)
  const dir = relative !== "" && !relative.startsWith("..") && !NodePath.isAbsolute(relative) ? relative : runDir
  return `rose resume ${/^[\w@%+=:,./-]+$/.test(dir) ? dir : `'${dir.replaceAll("'", "'\\''")}'`}`
}

/**
 * Renders the status of a run.
 *
 * @since 0.1.0
 * @category rendering
 */
export const render = (
  runDir: string,
  snapshot: Snapshot,
  options: {
    readonly now: number
    readonly color: boolean
    readonly isAlive: (pid: number) => boolean
    /** The folder the resume command is written relative to (default: the current one). */
    readonly cwd?: string | undefined
  }
): string => {
  const p = snapshot.progress
  const lines: Array<string> = []
  const finished = p.finished
  const roseAlive = p.rosePid !== undefined && options.isAlive(p.rosePid)
  let state: string
  if (finished !== undefined) {
    state = `${finished.status} in ${Format.duration(finished.durationMs)}`
  } else if (p.startedAt === undefined) {
    state = "not started (no run_started in the journal)"
  } else if (roseAlive) {
    state = `running for ${Format.elapsed(options.now - p.startedAt)} (rose pid ${p.rosePid})`
  } else {
    state = `not running: the rose process (pid ${p.rosePid ?? "?"}) is gone and the run did not finish`
  }
  const mark = snapshot.dryRun === true ? `  ${DryRunBackend.mark}` : ""
  lines.push(`run ${p.runId ?? "?"}  ${Term.paint(options.color, "bold", state)}${mark}`)
  lines.push(`run directory ${runDir}`)
  if (p.lastEventAt !== undefined) {
    lines.push(`last event ${Format.elapsed(options.now - p.lastEventAt)} ago (${Format.plural(p.events, "event")})`)
  }
  lines.push("")
  const byLabel = new Map(p.learners.map((l) => [l.label, l]))
  const ranked = snapshot.ranking.flatMap((r) => {
    const l = byLabel.get(r.learner)
    return l === undefined ? [] : [{ r, l }]
  })
  const anyConfig = ranked.some(({ r }) => Object.keys(r.config).length > 0)
  const rows = ranked.map(({ r, l }) => {
    const task =
      l.task === undefined || Progress.isDone(l)
        ? ""
        : `${l.task.task}${l.task.startedAt === undefined ? "" : ` ${Format.elapsed(options.now - l.task.startedAt)}`}`
    return [
      r.value === null ? "–" : String(r.rank),
      l.label,
      l.status,
      Progress.iterationText(l),
      String(l.tasks),
      Display.metricText(l),
      Format.sparkline(l.history),
      ...(anyConfig ? [Ranking.configText(r.config)] : []),
      l.status === "error" || l.status === "pruned" || l.status === "budget" ? (l.failure ?? "") : task
    ]
  })
  lines.push(
    table(
      [
        "rank",
        "learner",
        "state",
        "iterations",
        "tasks",
        "metric (last)",
        "history",
        ...(anyConfig ? ["config"] : []),
        "task"
      ],
      rows,
      { right: [0, 4], color: options.color }
    )
  )
  const leaders = bestLines(snapshot.ranking, finished === undefined)
  if (leaders.length > 0) lines.push(...leaders)
  const open = Progress.unfinished(p)
  if (open.length > 0) {
    lines.push("")
    lines.push(
      finished === undefined && roseAlive
        ? `${Format.plural(open.length, "task")} running, ${p.queued.size} queued:`
        : `${Format.plural(open.length, "task")} started and never finished; they may still be running:`
    )
    lines.push(...unfinishedLines(open))
    const hint = killHint(open)
    if (!(finished === undefined && roseAlive) && hint !== undefined) lines.push(`to kill them: ${hint}`)
  }
  // Work is left when a learner failed or was interrupted, or when rose died before the end.
  const left =
    finished === undefined
      ? p.startedAt !== undefined && !roseAlive
      : p.learners.some((l) => l.status === "error" || l.status === "interrupted")
  if (left) {
    lines.push("")
    lines.push(`resume with: ${resumeCommand(runDir, options.cwd ?? process.cwd())}`)
  }
  if (snapshot.manifestProblem !== undefined) {
    lines.push("")
    lines.push(`note: ${snapshot.manifestProblem}; the learners shown are the journal's`)
  }
  if (snapshot.tornLine !== undefined) {
    lines.push("")
    lines.push(
      "note: the journal's last line is incomplete (a write in progress, or a crash mid-write); it was ignored"
    )
  }
  if (snapshot.invalid > 0) lines.push(`note: ${Format.plural(snapshot.invalid, "journal line")} could not be read`)
  return `${lines.join("\n")}\n`
}
