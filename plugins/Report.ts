/**
 * The HTML report of a run, `<run>/report.html`: one self-contained file (inline CSS and SVG, no
 * script, nothing fetched) with the run's outcome, its learners best first, a plot per learner of its metric against the
 * iteration with the threshold line, all learners overlaid in one more plot, the rungs of a block
 * with a population policy, a timeline of tasks per learner, the resolved configuration of every task, failures and the source.
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
import * as DryRunBackend from "../backends/DryRunBackend.ts"
import * as Event from "../core/Event.ts"
import * as Json from "../core/Json.ts"
import * as Ranking from "../core/Ranking.ts"
import * as Results from "../core/Results.ts"
import * as RunDir from "../core/RunDir.ts"
import * as RunManifest from "../core/RunManifest.ts"
import { lineageSection } from "./internal/reportLineage.ts"
import { buildModel, type Input, rankingOf } from "./internal/reportModel.ts"
import { rungsSection } from "./internal/reportRungs.ts"
import {
  configTable,
  durationText,
  failureLine,
  failurePlace,
  isoOrDash,
  logLinks,
  metricChart,
  overlayChart,
  reasonWord,
  selectionSection,
  timelineChart
} from "./internal/reportSections.ts"
import { css } from "./internal/reportStyle.ts"
import { colorAt, escapeHtml, num } from "./internal/svg.ts"

/**
 * The parsed files of a run directory.
 *
 * @since 0.1.0
 * @category models
 */
export type { Input } from "./internal/reportModel.ts"

/**
 * @since 0.1.0
 * @category errors
 */
export class ReportError extends Data.TaggedError("ReportError")<{ readonly runDir: string; readonly reason: string }> {
  override get message(): string {
    return `cannot make the report of ${this.runDir}: ${this.reason}`
  }
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
  // A dry run's metrics are made up: its title says so, so a screenshot of it cannot pass for a result.
  const dryMark = run?.dryRun === true || input.results?.dryRun === true ? ` ${DryRunBackend.mark}` : ""
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
    ["rose", run?.versions.rose ?? "–"],
    ["runtime", run?.versions.runtime ?? "–"],
    ["host", run?.host ?? "–"],
    ["source", run?.source.file ?? "–"],
    ["source hash", (run?.source.hash ?? "–").slice(0, 16)],
    ["plan hash", (run?.planHash ?? "–").slice(0, 16)]
  ]
  const ranking = rankingOf(model, input.results)
  const byLabel = new Map(model.learners.map((l) => [l.label, l]))
  const colorOf = new Map(model.learners.map((l, i) => [l.label, colorAt(i, model.learners.length)]))
  const ranked = [
    ...ranking.flatMap((r) => {
      const l = byLabel.get(r.learner)
      return l === undefined ? [] : [{ r, l }]
    })
  ]
  const anyConfig = ranking.some((r) => Object.keys(r.config).length > 0)
  const summaryRows = ranked
    .map(({ r, l }) => {
      const last = l.points.at(-1)?.y
      const metric =
        l.metric === undefined
          ? '<span class="muted">–</span>'
          : `${escapeHtml(l.metric.name)} <b>${last === undefined ? "–" : escapeHtml(num(last))}</b> <span class="muted">(${escapeHtml(`${l.metric.operator} ${num(l.metric.threshold)}`.trim())})</span>`
      const reason = reasonWord(l.stopReason)
      const config = anyConfig
        ? `<td>${Object.entries(r.config)
            .map(([k, v]) => `<code>${escapeHtml(`${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)}</code>`)
            .join(" ")}</td>`
        : ""
      return `<tr data-learner="${escapeHtml(l.label)}"${r.failed ? ' class="failed"' : ""}><td class="num">${r.value === null ? "–" : r.rank}</td><td><b>${escapeHtml(l.label)}</b>${l.point === undefined ? "" : ` <span class="muted">${escapeHtml(l.point)}</span>`}</td><td>${escapeHtml(l.kind)}</td><td class="num">${l.iterations}${l.maxIter === undefined ? "" : ` / ${l.maxIter}`}</td><td class="num">${r.tasks ?? l.tasks}</td><td><span class="badge r-${escapeHtml(l.stopReason ?? "running")}">${escapeHtml(reason)}</span></td><td>${metric}</td>${config}<td>${l.failure === undefined ? "" : escapeHtml(`${failurePlace(l.failure)}: ${failureLine(l.failure)}`)}</td></tr>`
    })
    .join("")
  const bestHtml = bestLines(ranking)
  const cards = model.learners
    .map(
      (l) =>
        `<div class="card chart-card" data-learner="${escapeHtml(l.label)}"><h3>${escapeHtml(l.label)} <span class="badge r-${escapeHtml(l.stopReason ?? "running")}">${escapeHtml(reasonWord(l.stopReason))}</span></h3>${metricChart(l, colorOf.get(l.label)!)}${l.failure === undefined || l.points.length === 0 ? "" : `<p class="failure">failed: ${escapeHtml(failurePlace(l.failure))}: ${escapeHtml(failureLine(l.failure))}</p>`}</div>`
    )
    .join("")
  const failures = model.learners.filter((l) => l.failure !== undefined)
  const failureHtml =
    failures.length === 0
      ? ""
      : `<h2>Failures</h2>${failures
          .map(
            (l) =>
              `<div class="card" style="margin-bottom:10px"><h3>${escapeHtml(l.label)}: ${escapeHtml(l.failure!.task)}${l.failure!.iteration === undefined ? "" : ` in iteration ${l.failure!.iteration}`}${logLinks(l)}</h3><pre>${escapeHtml(l.failure!.message)}${l.failure!.stderrTail.trim() === "" || l.failure!.message.includes(l.failure!.stderrTail.trim()) ? "" : `\n\nstderr:\n${escapeHtml(l.failure!.stderrTail)}`}</pre></div>`
          )
          .join("")}`
  const configs = model.learners
    .map(
      (l, i) => `<details${i === 0 ? " open" : ""}><summary>${escapeHtml(l.label)}</summary>${configTable(l)}</details>`
    )
    .join("")
  const selectionHtml = selectionSection(input.results?.selection)
  const sourceText = run?.source.text ?? undefined
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
<title>rose run ${escapeHtml(model.runId)}${escapeHtml(dryMark)}</title>
<style>${css}</style>
</head>
<body>
<main>
<h1>Run ${escapeHtml(model.runId)}${escapeHtml(dryMark)}<span class="badge ${statusClass}">${escapeHtml(model.status)}</span></h1>
<p class="sub">${escapeHtml(run?.source.file ?? "")}</p>
${notes.map((n) => `<p class="card muted">${escapeHtml(n)}</p>`).join("")}
<section class="card meta">${meta.map(([k, v]) => `<div><span>${escapeHtml(k)}</span><b>${escapeHtml(v)}</b></div>`).join("")}</section>
<h2>Learners</h2>
${bestHtml}
<div class="card scroll"><table class="learners"><thead><tr><th>rank</th><th>learner</th><th>kind</th><th>iterations</th><th>tasks</th><th>ended</th><th>metric (last)</th>${anyConfig ? "<th>config</th>" : ""}<th>failure</th></tr></thead><tbody>${summaryRows}</tbody></table></div>
${selectionHtml}
${rungsSection(input, model.learners)}
${lineageSection(input, model.learners)}
<h2>Metric by iteration</h2>
<div class="grid">${cards}</div>
<h2>All learners</h2>
<div class="card chart-card">${overlayChart(
    model.learners,
    ranked.map(({ l }) => l.label)
  )}</div>
<h2>Timeline</h2>
<div class="card chart-card scroll">${model.spans.length === 0 ? '<p class="muted">No task ran.</p>' : timelineChart(model)}</div>
${failureHtml}
<h2>Resolved configurations</h2>
<div class="card">${configs || '<p class="muted">No learner.</p>'}</div>
${sourceText === undefined ? "" : `<h2>Source</h2><details class="card"><summary>${escapeHtml(run?.source.file ?? "source")}</summary><pre>${escapeHtml(sourceText)}</pre></details>`}
<footer>Made by rose ${escapeHtml(run?.versions.rose ?? "")}${options.generatedAt === undefined ? "" : ` on ${escapeHtml(options.generatedAt)}`}.</footer>
</main>
</body>
</html>
`
}

/** Per metric, who won: the best learner, its value, which way the metric ranks, its differing config. */
const bestLines = (ranking: ReadonlyArray<Ranking.Standing>): string => {
  const seen = new Set<string>()
  const out: Array<string> = []
  for (const r of ranking) {
    if (r.metric === null || r.operator === null || r.value === null || seen.has(r.metric)) continue
    seen.add(r.metric)
    const config = Ranking.configText(r.config)
    out.push(
      `<p class="card best" data-learner="${escapeHtml(r.learner)}">Best: <b>${escapeHtml(r.learner)}</b>, ${escapeHtml(`${r.metric} ${num(r.value)}`)} <span class="muted">(${escapeHtml(Ranking.directionText(r.metric, r.operator))})</span>${r.failed ? ' <span class="badge r-error">failed</span>' : ""}${config === "" ? "" : ` <code>${escapeHtml(config)}</code>`}</p>`
    )
  }
  return out.join("")
}

const decodeResults = Schema.decodeUnknownEither(Results.Results)

/**
 * Parses the journal and the results of a run directory, beside its decoded `run.json` (any of
 * them may be missing).
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (files: {
  readonly run: RunManifest.RunManifest | undefined
  readonly events: string | undefined
  readonly results: string | undefined
}): Input => {
  const results = files.results === undefined ? undefined : Json.parse(files.results)
  const journal = Event.parseJournal(files.events ?? "")
  const decoded = results?.ok === true ? decodeResults(results.value) : undefined
  return {
    run: files.run,
    events: journal.events,
    results: decoded !== undefined && Either.isRight(decoded) ? decoded.right : undefined,
    tornLine: journal.tornLine !== undefined
  }
}

/**
 * Reads a run directory's files. A missing `run.json` is tolerated (the journal tells the rest); a
 * damaged one is an error naming the field.
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
    const manifest = RunManifest.load(runDir).pipe(
      Effect.map((m): RunManifest.RunManifest | undefined => m),
      Effect.catchIf(
        (e) => e.missing,
        () => Effect.succeed(undefined)
      ),
      Effect.mapError((e) => new ReportError({ runDir, reason: e.message }))
    )
    const [run, events, results] = yield* Effect.all([manifest, read("events.jsonl"), read("results.json")])
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
