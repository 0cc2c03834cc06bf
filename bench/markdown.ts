/** The benchmark's Markdown: numbers and tables. */

export const fmt = (x: number, digits = 1) => x.toFixed(digits)

export const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>) => {
  const lines = [`| ${header.join(" | ")} |`, `| ${header.map(() => "---").join(" | ")} |`]
  for (const r of rows) lines.push(`| ${r.join(" | ")} |`)
  return lines.join("\n")
}
