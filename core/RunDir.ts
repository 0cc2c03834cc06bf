/**
 * The run directory: `--out DIR` (missing or empty) or `runs/<YYYYMMDD-HHMMSS>-<4 hex>/` under the
 * current directory, holding `run.json`, `events.jsonl`, `results.json`, `report.html` and
 * `learners/<name>-<k>/` (each learner's working directory, with `iter-<i>/<task>.out|.err`).
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as FileError from "./FileError.ts"
import * as Host from "./Host.ts"
import * as Learner from "./Learner.ts"

/**
 * @since 0.1.0
 * @category errors
 */
export class RunDirError extends Data.TaggedError("RunDirError")<{
  readonly path: string
  readonly reason: string
  /** The operating system's error code behind it (`EROFS`), if one is. */
  readonly code?: string | undefined
}> {
  override get message(): string {
    return `cannot use ${this.path} as the run directory: ${this.reason}`
  }
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0")

/**
 * `20261128-143005`, in UTC.
 *
 * @since 0.1.0
 * @category rendering
 */
export const stamp = (millis: number): string => {
  const d = new Date(millis)
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}-${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`
}

/**
 * A new run id: `<stamp>-<4 hex>`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeRunId = Effect.gen(function* () {
  const now = yield* Clock.currentTimeMillis
  const n = yield* Random.nextIntBetween(0, 0x10000)
  return `${stamp(now)}-${n.toString(16).padStart(4, "0")}`
})

/**
 * Creates the run directory and returns its absolute path.
 *
 * @since 0.1.0
 * @category constructors
 */
export const create = (runId: string, out: string | undefined) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const host = yield* Host.Host
    const dir = path.resolve(host.cwd, out ?? path.join("runs", runId))
    const fail = (reason: string) => Effect.fail(new RunDirError({ path: dir, reason }))
    const failWith = (e: FileError.FileError) => new RunDirError({ path: dir, reason: e.message, code: e.code })
    const exists = yield* fs.exists(dir).pipe(Effect.orElseSucceed(() => false))
    if (exists) {
      const info = yield* fs.stat(dir).pipe(Effect.mapError((e) => failWith(FileError.fromCause("read", dir)(e))))
      if (info.type !== "Directory") return yield* fail("it exists and is not a directory")
      const entries = yield* fs
        .readDirectory(dir)
        .pipe(Effect.mapError((e) => failWith(FileError.fromCause("read", dir)(e))))
      if (entries.length > 0) return yield* fail("it is not empty (choose a new folder, or resume the run in it)")
    }
    yield* makeDirectories(path.join(dir, "learners")).pipe(Effect.mapError(failWith))
    return dir
  })

/**
 * Creates a folder and its missing parents. When that fails it retries one level at a time, so the
 * error names the level and the real reason: a recursive `mkdir` on Node reports `ENOENT` for a
 * parent on a read-only file system.
 *
 * @since 0.1.0
 * @category files
 */
export const makeDirectories = (dir: string): Effect.Effect<void, FileError.FileError, FileSystem.FileSystem> =>
  Effect.flatMap(FileSystem.FileSystem, (fs) =>
    fs.makeDirectory(dir, { recursive: true }).pipe(
      Effect.catchAll(() =>
        Effect.gen(function* () {
          const missing: Array<string> = []
          let at = dir.length > 1 ? dir.replace(/\/+$/, "") : dir
          while (!(yield* fs.exists(at).pipe(Effect.orElseSucceed(() => false)))) {
            missing.unshift(at)
            const cut = at.lastIndexOf("/")
            if (cut <= 0) break
            at = at.slice(0, cut)
          }
          for (const level of missing) {
            yield* fs.makeDirectory(level).pipe(
              // Another process may create it at the same moment.
              Effect.catchIf(
                (e) => FileError.codeOf(e) === "EEXIST",
                () => Effect.void
              ),
              Effect.mapError(FileError.fromCause("create the folder", level))
            )
          }
        })
      )
    )
  )

/**
 * Writes a file atomically: a temporary file beside it, then a rename. A write that fails (a full
 * disk) removes the temporary file.
 *
 * @since 0.1.0
 * @category files
 */
export const writeAtomic = (file: string, text: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const tmp = `${file}.tmp`
    yield* fs.writeFileString(tmp, text).pipe(
      Effect.tapError(() => fs.remove(tmp).pipe(Effect.ignore)),
      Effect.mapError(FileError.fromCause("write", file))
    )
    yield* fs.rename(tmp, file).pipe(Effect.mapError(FileError.fromCause("write", file)))
  })

/**
 * `<run>/learners/<name>-<k>`.
 *
 * @since 0.1.0
 * @category paths
 */
export const learnerDir = (runDir: string, ref: Learner.LearnerRef): string =>
  `${runDir}/learners/${Learner.folder(ref)}`

/**
 * `<run>/learners/<name>-<k>/iter-<i>`.
 *
 * @since 0.1.0
 * @category paths
 */
export const iterationDir = (runDir: string, ref: Learner.LearnerRef, iteration: number): string =>
  `${learnerDir(runDir, ref)}/iter-${iteration}`

/**
 * `<task>.out` / `<task>.err`, with `.<attempt>` appended from the second attempt on.
 *
 * @since 0.1.0
 * @category paths
 */
export const outputFile = (task: string, stream: "out" | "err", attempt: number): string =>
  attempt <= 1 ? `${task}.${stream}` : `${task}.${stream}.${attempt}`
