/**
 * The HTML report of a run, `<run>/report.html`: one self-contained file (inline CSS and SVG, no
 * script, nothing fetched) with the run's outcome, a plot per learner of its metric against the
 * iteration with the threshold line, all learners overlaid in one more plot, a timeline of tasks
 * per learner, the resolved configuration of every task, failures and the source.
 *
 * `render` is a pure function of the run's files as parsed data; `write` reads them from a run
 * directory (tolerating a run that is still going or ended without `results.json`) and writes the
 * report atomically. `rose run` writes it at the end, `rose report RUN_DIR` again at any time.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Event from "../core/Event.ts"
import * as Json from "../core/Json.ts"
import * as Results from "../core/Results.ts"
import * as RunDir from "../core/RunDir.ts"
import { colorAt, escapeHtml, lineChart, num, type Series, type Span, timeline } from "./internal/svg.ts"

/**
 * The parsed files of a run directory.
 *
 * @since 0.1.0
 * @category models
 */
export interface Input {
  /** `run.json`, if readable. */
  readonly run: Json.JsonObject | undefined
  /** `events.jsonl`'s events. */
  readonly events: ReadonlyArray<Event.Event>
  /** `results.json`, if the run wrote it. */
  readonly results: Results.Results | undefined
  /** Whether the journal's last line was torn (a write in progress or a crash). */
  readonly tornLine: boolean
}

/**
 * @since 0.1.0
 * @category errors
 */
export class ReportError extends Data.TaggedError("ReportError")<{ readonly runDir: string; readonly reason: string }> {
  override get message(): string {
    return `cannot make the report of ${this.runDir}: ${this.reason}`
  }
}

interface LearnerModel {
  readonly label: string
  readonly name: string
  readonly index: number
  kind: string
  maxIter: number | undefined
  metric: { readonly name: string; readonly operator: string; readonly threshold: number } | undefined
  readonly points: Array<{ x: number; y: number }>
  iterations: number
  stopReason: string | undefined
  failure:
    | {
        task: string
        iteration: number | undefined
        message: string
        stderrTail: string
        exitCode: number | null | undefined
        tag: string
      }
    | undefined
  /** iteration → task → resolved config */
  readonly configs: Map<number, Map<string, { args: ReadonlyArray<Json.Json>; kwargs: Json.JsonObject }>>
}

interface TaskSpanModel {
  readonly learner: string
  readonly iteration: number
  readonly task: string
  readonly attempt: number
  readonly start: number
  end: number | undefined
  failed: boolean
  exitCode: number | null | undefined
  pid: number | undefined
}

interface Model {
  readonly runId: string
  readonly status: string
  readonly startedAt: number | undefined
  readonly endedAt: number | undefined
  readonly learners: ReadonlyArray<LearnerModel>
  readonly spans: ReadonlyArray<TaskSpanModel>
  readonly taskNames: ReadonlyArray<string>
}

const str = (u: unknown): string | undefined => (typeof u === "string" ? u : undefined)
const numOf = (u: unknown): number | undefined => (typeof u === "number" && Number.isFinite(u) ? u : undefined)

const label = (ref: { readonly name: string; readonly index: number }) => `${ref.name}[${ref.index}]`

const buildModel = (input: Input): Model => {
  const learners = new Map<string, LearnerModel>()
  const add = (name: string, index: number): LearnerModel => {
    const key = label({ name, index })
    let l = learners.get(key)
    if (l === undefined) {
      l = {
        label: key,
        name,
        index,
        kind: "active",
        maxIter: undefined,
        metric: undefined,
        points: [],
        iterations: 0,
        stopReason: undefined,
        failure: undefined,
        configs: new Map()
      }
      learners.set(key, l)
    }
    return l
  }
  const plan = input.run?.plan
  if (Json.isObject(plan) && Array.isArray(plan.learners)) {
    for (const b of plan.learners as ReadonlyArray<unknown>) {
      if (!Json.isObject(b) || typeof b.name !== "string") continue
      const parallel = numOf(b.parallel) ?? 1
      for (let k = 0; k < parallel; k++) {
        const l = add(b.name, k)
        l.kind = str(b.kind) ?? "active"
        l.maxIter = numOf(b.maxIter)
        const c = b.criterion
        if (Json.isObject(c) && typeof c.metric === "string" && typeof c.threshold === "number") {
          l.metric = { name: c.metric, operator: str(c.operator) ?? "", threshold: c.threshold }
        }
      }
    }
  }
  const spans: Array<TaskSpanModel> = []
  const open = new Map<string, TaskSpanModel>()
  let startedAt: number | undefined
  let endedAt: number | undefined
  let status: string | undefined
  let lastTs: number | undefined
  for (const e of input.events) {
    const at = Date.parse(e.ts)
    lastTs = at
    switch (e._tag) {
      case "run_started":
        startedAt = at
        if (learners.size === 0) {
          for (const b of e.learners) {
            for (let k = 0; k < b.parallel; k++) {
              const l = add(b.name, k)
              l.kind = b.kind
              l.maxIter = b.maxIter ?? undefined
            }
          }
        }
        break
      case "task_started": {
        const l = add(e.learner.name, e.learner.index)
        const span: TaskSpanModel = {
          learner: l.label,
          iteration: e.iteration,
          task: e.task,
          attempt: e.attempt,
          start: at,
          end: undefined,
          failed: false,
          exitCode: undefined,
          pid: e.pid
        }
        spans.push(span)
        open.set(`${l.label}/${e.iteration}/${e.task}/${e.attempt}`, span)
        const byTask = l.configs.get(e.iteration) ?? new Map()
        if (!byTask.has(e.task)) byTask.set(e.task, { args: e.config.args, kwargs: e.config.kwargs })
        l.configs.set(e.iteration, byTask)
        break
      }
      case "task_finished":
      case "task_failed": {
        const key = `${label(e.learner)}/${e.iteration}/${e.task}/${e.attempt}`
        const span = open.get(key)
        if (span !== undefined) {
          span.end = at
          span.failed = e._tag === "task_failed"
          span.exitCode = e._tag === "task_failed" ? e.error.exitCode : e.exitCode
          open.delete(key)
        }
        break
      }
      case "iteration_completed": {
        const l = add(e.learner.name, e.learner.index)
        if (e.metricValue !== null) l.points.push({ x: e.iteration, y: e.metricValue })
        if (l.metric === undefined && e.metricName !== null && e.metricThreshold !== null) {
          l.metric = { name: e.metricName, operator: "", threshold: e.metricThreshold }
        }
        l.iterations = Math.max(l.iterations, e.iteration + 1)
        const byTask = new Map<string, { args: ReadonlyArray<Json.Json>; kwargs: Json.JsonObject }>()
        for (const [task, c] of Object.entries(e.config)) byTask.set(task, { args: c.args, kwargs: c.kwargs })
        l.configs.set(e.iteration, byTask)
        break
      }
      case "learner_stopped": {
        const l = add(e.learner.name, e.learner.index)
        l.stopReason = e.reason
        l.iterations = Math.max(l.iterations, e.iterations)
        if (e.failure !== undefined) {
          l.failure = {
            task: e.failure.task ?? "",
            iteration: e.failure.iteration,
            message: e.failure.message,
            stderrTail: e.failure.stderrTail ?? "",
            exitCode: e.failure.exitCode,
            tag: e.failure.tag
          }
        }
        break
      }
      case "run_finished":
        endedAt = at
        status = e.status
        break
      default:
        break
    }
  }
  const r = input.results
  if (r !== undefined) {
    status = r.status
    startedAt ??= Date.parse(r.startedAt)
    endedAt ??= Date.parse(r.finishedAt)
    for (const lr of r.learners) {
      const l = add(lr.name, lr.index)
      l.kind = lr.kind
      l.iterations = lr.iterations
      l.stopReason = lr.stopReason
      if (lr.metric !== null) {
        l.metric = { name: lr.metric.name, operator: lr.metric.operator, threshold: lr.metric.threshold }
        if (l.points.length === 0)
          lr.metric.history.forEach((y, x) => {
            l.points.push({ x, y })
          })
      }
      if (lr.failure !== null) {
        l.failure = {
          task: lr.failure.task,
          iteration: lr.failure.iteration,
          message: lr.failure.message,
          stderrTail: lr.failure.stderrTail,
          exitCode: lr.failure.exitCode,
          tag: lr.failure.tag
        }
      }
    }
  }
  const end = endedAt ?? lastTs
  const taskNames: Array<string> = []
  for (const s of spans) if (!taskNames.includes(s.task)) taskNames.push(s.task)
  return {
    runId: str(input.run?.runId) ?? r?.runId ?? input.events[0]?.runId ?? "unknown",
    status: status ?? (input.events.length > 0 ? "running or ended abruptly" : "not started"),
    startedAt: startedAt ?? (input.run === undefined ? undefined : Date.parse(str(input.run.createdAt) ?? "")),
    endedAt: end,
    learners: [...learners.values()],
    spans,
    taskNames
  }
}

const css = `
:root { color-scheme: light; --fg: #1f2430; --muted: #5d6677; --line: #e3e6ec; --bg: #f6f7f9; --card: #fff; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 1120px; margin: 0 auto; padding: 28px 24px 56px; }
h1 { font-size: 22px; margin: 0 0 4px; letter-spacing: -0.01em; }
h2 { font-size: 16px; margin: 32px 0 12px; }
h3 { font-size: 14px; margin: 0 0 6px; }
.sub { color: var(--muted); margin: 0 0 18px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px; box-shadow: 0 1px 2px rgba(20,30,50,.04); }
.meta { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 10px 24px; }
.meta div span { display: block; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.meta div b { font-weight: 600; word-break: break-all; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 999px; font-weight: 600; font-size: 12px; vertical-align: middle; margin-left: 8px; }
.s-completed, .r-criterion_met { background: #e3f4e6; color: #1d6b33; }
.s-failed, .r-error { background: #fde4e4; color: #a11d1d; }
.s-interrupted, .r-interrupted { background: #f3e6f7; color: #7a2a8c; }
.r-max_iter { background: #fdf1d8; color: #8a5a00; }
.r-stopped, .s-other, .r-running { background: #e9ecf1; color: #414a5a; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.winner td { background: #eef8f0; }
.selection { margin-bottom: 10px; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
pre { background: #f3f4f7; border-radius: 6px; padding: 10px 12px; overflow: auto; margin: 6px 0 0; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 14px; }
.chart-card svg { width: 100%; height: auto; display: block; }
.scroll { overflow-x: auto; }
details { margin: 8px 0; }
summary { cursor: pointer; font-weight: 600; }
svg text { font: 11px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: #5d6677; }
svg .plot-bg { fill: #fbfcfd; }
svg line.grid { stroke: #e8ebf0; stroke-width: 1; }
svg line.axis, svg line.axis-tick { stroke: #9aa3b2; stroke-width: 1; }
svg .axis-label { fill: #414a5a; font-weight: 600; }
svg path.line { fill: none; stroke-width: 2; stroke-linejoin: round; stroke-linecap: round; }
svg circle.point { stroke: #fff; stroke-width: 1; }
svg line.threshold { stroke: #d62728; stroke-width: 1.5; stroke-dasharray: 6 4; }
svg text.threshold-label { fill: #d62728; font-weight: 600; }
svg text.empty { fill: #9aa3b2; font-size: 13px; }
svg rect.lane { fill: #fbfcfd; } svg rect.lane.alt { fill: #f3f5f8; }
svg text.lane-label { fill: #1f2430; font-weight: 600; }
svg rect.bar { stroke: rgba(0,0,0,.15); stroke-width: .5; }
svg rect.bar.failed { stroke: #d62728; stroke-width: 2; }
svg rect.bar.unfinished { opacity: .55; stroke-dasharray: 3 2; stroke: #333; }
.muted { color: var(--muted); }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
`

const isoOrDash = (ms: number | undefined) =>
  ms === undefined || Number.isNaN(ms)
    ? "–"
    : new Date(ms)
        .toISOString()
        .replace("T", " ")
        .replace(/\.\d+Z$/, " UTC")

const durationText = (ms: number | undefined): string => {
  if (ms === undefined || Number.isNaN(ms)) return "–"
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`
}

const reasonWord = (r: string | undefined) =>
  r === undefined ? "running" : r === "criterion_met" ? "converged" : r === "max_iter" ? "max_iter" : r

const compact = (value: Json.Json): string => {
  const text = JSON.stringify(value)
  return text.length > 160 ? `${text.slice(0, 157)}…` : text
}

/** A failure in one line: `exit 2: <the last line of stderr>`, else the first line of its message. */
const failureLine = (f: NonNullable<LearnerModel["failure"]>): string => {
  if (f.tag !== "TaskFailed") return f.message.split("\n")[0]!
  const how = f.exitCode === null || f.exitCode === undefined ? "killed by a signal" : `exit ${f.exitCode}`
  const last = f.stderrTail
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .at(-1)
  return last === undefined ? how : `${how}: ${last}`
}

const metricChart = (l: LearnerModel, color: string): string =>
  lineChart([{ label: l.label, color, points: l.points }], {
    width: 400,
    height: 250,
    className: "chart metric",
    attributes: { "data-learner": l.label },
    title: `${l.label}: ${l.metric?.name ?? "metric"} by iteration`,
    xLabel: "iteration",
    yLabel: l.metric?.name ?? "metric",
    threshold:
      l.metric === undefined
        ? undefined
        : { value: l.metric.threshold, label: `threshold ${l.metric.operator} ${num(l.metric.threshold)}`.trim() },
    xMax: l.maxIter === undefined ? undefined : Math.max(0, l.maxIter - 1)
  })

const overlayChart = (learners: ReadonlyArray<LearnerModel>): string => {
  const series: Array<Series> = learners.map((l, i) => ({ label: l.label, color: colorAt(i), points: l.points }))
  const thresholds = new Set(learners.flatMap((l) => (l.metric === undefined ? [] : [l.metric.threshold])))
  const one = thresholds.size === 1 ? learners.find((l) => l.metric !== undefined)?.metric : undefined
  const names = new Set(learners.flatMap((l) => (l.metric === undefined ? [] : [l.metric.name])))
  return lineChart(series, {
    width: 1060,
    height: 340,
    className: "chart overlay",
    title: "All learners: metric by iteration",
    xLabel: "iteration",
    yLabel: names.size === 1 ? [...names][0]! : "metric",
    threshold:
      one === undefined
        ? undefined
        : { value: one.threshold, label: `threshold ${one.operator} ${num(one.threshold)}` },
    legend: true
  })
}

const timelineChart = (model: Model): string => {
  const lanes = model.learners.map((l) => l.label)
  const laneOf = new Map(lanes.map((l, i) => [l, i]))
  const start = model.startedAt ?? Math.min(...model.spans.map((s) => s.start))
  const end = model.endedAt ?? Math.max(...model.spans.map((s) => s.end ?? s.start))
  const colorOf = new Map(model.taskNames.map((t, i) => [t, colorAt(i)]))
  const spans: Array<Span> = model.spans.map((s) => {
    const stop = s.end ?? end
    const state = s.end === undefined ? "did not finish" : s.failed ? `failed (exit ${s.exitCode ?? "?"})` : "ok"
    return {
      lane: laneOf.get(s.learner) ?? 0,
      start: s.start - start,
      end: stop - start,
      color: colorOf.get(s.task) ?? "#999",
      label: `${s.learner} · iteration ${s.iteration} · ${s.task}${s.attempt > 1 ? ` (attempt ${s.attempt})` : ""} · ${durationText(stop - s.start)} · ${state}${s.pid === undefined ? "" : ` · pid ${s.pid}`}`,
      failed: s.failed,
      unfinished: s.end === undefined
    }
  })
  return timeline(spans, {
    width: 1060,
    lanes,
    title: "Tasks per learner over time",
    duration: Math.max(1, end - start),
    legend: model.taskNames.map((t) => ({ label: t, color: colorOf.get(t)! }))
  })
}

const configCell = (c: { args: ReadonlyArray<Json.Json>; kwargs: Json.JsonObject } | undefined): string => {
  if (c === undefined) return '<span class="muted">·</span>'
  const parts = Object.entries(c.kwargs).map(([k, v]) => `<code>${escapeHtml(k)}=${escapeHtml(compact(v))}</code>`)
  if (c.args.length > 0) parts.unshift(`<code>${escapeHtml(compact([...c.args]))}</code>`)
  return parts.length === 0 ? '<span class="muted">–</span>' : parts.join("<br>")
}

/** Iterations down, tasks across: the resolved args and kwargs each task ran with. */
const configTable = (l: LearnerModel): string => {
  const iterations = [...l.configs.keys()].sort((a, b) => a - b)
  if (iterations.length === 0) return '<p class="muted">No task ran.</p>'
  const tasks: Array<string> = []
  for (const i of iterations) for (const t of l.configs.get(i)!.keys()) if (!tasks.includes(t)) tasks.push(t)
  const head = `<tr><th>iteration</th>${tasks.map((t) => `<th>${escapeHtml(t)}</th>`).join("")}</tr>`
  const rows = iterations
    .map(
      (i) =>
        `<tr><td class="num">${i}</td>${tasks.map((t) => `<td>${configCell(l.configs.get(i)!.get(t))}</td>`).join("")}</tr>`
    )
    .join("")
  return `<div class="scroll"><table class="configs" data-learner="${escapeHtml(l.label)}"><thead>${head}</thead><tbody>${rows}</tbody></table></div>`
}

/** A selector block's ranking: converged first, then the final metric in its direction, then fewer iterations. */
const selectionSection = (selection: Results.Results["selection"]): string => {
  if (selection === undefined) return ""
  const blocks = Object.entries(selection).map(([block, sel]) => {
    const rows = sel.ranking
      .map(
        (r) =>
          `<tr${sel.winner !== null && r.index === sel.winner.index && r.learner === sel.winner.learner ? ' class="winner"' : ""}><td class="num">${r.rank}</td><td><b>${escapeHtml(r.algorithm)}</b></td><td>${escapeHtml(`${r.learner}[${r.index}]`)}</td><td>${r.converged ? "yes" : "no"}</td><td class="num">${r.iterations}</td><td class="num">${r.final === null ? "–" : escapeHtml(num(r.final))}</td><td><span class="badge r-${escapeHtml(r.stopReason)}">${escapeHtml(reasonWord(r.stopReason))}</span>${r.eligible ? "" : ' <span class="muted">(cannot win)</span>'}</td></tr>`
      )
      .join("")
    const winner = sel.winner === null ? "no algorithm could win" : `winner: <b>${escapeHtml(sel.winner.algorithm)}</b>`
    return `<div class="card selection" data-selector="${escapeHtml(block)}"><h3>${escapeHtml(block)}: ${winner}</h3><p class="muted">${escapeHtml(`${sel.metric} ${sel.operator}; ranked converged first, then by the final value (${sel.direction === "maximize" ? "larger is better" : "smaller is better"}), then by fewer iterations`)}</p><div class="scroll"><table><thead><tr><th>rank</th><th>algorithm</th><th>learner</th><th>converged</th><th>iterations</th><th>final</th><th>ended</th></tr></thead><tbody>${rows}</tbody></table></div></div>`
  })
  return `<h2>Algorithm selection</h2>${blocks.join("")}`
}

/**
 * Renders the report.
 *
 * @since 0.1.0
 * @category rendering
 */
export const render = (input: Input, options: { readonly generatedAt?: string | undefined } = {}): string => {
  const model = buildModel(input)
  const run = input.run
  const versions = Json.isObject(run?.versions) ? run.versions : {}
  const source = Json.isObject(run?.source) ? run.source : {}
  const statusClass = ["completed", "failed", "interrupted"].includes(model.status) ? `s-${model.status}` : "s-other"
  const duration =
    input.results?.durationMs ??
    (model.startedAt !== undefined && model.endedAt !== undefined ? model.endedAt - model.startedAt : undefined)
  const meta: Array<[string, string]> = [
    ["run", model.runId],
    ["started", isoOrDash(model.startedAt)],
    ["duration", durationText(duration)],
    ["learners", String(model.learners.length)],
    ["tasks run", String(model.spans.length)],
    ["rose", str(versions.rose) ?? "–"],
    ["runtime", str(versions.runtime) ?? "–"],
    ["host", str(run?.host) ?? "–"],
    ["source", str(source.file) ?? "–"],
    ["source hash", (str(source.hash) ?? "–").slice(0, 16)],
    ["plan hash", (str(run?.planHash) ?? "–").slice(0, 16)]
  ]
  const summaryRows = model.learners
    .map((l) => {
      const last = l.points.at(-1)?.y
      const metric =
        l.metric === undefined
          ? '<span class="muted">–</span>'
          : `${escapeHtml(l.metric.name)} <b>${last === undefined ? "–" : escapeHtml(num(last))}</b> <span class="muted">(${escapeHtml(`${l.metric.operator} ${num(l.metric.threshold)}`.trim())})</span>`
      const reason = reasonWord(l.stopReason)
      return `<tr><td><b>${escapeHtml(l.label)}</b></td><td>${escapeHtml(l.kind)}</td><td class="num">${l.iterations}${l.maxIter === undefined ? "" : ` / ${l.maxIter}`}</td><td><span class="badge r-${escapeHtml(l.stopReason ?? "running")}">${escapeHtml(reason)}</span></td><td>${metric}</td><td>${l.failure === undefined ? "" : escapeHtml(`${l.failure.task}${l.failure.iteration === undefined ? "" : ` @${l.failure.iteration}`}: ${failureLine(l.failure)}`)}</td></tr>`
    })
    .join("")
  const cards = model.learners
    .map(
      (l, i) =>
        `<div class="card chart-card" data-learner="${escapeHtml(l.label)}"><h3>${escapeHtml(l.label)} <span class="badge r-${escapeHtml(l.stopReason ?? "running")}">${escapeHtml(reasonWord(l.stopReason))}</span></h3>${metricChart(l, colorAt(i))}</div>`
    )
    .join("")
  const failures = model.learners.filter((l) => l.failure !== undefined)
  const failureHtml =
    failures.length === 0
      ? ""
      : `<h2>Failures</h2>${failures
          .map(
            (l) =>
              `<div class="card" style="margin-bottom:10px"><h3>${escapeHtml(l.label)}: ${escapeHtml(l.failure!.task)}${l.failure!.iteration === undefined ? "" : ` at iteration ${l.failure!.iteration}`}</h3><pre>${escapeHtml(l.failure!.message)}${l.failure!.stderrTail.trim() === "" || l.failure!.message.includes(l.failure!.stderrTail.trim()) ? "" : `\n\nstderr:\n${escapeHtml(l.failure!.stderrTail)}`}</pre></div>`
          )
          .join("")}`
  const configs = model.learners
    .map(
      (l, i) => `<details${i === 0 ? " open" : ""}><summary>${escapeHtml(l.label)}</summary>${configTable(l)}</details>`
    )
    .join("")
  const selectionHtml = selectionSection(input.results?.selection)
  const sourceText = str(source.text)
  const notes: Array<string> = []
  if (input.results === undefined)
    notes.push("This run has no results.json yet: it is still running or ended abruptly.")
  if (input.tornLine)
    notes.push("The journal's last line was incomplete (a write in progress or a crash) and was ignored.")
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rose run ${escapeHtml(model.runId)}</title>
<style>${css}</style>
</head>
<body>
<main>
<h1>Run ${escapeHtml(model.runId)}<span class="badge ${statusClass}">${escapeHtml(model.status)}</span></h1>
<p class="sub">${escapeHtml(str(source.file) ?? "")}</p>
${notes.map((n) => `<p class="card muted">${escapeHtml(n)}</p>`).join("")}
<section class="card meta">${meta.map(([k, v]) => `<div><span>${escapeHtml(k)}</span><b>${escapeHtml(v)}</b></div>`).join("")}</section>
<h2>Learners</h2>
<div class="card scroll"><table><thead><tr><th>learner</th><th>kind</th><th>iterations</th><th>ended</th><th>metric (last)</th><th>failure</th></tr></thead><tbody>${summaryRows}</tbody></table></div>
${selectionHtml}
<h2>Metric by iteration</h2>
<div class="grid">${cards}</div>
<h2>All learners</h2>
<div class="card chart-card">${overlayChart(model.learners)}</div>
<h2>Timeline</h2>
<div class="card chart-card scroll">${model.spans.length === 0 ? '<p class="muted">No task ran.</p>' : timelineChart(model)}</div>
${failureHtml}
<h2>Resolved configurations</h2>
<div class="card">${configs || '<p class="muted">No learner.</p>'}</div>
${sourceText === undefined ? "" : `<h2>Source</h2><details class="card"><summary>${escapeHtml(str(source.file) ?? "source")}</summary><pre>${escapeHtml(sourceText)}</pre></details>`}
<footer>Made by rose ${escapeHtml(str(versions.rose) ?? "")}${options.generatedAt === undefined ? "" : ` on ${escapeHtml(options.generatedAt)}`}.</footer>
</main>
</body>
</html>
`
}

const decodeResults = Schema.decodeUnknownEither(Results.Results)

/**
 * Parses the files of a run directory (any of them may be missing, except the journal or run.json).
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (files: {
  readonly run: string | undefined
  readonly events: string | undefined
  readonly results: string | undefined
}): Input => {
  const run = files.run === undefined ? undefined : Json.parse(files.run)
  const results = files.results === undefined ? undefined : Json.parse(files.results)
  const journal = Event.parseJournal(files.events ?? "")
  const decoded = results?.ok === true ? decodeResults(results.value) : undefined
  return {
    run: run?.ok === true && Json.isObject(run.value) ? run.value : undefined,
    events: journal.events,
    results: decoded !== undefined && Either.isRight(decoded) ? decoded.right : undefined,
    tornLine: journal.tornLine !== undefined
  }
}

/**
 * Reads a run directory's files.
 *
 * @since 0.1.0
 * @category files
 */
export const load = (runDir: string): Effect.Effect<Input, ReportError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const read = (name: string) =>
      fs.readFileString(`${runDir}/${name}`).pipe(
        Effect.map((t): string | undefined => t),
        Effect.orElseSucceed(() => undefined)
      )
    const [run, events, results] = yield* Effect.all([read("run.json"), read("events.jsonl"), read("results.json")])
    if (run === undefined && events === undefined) {
      const exists = yield* fs.exists(runDir).pipe(Effect.orElseSucceed(() => false))
      return yield* new ReportError({
        runDir,
        reason: exists ? "it has neither run.json nor events.jsonl (is it a run directory?)" : "no such directory"
      })
    }
    return parse({ run, events, results })
  })

/**
 * Writes `<runDir>/report.html` and returns its path.
 *
 * @since 0.1.0
 * @category files
 */
export const write = (runDir: string): Effect.Effect<string, ReportError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const input = yield* load(runDir)
    const now = yield* Clock.currentTimeMillis
    const html = render(input, { generatedAt: new Date(now).toISOString() })
    const path = `${runDir}/report.html`
    yield* RunDir.writeAtomic(path, html).pipe(Effect.mapError((e) => new ReportError({ runDir, reason: e.message })))
    return path
  })
