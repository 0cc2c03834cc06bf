/**
 * Marks that tasks write about themselves: one line per task, `<start ns> <end ns> [label…]`, taken
 * with `date +%s%N` inside the task (so they bracket less than the task's real lifetime: an overlap
 * computed from them never overstates the real one). Used to measure concurrency from the outside.
 */
import * as fs from "node:fs"

/** A shell fragment that runs `body` between a start and an end mark appended to `file`. */
export const markedShell = (body: string, file = "marks", label = "") =>
  `rose_s=$(date +%s%N); ${body}; printf '%s %s %s\\n' "$rose_s" "$(date +%s%N)" "${label}" >> ${file}`

export interface Interval {
  readonly start: number
  readonly end: number
  readonly label: string
}

/** The intervals in every file called `name` under `root` (nanoseconds as numbers: fine for overlap). */
export const readIntervals = (root: string, name = "marks"): Array<Interval> => {
  const out: Array<Interval> = []
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = `${dir}/${e.name}`
      if (e.isDirectory()) walk(p)
      else if (e.name === name) {
        for (const line of fs.readFileSync(p, "utf8").split("\n")) {
          const [s, t, ...rest] = line.trim().split(/\s+/)
          if (s === undefined || s === "" || t === undefined) continue
          out.push({ start: Number(s) / 1e6, end: Number(t) / 1e6, label: rest.join(" ") })
        }
      }
    }
  }
  walk(root)
  return out
}

/**
 * The largest number of intervals open at one instant. Intervals that only touch (one ends when the
 * next starts) do not overlap.
 */
export const maxOverlap = (intervals: ReadonlyArray<Interval>): number => {
  const points: Array<readonly [number, number]> = []
  for (const i of intervals) points.push([i.start, 1], [i.end, -1])
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1])
  let open = 0
  let max = 0
  for (const [, d] of points) {
    open += d
    max = Math.max(max, open)
  }
  return max
}
