/**
 * The Promise facade's in-process path against the Effect API, one scenario per fresh process
 * (its peak memory is its own). Prints one JSON line: `{ wallMs, tasks, peakRssMb, gcMs,
 * journalLines, taskStarted, maxAhead }`.
 *
 *   node --import tsx bench/facade.ts <facade-await|facade-iterate|effect> <learners> <iterations> [consumerMs]
 *
 * - facade-await: a `ParallelActiveLearner` of four async in-process tasks (`asExecutable: false`,
 *   the criterion returns 0.5, never met), `await`ed for its results.
 * - facade-iterate: the same, its iteration states read with `for await`; with `consumerMs`, each
 *   state's loop body waits that long (a consumer slower than the learners).
 * - effect: the same learners through `Runner.run` with `Rose.fn` async functions.
 *
 * `maxAhead` is how far the learners got ahead of a `for await` (iterations their criterion ran
 * minus states the loop read, at its most): what the run held for the loop. `journalLines` and
 * `taskStarted` count the journal's lines.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Lib from "../index.ts"
import { gcTimer } from "./gc.ts"

const dist = new URL("../dist/index.js", import.meta.url)
if (!fs.existsSync(dist)) throw new Error("dist/index.js is missing: run npm run build (npm install does)")
const { LocalBackend, ParallelActiveLearner, Rose, Runner, Runtime } = (await import(dist.href)) as typeof Lib

const [kind, learnersArg, iterationsArg, consumerArg] = process.argv.slice(2)
const learners = Number(learnersArg)
const iterations = Number(iterationsArg)
const consumerMs = Number(consumerArg ?? 0)

const peakRssMb = (): number => {
  const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync("/proc/self/status", "utf8"))
  return hwm ? Number(hwm[1]) / 1024 : process.memoryUsage().rss / 1024 / 1024
}

const noop = async () => ({})
let made = 0
const half = async () => {
  made++
  return 0.5
}

const main = async () => {
  const dir = fs.mkdtempSync(`${os.tmpdir()}/rose-bench-facade-`)
  const out = `${dir}/run`
  let maxAhead = 0
  const gc = gcTimer()
  gc.start()
  const t0 = performance.now()
  if (kind === "effect") {
    const program = Rose.program({
      learners: [
        Rose.active("bench", {
          parallel: learners,
          maxIter: iterations,
          tasks: {
            simulation: Rose.fn(noop),
            training: Rose.fn(noop),
            active_learn: Rose.fn(noop),
            criterion: Rose.fn(half)
          },
          stopWhen: { metricName: "mse", threshold: 0 }
        })
      ]
    })
    const layer = LocalBackend.layer({ concurrency: 2 }).pipe(Layer.provideMerge(Runtime.Platform.layer))
    const results = await Effect.runPromise(Runner.run(program, { out }).pipe(Effect.provide(layer)))
    if (results.status !== "completed") throw new Error(`the run ended ${results.status}`)
  } else {
    const acl = new ParallelActiveLearner(undefined, { name: "bench" })
    acl.simulationTask(noop, { asExecutable: false })
    acl.trainingTask(noop, { asExecutable: false })
    acl.activeLearnTask(noop, { asExecutable: false })
    acl.asStopCriterion({ metricName: "mse", threshold: 0 }, half, { asExecutable: false })
    const run = acl.start({ parallelLearners: learners, maxIter: iterations, out })
    if (kind === "facade-iterate") {
      let states = 0
      for await (const _ of run) {
        states++
        if (made - states > maxAhead) maxAhead = made - states
        if (consumerMs > 0) await new Promise((r) => setTimeout(r, consumerMs))
      }
      if (states !== learners * iterations) throw new Error(`${states} states, expected ${learners * iterations}`)
    }
    const results = await run
    if (results.status !== "completed") throw new Error(`the run ended ${results.status}`)
    await acl.shutdown()
  }
  const wallMs = performance.now() - t0
  const gcMs = Math.round(await gc.stop())
  const journal = fs.readFileSync(`${out}/events.jsonl`, "utf8")
  const journalLines = journal.split("\n").length - 1
  const taskStarted = journal.split('"type":"task_started"').length - 1
  fs.rmSync(dir, { recursive: true, force: true })
  process.stdout.write(
    `${JSON.stringify({ kind, learners, iterations, wallMs: Math.round(wallMs), tasks: learners * iterations * 4, peakRssMb: Math.round(peakRssMb()), gcMs, journalLines, taskStarted, maxAhead })}\n`
  )
}

await main()
