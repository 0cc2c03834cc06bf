import * as NodeFs from "node:fs"
import * as FileSystem from "@effect/platform/FileSystem"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as Journal from "../../../core/Journal.ts"

describe("Journal", () => {
  it.scoped("an append returns once its line is in the file; lines keep the order they were given in", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped({ prefix: "rose-journal-" })
      const path = `${dir}/events.jsonl`
      const scope = yield* Scope.make()
      const journal = yield* Journal.make(path).pipe(Scope.extend(scope))
      const seenAfterAppend: Array<boolean> = []
      // Many writers at once, mixing awaited appends and posts, so batches form and refill while
      // a write is under way.
      yield* Effect.forEach(
        Array.from({ length: 200 }, (_, k) => k),
        (k) =>
          k % 3 === 0
            ? journal.post(`post-${k}`)
            : Effect.gen(function* () {
                yield* Effect.yieldNow()
                yield* journal.append(`append-${k}`)
                // Read at once, synchronously: no turn of the event loop in which a late write could land.
                seenAfterAppend.push(NodeFs.readFileSync(path, "utf8").split("\n").includes(`append-${k}`))
              }),
        { concurrency: "unbounded", discard: true }
      )
      journal.postSync("last")
      assert.strictEqual(seenAfterAppend.length, 133)
      assert.isTrue(seenAfterAppend.every((seen) => seen))
      // Closing the scope writes what was only posted.
      yield* Scope.close(scope, Exit.void)
      const lines = (yield* fs.readFileString(path)).split("\n")
      assert.strictEqual(lines.pop(), "")
      assert.strictEqual(lines.length, 201)
      assert.strictEqual(lines.at(-1), "last")
      assert.deepStrictEqual(
        [...lines].sort(),
        [...Array.from({ length: 200 }, (_, k) => (k % 3 === 0 ? `post-${k}` : `append-${k}`)), "last"].sort()
      )
      const posts = lines.filter((l) => l.startsWith("post-"))
      assert.deepStrictEqual(
        posts,
        [...posts].sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)))
      )
    }).pipe(Effect.provide(NodeContext.layer))
  )

  it.scoped("a write that fails breaks the journal: it says why, and appends stop instead of going on", () =>
    Effect.gen(function* () {
      // /dev/full takes the open and refuses every write with ENOSPC, as a full disk does.
      const journal = yield* Journal.make("/dev/full")
      assert.isUndefined(journal.failure())
      const first = yield* Effect.exit(journal.append("one"))
      assert.isTrue(Exit.isInterrupted(first), "the append whose write failed does not return as if written")
      const failure = yield* journal.failed
      assert.strictEqual(failure.message, "cannot write /dev/full: no space left on device")
      assert.strictEqual(failure.code, "ENOSPC")
      assert.strictEqual(journal.failure(), failure)
      // Later lines are dropped at once: nothing waits on a journal that cannot write.
      journal.postSync("dropped")
      const later = yield* Effect.exit(journal.append("two"))
      assert.isTrue(Exit.isInterrupted(later))
    }).pipe(Effect.provide(NodeContext.layer))
  )
})
