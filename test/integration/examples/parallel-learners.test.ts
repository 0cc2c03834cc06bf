/**
 * The seed's four approaches (examples/parallel-learners/*.ts) run end to end as a user runs them,
 * each in its own process, with the run directory chosen by ROSE_OUT. The checks read what the run
 * left: results.json (learners, stop reasons, iteration counts, metric histories) and events.jsonl
 * (the kwargs and the command line every task got, per learner and iteration).
 */
import { spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Event from "../../../core/Event.ts"

const root = path.resolve(import.meta.dirname, "../../..")
const example = path.join(root, "examples/parallel-learners")

interface LearnerResult {
  readonly name: string
  readonly index: number
  readonly iterations: number
  readonly stopReason: string
  readonly metric: { readonly threshold: number; readonly history: ReadonlyArray<number> } | null
  readonly failure: unknown
}

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly runDir: string
  readonly results: { readonly status: string; readonly learners: ReadonlyArray<LearnerResult> }
  readonly events: ReadonlyArray<Event.Event>
}

/** Runs `examples/parallel-learners/<script>` from the repo root, as `npx tsx <script>` would. */
const runExample = async (script: string): Promise<Run> => {
  const runDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "rose-parallel-learners-")), "run")
  const child = spawn(process.execPath, ["--import", "tsx", path.join(example, script)], {
    cwd: root,
    env: { ...process.env, ROSE_OUT: runDir },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (b) => (stdout += b))
  child.stderr.on("data", (b) => (stderr += b))
  const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)))
  assert.strictEqual(code, 0, `${script} exited with ${code}:\n${stderr}\n${stdout}`)
  const results = JSON.parse(fs.readFileSync(path.join(runDir, "results.json"), "utf8"))
  const events = Event.parseJournal(fs.readFileSync(path.join(runDir, "events.jsonl"), "utf8")).events
  return { code, stdout, stderr, runDir, results, events }
}

type Kwargs = { readonly [key: string]: unknown }

/** What each task of a learner got, per iteration: the resolved kwargs and the command line. */
const started = (run: Run, learner: number, task: string) => {
  const out = new Map<number, { kwargs: Kwargs; command: ReadonlyArray<string> }>()
  for (const e of run.events) {
    if (e._tag !== "task_started" || e.learner.index !== learner || e.task !== task) continue
    out.set(e.iteration, {
      kwargs: e.config.kwargs,
      command: typeof e.command === "string" ? e.command.split(" ") : (e.command ?? [])
    })
  }
  return out
}

const states = (run: Run, learner: number) => {
  const out = new Map<number, { readonly [task: string]: { readonly [key: string]: unknown } }>()
  for (const e of run.events) {
    if (e._tag === "iteration_completed" && e.learner.index === learner) {
      out.set(e.iteration, e.state as { readonly [task: string]: { readonly [key: string]: unknown } })
    }
  }
  return out
}

/** Every iteration a learner ran got, for `task`, the kwargs `expected(i)` gives. */
const assertKwargs = (run: Run, learner: number, task: string, expected: (i: number) => Kwargs) => {
  const l = run.results.learners.find((r) => r.index === learner)!
  const got = started(run, learner, task)
  assert.strictEqual(got.size, l.iterations, `learner ${learner} ran ${task} once per iteration`)
  for (let i = 0; i < l.iterations; i++) {
    assert.deepStrictEqual(got.get(i)?.kwargs, expected(i), `learner ${learner}, iteration ${i}, ${task}`)
  }
}

/** The flag values of a command line: `--key value` pairs. */
const flags = (command: ReadonlyArray<string>) => {
  const out: Record<string, string> = {}
  for (let k = 0; k < command.length; k++) {
    if (command[k]!.startsWith("--")) out[command[k]!] = command[k + 1]!
  }
  return out
}

/**
 * Every learner ended as its metric history says: `criterion_met` at the first value under the
 * threshold, else `max_iter` after exactly `maxIter` iterations.
 */
const assertStops = (run: Run, count: number, maxIter: number) => {
  assert.strictEqual(run.results.status, "completed")
  assert.deepStrictEqual(
    run.results.learners.map((l) => [l.name, l.index]),
    Array.from({ length: count }, (_, k) => ["learner", k])
  )
  for (const l of run.results.learners) {
    const history = l.metric!.history
    assert.strictEqual(history.length, l.iterations, `learner ${l.index}: one MSE per iteration`)
    assert.strictEqual(l.failure, null)
    const first = history.findIndex((v) => v < l.metric!.threshold)
    if (first === -1) {
      assert.strictEqual(l.stopReason, "max_iter", `learner ${l.index} never reached the threshold`)
      assert.strictEqual(l.iterations, maxIter)
    } else {
      assert.strictEqual(l.stopReason, "criterion_met", `learner ${l.index} reached it at iteration ${first}`)
      assert.strictEqual(l.iterations, first + 1, `learner ${l.index} stopped right after reaching it`)
    }
  }
}

const learned = (run: Run) =>
  run.results.learners.some((l) => {
    const h = l.metric!.history
    return h.length > 1 && h[h.length - 1]! < h[0]!
  })

describe("examples/parallel-learners", () => {
  it("static.ts: Approach 1, two learners with constant settings", async () => {
    const run = await runExample("static.ts")
    assert.include(run.stdout, `run directory: ${run.runDir}`)
    assertStops(run, 2, 10)
    assertKwargs(run, 0, "simulation", () => ({ "--n_labeled": "200", "--n_features": 2 }))
    assertKwargs(run, 0, "training", () => ({ "--learning_rate": "0.01" }))
    assertKwargs(run, 1, "simulation", () => ({ "--n_labeled": "300", "--n_features": 4 }))
    assertKwargs(run, 1, "training", () => ({ "--learning_rate": "0.005" }))
    for (const [, { command }] of started(run, 1, "training")) {
      assert.deepStrictEqual(flags(command), { "--learning_rate": "0.005" })
    }
    assert.isTrue(learned(run), "the MSE of some learner went down")
  })

  it("per-iteration.ts: Approach 2, exact iterations with -1 as the fallback, and a null learner", async () => {
    const run = await runExample("per-iteration.ts")
    assert.include(run.stdout, `run directory: ${run.runDir}`)
    assertStops(run, 3, 15)
    assertKwargs(run, 0, "simulation", () => ({ "--n_labeled": "200", "--n_features": 2 }))
    assertKwargs(run, 0, "training", () => ({}))
    // 0 → "100", 1-4 → "500" (the -1 entry), 5 → "200", 6-9 → "500", 10 → "400", 11+ → "500".
    const nLabeled = (i: number) => (i === 0 ? "100" : i === 5 ? "200" : i === 10 ? "400" : "500")
    const learningRate = (i: number) => (i === 0 ? "0.01" : i === 5 ? "0.005" : "0.001")
    assertKwargs(run, 1, "simulation", (i) => ({ "--n_labeled": nLabeled(i) }))
    assertKwargs(run, 1, "training", (i) => ({ "--learning_rate": learningRate(i) }))
    // Learner 1 learns slowly at 0.001 and runs every iteration, so the whole schedule is exercised.
    assert.strictEqual(run.results.learners[1]!.iterations, 15)
    // The task functions' defaults fill in what a config leaves out.
    for (const [i, { command }] of started(run, 1, "simulation")) {
      assert.deepStrictEqual(flags(command), { "--n_labeled": nLabeled(i), "--n_features": "2" })
    }
    // Learner 2 has no config (`None` in the seed): every task runs with the functions' defaults.
    assertKwargs(run, 2, "simulation", () => ({}))
    assertKwargs(run, 2, "training", () => ({}))
    for (const [, { command }] of started(run, 2, "simulation")) {
      assert.deepStrictEqual(flags(command), { "--n_labeled": "100", "--n_features": "2" })
    }
    for (const [, { command }] of started(run, 2, "training")) {
      assert.deepStrictEqual(flags(command), { "--learning_rate": "0.1" })
    }
    assert.isTrue(learned(run), "the MSE of some learner went down")
  })

  it("adaptive.ts: Approach 3, settings computed from the iteration", async () => {
    const run = await runExample("adaptive.ts")
    assert.include(run.stdout, `run directory: ${run.runDir}`)
    assertStops(run, 2, 20)
    assertKwargs(run, 0, "simulation", (i) => ({
      "--n_labeled": String(100 + i * 50),
      "--n_features": 2,
      "--noise_level": String(0.1 * 0.95 ** i)
    }))
    assertKwargs(run, 0, "training", (i) => ({
      "--learning_rate": String(0.01 * 0.9 ** i),
      "--batch_size": String(Math.min(64, 32 + i * 4))
    }))
    assertKwargs(run, 1, "simulation", () => ({ "--n_labeled": "300", "--n_features": 4 }))
    assertKwargs(run, 1, "training", () => ({ "--learning_rate": "0.005" }))
    assert.isAbove(run.results.learners[0]!.iterations, 3, "the adaptive learner ran several iterations")
    // This example's task functions forward the noise level and the batch size, and the tasks use them.
    const sim = started(run, 0, "simulation")
    const train = started(run, 0, "training")
    const state = states(run, 0)
    // The labeled set: the points picked at i-1, topped up to n_labeled (it never shrinks).
    let labeled = 0
    for (let i = 0; i < run.results.learners[0]!.iterations; i++) {
      const batch = Math.min(64, 32 + i * 4)
      assert.strictEqual(flags(sim.get(i)!.command)["--noise_level"], String(0.1 * 0.95 ** i))
      assert.strictEqual(flags(train.get(i)!.command)["--batch_size"], String(batch))
      labeled = Math.max(100 + i * 50, labeled)
      assert.strictEqual(state.get(i)!.simulation!.labeled, labeled, `labeled points at iteration ${i}`)
      assert.strictEqual(state.get(i)!.active_learn!.picked, batch, `points picked at iteration ${i}`)
      labeled += batch
    }
    assert.isTrue(learned(run), "the MSE of some learner went down")
  })

  it("full.ts: the Full Example, learners that stop independently", async () => {
    const run = await runExample("full.ts")
    assert.include(run.stdout, `run directory: ${run.runDir}`)
    assertStops(run, 3, 15)
    assertKwargs(run, 0, "simulation", (i) => ({ "--n_labeled": String(100 + i * 50), "--n_features": 2 }))
    assertKwargs(run, 1, "simulation", (i) => ({
      "--n_labeled": i === 0 ? "150" : i === 7 ? "250" : "400",
      "--n_features": 3
    }))
    assertKwargs(run, 2, "simulation", () => ({ "--n_labeled": "300", "--n_features": 4 }))
    for (const k of [0, 1, 2]) assertKwargs(run, k, "training", () => ({}))
    // Deterministic (seeded tasks): nobody meets the criterion at iteration 0; learners 0 and 1 meet
    // it at different iterations; learner 2 (4 features) runs until max_iter.
    assert.deepStrictEqual(
      run.results.learners.map((l) => [l.stopReason, l.iterations]),
      [
        ["criterion_met", 2],
        ["criterion_met", 6],
        ["max_iter", 15]
      ]
    )
    for (const l of run.results.learners) assert.isAbove(l.metric!.history[0]!, 0.1)
    const h = run.results.learners[2]!.metric!.history
    assert.isBelow(h[h.length - 1]!, h[0]!, "learner 2's MSE went down")
    // Learner 1 jumps from 150 to 400 labeled points at iteration 1, then active learning adds 10 a time.
    const labeled = [...states(run, 1).values()].map((s) => s.simulation!.labeled)
    assert.deepStrictEqual(labeled, [150, 400, 410, 420, 430, 440])
  })

  it("the task scripts reject an unknown flag with exit code 2", () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "rose-tasks-"))
    for (const script of ["sim.mjs", "train.mjs", "active.mjs", "check_mse.mjs"]) {
      const r = spawnSync(process.execPath, [path.join(example, "tasks", script), "--no_such_flag", "1"], {
        cwd,
        encoding: "utf8"
      })
      assert.strictEqual(r.status, 2, `${script}: ${r.stderr}`)
      assert.include(r.stderr, `${script}: unknown flag "--no_such_flag"`)
      assert.include(r.stderr, "accepted flags:")
    }
    const bad = spawnSync(process.execPath, [path.join(example, "tasks/sim.mjs"), "--n_labeled", "lots"], {
      cwd,
      encoding: "utf8"
    })
    assert.strictEqual(bad.status, 2)
    assert.include(bad.stderr, "--n_labeled expects an integer")
  })

  it("the task scripts are deterministic and safe to re-run for one iteration", () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "rose-tasks-"))
    const run = (script: string, i: number, ...args: Array<string>) => {
      const r = spawnSync(process.execPath, [path.join(example, "tasks", script), ...args], {
        cwd,
        encoding: "utf8",
        env: { ...process.env, ROSE_ITERATION: String(i), ROSE_LEARNER: "0", ROSE_LEARNER_NAME: "t" }
      })
      assert.strictEqual(r.status, 0, `${script} at iteration ${i}: ${r.stderr}`)
      return r.stdout.trim().split("\n").at(-1)!
    }
    const iteration = (i: number) => [
      run("sim.mjs", i, "--n_labeled", "120", "--n_features", "2"),
      run("train.mjs", i),
      run("active.mjs", i),
      run("check_mse.mjs", i)
    ]
    const first = [iteration(0), iteration(1)]
    const files = fs.readdirSync(cwd).sort()
    assert.deepStrictEqual(files, [
      "data-0.json",
      "data-1.json",
      "model-0.json",
      "model-1.json",
      "state-0.json",
      "state-1.json"
    ])
    const before = files.map((f) => fs.readFileSync(path.join(cwd, f), "utf8"))
    // Running iteration 1 again gives the same outputs and leaves every file as it was.
    assert.deepStrictEqual(iteration(1), first[1])
    assert.deepStrictEqual(
      files.map((f) => fs.readFileSync(path.join(cwd, f), "utf8")),
      before
    )
    assert.match(first[1]![3]!, /^\d+\.\d+$/, "check_mse.mjs ends with a plain decimal")
    assert.deepStrictEqual(JSON.parse(first[1]![0]!), { labeled: 130, new: 10, n_features: 2, noise_level: 0.1 })
  })
})
