/**
 * The experience bank of a reinforcement learner: an append-only folder of JSON Lines segments,
 * `<learner workdir>/experience/`, one segment per iteration and environment task
 * (`000003-environment.cartpole.jsonl`). Each environment task writes its records, one JSON object
 * per line, to the file the runner names in `ROSE_EXPERIENCE_OUT`; after the iteration's environments
 * ran, the runner merges each file into the bank:
 *
 * - every record is kept: a segment is written once (a temporary file, then a rename) and never
 *   rewritten, and nothing is ever deleted: the environments' files stay where they were written;
 * - a line that is not a JSON object is an `ExperienceError` naming `file:line`, and the file is kept;
 * - a segment left by an incomplete iteration that runs again is moved aside (`….jsonl.stale-1`), not
 *   overwritten.
 *
 * Task scripts read the bank (`ROSE_EXPERIENCE_BANK`) with `lib/experience.mjs`, which also samples
 * it reproducibly from a seed.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FileError from "./FileError.ts"
import * as Json from "./Json.ts"
import * as TaskError from "./TaskError.ts"

/**
 * The bank's folder in a learner's working directory.
 *
 * @since 0.1.0
 * @category paths
 */
export const bankDir = (workdir: string): string => `${workdir}/experience`

/**
 * The file an environment task writes its experience to, in its iteration's folder:
 * `<task>.experience.jsonl` (`.<attempt>` appended from the second attempt on, like its output files).
 *
 * @since 0.1.0
 * @category paths
 */
export const outputFile = (iterationDir: string, task: string, attempt: number): string =>
  `${iterationDir}/${task}.experience.jsonl${attempt <= 1 ? "" : `.${attempt}`}`

/**
 * A segment's file name: the iteration (six digits, so names sort in order) and the task.
 *
 * @since 0.1.0
 * @category paths
 */
export const segmentName = (iteration: number, task: string): string =>
  `${String(iteration).padStart(6, "0")}-${task}.jsonl`

const segmentPattern = /^\d{6,}-.+\.jsonl$/

/**
 * Whether a file name in the bank is a segment (not a temporary or a set-aside file).
 *
 * @since 0.1.0
 * @category predicates
 */
export const isSegment = (name: string): boolean => segmentPattern.test(name)

/**
 * A bad line of JSON Lines text.
 *
 * @since 0.1.0
 * @category models
 */
export interface BadLine {
  /** 1-based. */
  readonly line: number
  readonly reason: string
}

/**
 * Parses JSON Lines: one JSON object per line; blank lines are skipped.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseLines = (text: string): Either.Either<ReadonlyArray<Json.JsonObject>, BadLine> => {
  const records: Array<Json.JsonObject> = []
  const lines = text.split("\n")
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k]!.endsWith("\r") ? lines[k]!.slice(0, -1) : lines[k]!
    if (line.trim() === "") continue
    const parsed = Json.parse(line)
    if (!parsed.ok) {
      const shown = line.length > 80 ? `${line.slice(0, 77)}...` : line
      return Either.left({ line: k + 1, reason: `not JSON: ${JSON.stringify(shown)}` })
    }
    if (!Json.isObject(parsed.value)) {
      return Either.left({ line: k + 1, reason: "a record must be a JSON object" })
    }
    records.push(parsed.value)
  }
  return Either.right(records)
}

/**
 * What merging one environment's file did.
 *
 * @since 0.1.0
 * @category models
 */
export interface Merged {
  readonly task: string
  readonly records: number
  /** The segment written, if the environment wrote any record. */
  readonly segment: string | undefined
}

/** A free name beside `path` to move it aside to: `path.stale-1`, `path.stale-2`, … */
const setAsideName = (fs: FileSystem.FileSystem, path: string) =>
  Effect.gen(function* () {
    for (let n = 1; ; n++) {
      const candidate = `${path}.stale-${n}`
      if (!(yield* fs.exists(candidate))) return candidate
    }
  })

/**
 * Moves a file aside (to `<file>.stale-<n>`) if it exists: an environment's output left by an
 * incomplete iteration, before the iteration runs again. Nothing is deleted.
 *
 * @since 0.1.0
 * @category files
 */
export const setAside = (file: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    if (!(yield* fs.exists(file))) return undefined
    const to = yield* setAsideName(fs, file)
    yield* fs.rename(file, to)
    return to
  })

/**
 * One environment's experience file for an iteration.
 *
 * @since 0.1.0
 * @category models
 */
export interface Input {
  readonly task: string
  readonly file: string
}

const readInput = (fs: FileSystem.FileSystem, input: Input) =>
  Effect.gen(function* () {
    const problem = (reason: string, line?: number) =>
      new TaskError.ExperienceError({ task: input.task, file: input.file, line, reason })
    if (!(yield* fs.exists(input.file).pipe(Effect.mapError((e) => problem(FileError.reasonOf(e)))))) {
      return [] as ReadonlyArray<Json.JsonObject>
    }
    const text = yield* fs
      .readFileString(input.file)
      .pipe(Effect.mapError((e) => problem(`cannot be read: ${FileError.reasonOf(e)}`)))
    const parsed = parseLines(text)
    return Either.isLeft(parsed) ? yield* problem(parsed.left.reason, parsed.left.line) : parsed.right
  })

/**
 * Merges the environments' experience files of an iteration into the bank, one segment per
 * environment (in the order given). Every file is read and checked first, so a bad record anywhere
 * leaves the bank as it was. A missing file means the environment wrote no experience.
 *
 * @since 0.1.0
 * @category merging
 */
export const merge = (input: {
  readonly bank: string
  readonly iteration: number
  readonly inputs: ReadonlyArray<Input>
}): Effect.Effect<ReadonlyArray<Merged>, TaskError.ExperienceError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const loaded: Array<readonly [Input, ReadonlyArray<Json.JsonObject>]> = []
    for (const i of input.inputs) loaded.push([i, yield* readInput(fs, i)])
    const out: Array<Merged> = []
    for (const [i, records] of loaded) {
      const segment = `${input.bank}/${segmentName(input.iteration, i.task)}`
      yield* Effect.gen(function* () {
        yield* fs.makeDirectory(input.bank, { recursive: true })
        // A segment of this iteration exists only if an earlier run of it did not complete: keep it aside.
        yield* setAside(segment)
        if (records.length === 0) return
        const tmp = `${segment}.tmp`
        yield* fs.writeFileString(tmp, `${records.map((r) => JSON.stringify(r)).join("\n")}\n`)
        yield* fs.rename(tmp, segment)
      }).pipe(
        Effect.provideService(FileSystem.FileSystem, fs),
        Effect.mapError(
          (e) =>
            new TaskError.ExperienceError({
              task: i.task,
              file: segment,
              line: undefined,
              reason: `cannot write the segment: ${FileError.reasonOf(e)}`
            })
        )
      )
      out.push({ task: i.task, records: records.length, segment: records.length === 0 ? undefined : segment })
    }
    return out
  })

/**
 * The bank's segments, in order (iteration, then task).
 *
 * @since 0.1.0
 * @category reading
 */
export const segments = (bank: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    if (!(yield* fs.exists(bank))) return [] as ReadonlyArray<string>
    const names = (yield* fs.readDirectory(bank)).filter(isSegment).sort()
    return names.map((n) => `${bank}/${n}`)
  })

/**
 * Every record of the bank, in order.
 *
 * @since 0.1.0
 * @category reading
 */
export const read = (
  bank: string
): Effect.Effect<ReadonlyArray<Json.JsonObject>, TaskError.ExperienceError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const problem = (file: string, reason: string, line?: number) =>
      new TaskError.ExperienceError({ task: "experience", file, line, reason })
    const files = yield* segments(bank).pipe(Effect.mapError((e) => problem(bank, FileError.reasonOf(e))))
    const out: Array<Json.JsonObject> = []
    for (const file of files) {
      const text = yield* fs.readFileString(file).pipe(Effect.mapError((e) => problem(file, FileError.reasonOf(e))))
      const parsed = parseLines(text)
      if (Either.isLeft(parsed)) return yield* problem(file, parsed.left.reason, parsed.left.line)
      out.push(...parsed.right)
    }
    return out
  })
