/** The benchmark's Markdown: numbers, tables and the rows of its budgets table. */

export const fmt = (x: number, digits = 1) => x.toFixed(digits)

export const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>) => {
  const lines = [`| ${header.join(" | ")} |`, `| ${header.map(() => "---").join(" | ")} |`]
  for (const r of rows) lines.push(`| ${r.join(" | ")} |`)
  return lines.join("\n")
}

/** A budget against a run's numbers, as RESULTS.md states it. */
export interface Verdict {
  readonly budget: string
  readonly measured: string
  readonly met: boolean
  /** Where the time goes when the budget is missed (measured; the long form is in bench/README.md). */
  readonly why: string
}
