/**
 * The parts of the HTML report: times and durations as text, a failure in one line, the metric
 * charts, the timeline, the resolved-config tables and a selector's ranking.
 *
 * @since 0.1.0
 */
import type * as Json from "../../core/Json.ts"
import type * as Results from "../../core/Results.ts"
import * as RunDir from "../../core/RunDir.ts"
import type { LearnerModel, Model } from "./reportModel.ts"
import { colorAt, escapeHtml, lineChart, num, palette, type Series, type Span, shapes, timeline } from "./svg.ts"

export const isoOrDash = (ms: number | undefined) =>
  ms === undefined || Number.isNaN(ms)
    ? "–"
    : new Date(ms)
        .toISOString()
        .replace("T", " ")
        .replace(/\.\d+Z$/, " UTC")

export const durationText = (ms: number | undefined): string => {
  if (ms === undefined || Number.isNaN(ms)) return "–"
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`
}

export const reasonWord = (r: string | undefined) =>
  r === undefined ? "running" : r === "criterion_met" ? "converged" : r === "max_iter" ? "max_iter" : r

const compact = (value: Json.Json): string => {
  const text = JSON.stringify(value)
  return text.length > 160 ? `${text.slice(0, 157)}…` : text
}

/** A failure in one line: `exit 2: <the last line of stderr>`, else the first line of its message. */
export const failureLine = (f: NonNullable<LearnerModel["failure"]>): string => {
  if (f.tag !== "TaskFailed") return f.message.split("\n")[0]!
  const how = f.exitCode === null || f.exitCode === undefined ? "killed by a signal" : `exit ${f.exitCode}`
  const last = f.stderrTail
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .at(-1)
  return last === undefined ? how : `${how}: ${last}`
}

/** Text cut into lines of at most `width` characters at spaces (a longer word gets a line of its own). */
export const wrap = (text: string, width: number, maxLines: number): ReadonlyArray<string> => {
  const lines: Array<string> = []
  let line = ""
  for (const word of text.split(/\s+/).filter((w) => w !== "")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else line = line === "" ? word : `${line} ${word}`
  }
  if (line !== "") lines.push(line)
  if (lines.length <= maxLines) return lines
  const kept = lines.slice(0, maxLines)
  kept[maxLines - 1] = `${kept[maxLines - 1]!.slice(0, width - 1)}…`
  return kept
}

/** Where a learner failed: `training in iteration 3` (an index, from 0). */
export const failurePlace = (f: NonNullable<LearnerModel["failure"]>): string =>
  `${f.task === "" ? "a task" : f.task}${f.iteration === undefined ? "" : ` in iteration ${f.iteration}`}`

/**
 * The link from report.html to the files a failed task left (`learners/<name>-<k>/iter-<i>/<task>.err`),
 * for failures of a process that ran: other failures (in-process, never started) left none.
 */
export const logLinks = (l: LearnerModel): string => {
  const f = l.failure
  if (f === undefined || f.iteration === undefined || f.task === "") return ""
  if (f.tag !== "TaskFailed" && f.tag !== "TaskTimedOut") return ""
  const dir = ["learners", `${l.name}-${l.index}`, `iter-${f.iteration}`].map(encodeURIComponent).join("/")
  const link = (stream: "err" | "out") =>
    `<a class="log" href="${escapeHtml(`${dir}/${encodeURIComponent(RunDir.outputFile(f.task, stream, f.attempt ?? 1))}`)}">${stream === "err" ? "stderr" : "stdout"}</a>`
  return ` <span class="muted">log: ${link("err")} · ${link("out")}</span>`
}

export const metricChart = (l: LearnerModel, color: string): string =>
  lineChart([{ label: l.label, color, points: l.points }], {
    empty:
      l.failure === undefined
        ? undefined
        : [`failed: ${failurePlace(l.failure)}`, ...wrap(failureLine(l.failure), 44, 4)],
    emptyFailed: l.failure !== undefined,
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

/**
 * Every learner in one plot, the legend in ranked order: each learner its own colour (and, past
 * the palette, its own marker shape), the best three drawn bold and on top.
 */
export const overlayChart = (learners: ReadonlyArray<LearnerModel>, ranked: ReadonlyArray<string>): string => {
  const order = new Map(ranked.map((label, i) => [label, i]))
  const many = learners.length > palette.length
  const series: Array<Series> = learners
    .map((l, i) => ({
      label: l.label,
      color: colorAt(i, learners.length),
      points: l.points,
      shape: many ? shapes[i % shapes.length] : undefined,
      highlight: learners.length > 3 && (order.get(l.label) ?? Number.POSITIVE_INFINITY) < 3 && l.points.length > 0
    }))
    .sort((a, b) => (order.get(a.label) ?? Number.POSITIVE_INFINITY) - (order.get(b.label) ?? Number.POSITIVE_INFINITY))
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
        : { value: one.threshold, label: `threshold ${one.operator} ${num(one.threshold)}`.trim() },
    legend: true
  })
}

export const timelineChart = (model: Model): string => {
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
export const configTable = (l: LearnerModel): string => {
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
export const selectionSection = (selection: Results.Results["selection"]): string => {
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
