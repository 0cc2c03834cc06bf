/**
 * The marks (size, modification time) of the files a task left, journaled with its `task_finished`
 * so a resume keeps the task only while they are unchanged: its `.out` and `.err`, and the files of
 * its learner's folder it wrote (modified since it started; the iterations' output folders aside).
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import { type FileMark, markOf, markOfInfo } from "./resumeTasks.ts"

/** How much of a learner's folder is looked at: its tasks' scratch space can be large. */
const MAX_DEPTH = 4
const MAX_ENTRIES = 2000

/** The output folders of a learner's iterations (`iter-<i>`): their files are each task's own outputs. */
const isIterationFolder = (name: string) => /^iter-\d+$/.test(name)

export const left = (
  fs: FileSystem.FileSystem,
  spec: {
    readonly outputs: ReadonlyArray<string>
    readonly folder: string | undefined
    /** When the task started (Clock millis): files modified since are its. */
    readonly since: number | undefined
  }
): Effect.Effect<{ [path: string]: FileMark }> =>
  Effect.gen(function* () {
    const marks: { [path: string]: FileMark } = {}
    for (const path of spec.outputs) {
      const mark = yield* markOf(fs, path)
      if (mark !== undefined) marks[path] = mark
    }
    if (spec.folder === undefined || spec.since === undefined) return marks
    // Modification times have the file system's granularity (1 s on some): a file written in the
    // second the task started counts as its.
    const since = spec.since - 1000
    let seen = 0
    const walk = (dir: string, depth: number): Effect.Effect<void> =>
      Effect.gen(function* () {
        const names = yield* fs.readDirectory(dir).pipe(Effect.orElseSucceed((): Array<string> => []))
        for (const name of names.sort()) {
          if (++seen > MAX_ENTRIES) return
          if (depth === 0 && isIterationFolder(name)) continue
          const path = `${dir}/${name}`
          const info = yield* fs.stat(path).pipe(Effect.option)
          if (info._tag === "None") continue
          if (info.value.type === "Directory") {
            if (depth < MAX_DEPTH) yield* walk(path, depth + 1)
          } else if (info.value.type === "File") {
            const mark = markOfInfo(info.value)
            if (mark.mtimeMs >= since) marks[path] = mark
          }
        }
      })
    yield* walk(spec.folder, 0)
    return marks
  })
