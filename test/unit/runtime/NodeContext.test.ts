/**
 * The vendored Node platform layers (runtime/generated/, from scripts/vendor-platform.mjs): the file
 * is what the script bundles from the installed `@effect/platform-node-shared`, and the layers behave
 * as that package's do: files written and read, a missing file a `SystemError` with reason
 * `NotFound`, paths joined, a command's output and exit code seen.
 */
import * as ChildProcess from "node:child_process"
import * as Os from "node:os"
import * as NodePath from "node:path"
import * as Url from "node:url"
import * as Command from "@effect/platform/Command"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as NodeContext from "../../../runtime/NodeContext.ts"

const root = NodePath.resolve(NodePath.dirname(Url.fileURLToPath(import.meta.url)), "../../..")

describe("runtime/NodeContext", () => {
  it("is what scripts/vendor-platform.mjs bundles from the installed platform package", () => {
    const check = ChildProcess.spawnSync(process.execPath, ["scripts/vendor-platform.mjs", "--check"], {
      cwd: root,
      encoding: "utf8"
    })
    assert.strictEqual(check.status, 0, check.stderr)
  })

  it.scoped("writes, reads and fails on a missing file as @effect/platform's file system", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const dir = yield* fs.makeTempDirectoryScoped({ directory: Os.tmpdir(), prefix: "rose-nodecontext-" })
      const file = path.join(dir, "a", "b.txt")
      yield* fs.makeDirectory(path.dirname(file), { recursive: true })
      yield* fs.writeFileString(file, "one\n")
      assert.strictEqual(yield* fs.readFileString(file), "one\n")
      assert.deepStrictEqual(yield* fs.readDirectory(path.join(dir, "a")), ["b.txt"])
      const missing = yield* Effect.flip(fs.readFileString(path.join(dir, "absent.txt")))
      assert.strictEqual(missing._tag, "SystemError")
      assert.strictEqual(missing._tag === "SystemError" ? missing.reason : undefined, "NotFound")
    }).pipe(Effect.provide(NodeContext.layer))
  )

  it.scoped("runs a command and sees its output and exit code", () =>
    Effect.gen(function* () {
      const output = yield* Command.string(Command.make("sh", "-c", "echo from-child"))
      assert.strictEqual(output, "from-child\n")
      const code = yield* Command.exitCode(Command.make("sh", "-c", "exit 3"))
      assert.strictEqual(code, 3)
    }).pipe(Effect.provide(NodeContext.layer))
  )
})
