/**
 * How the `rose` command writes numbers, durations, times and metric histories.
 *
 * @since 0.1.0
 */

/**
 * A metric value in at most four significant digits: `0.2310` → `0.231`, `1.5e-7` → `1.5e-7`.
 *
 * @since 0.1.0
 * @category rendering
 */
export const number = (n: number): string => {
  if (!Number.isFinite(n)) return String(n)
  if (Number.isInteger(n) && Math.abs(n) < 1e7) return String(n)
  const abs = Math.abs(n)
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e7)) {
    const [m, e] = n.toExponential(3).split("e")
    return `${String(Number(m))}e${e!.replace("+", "")}`
  }
  return String(Number(n.toPrecision(4)))
}

/**
 * `850 ms`, `4.2 s`, `3m05s`, `1h02m`.
 *
 * @since 0.1.0
 * @category rendering
 */
export const duration = (ms: number): string => {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const s = Math.floor(ms / 1000)
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`
}

/**
 * Elapsed time for a live display: `7s`, `1m05s`, `2h03m`.
 *
 * @since 0.1.0
 * @category rendering
 */
export const elapsed = (ms: number): string => {
  const s = Math.max(0, Math.floor(ms / 1000))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`
}

/**
 * `HH:MM:SS` of a time, in local time.
 *
 * @since 0.1.0
 * @category rendering
 */
export const clock = (millis: number): string => {
  const d = new Date(millis)
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":")
}

const bars = "▁▂▃▄▅▆▇█"

/**
 * A sparkline of the last `width` values, scaled between their minimum and maximum.
 *
 * @since 0.1.0
 * @category rendering
 */
export const sparkline = (values: ReadonlyArray<number>, width = 16): string => {
  const window = values.slice(-width).filter(Number.isFinite)
  if (window.length === 0) return ""
  const lo = Math.min(...window)
  const hi = Math.max(...window)
  return window
    .map((v) => (hi === lo ? bars[3]! : bars[Math.min(7, Math.floor(((v - lo) / (hi - lo)) * 7.999))]!))
    .join("")
}

/**
 * `1 learner`, `3 learners`.
 *
 * @since 0.1.0
 * @category rendering
 */
export const plural = (n: number, word: string, many = `${word}s`): string => `${n} ${n === 1 ? word : many}`

/**
 * A failure in one line: `exit 1: <the last line of stderr>` for a task that failed, else the first
 * line of its message.
 *
 * @since 0.1.0
 * @category rendering
 */
export const failure = (f: {
  readonly tag?: string | undefined
  readonly message: string
  readonly exitCode?: number | null | undefined
  readonly signal?: string | null | undefined
  readonly stderrTail?: string | undefined
}): string => {
  if (f.tag === "TaskFailed") {
    const how =
      f.exitCode === null || f.exitCode === undefined ? `killed by ${f.signal ?? "a signal"}` : `exit ${f.exitCode}`
    const last = (f.stderrTail ?? "")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "")
      .at(-1)
    return last === undefined ? how : `${how}: ${last.length > 100 ? `${last.slice(0, 99)}…` : last}`
  }
  return f.message.split("\n")[0]!
}

/**
 * The head of a failure, without its stderr: `exit 1`, `killed by SIGKILL`, or the first line of
 * its message (the stderr lines go under it, see `FailureText`).
 *
 * @since 0.2.0
 * @category rendering
 */
export const failureHead = (f: {
  readonly tag?: string | undefined
  readonly message: string
  readonly exitCode?: number | null | undefined
  readonly signal?: string | null | undefined
}): string =>
  f.tag === "TaskFailed"
    ? f.exitCode === null || f.exitCode === undefined
      ? `killed by ${f.signal ?? "a signal"}`
      : `exit ${f.exitCode}`
    : f.message.split("\n")[0]!
