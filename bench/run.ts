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
import { facadeRows, inProcessRows, inProcessSections } from "./inprocess.ts"
import { formatLspBench, runLspBench } from "./lsp.ts"
import { fmt, spliceRun, table } from "./markdown.ts"
import { compileScenario, median, type Sample, scenario, spreadOf } from "./scenarioRunner.ts"
import * as SpawnOptions from "./spawnOptions.ts"
import { verdicts } from "./verdicts.ts"

const quick = process.argv.includes("--quick")
const root = Path.resolve(import.meta.dirname, "..")
const repeats = quick ? 1 : 3
const cores = os.availableParallelism()

const measure = (kind: string, learners: number, iterations: number, runtime?: ReadonlyArray<string>) => {
  const samples = Array.from({ length: repeats }, () => scenario(kind, learners, iterations, runtime))
  const gc = samples.map((s) => s.gcMs).filter((x): x is number => x !== undefined)
  return {
    wallMs: median(samples.map((s) => s.wallMs)),
    spread: spreadOf(samples.map((s) => s.wallMs)),
    tasks: samples[0]!.tasks,
    peakRssMb: Math.max(...samples.map((s) => s.peakRssMb)),
    gcMs: gc.length > 0 ? median(gc) : undefined,
    // Of the median run, so the fixed cost belongs to the wall time shown.
    fixedMs: [...samples].sort((a, b) => a.wallMs - b.wallMs)[Math.floor(samples.length / 2)]!.fixedMs,
    heapUsedMb: median(samples.map((s) => s.heapUsedMb))
  }
}

const log = (s: string) => process.stderr.write(`${s}\n`)

const execRows = () => {
  const rows = []
  for (const learners of quick ? [1, 4] : [1, 4, 16, 64]) {
    log(`exec: ${learners} learner(s) × 10 iterations`)
    // Interleave floor and framework so drift in the machine's load hits both.
    const floors: Array<Sample> = []
    const execs: Array<Sample> = []
    for (let r = 0; r < repeats; r++) {
      floors.push(scenario("floor", learners, 10))
      execs.push(scenario("exec", learners, 10))
    }
    const floorMs = median(floors.map((s) => s.wallMs))
    const roseMs = median(execs.map((s) => s.wallMs))
    const tasks = execs[0]!.tasks
    rows.push({
      learners,
      iterations: 10,
      tasks,
      concurrency: cores,
      floorMs,
      roseMs,
      ratio: roseMs / floorMs,
      overheadMsPerTask: (roseMs - floorMs) / tasks,
      tasksPerSecond: (tasks / roseMs) * 1000,
      floorSpread: spreadOf(floors.map((s) => s.wallMs)),
      spread: spreadOf(execs.map((s) => s.wallMs)),
      floorPeakRssMb: Math.max(...floors.map((s) => s.peakRssMb)),
      peakRssMb: Math.max(...execs.map((s) => s.peakRssMb))
    })
  }
  return rows
}

/**
 * The same small programs under Node, Deno and Bun (as test/runtime/ runs the library on them):
 * exec (4 learners, against the floor on the same runtime) and in-process (64 learners).
 */
const runtimeRows = (available: ReadonlyArray<SpawnOptions.Runtime>) =>
  available.map((rt) => {
    if (rt.command === undefined) return { runtime: rt.name, version: rt.version, missing: rt.missing }
    log(`runtimes: ${rt.name}`)
    const floor = measure("floor", 4, 10, rt.command)
    const exec = measure("exec", 4, 10, rt.command)
    const inProcess = measure("inprocess", 64, 10, rt.command)
    return {
      runtime: rt.name,
      version: rt.version,
      missing: undefined,
      execTasks: exec.tasks,
      floorMs: floor.wallMs,
      execMs: exec.wallMs,
      execRatio: exec.wallMs / floor.wallMs,
      execPeakRssMb: exec.peakRssMb,
      inProcessTasks: inProcess.tasks,
      inProcessMs: inProcess.wallMs,
      inProcessTasksPerSecond: (inProcess.tasks / inProcess.wallMs) * 1000,
      inProcessPeakRssMb: inProcess.peakRssMb
    }
  })

/** Peak memory of a bare `node -e 0`, and of one that only loads the library: what a run starts from. */
const baselineMemory = () => {
  const peak = (code: string) => {
    const r = cp.spawnSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `${code}; process.stdout.write(/VmHWM:\\s+(\\d+)/.exec((await import("node:fs")).readFileSync("/proc/self/status", "utf8"))?.[1] ?? "0")`
      ],
      { cwd: root, encoding: "utf8" }
    )
    return Number(r.stdout) / 1024
  }
  return { bareMb: peak(""), libraryMb: peak('await import("./dist/index.js")') }
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

const main = async () => {
  const started = new Date()
  const loadBefore = os.loadavg()[0]!
  await compileScenario()
  const available = SpawnOptions.runtimes()
  log("spawning: the options side by side")
  const spawn = SpawnOptions.runSpawnOptions(
    quick
      ? { tasks: 20, repeats: 1, concurrencies: [1], forkHeapsMb: [0, 100] }
      : { tasks: 200, repeats: 3, concurrencies: [1, 4], forkHeapsMb: [0, 100, 400] },
    available
  )
  const exec = execRows()
  const baseline = baselineMemory()
  const inProcess = inProcessRows(measure, quick, log)
  const facade = facadeRows(root, quick, log)
  const runtimes = runtimeRows(available)
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
  const budgets = verdicts({ exec, inProcess, facade, memory, dsl, lsp, startup, spawn, baseline })
  const result = {
    date: started.toISOString(),
    command: `npm run bench${quick ? " -- --quick" : ""}`,
    quick,
    machine: { ...machine(), loadAverageAtStart: Math.round(loadBefore * 100) / 100 },
    versions: versions(),
    spawn,
    exec,
    baseline,
    inProcess,
    facade,
    runtimes,
    memory,
    dsl,
    lsp,
    startup,
    ssh,
    slurm,
    budgets
  }

  const md: Array<string> = [
    "## The last `npm run bench`",
    "",
    `Produced by \`${result.command}\` on ${result.date}.`,
    "",
    `Machine: ${result.machine.cpu}, ${cores} cores, ${result.machine.memoryGiB} GiB, ${result.machine.os}; load average ${loadBefore.toFixed(2)} at the start. Versions: ${Object.entries(
      result.versions
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}.`,
    "",
    "### Budgets",
    "",
    "Issues 10 and 17's budgets against this run, and for a missed one where the time goes, from figures of this same run (bench/README.md has the long form).",
    "",
    table(
      ["budget", "measured", "met", "why not"],
      budgets.map((v) => [v.budget, v.measured, v.met ? "yes" : "**no**", v.met ? "" : v.why])
    ),
    "",
    "### Exec tasks against the floor",
    "",
    `Four no-op exec tasks per iteration, 10 iterations, local backend at concurrency ${cores}, journal on. The floor spawns the same argv with the same output files at the same concurrency from a plain script.`,
    "",
    table(
      [
        "learners",
        "tasks",
        "floor ms",
        "rose ms",
        "× floor",
        "overhead ms/task",
        "tasks/s",
        "spread (floor / rose)",
        "peak MB (floor / rose)"
      ],
      exec.map((r) => [
        String(r.learners),
        String(r.tasks),
        fmt(r.floorMs, 0),
        fmt(r.roseMs, 0),
        fmt(r.ratio, 2),
        fmt(r.overheadMsPerTask, 2),
        fmt(r.tasksPerSecond, 0),
        repeats > 1 ? `${fmt(r.floorSpread * 100, 0)}% / ${fmt(r.spread * 100, 0)}%` : "—",
        `${fmt(r.floorPeakRssMb, 0)} / ${fmt(r.peakRssMb, 0)}`
      ])
    ),
    "",
    `Spread: (max − min) / median of the ${repeats} interleaved repeats. Peak memory of a bare \`node -e 0\`: ${fmt(baseline.bareMb, 0)} MB; of one that only loads the library: ${fmt(baseline.libraryMb, 0)} MB.`,
    "",
    "### Spawning: the options",
    "",
    `\`/bin/true\` with stdout and stderr to files, ${spawn.rows[0]?.tasks ?? 0} tasks, each option in a fresh process, median of ${repeats} interleaved repeats (bench/spawnOptions.ts). A heap of ${spawn.rows.find((x) => x.heapMb > 0)?.heapMb ?? 0} MB is about a rose run's.`,
    "",
    SpawnOptions.formatSpawnOptions(spawn),
    "",
    "### Node, Deno and Bun",
    "",
    "The same programs on each runtime: exec, 4 learners × 10 iterations against the floor on the same runtime; in-process, 64 learners × 10 iterations. Node runs the scenario with its types stripped by esbuild, Deno and Bun run the TypeScript as it is.",
    "",
    table(
      ["runtime", "exec: floor ms", "rose ms", "× floor", "peak MB", "in-process: wall ms", "tasks/s", "peak MB"],
      runtimes.map((r) =>
        r.missing !== undefined
          ? [`${r.runtime}: not run (${r.missing})`, "", "", "", "", "", "", ""]
          : [
              `${r.runtime} ${r.version}`,
              fmt(r.floorMs!, 0),
              fmt(r.execMs!, 0),
              fmt(r.execRatio!, 2),
              fmt(r.execPeakRssMb!, 0),
              fmt(r.inProcessMs!, 0),
              fmt(r.inProcessTasksPerSecond!, 0),
              fmt(r.inProcessPeakRssMb!, 0)
            ]
      )
    ),
    "",
    ...inProcessSections(inProcess, facade),
    "### Memory against the length of a run",
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
    "### DSL",
    "",
    "```",
    formatDslBench(dsl).trimEnd(),
    "```",
    "",
    "### Editor (rose lsp)",
    "",
    formatLspBench(lsp).trimEnd(),
    "",
    "### Start-up",
    "",
    table(
      ["command", "wall ms (median)"],
      startup.map((r) => [`\`${r.command}\``, fmt(r.wallMs, 0)])
    ),
    "",
    "### SSH",
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
    "### SLURM",
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
    const file = Path.join(root, "bench/RESULTS.md")
    const previous = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : ""
    fs.writeFileSync(file, spliceRun(previous, "# Benchmark results", text))
    log("wrote bench/results.json and bench/RESULTS.md")
  }
}

await main()
