/**
 * The terminal as the `rose` command sees it: where text goes, whether it is a terminal, how wide
 * and tall it is (read anew at each call, so a resized window is seen), and colours (off when the stream is not a terminal or `NO_COLOR` is set).
 *
 * @since 0.1.0
 */
import * as Fs from "node:fs"

/**
 * A place to write text to.
 *
 * @since 0.1.0
 * @category models
 */
export interface Sink {
  readonly write: (text: string) => void
  readonly isTTY: boolean
  /** Columns of the terminal (80 when unknown). */
  readonly columns: () => number
  /** Rows of the terminal (24 when unknown). */
  readonly rows: () => number
  readonly color: boolean
}

const colorWanted = (isTTY: boolean): boolean => {
  const env = process.env
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true
  return isTTY && env.TERM !== "dumb"
}

const sinkOf = (stream: NodeJS.WriteStream): Sink => {
  const isTTY = stream.isTTY === true
  return {
    isTTY,
    color: colorWanted(isTTY),
    // Node updates `columns` and `rows` on SIGWINCH, so reading them at each redraw follows a resize.
    columns: () => (isTTY && stream.columns > 0 ? stream.columns : 80),
    rows: () => (isTTY && stream.rows > 0 ? stream.rows : 24),
    write: (text) => {
      try {
        stream.write(text)
      } catch {
        // A closed terminal (SIGHUP) or a closed pipe: nobody is reading any more.
      }
    }
  }
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const stdout = (): Sink => sinkOf(process.stdout)

/**
 * @since 0.1.0
 * @category constructors
 */
export const stderr = (): Sink => sinkOf(process.stderr)

/**
 * A sink that collects what is written, for tests; `resize` changes the size it reports.
 *
 * @since 0.1.0
 * @category constructors
 */
export const memory = (
  options: {
    readonly isTTY?: boolean
    readonly columns?: number
    readonly rows?: number
    readonly color?: boolean
  } = {}
) => {
  const chunks: Array<string> = []
  let size = { columns: options.columns ?? 100, rows: options.rows ?? 24 }
  const sink: Sink = {
    isTTY: options.isTTY ?? false,
    color: options.color ?? false,
    columns: () => size.columns,
    rows: () => size.rows,
    write: (text) => {
      chunks.push(text)
    }
  }
  const resize = (columns: number, rows: number) => {
    size = { columns, rows }
  }
  return { sink, text: () => chunks.join(""), chunks, resize }
}

/**
 * Keeps a write to a terminal that has gone away (SIGHUP) or a pipe whose reader left from
 * crashing the process: the error arrives as an event on the stream.
 *
 * @since 0.1.0
 * @category constructors
 */
export const guardStreams = (): void => {
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {})
}

const flushedOne = (stream: NodeJS.WriteStream): Promise<void> =>
  new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) return resolve()
    // A write's callback runs once every earlier write has been handed to the system, or failed
    // (a reader that left): either way nothing more can be delivered.
    try {
      stream.write("", () => resolve())
    } catch {
      resolve()
    }
  })

/**
 * Resolves once everything written to stdout and stderr so far has left the process. Writes to a
 * pipe are queued when its reader is slower than us, and `process.exit` drops the queue.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const flushed = (): Promise<void> =>
  Promise.all([flushedOne(process.stdout), flushedOne(process.stderr)]).then(
    // A signal that arrived while the command computed without yielding is handled only when the
    // event loop next polls, and here (gVisor) it can reach the loop a few milliseconds after the
    // next system call: exiting at once swallowed it (exit 0 after SIGTERM, 1 run in 6 with no wait).
    // 20 ms of polling let it through in every run.
    () => new Promise((resolve) => setTimeout(resolve, 20))
  )

/**
 * Writes a last message to stderr and exits at once: the paths that must not wait (a second Ctrl-C,
 * a signal before the run exists). The message is written synchronously, since `process.exit` drops
 * what a pipe has not taken yet (a CI run lost the whole "exiting now" text that way).
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const exitNow = (text: string, code: number): never => {
  try {
    Fs.writeSync(2, text)
  } catch {
    // A reader that left, or a pipe that would block: nothing more can be delivered at once.
  }
  return process.exit(code)
}

/**
 * @since 0.1.0
 * @category models
 */
export type Style = "bold" | "dim" | "red" | "green" | "yellow" | "blue" | "cyan" | "magenta" | "gray"

const codes: { readonly [S in Style]: readonly [number, number] } = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  gray: [90, 39]
}

/**
 * Wraps text in a style when colours are on.
 *
 * @since 0.1.0
 * @category rendering
 */
export const paint = (color: boolean, style: Style | undefined, text: string): string =>
  !color || style === undefined || text.length === 0
    ? text
    : `\u001b[${codes[style][0]}m${text}\u001b[${codes[style][1]}m`

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching escape sequences is the point
const ansiPattern = /\u001b\[[0-9;?]*[A-Za-z]/g

/**
 * Removes ANSI escape sequences.
 *
 * @since 0.1.0
 * @category rendering
 */
export const strip = (text: string): string => text.replace(ansiPattern, "")

/**
 * A piece of a line with its style.
 *
 * @since 0.1.0
 * @category models
 */
export interface Segment {
  readonly text: string
  readonly style?: Style | undefined
}

/**
 * Renders segments cut to `width` visible characters (an ellipsis marks the cut).
 *
 * @since 0.1.0
 * @category rendering
 */
export const line = (segments: ReadonlyArray<Segment>, width: number, color: boolean): string => {
  let out = ""
  let left = Math.max(1, width)
  for (const s of segments) {
    if (left <= 0) break
    const chars = Array.from(s.text)
    if (chars.length > left) {
      out += paint(color, s.style, `${chars.slice(0, Math.max(0, left - 1)).join("")}…`)
      left = 0
      break
    }
    out += paint(color, s.style, s.text)
    left -= chars.length
  }
  return out
}

/**
 * Escape sequences for redrawing in place.
 *
 * @since 0.1.0
 * @category constants
 */
export const escapes = {
  hideCursor: "\u001b[?25l",
  showCursor: "\u001b[?25h",
  clearLine: "\u001b[2K",
  clearDown: "\u001b[J",
  up: (n: number) => (n > 0 ? `\u001b[${n}A` : ""),
  column0: "\r"
} as const

/**
 * The number of visible characters of a line (escape sequences left out).
 *
 * @since 0.1.0
 * @category rendering
 */
export const visibleLength = (text: string): number => Array.from(strip(text)).length

/**
 * Pads (or cuts) text to a visible width.
 *
 * @since 0.1.0
 * @category rendering
 */
export const pad = (text: string, width: number, align: "left" | "right" = "left"): string => {
  const n = Array.from(text).length
  if (n >= width) return text
  const fill = " ".repeat(width - n)
  return align === "left" ? text + fill : fill + text
}
