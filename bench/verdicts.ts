/**
 * The budgets of issues 10 and 17 against one benchmark run: met or not, and for a missed one
 * where the time or memory goes, in a sentence built from figures measured in that same run (no
 * constants: a figure from another day or machine would not explain this one). Stated, never
 * asserted: no test times anything.
 */
import type { DslRow } from "./dsl.ts"
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
  readonly warm: { readonly firstTasksPerSecond: number; readonly warmTasksPerSecond: number } | undefined
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

export interface Verdict {
  readonly budget: string
  readonly measured: string
  readonly met: boolean
  /** Where the time goes when the budget is missed, from this run's figures. */
  readonly why: string
}

const fmt = (x: number, digits = 1) => x.toFixed(digits)
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
  const in64 = r.inProcess.find((x) => x.learners === 64)
  if (in64 !== undefined) {
    out.push({
      budget: "in-process, 64 learners: ≥ 100,000 tasks/s",
      measured: `${fmt(in64.tasksPerSecond, 0)} tasks/s`,
      met: in64.tasksPerSecond >= 100_000,
      why:
        r.warm === undefined
          ? "warm-up not measured in this run"
          : `a fresh process pays V8's warm-up and the run's fixed costs: the same run three times in one process went ${fmt(r.warm.firstTasksPerSecond, 0)} → ${fmt(r.warm.warmTasksPerSecond, 0)} tasks/s`
    })
  }
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
  return out
}
