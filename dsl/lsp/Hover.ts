/**
 * Hover: on a metric after `stop when`, its direction and the operator it stands for; on a `let`
 * name, its value; on an entry of a `learner K { … }` section, what that learner's task resolves to
 * at iterations 0, 1, 2 and the last the plan shows: the kwargs and the command line, rows as
 * `rose plan` prints them (adaptive values computed, those read from `prev` shown symbolically).
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Learner from "../../core/Learner.ts"
import * as Metric from "../../core/Metric.ts"
import * as Plan from "../../core/Plan.ts"
import type * as Ast from "../Ast.ts"
import { dependsOnPrev, dependsOnRun } from "../Check.ts"
import type * as CheckedModel from "../CheckedModel.ts"
import * as Compile from "../Compile.ts"
import * as Diagnostic from "../Diagnostic.ts"
import type { Analysis } from "./Analysis.ts"
import { type Hover, rangeOf, within } from "./Protocol.ts"
import { wordAt } from "./Words.ts"

const markdown = (value: string, span: Ast.LetDecl["span"]): Hover => ({
  contents: { kind: "markdown", value },
  range: rangeOf(span)
})

/**
 * What a metric of the table means for `stop when`.
 *
 * @since 0.1.0
 * @category hover
 */
export const metricText = (info: Metric.MetricInfo): string =>
  [
    `**${info.name}**: ${info.direction === "minimize" ? "lower is better" : "higher is better"}`,
    "",
    `\`stop when ${info.name} 0.1\` means \`stop when ${info.name} ${info.operator} 0.1\``,
    ...(info.note === undefined ? [] : ["", info.note])
  ].join("\n")

const column = (cells: ReadonlyArray<ReadonlyArray<string>>, right: ReadonlySet<number>): string => {
  const widths = cells[0]!.map((_, k) => Math.max(...cells.map((row) => Array.from(row[k] ?? "").length)))
  return cells
    .map((row) =>
      row
        .map((c, k) => (right.has(k) ? c.padStart(widths[k]!) : c.padEnd(widths[k]!)))
        .join("  ")
        .trimEnd()
    )
    .join("\n")
}

/**
 * The rows of one learner's task at some iterations, as `rose plan` lays them out (iteration, task,
 * command), followed by each row's resolved kwargs.
 *
 * @since 0.1.0
 * @category hover
 */
export const planRows = (rows: ReadonlyArray<Plan.Row>): string => {
  const table = column(
    [
      ["iteration", "task", "command"],
      ...rows.map((row, k) => {
        const first = k === 0 || rows[k - 1]!.iteration !== row.iteration
        let command = row.command
        if (row.argv === undefined && (row.binding === "CommandFunction" || row.binding === "InProcess")) {
          command += `  kwargs ${JSON.stringify(row.kwargs)}${row.args.length > 0 ? ` args ${JSON.stringify(row.args)}` : ""}`
        }
        if (row.problem !== undefined) command += `  (problem: ${row.problem})`
        return [first ? String(row.iteration) : "", row.task, command]
      })
    ],
    new Set([0])
  )
  const kwargs = column(
    [
      ["iteration", "task", "kwargs"],
      ...rows.map((row) => [
        String(row.iteration),
        row.task,
        `${JSON.stringify(row.kwargs)}${row.args.length > 0 ? ` args ${JSON.stringify(row.args)}` : ""}`
      ])
    ],
    new Set([0])
  )
  return `${table}\n\n${kwargs}`
}

const whenText = (when: CheckedModel.WhenModel | undefined): string => {
  switch (when?._tag) {
    case undefined:
    case "Always":
      return ""
    case "Default":
      return " default"
    case "At":
      return ` at ${when.iteration}`
    case "From":
      return ` from ${when.iteration}`
  }
}

const entryLayer = (
  model: CheckedModel.Model,
  entry: Ast.ConfigEntry
): { learner: CheckedModel.LearnerModel; index: number; task: string; layer: CheckedModel.LayerModel } | undefined => {
  for (const learner of model.learners) {
    for (const [index, tasks] of learner.configs) {
      for (const [task, layers] of tasks) {
        const layer = layers.find((l) => l.node === entry)
        if (layer !== undefined) return { learner, index, task, layer }
      }
    }
  }
  return undefined
}

const entryHover = (analysis: Analysis, entry: Ast.ConfigEntry): Hover => {
  const model = analysis.model
  const found = model === undefined ? undefined : entryLayer(model, entry)
  const title = `\`${entry.task.name.text}${entry.task.qualifier === undefined ? "" : ` "${entry.task.qualifier.value}"`}${whenText(found?.layer.when)}\``
  if (Diagnostic.hasErrors(analysis.diagnostics) || model === undefined || found === undefined) {
    return markdown(`${title}: the plan is shown once the file has no errors`, entry.span)
  }
  const program = Compile.compile(model, { file: analysis.environment.file, text: analysis.text })
  if (Either.isLeft(program)) return markdown(`${title}: ${program.left.map((d) => d.message).join("; ")}`, entry.span)
  const def = program.right.learners.find((l) => l.name === found.learner.name)!
  const ref: Learner.LearnerRef = { name: def.name, index: found.index }
  const shown = Plan.iterationsShown(def, undefined)
  const iterations = [0, 1, 2, shown - 1]
  const plan = Plan.make(program.right, { only: { learner: ref, iterations } })
  const rows = plan.rows.filter((r) => r.task === found.task || r.task.startsWith(`${found.task}@`))
  const adaptive = found.layer.entries.some(dependsOnRun)
  const prev = found.layer.entries.some(dependsOnPrev)
  const kind = prev ? "adaptive (reads prev)" : adaptive ? "adaptive (reads i)" : "static"
  const head = `**${Learner.label(ref)}** · ${title} · ${kind} · ${
    def.maxIter === undefined ? `no max_iter: the last iteration shown is ${shown - 1}` : `max_iter ${def.maxIter}`
  }`
  return markdown(`${head}\n\n\`\`\`text\n${planRows(rows)}\n\`\`\``, entry.span)
}

const sectionEntryAt = (ast: Ast.File, offset: number): Ast.ConfigEntry | undefined => {
  for (const item of ast.items) {
    if (item._tag !== "LearnerBlock" || !within(item.span, offset)) continue
    for (const li of item.items) {
      if (li._tag !== "LearnerSection" || !within(li.span, offset)) continue
      return li.entries.find((e) => within(e.span, offset))
    }
  }
  return undefined
}

const stopAt = (ast: Ast.File, offset: number): Ast.StopWhen | undefined => {
  for (const item of ast.items) {
    if (item._tag !== "LearnerBlock" || !within(item.span, offset)) continue
    for (const li of item.items)
      if (li._tag === "StopWhen" && li.metric !== undefined && within(li.metric.span, offset)) return li
  }
  return undefined
}

/**
 * The hover at an offset of an analysed text, if there is anything to say.
 *
 * @since 0.1.0
 * @category hover
 */
export const hover = (analysis: Analysis, offset: number): Hover | undefined => {
  const stop = stopAt(analysis.ast, offset)
  if (stop?.metric !== undefined) {
    const info = Metric.lookup(stop.metric.text)
    return markdown(
      info === undefined
        ? `**${stop.metric.text}**: not in the metric table; write its operator (\`stop when ${stop.metric.text} < 0.1\`)`
        : metricText(info),
      stop.metric.span
    )
  }
  const entry = sectionEntryAt(analysis.ast, offset)
  if (entry !== undefined) return entryHover(analysis, entry)
  const word = wordAt(analysis, offset)
  if (word !== undefined && analysis.model?.lets.has(word.text) === true) {
    return markdown(`\`let ${word.text}\` = \`${JSON.stringify(analysis.model.lets.get(word.text))}\``, word.span)
  }
  return undefined
}
