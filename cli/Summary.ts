/**
 * The summary `rose run` prints at the end: a table of how each learner ended, then where the run's
 * files are.
 *
 * @since 0.1.0
 */
import * as DryRunBackend from "../backends/DryRunBackend.ts"
import type * as Results from "../core/Results.ts"
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
  interrupted: "interrupted"
}

const reasonStyle: { readonly [R in Results.LearnerResult["stopReason"]]: Term.Style } = {
  criterion_met: "green",
  max_iter: "yellow",
  error: "red",
  stopped: "gray",
  pruned: "gray",
  interrupted: "magenta"
}

/**
 * The learners' table.
 *
 * @since 0.1.0
 * @category rendering
 */
export const learners = (results: Results.Results, color: boolean): string => {
  const rows = results.learners.map((l) => {
    const last = l.metric?.history.at(-1)
    const metric =
      l.metric === null
        ? "–"
        : `${l.metric.name} ${last === undefined ? "–" : Format.number(last)} (${l.metric.operator} ${Format.number(l.metric.threshold)})`
    const note =
      l.pruned !== undefined
        ? l.pruned
        : l.failure === null
          ? ""
          : `${l.failure.task === "" ? "" : `${l.failure.task} @${l.failure.iteration}: `}${Format.failure(l.failure)}`
    return [`${l.name}[${l.index}]`, String(l.iterations), reasonText[l.stopReason], metric, note]
  })
  const text = table(["learner", "iterations", "ended", "metric (last)", "failure"], rows, { right: [1], color })
  if (!color) return text
  // Colour the "ended" cells after layout, so padding is computed on plain text.
  const lines = text.split("\n")
  return [
    lines[0]!,
    ...lines.slice(1).map((line, i) => {
      const reason = results.learners[i]!.stopReason
      const word = reasonText[reason]
      return line.replace(` ${word}`, ` ${Term.paint(true, reasonStyle[reason], word)}`)
    })
  ].join("\n")
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
  return [
    "",
    learners(results, options.color),
    "",
    ...(ranked === "" ? [] : [ranked, ""]),
    `run ${results.runId} ${status} in ${Format.duration(results.durationMs)}${tail}${results.dryRun === true ? ` ${DryRunBackend.mark}` : ""}`,
    files(runDir, options.report, options.results ?? true),
    ""
  ].join("\n")
}
