/**
 * What `rose` shows under a failed task so that it leads to its log: the last lines of the task's
 * stderr, each whole, and where its `.err` and `.out` files are. A one-line failure (the live
 * frame's, the summary table's) has to cut the cause; these lines are printed once and stay in the
 * scrollback, so they are the place for all of it.
 *
 * @since 0.2.0
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import type * as Learner from "../core/Learner.ts"
import * as RunDir from "../core/RunDir.ts"

/**
 * How many lines of stderr a failure shows.
 *
 * @since 0.2.0
 * @category constants
 */
export const tailLines = 5

/**
 * The last `count` non-blank lines of a stderr tail, each whole (trailing spaces dropped).
 *
 * @since 0.2.0
 * @category rendering
 */
export const lastLines = (stderrTail: string | undefined, count = tailLines): ReadonlyArray<string> =>
  (stderrTail ?? "")
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== "")
    .slice(-count)

/**
 * A path as the user best types it: relative to `cwd` when that is shorter.
 *
 * @since 0.2.0
 * @category rendering
 */
export const shortPath = (path: string, cwd: string): string => {
  const relative = NodePath.relative(cwd, path)
  return relative !== "" && relative.length < path.length ? relative : path
}

/**
 * The task a failure happened in, as far as the log files go.
 *
 * @since 0.2.0
 * @category models
 */
export interface FailedTask {
  readonly learner: Learner.LearnerRef
  readonly iteration: number
  readonly task: string
  readonly attempt: number
}

/**
 * `<run>/learners/<name>-<k>/iter-<i>/<task>.err` (and `.out`) of a task's attempt.
 *
 * @since 0.2.0
 * @category paths
 */
export const logFile = (runDir: string, t: FailedTask, stream: "out" | "err"): string =>
  `${RunDir.iterationDir(runDir, t.learner, t.iteration)}/${RunDir.outputFile(t.task, stream, t.attempt)}`

/**
 * Where the lines are shown: the directory paths are made relative to, and whether a file exists
 * (a task that ran in-process, or never started, left none).
 *
 * @since 0.2.0
 * @category models
 */
export interface Context {
  readonly cwd: string
  readonly exists: (path: string) => boolean
}

/**
 * The lines under a failure, indented: the stderr lines, then `stderr: <path>` and `stdout: <path>`
 * for the files that exist.
 *
 * @since 0.2.0
 * @category rendering
 */
export const detail = (
  runDir: string | undefined,
  t: FailedTask,
  stderrTail: string | undefined,
  context: Context
): ReadonlyArray<string> => {
  const lines = lastLines(stderrTail).map((l) => `  ${l}`)
  if (runDir === undefined) return lines
  for (const stream of ["err", "out"] as const) {
    const file = logFile(runDir, t, stream)
    if (context.exists(file)) lines.push(`  ${stream === "err" ? "stderr" : "stdout"}: ${shortPath(file, context.cwd)}`)
  }
  return lines
}

/**
 * A line broken into pieces of at most `width` characters, the later ones indented like the first,
 * so that nothing of it is cut.
 *
 * @since 0.2.0
 * @category rendering
 */
export const wrap = (line: string, width: number): ReadonlyArray<string> => {
  const chars = Array.from(line)
  if (chars.length <= width) return [line]
  const indent = line.length - line.trimStart().length
  const lead = " ".repeat(Math.min(indent + 2, Math.max(0, width - 10)))
  const out = [chars.slice(0, width).join("")]
  const room = Math.max(1, width - lead.length)
  for (let i = width; i < chars.length; i += room) out.push(`${lead}${chars.slice(i, i + room).join("")}`)
  return out
}

/**
 * The context of this process: paths relative to its working directory, files looked up on disk.
 *
 * @since 0.2.0
 * @category constructors
 */
export const local = (): Context => ({ cwd: process.cwd(), exists: NodeFs.existsSync })
