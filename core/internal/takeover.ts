/**
 * What a resumed session does to its run before anything runs: the journal's torn last line cut off
 * (appended events start on a line of their own), the earlier process's tasks split into those it
 * re-attaches to and those it kills, and the latter killed.
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import type * as Backend from "../Backend.ts"
import * as FileError from "../FileError.ts"
import type * as Program from "../Program.ts"
import * as Resume from "../Resume.ts"
import { reapSurvivors } from "./reap.ts"

const dropTornLine = (fs: FileSystem.FileSystem, path: string) =>
  Effect.gen(function* () {
    const text = yield* fs.readFileString(path)
    if (text.length === 0 || text.endsWith("\n")) return
    yield* fs.truncate(path, new TextEncoder().encode(text.slice(0, text.lastIndexOf("\n") + 1)).length)
  }).pipe(Effect.mapError(FileError.fromCause("repair the torn last line of", path)))

export const takeOver = (
  fs: FileSystem.FileSystem,
  journalPath: string,
  resume: Resume.ResumePlan,
  backends: {
    readonly program: Program.Program
    readonly backend: Backend.Service
    readonly named: ReadonlyMap<string, Backend.Service>
    readonly all: ReadonlyArray<Backend.Service>
  }
): Effect.Effect<
  {
    /** Where this session's events begin in the journal. */
    readonly journalStart: number
    /** The survivors the session re-attaches to. */
    readonly attach: ReadonlyArray<Resume.Survivor>
    /** The survivors left alone, because nothing proved they are the run's (one line each). */
    readonly spared: ReadonlyArray<string>
  },
  FileError.FileError
> =>
  Effect.gen(function* () {
    yield* dropTornLine(fs, journalPath)
    const journalStart = Number(
      (yield* fs.stat(journalPath).pipe(Effect.mapError(FileError.fromCause("read", journalPath)))).size
    )
    const split = Resume.handover(resume, Resume.attachable(backends.program, backends.backend, backends.named))
    const spared = yield* reapSurvivors(split.reap, resume.previousRunIds, split.attach, backends.all)
    return { journalStart, attach: split.attach, spared }
  })
