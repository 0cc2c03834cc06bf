/**
 * What a spawn costs: the same no-op command with its output sent to files, spawned (a) bare, from
 * `child_process` with file descriptors — the floor —, (b) through `@effect/platform`'s `Command`
 * with its output streams piped to file sinks, (c) through our `Spawner` and local backend. Run:
 * `node --import tsx bench/spawn.ts`.
 */

import * as cp from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as Command from "@effect/platform/Command"
import * as FileSystem from "@effect/platform/FileSystem"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as LocalBackend from "../backends/LocalBackend.ts"
import * as Backend from "../core/Backend.ts"
import * as Platform from "../runtime/Platform.ts"

export interface SpawnRow {
  readonly method: string
  readonly concurrency: number
  readonly tasks: number
  readonly msPerTask: number
  readonly ratio: number
}

const argv = ["/bin/echo", "0.5"]

const pool = async (n: number, concurrency: number, f: (i: number) => Promise<void>) => {
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await f(next++)
    })
  )
}

const bare = (dir: string) => (i: number) =>
  new Promise<void>((resolve, reject) => {
    const out = fs.openSync(`${dir}/${i}.out`, "w")
    const err = fs.openSync(`${dir}/${i}.err`, "w")
    const child = cp.spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", out, err], detached: true, cwd: dir })
    fs.closeSync(out)
    fs.closeSync(err)
    child.on("error", reject)
    child.on("exit", () => resolve())
  })

const viaCommand = (dir: string, n: number, concurrency: number) =>
  Effect.gen(function* () {
    const fsys = yield* FileSystem.FileSystem
    yield* Effect.forEach(
      Array.from({ length: n }, (_, i) => i),
      (i) =>
        Effect.scoped(
          Effect.gen(function* () {
            const p = yield* Command.start(Command.make(argv[0]!, ...argv.slice(1)).pipe(Command.workingDirectory(dir)))
            yield* Effect.all(
              [Stream.run(p.stdout, fsys.sink(`${dir}/${i}.out`)), Stream.run(p.stderr, fsys.sink(`${dir}/${i}.err`))],
              { concurrency: 2 }
            )
            yield* p.exitCode
          })
        ),
      { concurrency, discard: true }
    )
  }).pipe(Effect.provide(NodeContext.layer))

const viaBackend = (dir: string, n: number, concurrency: number) =>
  Effect.gen(function* () {
    const backend = yield* Backend.Backend
    yield* Effect.forEach(
      Array.from({ length: n }, (_, i) => i),
      (i) =>
        backend.run({
          runId: "bench",
          learner: { name: "b", index: 0 },
          iteration: i,
          task: "t",
          attempt: 1,
          command: { _tag: "Argv", argv },
          cwd: dir,
          env: {},
          stdoutPath: `${dir}/${i}.out`,
          stderrPath: `${dir}/${i}.err`,
          resources: {},
          onStart: () => Effect.void
        }),
      { concurrency: "unbounded", discard: true }
    )
  }).pipe(Effect.provide(LocalBackend.layer({ concurrency }).pipe(Layer.provide(Platform.layer))))

const time = async (f: () => Promise<unknown>) => {
  const t0 = performance.now()
  await f()
  return performance.now() - t0
}

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

export const runSpawnBench = async (options: { readonly tasks?: number; readonly repeats?: number } = {}) => {
  const n = options.tasks ?? 300
  const repeats = options.repeats ?? 3
  const dir = fs.mkdtempSync(`${os.tmpdir()}/rose-bench-spawn-`)
  const rows: Array<SpawnRow> = []
  for (const concurrency of [1, os.availableParallelism()]) {
    const samples: Record<string, Array<number>> = { bare: [], command: [], backend: [] }
    for (let r = 0; r < repeats; r++) {
      samples.bare!.push(await time(() => pool(n, concurrency, bare(dir))))
      samples.command!.push(await time(() => Effect.runPromise(viaCommand(dir, n, concurrency))))
      samples.backend!.push(await time(() => Effect.runPromise(viaBackend(dir, n, concurrency))))
    }
    const floor = median(samples.bare!)
    for (const [method, xs] of Object.entries(samples)) {
      const m = median(xs)
      rows.push({ method, concurrency, tasks: n, msPerTask: m / n, ratio: m / floor })
    }
  }
  fs.rmSync(dir, { recursive: true, force: true })
  return rows
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await runSpawnBench()
  console.log("method    concurrency  tasks  ms/task  ×floor")
  for (const r of rows) {
    console.log(
      `${r.method.padEnd(9)} ${String(r.concurrency).padStart(11)}  ${String(r.tasks).padStart(5)}  ${r.msPerTask.toFixed(2).padStart(7)}  ${r.ratio.toFixed(2).padStart(6)}`
    )
  }
}
