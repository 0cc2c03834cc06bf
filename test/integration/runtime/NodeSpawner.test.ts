import * as fs from "node:fs"
import * as os from "node:os"
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Spawner from "../../../core/Spawner.ts"
import * as NodeSpawner from "../../../runtime/NodeSpawner.ts"
import { groupAlive, waitNone } from "../support/processes.ts"

// a folder of this run only
const root = fs.mkdtempSync(`${os.tmpdir()}/rose-node-spawner-`)
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

const spec = (argv: ReadonlyArray<string>, name: string): Spawner.SpawnSpec => ({
  command: { _tag: "Argv", argv },
  cwd: root,
  env: {},
  stdout: { _tag: "File", path: `${root}/${name}.out` },
  stderr: { _tag: "File", path: `${root}/${name}.err` }
})

describe("node spawner", () => {
  it.live("tells a live process group from one whose processes are all gone", () =>
    Effect.gen(function* () {
      const spawner = yield* Spawner.Spawner
      const process = yield* spawner.spawn(spec(["sleep", "306"], "alive"))
      assert.isTrue(yield* spawner.groupAlive(process.pid))
      yield* process.signalGroup("SIGKILL")
      yield* process.exit
      // Reaped by this process at its exit, so no zombie of it remains in the group.
      assert.isFalse(yield* spawner.groupAlive(process.pid))
      assert.isFalse(yield* spawner.signalGroup(process.pid, "SIGKILL"), "a gone group is not signalled")
    }).pipe(Effect.scoped, Effect.provide(NodeSpawner.layer))
  )

  it.live("kills at the exit what a task left in its group", () =>
    Effect.gen(function* () {
      const spawner = yield* Spawner.Spawner
      const pgid = yield* Effect.scoped(
        Effect.gen(function* () {
          const process = yield* spawner.spawn(spec(["sh", "-c", "sleep 307 & exit 0"], "left"))
          const exit = yield* process.exit
          assert.strictEqual(exit.exitCode, 0)
          assert.isTrue(yield* spawner.groupAlive(process.pid), "the background sleep is still in the group")
          return process.pid
        })
      )
      const left = yield* Effect.promise(() => waitNone(() => [pgid].filter(groupAlive), 10))
      assert.deepStrictEqual(left, [], "nothing of the group outlives its scope")
    }).pipe(Effect.provide(NodeSpawner.layer))
  )

  it.live("never signals or reports group 0 (its own) or 1 (every process)", () =>
    Effect.gen(function* () {
      const spawner = yield* Spawner.Spawner
      // kill(0, 0) and kill(-1, 0) both succeed on any machine: without the guard these are true.
      assert.isFalse(yield* spawner.groupAlive(0))
      assert.isFalse(yield* spawner.groupAlive(1))
    }).pipe(Effect.provide(NodeSpawner.layer))
  )
})
