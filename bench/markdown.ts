/** The benchmark's Markdown: numbers and tables. */

export const fmt = (x: number, digits = 1) => x.toFixed(digits)

export const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>) => {
  const lines = [`| ${header.join(" | ")} |`, `| ${header.map(() => "---").join(" | ")} |`]
  for (const r of rows) lines.push(`| ${r.join(" | ")} |`)
  return lines.join("\n")
}

const START = "<!-- npm run bench: start -->"
const END = "<!-- npm run bench: end -->"

/**
 * RESULTS.md with this run in place of the last one: the generated part sits between two markers
 * under the title, and what was written by hand around it (records of one-off measurements, the
 * example runs) is kept. A file without the markers gets the run under its title, before the rest.
 */
export const spliceRun = (previous: string, title: string, run: string): string => {
  const block = `${START}\n${run.trim()}\n${END}`
  const start = previous.indexOf(START)
  const end = previous.indexOf(END)
  if (start >= 0 && end > start) return `${previous.slice(0, start)}${block}${previous.slice(end + END.length)}`
  const body = previous.trim().startsWith(title) ? previous.trim().slice(title.length).trim() : previous.trim()
  return `${title}\n\n${block}\n${body.length > 0 ? `\n${body}\n` : ""}`
}
