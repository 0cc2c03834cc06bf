/**
 * `npm run bench`'s in-process part: 64 learners cold and warm, the Promise facade against the Effect
 * API with async functions, their budgets (issue 17) with the why-not from the same run's figures,
 * and their sections of RESULTS.md.
 */
import * as cp from "node:child_process"
import * as Path from "node:path"
import { fmt, table, type Verdict } from "./markdown.ts"

/** A scenario of bench/scenario.ts, repeated: the median run's figures. */
export type Measure = (
  kind: string,
  learners: number,
  iterations: number
) => {
  readonly wallMs: number
  readonly tasks: number
  readonly peakRssMb: number
  readonly gcMs: number
  readonly fixedMs: number
}

interface FacadeSample {
  readonly wallMs: number
  readonly peakRssMb: number
  readonly gcMs: number
  readonly journalLines: number
  readonly taskStarted: number
  readonly maxAhead: number
}

export const inProcessRows = (measure: Measure, quick: boolean, log: (s: string) => void) => {
  const rows = []
  for (const learners of quick ? [64] : [1, 64, 1000, 10_000]) {
    // 64 learners: cold (the first run of a process) and warm (after twenty runs in the same process).
    for (const warm of learners === 64 ? [false, true] : [false]) {
      log(`in-process: ${learners} learner(s) × 10 iterations${warm ? ", warm" : ""}`)
      const r = measure(warm ? "inprocess-warm" : "inprocess", learners, 10)
      rows.push({
        learners,
        iterations: 10,
        warm,
        tasks: r.tasks,
        wallMs: r.wallMs,
        tasksPerSecond: (r.tasks / r.wallMs) * 1000,
        peakRssMb: r.peakRssMb,
        gcMs: r.gcMs,
        fixedMs: r.fixedMs
      })
    }
  }
  return rows
}

/** The Promise facade with async in-process functions against the Effect API with the same functions. */
export const facadeRows = (root: string, quick: boolean, log: (s: string) => void) => {
  const learners = quick ? 200 : 10_000
  // One run each: at 10,000 learners a run takes 20–35 s here, and the benchmark must stay under
  // 10 minutes; the three run back to back, so drift in the machine's load hits them alike.
  return (["effect", "facade-await", "facade-iterate"] as const).map((kind) => {
    log(`facade: ${kind}, ${learners} learners × 10 iterations`)
    const r = cp.spawnSync(
      process.execPath,
      ["--import", "tsx", Path.join(root, "bench/facade.ts"), kind, String(learners), "10"],
      { cwd: root, encoding: "utf8", maxBuffer: 1 << 24 }
    )
    if (r.status !== 0) throw new Error(`facade ${kind} failed:\n${r.stderr}`)
    const sample = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as FacadeSample
    return { ...sample, kind, learners, iterations: 10 }
  })
}

export type InProcessRows = ReturnType<typeof inProcessRows>
export type FacadeRows = ReturnType<typeof facadeRows>

/** The in-process and facade budgets against this run's numbers: stated, never asserted. */
export const inProcessVerdicts = (inProcess: InProcessRows, facade: FacadeRows): ReadonlyArray<Verdict> => {
  const out: Array<Verdict> = []
  const share = (x: { readonly gcMs?: number | undefined; readonly wallMs: number }) =>
    `${fmt(((x.gcMs ?? 0) / x.wallMs) * 100, 0)}%`
  const cold64 = inProcess.find((x) => x.learners === 64 && !x.warm)
  const warm64 = inProcess.find((x) => x.learners === 64 && x.warm)
  if (warm64 !== undefined) {
    const perTaskUs = ((warm64.wallMs - warm64.fixedMs) / warm64.tasks) * 1000
    out.push({
      budget: "in-process, 64 learners: ≥ 100,000 tasks/s warm",
      measured: `warm ${fmt(warm64.tasksPerSecond, 0)} tasks/s; cold ${cold64 === undefined ? "—" : fmt(cold64.tasksPerSecond, 0)}`,
      met: warm64.tasksPerSecond >= 100_000,
      why: `of the warm run's ${fmt(warm64.wallMs, 0)} ms, ${fmt(warm64.fixedMs, 0)} ms are a run's fixed costs (a warm run of 1 learner × 1 iteration) and ${share(warm64)} garbage collection; beyond the fixed costs ${fmt(perTaskUs, 1)} µs a task (${fmt(1e6 / perTaskUs, 0)} tasks/s). Cold: ${cold64 === undefined ? "—" : `${fmt(cold64.wallMs, 0)} ms, ${share(cold64)} GC`} (README: In-process tasks)`
    })
  }
  const at10k = inProcess.find((x) => x.learners === 10_000)
  if (at10k !== undefined) {
    out.push({
      budget: "in-process, 10,000 learners × 10: < 10 s",
      measured: `${fmt(at10k.wallMs / 1000, 2)} s`,
      met: at10k.wallMs < 10_000,
      why: `${share(at10k)} of the run in garbage collection: an iteration's objects of 10,000 fibers outlive the young generation (README: In-process tasks)`
    })
    out.push({
      budget: "in-process, 10,000 learners × 10: < 1 GiB peak",
      measured: `${fmt(at10k.peakRssMb, 0)} MB`,
      met: at10k.peakRssMb < 1024,
      why: "live heap plus garbage between full collections (README: In-process tasks)"
    })
  }
  const effect = facade.find((x) => x.kind === "effect")
  for (const f of facade.filter((x) => x.kind !== "effect")) {
    const size = `${fmt(f.learners, 0)} × ${f.iterations}`
    const vs =
      effect === undefined
        ? ""
        : `; Effect API, same functions: ${fmt(effect.wallMs / 1000, 2)} s, ${fmt(effect.peakRssMb, 0)} MB, ${share(effect)} GC`
    out.push({
      budget: `facade (${f.kind}), async functions, ${size}: < 10 s, < 1 GiB`,
      measured: `${fmt(f.wallMs / 1000, 2)} s, ${fmt(f.peakRssMb, 0)} MB`,
      met: f.wallMs < 10_000 && f.peakRssMb < 1024,
      why: `${share(f)} of the run in garbage collection, a fiber suspension per promise${vs} (README: In-process tasks)`
    })
    if (effect !== undefined) {
      const ratio = f.wallMs / effect.wallMs
      out.push({
        budget: `facade (${f.kind}) at the Effect API's cost ± 20%`,
        measured: `${fmt(ratio, 2)}× (${fmt(f.wallMs, 0)} / ${fmt(effect.wallMs, 0)} ms); journal ${fmt(f.journalLines, 0)} / ${fmt(effect.journalLines, 0)} lines, ${f.taskStarted} task_started`,
        met: ratio <= 1.2 && ratio >= 0.8,
        why: `GC ${share(f)} against ${share(effect)}; the facade's own work is the states it hands to its loop (README: In-process tasks)`
      })
    }
  }
  return out
}

/** The sections of RESULTS.md on in-process tasks and the facade. */
export const inProcessSections = (inProcess: InProcessRows, facade: FacadeRows): ReadonlyArray<string> => [
  "## In-process tasks",
  "",
  "Cold: the first run of a fresh process. Warm: the same run after twenty of it in the same process; fixed ms is a warm run of 1 learner × 1 iteration there (what a run costs whatever its tasks). GC: garbage collection inside the run (perf_hooks).",
  "",
  table(
    ["learners", "run", "tasks", "wall ms", "tasks/s", "GC ms", "fixed ms", "peak MB"],
    inProcess.map((r) => [
      String(r.learners),
      r.warm ? "warm" : "cold",
      String(r.tasks),
      fmt(r.wallMs, 0),
      fmt(r.tasksPerSecond, 0),
      fmt(r.gcMs, 0),
      r.warm ? fmt(r.fixedMs, 0) : "",
      fmt(r.peakRssMb, 0)
    ])
  ),
  "",
  "## Async in-process functions: the Promise facade against the Effect API",
  "",
  "Four async no-op functions per iteration (bench/facade.ts); `facade-iterate` reads every state with `for await`; max ahead: how far the learners got ahead of that loop.",
  "",
  table(
    ["API", "learners × iterations", "wall ms", "GC ms", "peak MB", "journal lines", "task_started", "max ahead"],
    facade.map((r) => [
      r.kind,
      `${r.learners} × ${r.iterations}`,
      fmt(r.wallMs, 0),
      fmt(r.gcMs ?? 0, 0),
      fmt(r.peakRssMb, 0),
      String(r.journalLines),
      String(r.taskStarted),
      String(r.maxAhead)
    ])
  ),
  ""
]
