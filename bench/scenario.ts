/**
 * One benchmark scenario, run in a fresh process so its peak memory is its own. Prints one JSON
 * line: `{ wallMs, tasks, peakRssMb, gcMs }` (`fixedMs` too for inprocess-warm). Called by bench/run.ts:
 *
 *   node --import tsx bench/scenario.ts <floor|exec|inprocess|inprocess-warm> <learners> <iterations> <concurrency> [rounds]
 *
 * bench/run.ts runs it without tsx (esbuild strips the types into bench/out/scenario.mjs; tsx's
 * loader alone doubles a process's peak memory), and under Deno and Bun as it is. With `rounds`,
 * the same run is repeated in the same process and `wallMs` is the last one's (`firstWallMs` the
 * first's): a warm process against a fresh one.
 *
 * - floor: the same argv as `exec` (`/bin/true` three times, then `/bin/echo 0.5` as the criterion)
 *   with the same output handling (stdout and stderr to files, the criterion's read back), from a
 *   plain script: one async loop per learner, a shared limit of `concurrency` processes, no framework.
 * - exec: the same tasks as an active learner block on the local backend at the same concurrency,
 *   with the journal on.
 * - inprocess: the same with in-process function tasks, the first run of a fresh process (cold).
 * - inprocess-warm: the same run after twenty of it in the same process (V8 has compiled the hot
 *   path), and `fixedMs`: a warm run of one learner × one iteration, the cost of a run whatever its
 *   tasks (run directory, run.json, journal, results.json).
 *
 * `gcMs` is the garbage collection inside the last measured run, where the runtime reports it.
 */

import * as cp from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Lib from "../index.ts"

// The built library (dist/, what users and the rose command run), not the sources through tsx,
// whose transform adds a helper call to every closure.
const dist = new URL("dist/index.js", process.env.ROSE_BENCH_ROOT ?? new URL("..", import.meta.url))
if (!fs.existsSync(dist)) throw new Error("dist/index.js is missing: run npm run build (npm install does)")
const { LocalBackend, Rose, Runner, Runtime } = (await import(dist.href)) as typeof Lib
const Platform = Runtime.Platform

const [kind, learnersArg, iterationsArg, concurrencyArg, roundsArg] = process.argv.slice(2)
const learners = Number(learnersArg)
const iterations = Number(iterationsArg)
const concurrency = Number(concurrencyArg)
const rounds = Number(roundsArg ?? 1)

// Garbage collections, where the runtime reports them (Node; not Deno or Bun).
let gcEntries: Array<{ readonly at: number; readonly ms: number }> | undefined
try {
  const { PerformanceObserver } = await import("node:perf_hooks")
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) (gcEntries ??= []).push({ at: entry.startTime, ms: entry.duration })
  })
  observer.observe({ entryTypes: ["gc"] })
} catch {}
const gcWithin = (from: number, to: number) =>
  gcEntries?.filter((e) => e.at >= from && e.at <= to).reduce((sum, e) => sum + e.ms, 0)
const tasksPerIteration = 4

const peakRssMb = (): number => {
  try {
    const status = fs.readFileSync("/proc/self/status", "utf8")
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status)
    if (hwm) return Number(hwm[1]) / 1024
  } catch {}
  return process.memoryUsage().rss / 1024 / 1024
}

const argvs = [["/bin/true"], ["/bin/true"], ["/bin/true"], ["/bin/echo", "0.5"]] as const
const names = ["simulation", "training", "active_learn", "criterion"] as const

const floor = async (dir: string) => {
  let free = concurrency
  const waiting: Array<() => void> = []
  const acquire = (): Promise<void> => {
    if (free > 0) {
      free--
      return Promise.resolve()
    }
    return new Promise<void>((r) => {
      waiting.push(r)
    })
  }
  const release = () => {
    const next = waiting.shift()
    if (next) next()
    else free++
  }
  const spawn = (argv: ReadonlyArray<string>, cwd: string, out: string, err: string) =>
    new Promise<void>((resolve, reject) => {
      const o = fs.openSync(out, "w")
      const e = fs.openSync(err, "w")
      const child = cp.spawn(argv[0]!, argv.slice(1), { cwd, stdio: ["ignore", o, e], detached: true })
      fs.closeSync(o)
      fs.closeSync(e)
      child.on("error", reject)
      child.on("exit", () => resolve())
    })
  await Promise.all(
    Array.from({ length: learners }, async (_, k) => {
      const work = `${dir}/learners/l-${k}`
      for (let i = 0; i < iterations; i++) {
        const iter = `${work}/iter-${i}`
        fs.mkdirSync(iter, { recursive: true })
        for (let t = 0; t < tasksPerIteration; t++) {
          await acquire()
          try {
            await spawn(argvs[t]!, work, `${iter}/${names[t]}.out`, `${iter}/${names[t]}.err`)
          } finally {
            release()
          }
          if (t === 3) Number(fs.readFileSync(`${iter}/${names[t]}.out`, "utf8").trim())
        }
      }
    })
  )
}

const program = (inProcess: boolean, parallel = learners, maxIter = iterations) => {
  const task = (t: number) => (inProcess ? Rose.fn(t === 3 ? () => 0.5 : () => ({})) : Rose.exec([...argvs[t]!]))
  return Rose.program({
    learners: [
      Rose.active("bench", {
        parallel,
        maxIter,
        tasks: { simulation: task(0), training: task(1), active_learn: task(2), criterion: task(3) },
        // Never met: every learner runs all its iterations.
        stopWhen: { metricName: "mse", threshold: 0 }
      })
    ]
  })
}

const runProgram = async (p: ReturnType<typeof program>) => {
  const dir = fs.mkdtempSync(`${os.tmpdir()}/rose-bench-${kind}-`)
  const t0 = performance.now()
  if (kind === "floor") await floor(dir)
  else {
    const layer = LocalBackend.layer({ concurrency }).pipe(Layer.provideMerge(Platform.layer))
    const results = await Effect.runPromise(Runner.run(p, { out: `${dir}/run` }).pipe(Effect.provide(layer)))
    if (results.status !== "completed") throw new Error(`the ${kind} run ended ${results.status}`)
  }
  const wallMs = performance.now() - t0
  fs.rmSync(dir, { recursive: true, force: true })
  return wallMs
}

const main = async () => {
  let fixedMs: number | undefined
  if (kind === "inprocess-warm") {
    for (let k = 0; k < 20; k++) await runProgram(program(true))
    await runProgram(program(true, 1, 1))
    fixedMs = await runProgram(program(true, 1, 1))
  }
  const walls: Array<number> = []
  let from = 0
  for (let r = 0; r < rounds; r++) {
    from = performance.now()
    walls.push(await runProgram(program(kind !== "exec")))
  }
  const to = performance.now()
  // Let the observer's last entries arrive.
  await new Promise((resolve) => setTimeout(resolve, 0))
  process.stdout.write(
    `${JSON.stringify({
      wallMs: walls.at(-1),
      firstWallMs: walls[0],
      tasks: learners * iterations * tasksPerIteration,
      peakRssMb: peakRssMb(),
      gcMs: gcWithin(from, to),
      fixedMs,
      heapUsedMb: process.memoryUsage().heapUsed / 2 ** 20
    })}\n`
  )
}

await main()
