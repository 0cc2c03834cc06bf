/**
 * The summary `rose run` prints at the end: a table of how each learner ended, best first, who won,
 * then where the run's files are.
 *
 * @since 0.1.0
 */
import * as DryRunBackend from "../backends/DryRunBackend.ts"
import type * as Json from "../core/Json.ts"
import * as Ranking from "../core/Ranking.ts"
import * as Results from "../core/Results.ts"
import * as FailureText from "./FailureText.ts"
import * as Format from "./Format.ts"
import * as Term from "./Term.ts"

/**
 * A text table: columns padded to their widest cell (numbers aligned right).
 *
 * @since 0.1.0
 * @category rendering
 */
export const table = (
  header: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
  options: { readonly right?: ReadonlyArray<number>; readonly color?: boolean } = {}
): string => {
  const widths = header.map((h, i) => Math.max(Array.from(h).length, ...rows.map((r) => Array.from(r[i] ?? "").length)))
  const fmt = (cells: ReadonlyArray<string>) =>
    cells
      .map((c, i) => Term.pad(c, widths[i]!, options.right?.includes(i) === true ? "right" : "left"))
      .join("  ")
      .trimEnd()
  return [Term.paint(options.color === true, "bold", fmt(header)), ...rows.map(fmt)].join("\n")
}

const reasonText: { readonly [R in Results.LearnerResult["stopReason"]]: string } = {
  criterion_met: "converged",
  max_iter: "max_iter",
  error: "error",
  stopped: "stopped",
  pruned: "pruned",
  budget: "budget",
  interrupted: "interrupted"
}

const reasonStyle: { readonly [R in Results.LearnerResult["stopReason"]]: Term.Style } = {
  criterion_met: "green",
  max_iter: "yellow",
  error: "red",
  stopped: "gray",
  pruned: "gray",
  budget: "gray",
  interrupted: "magenta"
}

const configCell = (config: Json.JsonObject): string => {
  const text = Ranking.configText(config)
  return Array.from(text).length > 60 ? `${Array.from(text).slice(0, 59).join("")}…` : text
}

/**
 * A run's ranking: from `results.json`, or (a file written before it had one) from its learners.
 *
 * @since 0.1.0
 * @category getters
 */
export const rankingOf = (results: Results.Results): ReadonlyArray<Ranking.Standing> =>
  results.ranking ?? Results.ranking(results.learners)

/**
 * The learners' table, best first: rank, the iterations and tasks it spent, how it ended, its last
 * metric, the configuration that sets it apart from its block's other learners, and its failure.
 *
 * @since 0.1.0
 * @category rendering
 */
export const learners = (results: Results.Results, color: boolean): string => {
  const byLabel = new Map(results.learners.map((l) => [`${l.name}[${l.index}]`, l]))
  const ranked = rankingOf(results).flatMap((r) => {
    const l = byLabel.get(r.learner)
    return l === undefined ? [] : [{ r, l }]
  })
  const anyConfig = ranked.some(({ r }) => Object.keys(r.config).length > 0)
  const rows = ranked.map(({ r, l }) => {
    const last = l.metric?.history.at(-1)
    const metric =
      l.metric === null
        ? "–"
        : `${l.metric.name} ${last === undefined ? "–" : Format.number(last)} (${l.metric.operator} ${Format.number(l.metric.threshold)})`
    const note =
      l.pruned !== undefined
        ? l.pruned
        : l.stopReason === "budget"
          ? "its block's budget is spent"
          : l.failure === null
            ? ""
            : `${l.failure.task === "" ? "" : `${l.failure.task} in iteration ${l.failure.iteration}: `}${Format.failure(l.failure)}`
    return [
      r.value === null ? "–" : String(r.rank),
      r.learner,
      String(l.iterations),
      l.tasks === undefined ? "–" : String(l.tasks),
      reasonText[l.stopReason],
      metric,
      ...(anyConfig ? [configCell(r.config)] : []),
      note
    ]
  })
  const header = [
    "rank",
    "learner",
    "iterations",
    "tasks",
    "ended",
    "metric (last)",
    ...(anyConfig ? ["config"] : []),
    "failure"
  ]
  const text = table(header, rows, { right: [0, 2, 3], color })
  if (!color) return text
  // Colour the "ended" cells after layout, so padding is computed on plain text.
  const lines = text.split("\n")
  return [
    lines[0]!,
    ...lines.slice(1).map((line, i) => {
      const reason = ranked[i]!.l.stopReason
      const word = reasonText[reason]
      return line.replace(` ${word}`, ` ${Term.paint(true, reasonStyle[reason], word)}`)
    })
  ].join("\n")
}

/**
 * Who won: per metric, the best learner, its value, which way the metric is ranked and its
 * configuration that differs (nothing when no learner has a value).
 *
 * @since 0.1.0
 * @category rendering
 */
export const best = (results: Results.Results, color: boolean): string => {
  const out: Array<string> = []
  const seen = new Set<string>()
  for (const r of rankingOf(results)) {
    if (r.metric === null || r.value === null || r.operator === null || seen.has(r.metric)) continue
    seen.add(r.metric)
    const config = Ranking.configText(r.config)
    out.push(
      `best ${Term.paint(color, "bold", r.learner)}: ${r.metric} ${Format.number(r.value)} (${Ranking.directionText(r.metric, r.operator)})${r.failed ? ", but it failed" : ""}${config === "" ? "" : `; ${config}`}`
    )
  }
  return out.join("\n")
}

/**
 * Each failed task under the table: its head, the last lines of its stderr whole, and its log files.
 *
 * @since 0.2.0
 * @category rendering
 */
export const failures = (
  results: Results.Results,
  runDir: string,
  color: boolean,
  context: FailureText.Context = FailureText.local()
): string => {
  const out: Array<string> = []
  for (const l of results.learners) {
    const f = l.failure
    if (f === null) continue
    const where = f.task === "" ? "" : ` ${f.task} @${f.iteration} (attempt ${f.attempt})`
    out.push(Term.paint(color, "red", `${l.name}[${l.index}]${where}: ${Format.failureHead(f)}`))
    const task = { learner: { name: l.name, index: l.index }, iteration: f.iteration, task: f.task, attempt: f.attempt }
    out.push(...FailureText.detail(f.task === "" ? undefined : runDir, task, f.stderrTail, context))
  }
  return out.join("\n")
}

/**
 * Each selector block's ranking: one line per algorithm, best first, and the winner.
 *
 * @since 0.1.0
 * @category rendering
 */
export const selection = (results: Results.Results, color: boolean): string => {
  const out: Array<string> = []
  for (const [name, s] of Object.entries(results.selection ?? {})) {
    const winner =
      s.winner === null ? "no winner (no algorithm can win)" : `winner ${s.winner.algorithm} (${s.winner.learner})`
    out.push(`selector ${name}: ${Term.paint(color, "bold", winner)}, by ${s.metric} (${s.direction ?? s.operator})`)
    for (const r of s.ranking) {
      const how = r.converged
        ? `converged after ${Format.plural(r.iterations, "iteration")}`
        : `${reasonText[r.stopReason]} after ${Format.plural(r.iterations, "iteration")}`
      out.push(`  ${r.rank}. ${r.algorithm}  ${r.final === null ? "–" : Format.number(r.final)}  ${how}`)
    }
  }
  return out.join("\n")
}

/**
 * Where a run's files are.
 *
 * @since 0.1.0
 * @category rendering
 */
export const files = (runDir: string, report: boolean, results = true): string =>
  [
    `run directory  ${runDir}`,
    `results        ${results ? `${runDir}/results.json` : "not written (see below)"}`,
    `journal        ${runDir}/events.jsonl`,
    ...(report ? [`report         ${runDir}/report.html`] : [])
  ].join("\n")

/**
 * The whole summary.
 *
 * @since 0.1.0
 * @category rendering
 */
export const render = (
  results: Results.Results,
  runDir: string,
  options: {
    readonly color: boolean
    readonly report: boolean
    readonly signal?: string | undefined
    /** Whether results.json was written (false: the disk was full, say). */
    readonly results?: boolean | undefined
    /** Where the log paths are made relative to (the working directory by default). */
    readonly context?: FailureText.Context | undefined
  }
): string => {
  const status =
    results.status === "completed"
      ? Term.paint(options.color, "green", "completed")
      : results.status === "failed"
        ? Term.paint(options.color, "red", "failed")
        : Term.paint(
            options.color,
            "magenta",
            `interrupted${options.signal === undefined ? "" : ` by ${options.signal}`}`
          )
  const failed = results.learners.filter((l) => l.stopReason === "error").length
  const tail = failed > 0 ? ` (${Format.plural(failed, "learner")} failed)` : ""
  const ranked = selection(results, options.color)
  const winner = best(results, options.color)
  const failedTasks = failures(results, runDir, options.color, options.context)
  return [
    "",
    learners(results, options.color),
    ...(winner === "" ? [] : [winner]),
    "",
    ...(failedTasks === "" ? [] : [failedTasks, ""]),
    ...(ranked === "" ? [] : [ranked, ""]),
    `run ${results.runId} ${status} in ${Format.duration(results.durationMs)}${tail}${results.dryRun === true ? ` ${DryRunBackend.mark}` : ""}`,
    files(runDir, options.report, options.results ?? true),
    ""
  ].join("\n")
}
