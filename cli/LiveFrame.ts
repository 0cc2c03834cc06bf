/**
 * The frame the live display redraws: never taller than the terminal, so a redraw moves the cursor
 * back over all of it and nothing reaches the scrollback, and never wider. A header with the run's
 * elapsed time and ETA and the learners counted by state, a column header that names the metric
 * once, then as many learners as fit, the most relevant first (failed, running, then the best by the
 * metric's direction), and a last line that counts the ones left out.
 *
 * @since 0.1.0
 */
import * as Learner from "../core/Learner.ts"
import * as Metric from "../core/Metric.ts"
import * as Eta from "./Eta.ts"
import * as Format from "./Format.ts"
import * as Progress from "./Progress.ts"
import * as Term from "./Term.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface Size {
  readonly columns: number
  readonly rows: number
}

const states: ReadonlyArray<Progress.Status> = [
  "running",
  "queued",
  "waiting",
  "converged",
  "max_iter",
  "error",
  "stopped",
  "pruned",
  "budget",
  "interrupted"
]

const stateStyle: { readonly [S in Progress.Status]: Term.Style } = {
  waiting: "gray",
  queued: "gray",
  running: "cyan",
  converged: "green",
  max_iter: "yellow",
  error: "red",
  stopped: "gray",
  pruned: "gray",
  budget: "gray",
  interrupted: "magenta"
}

/**
 * `1m20s`, `?` when unknown, empty for a learner that ended.
 *
 * @since 0.1.0
 * @category rendering
 */
export const etaText = (eta: Eta.Eta): string =>
  eta === "done" ? "" : eta === "unknown" ? "?" : Format.elapsed(Math.ceil(eta / 1000) * 1000)

/**
 * The learners by state, in a fixed order, leaving out states nobody is in.
 *
 * @since 0.1.0
 * @category rendering
 */
export const countsText = (learners: ReadonlyArray<Progress.LearnerView>): string => {
  const counts = new Map<Progress.Status, number>()
  for (const l of learners) counts.set(l.status, (counts.get(l.status) ?? 0) + 1)
  return states
    .filter((s) => (counts.get(s) ?? 0) > 0)
    .map((s) => `${counts.get(s)} ${s}`)
    .join(" · ")
}

const directionOf = (l: Progress.LearnerView): Metric.Direction | undefined =>
  l.criterion === undefined
    ? undefined
    : (Metric.lookup(l.criterion.metric)?.direction ??
      (Metric.isOperator(l.criterion.operator) ? Metric.directionOf(l.criterion.operator) : undefined))

/**
 * Learners from best to worst by their last metric value and their metric's direction; the ones
 * without a value or a direction keep their order, after the others.
 *
 * @since 0.1.0
 * @category ordering
 */
export const byBest = (learners: ReadonlyArray<Progress.LearnerView>): ReadonlyArray<Progress.LearnerView> => {
  const score = (l: Progress.LearnerView): number | undefined => {
    const last = l.history.at(-1)
    const direction = directionOf(l)
    if (last === undefined || direction === undefined || !Number.isFinite(last)) return undefined
    return direction === "minimize" ? last : -last
  }
  return learners
    .map((l, order) => ({ l, order, score: score(l) }))
    .sort((a, b) =>
      a.score === undefined
        ? b.score === undefined
          ? a.order - b.order
          : 1
        : b.score === undefined
          ? -1
          : a.score - b.score || a.order - b.order
    )
    .map((x) => x.l)
}

/**
 * The learners to show in `room` lines, in the order shown. All of them in their own order when they
 * fit; otherwise failed ones first (at most half the room while others run), then running, then
 * the rest from best to worst, leaving a line for the count of the others.
 *
 * @since 0.1.0
 * @category ordering
 */
export const select = (
  learners: ReadonlyArray<Progress.LearnerView>,
  room: number
): { readonly shown: ReadonlyArray<Progress.LearnerView>; readonly hidden: ReadonlyArray<Progress.LearnerView> } => {
  if (learners.length <= room) return { shown: learners, hidden: [] }
  const slots = Math.max(0, room - 1)
  const failed = learners.filter((l) => l.status === "error")
  const running = learners.filter((l) => l.status === "running")
  const rest = byBest(learners.filter((l) => l.status !== "error" && l.status !== "running"))
  const picked = new Set<Progress.LearnerView>()
  const take = (list: ReadonlyArray<Progress.LearnerView>, limit: number) => {
    for (const l of list) {
      if (picked.size >= limit) return
      picked.add(l)
    }
  }
  take(failed, running.length > 0 ? Math.ceil(slots / 2) : slots)
  take(running, slots)
  take(failed, slots)
  take(rest, slots)
  const order = [...failed, ...running, ...rest]
  return { shown: order.filter((l) => picked.has(l)), hidden: order.filter((l) => !picked.has(l)) }
}

interface MetricColumn {
  readonly header: string
  readonly cell: (l: Progress.LearnerView) => string
}

/** The metric's name (and threshold) once in the column header when every learner shares it. */
const metricColumn = (learners: ReadonlyArray<Progress.LearnerView>): MetricColumn => {
  const criteria = learners.flatMap((l) => (l.criterion === undefined ? [] : [l.criterion]))
  const names = new Set(criteria.map((c) => c.metric))
  const bounds = new Set(criteria.map((c) => `${c.operator} ${Format.number(c.threshold)}`))
  const value = (l: Progress.LearnerView) => {
    const last = l.history.at(-1)
    return last === undefined ? "–" : Format.number(last)
  }
  if (names.size !== 1) {
    return {
      header: "metric",
      cell: (l) =>
        l.criterion === undefined
          ? l.history.length === 0
            ? ""
            : value(l)
          : `${l.criterion.metric} ${value(l)} (${l.criterion.operator} ${Format.number(l.criterion.threshold)})`
    }
  }
  const [name] = names
  if (bounds.size === 1) {
    const [bound] = bounds
    return { header: `${name} ${bound}`, cell: value }
  }
  return {
    header: name!,
    cell: (l) =>
      l.criterion === undefined
        ? value(l)
        : `${value(l)} (${l.criterion.operator} ${Format.number(l.criterion.threshold)})`
  }
}

/** A line without the padding after its last word. */
const row = (segments: ReadonlyArray<Term.Segment>, width: number, color: boolean): string => {
  const kept = [...segments]
  while (kept.length > 0 && kept.at(-1)!.text.trim() === "") kept.pop()
  const last = kept.pop()
  if (last !== undefined) kept.push({ ...last, text: last.text.trimEnd() })
  return Term.line(kept, width, color)
}

const taskSegments = (
  l: Progress.LearnerView,
  now: number,
  waiting: ReadonlyMap<string, Progress.TaskView>
): ReadonlyArray<Term.Segment> => {
  if (l.status === "queued") {
    const t = waiting.get(l.label)
    return t === undefined ? [] : [{ text: t.task, style: "dim" }]
  }
  if (l.status === "error") return l.failure === undefined ? [] : [{ text: l.failure, style: "red" }]
  if (l.status === "running" && l.task !== undefined) {
    const since = l.task.startedAt === undefined ? 0 : now - l.task.startedAt
    return [
      { text: l.task.task },
      ...(l.task.attempt > 1 ? [{ text: ` (attempt ${l.task.attempt})`, style: "yellow" as const }] : []),
      ...(since >= 1000 ? [{ text: ` ${Format.elapsed(since)}`, style: "dim" as const }] : [])
    ]
  }
  return []
}

/**
 * The frame for a terminal of the given size: at most `rows - 1` lines (the cursor rests on the line
 * below it), each at most `columns - 1` characters.
 *
 * @since 0.1.0
 * @category rendering
 */
export const frame = (p: Progress.Progress, now: number, size: Size, color: boolean): ReadonlyArray<string> => {
  const width = Math.max(1, size.columns - 1)
  const height = Math.max(1, size.rows - 1)
  const means = Eta.blockMeans(p)
  const since = p.finished?.durationMs ?? (p.startedAt === undefined ? 0 : now - p.startedAt)
  const runEta = Eta.run(p, now, means)
  const title = Term.line(
    [
      { text: "rose ", style: "bold" },
      { text: `${p.runId ?? ""}  `, style: "dim" },
      { text: Format.elapsed(since) },
      ...(runEta === "done"
        ? []
        : [
            { text: `  ETA ${etaText(runEta)}`, style: "bold" as const },
            { text: `  ${p.running.size} tasks running · ${p.queued.size} queued`, style: "dim" as const }
          ]),
      // Last, so a narrow terminal cuts it before the run's progress.
      ...(p.dryRun ? [{ text: "  dry run: synthetic metrics", style: "bold" as const }] : [])
    ],
    width,
    color
  )
  const counts = Term.line(
    [{ text: `${Format.plural(p.learners.length, "learner")}: ${countsText(p.learners)}` }],
    width,
    color
  )
  const header = [title, counts]
  if (height <= header.length + 1) return header.slice(0, height)

  const { shown, hidden } = select(p.learners, height - header.length - 1)
  const metric = metricColumn(p.learners)
  const waiting = new Map<string, Progress.TaskView>()
  for (const t of p.queued.values()) waiting.set(Learner.label(t.learner), t)
  const rows = shown.map((l) => ({
    l,
    cells: [
      l.point === undefined ? l.label : `${l.label} ${l.point}`,
      l.status,
      Progress.iterationText(l),
      metric.cell(l),
      Format.sparkline(l.history, size.columns >= 120 ? 16 : 8)
    ],
    eta: etaText(Eta.learner(l, now, means))
  }))
  const names = ["learner", "state", "iters", metric.header, "history"]
  const widths = names.map((n, i) => Math.max(Array.from(n).length, ...rows.map((r) => Array.from(r.cells[i]!).length)))
  // The history is the first thing to go when the task column would get too narrow.
  const used = widths.reduce((a, b) => a + b + 2, 0) + 7
  const withHistory = width - used >= 16
  const columns = withHistory ? [0, 1, 2, 3, 4] : [0, 1, 2, 3]
  const etaWidth = Math.max(3, ...rows.map((r) => r.eta.length))
  const cellsLine = (cells: ReadonlyArray<string>, styles: ReadonlyArray<Term.Style | undefined>, eta: string) =>
    columns
      .map((i): Term.Segment => ({ text: `${Term.pad(cells[i]!, widths[i]!)}  `, style: styles[i] }))
      .concat([{ text: `${Term.pad(eta, etaWidth)}  `, style: "dim" }])
  const columnHeader = row(
    [
      ...cellsLine(
        names,
        names.map(() => "dim"),
        "ETA"
      ),
      { text: "task", style: "dim" }
    ],
    width,
    color
  )
  const lines = rows.map((r) =>
    row(
      [
        ...cellsLine(
          r.cells,
          ["bold", stateStyle[r.l.status], undefined, r.l.status === "converged" ? "green" : undefined, "blue"],
          r.eta
        ),
        ...taskSegments(r.l, now, waiting)
      ],
      width,
      color
    )
  )
  const more =
    hidden.length === 0
      ? []
      : [Term.line([{ text: `… and ${hidden.length} more: ${countsText(hidden)}`, style: "dim" }], width, color)]
  return [...header, columnHeader, ...lines, ...more]
}
