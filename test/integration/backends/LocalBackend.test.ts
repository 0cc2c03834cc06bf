import * as fs from "node:fs"
import * as os from "node:os"
import * as FileSystem from "@effect/platform/FileSystem"
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as LocalBackend from "../../../backends/LocalBackend.ts"
import * as Backend from "../../../core/Backend.ts"
import * as Platform from "../../../runtime/Platform.ts"
import { suite } from "../../../testing/BackendSuite.ts"
import { isAlive } from "../support/processes.ts"

// a folder of this run only (a fixed one would be shared with another checkout's run)
const root = fs.mkdtempSync(`${os.tmpdir()}/rose-suite-local-`)
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

suite("local", LocalBackend.layer({ concurrency: 2, graceMillis: 500 }).pipe(Layer.provide(Platform.layer)), {
  root,
  concurrency: 2,
  killSeconds: 5,
  alive: (pid) => Effect.sync(() => isAlive(pid))
})

describe("local backend", () => {
  it.live("gives tasks the environment of the moment they start, and the tails of their output", () =>
    Effect.gen(function* () {
      const backend = yield* Backend.Backend
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      // Set after the backend was built: an embedding program (or a test) may change its environment late.
      process.env.ROSE_LATE_VARIABLE = "late"
      const outcome = yield* backend
        .run({
          runId: "local",
          learner: { name: "local", index: 0 },
          iteration: 0,
          task: "task",
          attempt: 1,
          command: { _tag: "Argv", argv: ["sh", "-c", 'echo "$ROSE_LATE_VARIABLE"; echo oops >&2; exit 4'] },
          cwd: dir,
          env: {},
          stdoutPath: `${dir}/task.out`,
          stderrPath: `${dir}/task.err`,
          resources: {},
          onStart: () => Effect.void
        })
        .pipe(Effect.ensuring(Effect.sync(() => delete process.env.ROSE_LATE_VARIABLE)))
      assert.strictEqual(outcome.exitCode, 4)
      assert.strictEqual(outcome.stdoutTail, "late\n")
      assert.strictEqual(outcome.stderrTail, "oops\n")
    }).pipe(
      Effect.scoped,
      Effect.provide(LocalBackend.layer({ concurrency: 1 }).pipe(Layer.provideMerge(Platform.layer)))
    )
  )
})
