/**
 * The files of PBT: the snapshot of a learner's working folder at each period, and the copy of a
 * source's snapshot into a learner that exploits it. The `iter-<n>` folders stay out of both: they
 * hold the runner's record of the learner's own tasks (their output), which a copy must not rewrite.
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import type * as Backend from "../Backend.ts"
import * as FileError from "../FileError.ts"
import * as Learner from "../Learner.ts"
import * as RunDir from "../RunDir.ts"
import * as TaskError from "../TaskError.ts"
import type { RunEnv } from "./context.ts"

const isIterationFolder = (name: string) => /^iter-\d+$/.test(name)

/** The backend whose workspace holds a block's working folders: its first exec task's. */
const backendOf = (env: RunEnv, def: Learner.LearnerDef): Backend.Service => {
  const tasks = [...def.tasks.values()]
  return env.backendFor(tasks.find((t) => t.binding._tag !== "InProcess") ?? tasks[0]!)
}

/** A learner's working folder, as its backend sees it. */
const workFolder = (env: RunEnv, backend: Backend.Service, ref: Learner.LearnerRef) =>
  RunDir.learnerDir(backend.workspace(env.runDir, env.runKey, ref), ref)

/** `learners/.pbt/<name>-<k>/<iteration>` in the learner's workspace. */
const snapshotFolder = (env: RunEnv, backend: Backend.Service, ref: Learner.LearnerRef, iteration: number) =>
  `${backend.workspace(env.runDir, env.runKey, ref)}/learners/.pbt/${Learner.folder(ref)}/${iteration}`

const mirrorLocal = (fs: FileSystem.FileSystem, from: string, to: string) =>
  Effect.gen(function* () {
    yield* fs.makeDirectory(to, { recursive: true }).pipe(Effect.mapError(FileError.fromCause("create the folder", to)))
    const old = yield* fs.readDirectory(to).pipe(Effect.mapError(FileError.fromCause("read the folder", to)))
    for (const name of old.filter((n) => !isIterationFolder(n)))
      yield* fs
        .remove(`${to}/${name}`, { recursive: true, force: true })
        .pipe(Effect.mapError(FileError.fromCause("remove", `${to}/${name}`)))
    // A learner whose tasks never wrote in its folder has none: its snapshot is empty.
    const exists = yield* fs.exists(from).pipe(Effect.orElseSucceed(() => false))
    const names = exists
      ? yield* fs.readDirectory(from).pipe(Effect.mapError(FileError.fromCause("read the folder", from)))
      : []
    for (const name of names.filter((n) => !isIterationFolder(n)))
      yield* fs
        .copy(`${from}/${name}`, `${to}/${name}`)
        .pipe(Effect.mapError(FileError.fromCause("copy", `${from}/${name}`)))
  })

const mirror = (
  env: RunEnv,
  backend: Backend.Service,
  from: { readonly learner: Learner.LearnerRef; readonly path: string },
  to: { readonly learner: Learner.LearnerRef; readonly path: string }
): Effect.Effect<void, TaskError.BackendError> => {
  if (backend.mirrorFolder !== undefined) return backend.mirrorFolder(from, to)
  // A remote backend that sees the run directory at its own path (SLURM's shared file system) has
  // its working folders here too.
  const here = (ref: Learner.LearnerRef) => backend.workspace(env.runDir, env.runKey, ref) === env.runDir
  if (backend.capabilities.remote && !(here(from.learner) && here(to.learner)))
    return Effect.fail(
      new TaskError.BackendUnavailable({
        backend: backend.name,
        reason: `PBT copies working folders, and the ${backend.kind} backend cannot copy folders in its workspace`,
        retryable: false
      })
    )
  return mirrorLocal(env.fs, from.path, to.path)
}

/** Keeps a learner's working folder as it is after a period iteration. */
export const snapshot = (env: RunEnv, def: Learner.LearnerDef, ref: Learner.LearnerRef, iteration: number) => {
  const backend = backendOf(env, def)
  return mirror(
    env,
    backend,
    { learner: ref, path: workFolder(env, backend, ref) },
    { learner: ref, path: snapshotFolder(env, backend, ref, iteration) }
  )
}

/** Replaces a learner's working folder with the snapshot `source` took at a period. */
export const copyFrom = (
  env: RunEnv,
  def: Learner.LearnerDef,
  ref: Learner.LearnerRef,
  source: Learner.LearnerRef,
  iteration: number
) => {
  const backend = backendOf(env, def)
  return mirror(
    env,
    backend,
    { learner: source, path: snapshotFolder(env, backend, source, iteration) },
    { learner: ref, path: workFolder(env, backend, ref) }
  )
}
