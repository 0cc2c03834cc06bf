/**
 * `npm run bench`'s in-process part: 64 learners cold and warm, the Promise facade against the Effect
 * API with async functions, and their sections of RESULTS.md (their budgets are bench/verdicts.ts's).
 */
import * as cp from "node:child_process"
import * as Path from "node:path"
import { fmt, table } from "./markdown.ts"

/** A scenario of bench/scenario.ts, repeated: the median run's figures. */
export type Measure = (
  kind: string,
  learners: number,
  iterations: number
) => {
  readonly wallMs: number
  readonly tasks: number
  readonly peakRssMb: number
  readonly gcMs?: number | undefined
  readonly fixedMs?: number | undefined
  readonly heapUsedMb: number
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
        fixedMs: r.fixedMs,
        heapUsedMb: r.heapUsedMb
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

/** The sections of RESULTS.md on in-process tasks and the facade. */
export const inProcessSections = (inProcess: InProcessRows, facade: FacadeRows): ReadonlyArray<string> => [
  "### In-process tasks",
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
      r.gcMs === undefined ? "—" : fmt(r.gcMs, 0),
      r.warm && r.fixedMs !== undefined ? fmt(r.fixedMs, 0) : "",
      fmt(r.peakRssMb, 0)
    ])
  ),
  "",
  "### Async in-process functions: the Promise facade against the Effect API",
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
