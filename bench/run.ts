/**
 * `npm run bench`: every benchmark in one run, each beside a floor measured in the same run, then a
 * table on stdout, bench/results.json and bench/RESULTS.md (date, machine, versions, the command).
 *
 *   npm run bench                # everything (under 10 minutes on 2 cores)
 *   npm run bench -- --quick     # one small run of each scenario: proves the benchmark still runs
 *
 * Scenarios (medians of 3 runs, each run in a fresh process for its peak memory):
 * - exec: active learners with four no-op exec tasks per iteration (`/bin/true` ×3, then a criterion
 *   printing 0.5 that never meets its threshold), 1/4/16/64 learners × 10 iterations, journal on,
 *   local backend at the machine's core count, against the floor: the same argv, the same output
 *   files, the same concurrency, from a plain script (bench/scenario.ts).
 * - in-process: the same learners with in-process no-op functions, up to 10,000 learners; 64 of
 *   them cold (a fresh process) and warm (after twenty runs in the same process).
 * - facade (one run each): 10,000 learners of async in-process functions, through the Promise
 *   facade (awaited, and read with `for await`) and through the Effect API, side by side
 *   (bench/facade.ts, bench/inprocess.ts).
 * - DSL: parse + check + compile of generated files (bench/dsl.ts); `rose check` start-up of a
 *   small file against `node -e 0`.
 * - SSH and SLURM (bench/ssh.ts, bench/slurm.ts) on the test services, which it starts as the
 *   integration tests do (as root; test/integration/setup/services.ts) and stops again if it started
 *   them; otherwise those rows say why they were skipped: 16 SSH tasks each
 *   way; SLURM allocation mode with 100 tasks, job mode with 30 (its floor, `sbatch --wait`, runs
 *   about one task a second, and the whole benchmark must stay under 10 minutes; `node --import tsx
 *   bench/slurm.ts` runs 200 of each, docs/slurm.md records such a run).
 */
import * as cp from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as Path from "node:path"
import { ensureServices, type Services, stopServices } from "../test/integration/setup/services.ts"
import { formatDslBench, runDslBench } from "./dsl.ts"
import {
  type FacadeRows,
  facadeRows,
  type InProcessRows,
  inProcessRows,
  inProcessSections,
  inProcessVerdicts
} from "./inprocess.ts"
import { formatLspBench, runLspBench } from "./lsp.ts"
import { fmt, table, type Verdict } from "./markdown.ts"

const quick = process.argv.includes("--quick")
const root = Path.resolve(import.meta.dirname, "..")
const repeats = quick ? 1 : 3
const cores = os.availableParallelism()
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

interface Sample {
  readonly wallMs: number
  readonly tasks: number
  readonly peakRssMb: number
  /** Garbage collection inside the measured run (perf_hooks `gc` entries). */
  readonly gcMs?: number
  /** inprocess-warm: a warm run of one learner × one iteration. */
  readonly fixedMs?: number
}

const scenario = (kind: string, learners: number, iterations: number): Sample => {
  const r = cp.spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      Path.join(root, "bench/scenario.ts"),
      kind,
      String(learners),
      String(iterations),
      String(cores)
    ],
    { cwd: root, encoding: "utf8", maxBuffer: 1 << 24 }
  )
  if (r.status !== 0) throw new Error(`scenario ${kind} ${learners} failed:\n${r.stderr}`)
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!)
}

const measure = (kind: string, learners: number, iterations: number) => {
  const samples = Array.from({ length: repeats }, () => scenario(kind, learners, iterations))
  const mid = [...samples].sort((a, b) => a.wallMs - b.wallMs)[Math.floor(samples.length / 2)]!
  return {
    wallMs: mid.wallMs,
    tasks: samples[0]!.tasks,
    peakRssMb: Math.max(...samples.map((s) => s.peakRssMb)),
    // Of the median run, so the share and the fixed cost belong to the wall time shown.
    gcMs: mid.gcMs ?? 0,
    fixedMs: mid.fixedMs ?? 0
  }
}

const log = (s: string) => process.stderr.write(`${s}\n`)

const execRows = () => {
  const rows = []
  for (const learners of quick ? [1, 4] : [1, 4, 16, 64]) {
    log(`exec: ${learners} learner(s) × 10 iterations`)
    // Interleave floor and framework so drift in the machine's load hits both.
    const floor = measure("floor", learners, 10)
    const exec = measure("exec", learners, 10)
    rows.push({
      learners,
      iterations: 10,
      tasks: exec.tasks,
      concurrency: cores,
      floorMs: floor.wallMs,
      roseMs: exec.wallMs,
      ratio: exec.wallMs / floor.wallMs,
      overheadMsPerTask: (exec.wallMs - floor.wallMs) / exec.tasks,
      tasksPerSecond: (exec.tasks / exec.wallMs) * 1000,
      floorPeakRssMb: floor.peakRssMb,
      peakRssMb: exec.peakRssMb
    })
  }
  return rows
}

/** Memory against iterations: a long run of few learners must not grow with its length. */
const memoryRows = () => {
  const rows = []
  for (const iterations of quick ? [100] : [100, 1000, 5000]) {
    log(`memory: 16 in-process learners × ${iterations} iterations`)
    const r = measure("inprocess", 16, iterations)
    rows.push({ learners: 16, iterations, tasks: r.tasks, wallMs: r.wallMs, peakRssMb: r.peakRssMb })
  }
  return rows
}

const startupRows = () => {
  const cli = Path.join(root, "dist/bin/rose.js")
  if (!fs.existsSync(cli)) {
    log("start-up: dist/bin/rose.js is missing (run npm install or npm run build); skipped")
    return []
  }
  const time = (args: ReadonlyArray<string>) => {
    const t0 = performance.now()
    const r = cp.spawnSync(process.execPath, args, { cwd: root, encoding: "utf8" })
    if (r.status !== 0) throw new Error(`${args.join(" ")} failed:\n${r.stderr}`)
    return performance.now() - t0
  }
  const runs = quick ? 3 : 10
  const commands: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
    ["node -e 0 (floor)", ["-e", "0"]],
    ["rose --version", [cli, "--version"]],
    ["rose --help", [cli, "--help"]],
    ["rose check examples/parallel-learners/static.rose", [cli, "check", "examples/parallel-learners/static.rose"]]
  ]
  // Interleaved rounds: a change in the machine's load hits the floor and the commands alike.
  const samples = commands.map((): Array<number> => [])
  for (let round = 0; round < runs; round++) {
    commands.forEach(([, args], i) => {
      samples[i]!.push(time(args))
    })
  }
  return commands.map(([command], i) => ({ command, wallMs: median(samples[i]!) }))
}

const optional = async <A>(name: string, services: Services | string, run: () => Promise<A>): Promise<A | string> => {
  if (typeof services === "string") return `skipped: no ${name} test service (${services})`
  try {
    return await run()
  } catch (e) {
    return `failed: ${e instanceof Error ? e.message : String(e)}`
  }
}

const versions = () => {
  const pkg = (name: string) =>
    JSON.parse(fs.readFileSync(Path.join(root, "node_modules", name, "package.json"), "utf8")).version
  return {
    rose: JSON.parse(fs.readFileSync(Path.join(root, "package.json"), "utf8")).version,
    node: process.versions.node,
    effect: pkg("effect"),
    "@effect/platform": pkg("@effect/platform"),
    chevrotain: pkg("chevrotain")
  }
}

const machine = () => ({
  cpu: os.cpus()[0]?.model ?? "unknown",
  cores,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  os: `${os.type()} ${os.release()}`,
  loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100)
})

const spawnWhy =
  "fork + exec on Node's main thread (5.7–7.6 ms a spawn on this VM) plus 2–4 ms of bookkeeping a task on the critical path (README: Exec tasks)"

/** Issue 10's budgets against this run's numbers: stated, never asserted (no test times anything). */
const verdicts = (r: {
  readonly exec: ReturnType<typeof execRows>
  readonly inProcess: InProcessRows
  readonly facade: FacadeRows
  readonly memory: ReturnType<typeof memoryRows>
  readonly dsl: Awaited<ReturnType<typeof runDslBench>>
  readonly lsp: Awaited<ReturnType<typeof runLspBench>>
  readonly startup: ReturnType<typeof startupRows>
}): ReadonlyArray<Verdict> => {
  const out: Array<Verdict> = []
  for (const e of r.exec) {
    out.push({
      budget: `exec, ${e.learners} learner(s): wall ≤ 1.25× floor`,
      measured: `${fmt(e.ratio, 2)}× (${fmt(e.roseMs, 0)} / ${fmt(e.floorMs, 0)} ms)`,
      met: e.ratio <= 1.25,
      why: spawnWhy
    })
  }
  const single = r.exec.find((e) => e.learners === 1)
  if (single !== undefined) {
    out.push({
      budget: "exec, 1 learner: overhead < 1 ms per task beyond the spawn",
      measured: `${fmt(single.overheadMsPerTask, 2)} ms`,
      met: single.overheadMsPerTask < 1,
      why: spawnWhy
    })
  }
  out.push(...inProcessVerdicts(r.inProcess, r.facade))
  // Growth is judged between the two longest runs: the shortest one ends before V8's heap has
  // grown to its working size, which any run of a few seconds reaches whatever its length.
  const longer = r.memory.at(-2)
  const longest = r.memory.at(-1)
  if (longer !== undefined && longest !== undefined && longest !== longer) {
    out.push({
      budget: `memory flat in iterations (${longer.iterations} → ${longest.iterations}: within 10%)`,
      measured: r.memory.map((m) => `${m.iterations}: ${fmt(m.peakRssMb, 0)} MB`).join(", "),
      met: longest.peakRssMb <= longer.peakRssMb * 1.1,
      why: "not measured: no run so far has grown; look for events or results kept in memory (README: In-process tasks)"
    })
  }
  for (const row of r.dsl.rows.filter((x) => x.learners === 1000)) {
    out.push({
      budget: `DSL, 1,000 learners (${row.shape}): parse + check + compile < 250 ms`,
      measured: `${fmt(row.totalMs, 0)} ms`,
      met: row.totalMs < 250,
      why: "about half garbage collection (~120,000 tokens, their CST and a span per AST node), then lexing and CST → AST (README: DSL)"
    })
  }
  out.push({
    budget: `rose lsp, ${r.lsp.learners} learners: diagnostics < 100 ms after a one-character change (issue 18)`,
    measured: `${fmt(r.lsp.analysisMs, 0)} ms analysis (${fmt(r.lsp.analysisCpuMs, 0)} ms CPU), ${fmt(r.lsp.roundTripMs, 0)} ms round trip`,
    met: r.lsp.analysisMs < 100,
    why: "whole-file lexing and checking on every change; only parsing is incremental (README: Editor)"
  })
  const check = r.startup.find((x) => x.command.startsWith("rose check"))
  if (check !== undefined) {
    out.push({
      budget: "`rose check` of a small file: < 0.5 s wall",
      measured: `${fmt(check.wallMs, 0)} ms`,
      met: check.wallMs < 500,
      why: "evaluating Effect, @effect/cli and Chevrotain and building the parser (README: Start-up)"
    })
  }
  return out
}

const main = async () => {
  const started = new Date()
  const loadBefore = os.loadavg()[0]!
  const exec = execRows()
  const inProcess = inProcessRows(measure, quick, log)
  const facade = facadeRows(root, quick, log)
  const memory = memoryRows()
  log("dsl")
  const dsl = await runDslBench(quick ? { sizes: [10, 100], runs: 3 } : {})
  log("editor (rose lsp)")
  const lsp = await runLspBench(quick ? 100 : 1000, quick ? 3 : 15)
  log("start-up")
  const startup = startupRows()
  log("test services (sshd, SLURM)")
  const services = await ensureServices((line) => log(`  ${line}`)).then(
    (s) => {
      Object.assign(process.env, s.env)
      return s
    },
    (e: unknown) => (e instanceof Error ? e.message : String(e)).replace(/\s+/g, " ")
  )
  log("ssh")
  const ssh = await optional("sshd", services, async () => (await import("./ssh.ts")).runSshBench({ tasks: 16 }))
  log("slurm")
  const slurm = await optional("SLURM", services, async () =>
    (await import("./slurm.ts")).runSlurmBench(quick ? { tasks: 20 } : { tasks: 100, jobTasks: 30 })
  )
  if (typeof services !== "string") {
    const ours = (["sshd", "slurm"] as const).filter((n) => services[n].outcome === "started")
    if (ours.length > 0) {
      await stopServices(ours)
      log(`  stopped ${ours.join(" and ")} (this run started them)`)
    }
  }
  const budgets = verdicts({ exec, inProcess, facade, memory, dsl, lsp, startup })
  const result = {
    date: started.toISOString(),
    command: `npm run bench${quick ? " -- --quick" : ""}`,
    quick,
    machine: { ...machine(), loadAverageAtStart: Math.round(loadBefore * 100) / 100 },
    versions: versions(),
    exec,
    inProcess,
    facade,
    memory,
    dsl,
    lsp,
    startup,
    ssh,
    slurm,
    budgets
  }

  const md: Array<string> = [
    "# Benchmark results",
    "",
    `Produced by \`${result.command}\` on ${result.date}.`,
    "",
    `Machine: ${result.machine.cpu}, ${cores} cores, ${result.machine.memoryGiB} GiB, ${result.machine.os}; load average ${loadBefore.toFixed(2)} at the start. Versions: ${Object.entries(
      result.versions
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}.`,
    "",
    "## Budgets",
    "",
    "Issue 10's budgets against this run, and for a missed one where the time goes (measured; bench/README.md has the long form).",
    "",
    table(
      ["budget", "measured", "met", "why not"],
      budgets.map((v) => [v.budget, v.measured, v.met ? "yes" : "**no**", v.met ? "" : v.why])
    ),
    "",
    "## Exec tasks against the floor",
    "",
    `Four no-op exec tasks per iteration, 10 iterations, local backend at concurrency ${cores}, journal on. The floor spawns the same argv with the same output files at the same concurrency from a plain script.`,
    "",
    table(
      ["learners", "tasks", "floor ms", "rose ms", "× floor", "overhead ms/task", "tasks/s", "peak MB (floor / rose)"],
      exec.map((r) => [
        String(r.learners),
        String(r.tasks),
        fmt(r.floorMs, 0),
        fmt(r.roseMs, 0),
        fmt(r.ratio, 2),
        fmt(r.overheadMsPerTask, 2),
        fmt(r.tasksPerSecond, 0),
        `${fmt(r.floorPeakRssMb, 0)} / ${fmt(r.peakRssMb, 0)}`
      ])
    ),
    "",
    ...inProcessSections(inProcess, facade),
    "## Memory against the length of a run",
    "",
    table(
      ["learners", "iterations", "tasks", "wall ms", "peak MB"],
      memory.map((r) => [
        String(r.learners),
        String(r.iterations),
        String(r.tasks),
        fmt(r.wallMs, 0),
        fmt(r.peakRssMb, 0)
      ])
    ),
    "",
    "## DSL",
    "",
    "```",
    formatDslBench(dsl).trimEnd(),
    "```",
    "",
    "## Editor (rose lsp)",
    "",
    formatLspBench(lsp).trimEnd(),
    "",
    "## Start-up",
    "",
    table(
      ["command", "wall ms (median)"],
      startup.map((r) => [`\`${r.command}\``, fmt(r.wallMs, 0)])
    ),
    "",
    "## SSH",
    "",
    typeof ssh === "string"
      ? ssh
      : table(
          ["method", "concurrency", "tasks", "setup ms", "wall ms", "ms/task", "× floor"],
          ssh.map((r) => [
            r.method,
            String(r.concurrency),
            String(r.tasks),
            fmt(r.setupMs, 0),
            fmt(r.wallMs, 0),
            fmt(r.msPerTask, 2),
            fmt(r.ratio, 2)
          ])
        ),
    "",
    "## SLURM",
    "",
    typeof slurm === "string"
      ? slurm
      : table(
          ["method", "mode", "concurrency", "tasks", "setup ms", "wall ms", "tasks/s", "× floor"],
          slurm.map((r) => [
            r.method,
            r.mode,
            String(r.concurrency),
            String(r.tasks),
            fmt(r.setupMs, 0),
            fmt(r.wallMs, 0),
            fmt(r.tasksPerSecond, 1),
            fmt(r.ratio, 2)
          ])
        ),
    ""
  ]
  const text = md.join("\n")
  process.stdout.write(`${text}\n`)
  if (!quick) {
    fs.writeFileSync(Path.join(root, "bench/results.json"), `${JSON.stringify(result, null, 2)}\n`)
    fs.writeFileSync(Path.join(root, "bench/RESULTS.md"), `${text}\n`)
    log("wrote bench/results.json and bench/RESULTS.md")
  }
}

await main()
