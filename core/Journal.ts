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

interface Entry {
  readonly line: string
  readonly written: Deferred.Deferred<void> | undefined
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
    const queue = yield* Queue.unbounded<Entry>()
    const writeBatch = (entries: Iterable<Entry>) => {
      let text = ""
      const done: Array<Deferred.Deferred<void>> = []
      for (const e of entries) {
        text += `${e.line}\n`
        if (e.written !== undefined) done.push(e.written)
      }
      if (text.length === 0) return Effect.void
      return file.writeAll(encoder.encode(text)).pipe(
        Effect.zipRight(options.fsync === true ? file.sync : Effect.void),
        Effect.exit,
        Effect.flatMap((exit) =>
          Effect.sync(() => {
            for (const d of done) Deferred.unsafeDone(d, exit._tag === "Success" ? Effect.void : Effect.orDie(exit))
          })
        )
      )
    }
    const writer = yield* Queue.takeBetween(queue, 1, Number.POSITIVE_INFINITY).pipe(
      Effect.flatMap((batch) => Effect.uninterruptible(writeBatch(batch))),
      Effect.forever,
      Effect.forkScoped
    )
    yield* Effect.addFinalizer(() =>
      Fiber.interrupt(writer).pipe(Effect.zipRight(Queue.takeAll(queue)), Effect.flatMap(writeBatch))
    )
    return {
      append: (line) =>
        Effect.suspend(() => {
          const written = Deferred.unsafeMake<void>(FiberId.none)
          queue.unsafeOffer({ line, written })
          return Deferred.await(written)
        }),
      post: (line) =>
        Effect.sync(() => {
          queue.unsafeOffer({ line, written: undefined })
        }),
      postSync: (line) => {
        queue.unsafeOffer({ line, written: undefined })
      }
    }
  })
