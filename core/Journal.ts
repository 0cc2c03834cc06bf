/**
 * The journal `<run>/events.jsonl`: events appended as JSON lines by one writer fiber that takes
 * everything queued and writes it with a single `write`, so many learners share each write (group
 * commit). `append` waits until its line is written (the runner does this for the events a resume
 * depends on); `post` does not wait. A `write` reaches the kernel and survives a kill of this
 * process; `fsync` is only done when asked.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"

/**
 * @since 0.1.0
 * @category models
 */
export interface Journal {
  /** Appends a line and waits until it is written. */
  readonly append: (line: string) => Effect.Effect<void>
  /** Appends a line without waiting (order with `append` is kept). */
  readonly post: (line: string) => Effect.Effect<void>
  /** `post`, called outside an Effect. */
  readonly postSync: (line: string) => void
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
): Effect.Effect<Journal, never, Scope.Scope | FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const file = yield* fs.open(path, { flag: "a" }).pipe(Effect.orDie)
    // Lines wait in a plain array; the writer takes all of them at once, in one synchronous step,
    // together with the Deferred their `append`s await: one Deferred per write, not one per line
    // (at 10,000 learners a Deferred per append was a tenth of the run's CPU, with its garbage).
    let lines: Array<string> = []
    let written = Deferred.unsafeMake<void>(FiberId.none)
    // One token per batch: offered when the array goes from empty to not empty.
    const wake = yield* Queue.unbounded<void>()
    const push = (line: string) => {
      if (lines.length === 0) wake.unsafeOffer(undefined)
      lines.push(line)
    }
    const writeBatch = Effect.suspend(() => {
      if (lines.length === 0) return Effect.void
      const text = `${lines.join("\n")}\n`
      const done = written
      lines = []
      written = Deferred.unsafeMake<void>(FiberId.none)
      return file.writeAll(encoder.encode(text)).pipe(
        Effect.zipRight(options.fsync === true ? file.sync : Effect.void),
        Effect.exit,
        Effect.flatMap((exit) =>
          Effect.sync(() => {
            Deferred.unsafeDone(done, exit._tag === "Success" ? Effect.void : Effect.orDie(exit))
          })
        )
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
          push(line)
          return Deferred.await(written)
        }),
      post: (line) => Effect.sync(() => push(line)),
      postSync: push
    }
  })
