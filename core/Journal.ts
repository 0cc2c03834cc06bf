/**
 * The journal `<run>/events.jsonl`: events appended as JSON lines by one writer fiber that takes
 * everything queued and writes it with a single `write`, so many learners share each write (group
 * commit). `append` waits until its line is written (the runner does this for the events a resume
 * depends on); `post` does not wait. A `write` reaches the kernel and survives a kill of this
 * process; `fsync` is only done when asked.
 *
 * A write that fails (a full disk, a quota, an I/O error) breaks the journal for good: the file is
 * cut back to its last whole line, `failed` completes with the reason, the appends that waited for
 * that write are interrupted, and every later line is dropped (an `append` is interrupted at once).
 * A learner must not go on with work the journal cannot record; the runner stops the run.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as FileError from "./FileError.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface Journal {
  /** Appends a line and waits until it is written; interrupted if the journal cannot write it. */
  readonly append: (line: string) => Effect.Effect<void>
  /** Appends a line without waiting (order with `append` is kept). */
  readonly post: (line: string) => Effect.Effect<void>
  /** `post`, called outside an Effect. */
  readonly postSync: (line: string) => void
  /** Completes with the first write that failed; the journal takes no line after it. */
  readonly failed: Effect.Effect<FileError.FileError>
  /** That failure, read synchronously: set before any append is told its write failed. */
  readonly failure: () => FileError.FileError | undefined
  /** Waits until every line handed over so far is in the file; fails with the journal's failure. */
  readonly flushed: Effect.Effect<void, FileError.FileError>
}

const encoder = new TextEncoder()

/**
 * Opens (or creates) a journal for appending; closing the scope writes what is still queued.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  path: string,
  options: { readonly fsync?: boolean } = {}
): Effect.Effect<Journal, FileError.FileError, Scope.Scope | FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const file = yield* fs.open(path, { flag: "a" }).pipe(Effect.mapError(FileError.fromCause("open", path)))
    // Where the last whole line ends: a failed write is cut back to it, so no torn line stays.
    let size = (yield* file.stat.pipe(Effect.mapError(FileError.fromCause("read", path)))).size
    // Lines wait in a plain array; the writer takes all of them at once, in one synchronous step,
    // together with the Deferred their `append`s await: one Deferred per write, not one per line
    // (at 10,000 learners a Deferred per append was a tenth of the run's CPU, with its garbage).
    let lines: Array<string> = []
    let written = Deferred.unsafeMake<void>(FiberId.none)
    // The batch being written, once its lines left `lines`.
    let writing: Deferred.Deferred<void> | undefined
    const failed = yield* Deferred.make<FileError.FileError>()
    let failure: FileError.FileError | undefined
    let broken = false
    // One token per batch: offered when the array goes from empty to not empty.
    const wake = yield* Queue.unbounded<void>()
    const push = (line: string) => {
      if (broken) return
      if (lines.length === 0) wake.unsafeOffer(undefined)
      lines.push(line)
    }
    const writeBatch = Effect.suspend(() => {
      if (lines.length === 0) return Effect.void
      const bytes = encoder.encode(`${lines.join("\n")}\n`)
      const done = written
      writing = done
      lines = []
      written = Deferred.unsafeMake<void>(FiberId.none)
      return file.writeAll(bytes).pipe(
        Effect.zipRight(options.fsync === true ? file.sync : Effect.void),
        Effect.matchCauseEffect({
          onSuccess: () =>
            Effect.sync(() => {
              size = FileSystem.Size(Number(size) + bytes.length)
              if (writing === done) writing = undefined
              Deferred.unsafeDone(done, Effect.void)
            }),
          onFailure: (cause) =>
            Effect.gen(function* () {
              broken = true
              lines = []
              yield* file.truncate(size).pipe(Effect.ignore)
              const error = FileError.fromCause("write", path)(Cause.squash(cause))
              failure = error
              yield* Deferred.succeed(failed, error)
              Deferred.unsafeDone(done, Effect.interrupt)
              Deferred.unsafeDone(written, Effect.interrupt)
            })
        })
      )
    })
    const writer = yield* Queue.take(wake).pipe(
      Effect.zipRight(Effect.uninterruptible(writeBatch)),
      Effect.forever,
      Effect.forkScoped
    )
    yield* Effect.addFinalizer(() => Fiber.interrupt(writer).pipe(Effect.zipRight(writeBatch)))
    return {
      append: (line) =>
        Effect.suspend(() => {
          if (broken) return Effect.interrupt
          push(line)
          return Deferred.await(written)
        }),
      post: (line) => Effect.sync(() => push(line)),
      postSync: push,
      failed: Deferred.await(failed),
      failure: () => failure,
      flushed: Effect.suspend(() => {
        const pending = lines.length > 0 ? written : writing
        // A broken journal may still be cutting its torn batch: its failure is set once that is done.
        const failedWith = Effect.suspend(() =>
          broken ? Effect.flatMap(Deferred.await(failed), Effect.fail) : Effect.void
        )
        if (broken || pending === undefined) return failedWith
        return Deferred.await(pending).pipe(
          Effect.catchAllCause(() => failedWith),
          Effect.zipRight(failedWith)
        )
      })
    }
  })
