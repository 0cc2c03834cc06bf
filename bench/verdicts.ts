/**
 * The budgets of issues 10 and 17 against one benchmark run: met or not, and for a missed one
 * where the time or memory goes, in a sentence built from figures measured in that same run (no
 * constants: a figure from another day or machine would not explain this one). Stated, never
 * asserted: no test times anything.
 */
import type { DslRow } from "./dsl.ts"
import { fmt } from "./markdown.ts"
import type { SpawnOptionsResult } from "./spawnOptions.ts"

export interface ExecRow {
  readonly learners: number
  readonly tasks: number
  readonly floorMs: number
  readonly roseMs: number
  readonly ratio: number
  readonly overheadMsPerTask: number
  readonly floorSpread: number
  readonly spread: number
  readonly floorPeakRssMb: number
  readonly peakRssMb: number
}

export interface InProcessRow {
  readonly learners: number
  /** After twenty runs in the same process (the 64-learner row is measured cold and warm). */
  readonly warm: boolean
  /** Warm: a warm run of one learner × one iteration, a run's fixed costs. */
  readonly fixedMs?: number | undefined
  readonly tasks: number
  readonly wallMs: number
  readonly tasksPerSecond: number
  readonly peakRssMb: number
  readonly gcMs: number | undefined
  readonly heapUsedMb: number
}

export interface Input {
  readonly exec: ReadonlyArray<ExecRow>
  readonly inProcess: ReadonlyArray<InProcessRow>
  /** Async in-process functions: the Promise facade's ways against the Effect API (`effect`). */
  readonly facade: ReadonlyArray<FacadeRow>
  readonly memory: ReadonlyArray<{ readonly iterations: number; readonly peakRssMb: number }>
  readonly dsl: { readonly rows: ReadonlyArray<DslRow> }
  readonly lsp: {
    readonly learners: number
    readonly analysisMs: number
    readonly analysisCpuMs: number
    readonly freshMs: number
    readonly roundTripMs: number
  }
  readonly startup: ReadonlyArray<{ readonly command: string; readonly wallMs: number }>
  readonly spawn: SpawnOptionsResult
  readonly baseline: { readonly bareMb: number; readonly libraryMb: number }
}

export interface FacadeRow {
  readonly kind: string
  readonly learners: number
  readonly iterations: number
  readonly wallMs: number
  readonly peakRssMb: number
  readonly gcMs: number
  readonly journalLines: number
  readonly taskStarted: number
}

export interface Verdict {
  readonly budget: string
  readonly measured: string
  readonly met: boolean
  /** Where the time goes when the budget is missed, from this run's figures. */
  readonly why: string
}

const pct = (x: number) => `${fmt(x * 100, 0)}%`

/** The Node rows of one concurrency: spawn on the main thread with a rose-sized heap, bare, and the other ways. */
const nodeRows = (spawn: SpawnOptionsResult, concurrency: number) => {
  const at = (method: string, rose: boolean) =>
    spawn.rows.find(
      (r) => r.runtime === "node" && r.concurrency === concurrency && r.method === method && r.heapMb > 0 === rose
    )
  const main = at("spawn", true)
  const others = [at("spawn-preopened", true), at("helper", true), at("worker", true)].filter((r) => r !== undefined)
  return { main, bare: at("spawn", false), others }
}

/** How the other ways of spawning compared with the main thread's at one concurrency. */
const comparison = (spawn: SpawnOptionsResult, concurrency: number): string | undefined => {
  const { main, others } = nodeRows(spawn, concurrency)
  if (main === undefined) return undefined
  const best = [main, ...others].reduce((a, b) => (b.msPerTask < a.msPerTask ? b : a))
  const listed = others.map((o) => `${o.method} ${fmt(o.msPerTask, 2)}`).join(", ")
  const verdict =
    best === main
      ? "none faster"
      : `${best.method} ${pct(1 - best.msPerTask / main.msPerTask)} faster, repeats spread by ${pct(Math.max(best.spread, main.spread))}`
  return `at concurrency ${concurrency}, ms/task: main thread ${fmt(main.msPerTask, 2)}, ${listed}: ${verdict}`
}

/** What process creation cost in this run's spawn measurements, and how the other ways compared. */
export const spawnCause = (spawn: SpawnOptionsResult): string => {
  const { main, bare } = nodeRows(spawn, 1)
  if (main === undefined) return "process creation was not measured in this run"
  const forks = spawn.fork.map((f) => `${f.heapMb} MB ${fmt(f.blockedMs, 2)} ms`).join(", ")
  const compared = [...new Set(spawn.rows.map((r) => r.concurrency))]
    .map((c) => comparison(spawn, c))
    .filter((x) => x !== undefined)
    .join("; ")
  return `a spawn holds Node's main thread ${main.blockedMs === undefined ? "?" : fmt(main.blockedMs, 2)} ms with a ${main.heapMb} MB heap${bare?.blockedMs === undefined ? "" : `, ${fmt(bare.blockedMs, 2)} ms bare`} (by heap: ${forks}); ${compared} (Spawning: the options)`
}

export const verdicts = (r: Input): ReadonlyArray<Verdict> => {
  const out: Array<Verdict> = []
  const cause = spawnCause(r.spawn)
  for (const e of r.exec) {
    const floorPerTask = e.floorMs / e.tasks
    out.push({
      budget: `exec, ${e.learners} learner(s): wall ≤ 1.25× floor`,
      measured: `${fmt(e.ratio, 2)}× (${fmt(e.roseMs, 0)} / ${fmt(e.floorMs, 0)} ms)`,
      met: e.ratio <= 1.25,
      why: `the floor takes ${fmt(floorPerTask, 2)} ms a task, rose ${fmt(floorPerTask + e.overheadMsPerTask, 2)}; ${cause}`
    })
  }
  const single = r.exec.find((e) => e.learners === 1)
  if (single !== undefined) {
    out.push({
      budget: "exec, 1 learner: overhead < 0.5 ms per task beyond the floor",
      measured: `${fmt(single.overheadMsPerTask, 2)} ms`,
      met: single.overheadMsPerTask < 0.5,
      why: `one task at a time puts every step on the critical path: ${cause}`
    })
  }
  const at64 = r.exec.find((e) => e.learners === 64)
  if (at64 !== undefined) {
    out.push({
      budget: "exec, 64 learners: spread of repeats ≤ 20%",
      measured: `${pct(at64.spread)} (floor ${pct(at64.floorSpread)})`,
      met: at64.spread <= 0.2,
      why:
        at64.floorSpread > 0.2
          ? `the floor's own repeats spread by ${pct(at64.floorSpread)} in the same rounds: the host's load moved both`
          : `the floor's repeats spread by ${pct(at64.floorSpread)} in the same rounds, rose's by ${pct(at64.spread)}: not the host's load; not traced further in this run`
    })
    out.push({
      budget: "exec, 64 learners: peak RSS ≤ 64 MiB",
      measured: `${fmt(at64.peakRssMb, 0)} MB (floor ${fmt(at64.floorPeakRssMb, 0)} MB)`,
      met: at64.peakRssMb <= 64,
      why: `a bare \`node -e 0\` peaks at ${fmt(r.baseline.bareMb, 0)} MB, one that only loads the library at ${fmt(r.baseline.libraryMb, 0)} MB, the floor script (library loaded, no run) at ${fmt(at64.floorPeakRssMb, 0)} MB: the run itself adds ${fmt(at64.peakRssMb - r.baseline.libraryMb, 0)} MB to the loaded library`
    })
  }
  out.push(...inProcessVerdicts(r.inProcess))
  const at10k = r.inProcess.find((x) => x.learners === 10_000)
  if (at10k !== undefined) {
    out.push({
      budget: "in-process, 10,000 learners × 10: < 10 s",
      measured: `${fmt(at10k.wallMs / 1000, 2)} s`,
      met: at10k.wallMs < 10_000,
      why:
        at10k.gcMs === undefined
          ? "garbage collection not measured on this runtime"
          : `garbage collection ${fmt(at10k.gcMs / 1000, 2)} s of ${fmt(at10k.wallMs / 1000, 2)} s (${pct(at10k.gcMs / at10k.wallMs)}): an iteration's objects of 10,000 fibers outlive the young generation`
    })
    out.push({
      budget: "in-process, 10,000 learners × 10: < 1 GiB peak",
      measured: `${fmt(at10k.peakRssMb, 0)} MB`,
      met: at10k.peakRssMb < 1024,
      why: `the JS heap holds ${fmt(at10k.heapUsedMb, 0)} MB at the end; the rest of the peak is garbage between full collections`
    })
  }
  out.push(...facadeVerdicts(r.facade))
  // Growth is judged between the two longest runs: the shortest one ends before V8's heap has
  // grown to its working size, which any run of a few seconds reaches whatever its length.
  const longer = r.memory.at(-2)
  const longest = r.memory.at(-1)
  if (longer !== undefined && longest !== undefined && longest !== longer) {
    out.push({
      budget: `memory flat in iterations (${longer.iterations} → ${longest.iterations}: within 10%)`,
      measured: r.memory.map((m) => `${m.iterations}: ${fmt(m.peakRssMb, 0)} MB`).join(", "),
      met: longest.peakRssMb <= longer.peakRssMb * 1.1,
      why: `the peak grew ${fmt(longest.peakRssMb - longer.peakRssMb, 0)} MB over ${longest.iterations - longer.iterations} more iterations: something keeps events or results in memory`
    })
  }
  for (const row of r.dsl.rows.filter((x) => x.learners === 1000)) {
    out.push({
      budget: `DSL, 1,000 learners (${row.shape}): parse + check + compile < 250 ms`,
      measured: `${fmt(row.totalMs, 0)} ms`,
      met: row.totalMs < 250,
      why: `parse ${fmt(row.parseMs, 0)} ms, check ${fmt(row.checkMs, 0)} ms, compile ${fmt(row.compileMs, 0)} ms of ${row.lines} lines (best run ${fmt(row.bestTotalMs, 0)} ms in all)`
    })
  }
  out.push({
    budget: `rose lsp, ${r.lsp.learners} learners: diagnostics < 100 ms after a one-character change (issue 18)`,
    measured: `${fmt(r.lsp.analysisMs, 0)} ms analysis (${fmt(r.lsp.analysisCpuMs, 0)} ms CPU), ${fmt(r.lsp.roundTripMs, 0)} ms round trip`,
    met: r.lsp.analysisMs < 100,
    why: `the incremental analysis still takes ${pct(r.lsp.analysisMs / r.lsp.freshMs)} of a fresh one (${fmt(r.lsp.freshMs, 0)} ms): only parsing is incremental, lexing and checking are whole-file`
  })
  const check = r.startup.find((x) => x.command.startsWith("rose check"))
  const node = r.startup.find((x) => x.command.startsWith("node -e 0"))
  const version = r.startup.find((x) => x.command === "rose --version")
  if (check !== undefined) {
    out.push({
      budget: "`rose check` of a small file: < 0.5 s wall",
      measured: `${fmt(check.wallMs, 0)} ms`,
      met: check.wallMs < 500,
      why: `\`node -e 0\` takes ${node === undefined ? "?" : fmt(node.wallMs, 0)} ms, \`rose --version\` ${version === undefined ? "?" : fmt(version.wallMs, 0)} ms: the rest is loading Effect, @effect/cli and Chevrotain, building the parser and the check`
    })
  }
  if (version !== undefined) {
    const floor = node?.wallMs
    out.push({
      budget: "`rose --version`, the bin run directly: ≤ 0.15 s wall",
      measured: `${fmt(version.wallMs, 0)} ms`,
      met: version.wallMs <= 150,
      why:
        floor === undefined
          ? "`node -e 0` was not measured"
          : `\`node -e 0\` alone takes ${fmt(floor, 0)} ms here (${pct(floor / 150)} of the budget); rose adds ${fmt(version.wallMs - floor, 0)} ms, loading the bin's own modules (the commands load the rest when they run)`
    })
  }
  return out
}

const gcShare = (x: { readonly gcMs?: number | undefined; readonly wallMs: number }) =>
  x.gcMs === undefined ? "GC not measured" : `${pct(x.gcMs / x.wallMs)} garbage collection`

/** 64 learners warm (cold beside it): what a task costs beyond a run's fixed costs. */
const inProcessVerdicts = (rows: ReadonlyArray<InProcessRow>): ReadonlyArray<Verdict> => {
  const cold = rows.find((x) => x.learners === 64 && !x.warm)
  const warm = rows.find((x) => x.learners === 64 && x.warm)
  if (warm === undefined) return []
  const fixedMs = warm.fixedMs ?? 0
  const perTaskUs = ((warm.wallMs - fixedMs) / warm.tasks) * 1000
  return [
    {
      budget: "in-process, 64 learners: ≥ 100,000 tasks/s warm",
      measured: `warm ${fmt(warm.tasksPerSecond, 0)} tasks/s; cold ${cold === undefined ? "—" : fmt(cold.tasksPerSecond, 0)}`,
      met: warm.tasksPerSecond >= 100_000,
      why: `of the warm run's ${fmt(warm.wallMs, 0)} ms, ${fmt(fixedMs, 0)} ms are a run's fixed costs (a warm run of 1 learner × 1 iteration) and ${gcShare(warm)}; beyond the fixed costs ${fmt(perTaskUs, 1)} µs a task (${fmt(1e6 / perTaskUs, 0)} tasks/s). Cold: ${cold === undefined ? "—" : `${fmt(cold.wallMs, 0)} ms, ${gcShare(cold)}`}`
    }
  ]
}

/** The Promise facade with async functions, alone and against the Effect API with the same functions. */
const facadeVerdicts = (facade: ReadonlyArray<FacadeRow>): ReadonlyArray<Verdict> => {
  const out: Array<Verdict> = []
  const effect = facade.find((x) => x.kind === "effect")
  for (const f of facade.filter((x) => x.kind !== "effect")) {
    const vs =
      effect === undefined
        ? ""
        : `; Effect API, same functions: ${fmt(effect.wallMs / 1000, 2)} s, ${fmt(effect.peakRssMb, 0)} MB, ${gcShare(effect)}`
    out.push({
      budget: `facade (${f.kind}), async functions, ${fmt(f.learners, 0)} × ${f.iterations}: < 10 s, < 1 GiB`,
      measured: `${fmt(f.wallMs / 1000, 2)} s, ${fmt(f.peakRssMb, 0)} MB`,
      met: f.wallMs < 10_000 && f.peakRssMb < 1024,
      why: `${gcShare(f)}, a fiber suspension per promise${vs}`
    })
    if (effect !== undefined) {
      const ratio = f.wallMs / effect.wallMs
      out.push({
        budget: `facade (${f.kind}) at the Effect API's cost ± 20%`,
        measured: `${fmt(ratio, 2)}× (${fmt(f.wallMs, 0)} / ${fmt(effect.wallMs, 0)} ms); journal ${fmt(f.journalLines, 0)} / ${fmt(effect.journalLines, 0)} lines, ${f.taskStarted} task_started`,
        met: ratio <= 1.2 && ratio >= 0.8,
        why: `${gcShare(f)} against ${gcShare(effect)}; the facade's own work is the states it hands to its loop`
      })
    }
  }
  return out
}
