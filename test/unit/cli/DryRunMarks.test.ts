import * as NodeFs from "node:fs"
/**
 * A dry run cannot pass for a real one: its learners get metrics of their own (so they stop at
 * different iterations), and every output says the metrics are synthetic: run.json, results.json,
 * the summary's run line, `rose status` and the report's title. A run on a real backend says nothing.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as DryRunBackend from "../../../backends/DryRunBackend.ts"
import * as ScriptedBackend from "../../../backends/ScriptedBackend.ts"
import * as Display from "../../../cli/Display.ts"
import * as Progress from "../../../cli/Progress.ts"
import * as Status from "../../../cli/Status.ts"
import * as Summary from "../../../cli/Summary.ts"
import * as Event from "../../../core/Event.ts"
import * as Host from "../../../core/Host.ts"
import * as Rose from "../../../core/ProgramBuilder.ts"
import * as Runner from "../../../core/Runner.ts"
import * as Report from "../../../plugins/Report.ts"

const program = (parallel: number) =>
  Rose.program({
    here: "/proj",
    learners: [
      Rose.active("sweep", {
        parallel,
        maxIter: 30,
        tasks: {
          simulation: Rose.exec("node ./sim.mjs"),
          training: Rose.exec("node ./train.mjs"),
          active_learn: Rose.exec("node ./active.mjs"),
          criterion: Rose.exec("node ./check.mjs")
        },
        stopWhen: { metricName: "mse", threshold: 0.1 }
      })
    ]
  })

/** Runs the program in a fresh folder on `backend`; gives the run directory and its results. */
const runOn = (backend: Layer.Layer<any, never, any>, parallel: number) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const dir = yield* fs.makeTempDirectoryScoped({ prefix: "rose-dry-marks-" })
    const results = yield* Runner.run(program(parallel), { out: `${dir}/run` }).pipe(
      Effect.provide(Layer.provideMerge(backend, Host.layerTest({ cwd: dir, cpuCount: 4 })))
    )
    const readJson = (name: string) => Effect.map(fs.readFileString(`${dir}/run/${name}`), JSON.parse)
    return {
      runDir: `${dir}/run`,
      results,
      runJson: yield* readJson("run.json"),
      resultsJson: yield* readJson("results.json")
    }
  })

const runLine = (summary: string) => summary.split("\n").find((l) => l.startsWith("run "))!

describe("dry runs say so", () => {
  it.scopedLive("unscripted learners fall at rates of their own and meet the criterion at different iterations", () =>
    Effect.gen(function* () {
      const { results } = yield* runOn(DryRunBackend.layer({ durationMillis: 0 }), 4)
      // mse < 0.1 is first met at iteration 4, 8, 5 and 14 (0-based): rates 0.5, 0.747, 0.594, 0.842.
      assert.deepStrictEqual(
        results.learners.map((l) => [l.stopReason, l.iterations]),
        [
          ["criterion_met", 5],
          ["criterion_met", 9],
          ["criterion_met", 6],
          ["criterion_met", 15]
        ]
      )
      const seconds = results.learners.map((l) => l.metric!.history[1])
      assert.strictEqual(new Set(seconds).size, 4)
      assert.deepStrictEqual(results.learners[0]!.metric!.history.slice(0, 3), [1, 0.5, 0.25])
    }).pipe(Effect.provide(NodeContext.layer))
  )

  it.scopedLive("run.json, results.json, the summary, rose status and the report mark the metrics synthetic", () =>
    Effect.gen(function* () {
      const { runDir, results, runJson, resultsJson } = yield* runOn(DryRunBackend.layer({ durationMillis: 0 }), 2)
      assert.strictEqual(runJson.dryRun, true)
      assert.strictEqual(resultsJson.dryRun, true)
      assert.strictEqual(results.dryRun, true)
      const line = runLine(Summary.render(results, runDir, { color: false, report: true }))
      assert.match(line, /^run \S+ completed in .*\(dry run: synthetic metrics\)$/)
      const snapshot = Status.readSync(runDir)!
      const status = Status.render(runDir, snapshot, { now: Date.now(), color: false, isAlive: () => false })
      assert.match(status.split("\n")[0]!, /completed in .*\(dry run: synthetic metrics\)$/)
      const html = Report.render({ run: runJson, events: [], results: resultsJson, tornLine: false })
      assert.match(html, /<title>rose run \S+ \(dry run: synthetic metrics\)<\/title>/)
      assert.match(html, /<h1>Run \S+ \(dry run: synthetic metrics\)</)
      // The journal says so too, and the lines and the live frame made from it.
      const events = Event.parseJournal(NodeFs.readFileSync(`${runDir}/events.jsonl`, "utf8")).events
      const started = events.find((e) => e._tag === "run_started")
      assert.strictEqual(started?._tag === "run_started" && started.dryRun, true)
      const p = Progress.make([])
      const lines = events.map((e) => {
        Progress.apply(p, e)
        return Display.plainLine(p, e) ?? ""
      })
      assert.match(lines.find((l) => l.includes(" started: "))!, /\(dry run: synthetic metrics\)$/)
      assert.match(lines.find((l) => l.includes(" completed in "))!, /\(dry run: synthetic metrics\)$/)
      assert.include(Display.frame(p, Date.now(), { columns: 100, rows: 30 }, false)[0], "dry run")
    }).pipe(Effect.provide(NodeContext.layer))
  )

  it.scopedLive("a run on a real backend carries no mark", () =>
    Effect.gen(function* () {
      const script: ScriptedBackend.Script = (inv) => ({ stdout: inv.task === "criterion" ? "0.05\n" : "{}\n" })
      const { runDir, results, runJson, resultsJson } = yield* runOn(ScriptedBackend.layerTest(script), 1)
      assert.notProperty(runJson, "dryRun")
      assert.notProperty(resultsJson, "dryRun")
      assert.notInclude(Summary.render(results, runDir, { color: false, report: true }), "dry run")
      const snapshot = Status.readSync(runDir)!
      assert.notInclude(
        Status.render(runDir, snapshot, { now: Date.now(), color: false, isAlive: () => false }),
        "dry run"
      )
      assert.notInclude(Report.render({ run: runJson, events: [], results: resultsJson, tornLine: false }), "dry run")
    }).pipe(Effect.provide(NodeContext.layer))
  )
})
