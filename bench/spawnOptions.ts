/**
 * Ways of creating a process, side by side (issue 17): the same no-op argv (`/bin/true`) with its
 * stdout and stderr sent to files, N tasks at concurrency 1 and 4, each option in a fresh process
 * (bench/spawnLoop.mjs), the options interleaved in every repeat so drift in the machine's load
 * hits them alike. Also the host's fork cost against the heap of the process that forks. Run:
 * `node --import tsx bench/spawnOptions.ts [--quick]`.
 */
import * as cp from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as Path from "node:path"

const root = Path.resolve(import.meta.dirname, "..")
const loop = Path.join(root, "bench/spawnLoop.mjs")

/** A runtime the options run on: its command, or why it is not there. */
export interface Runtime {
  readonly name: "node" | "deno" | "bun"
  readonly command: ReadonlyArray<string> | undefined
  readonly version: string | undefined
  readonly missing: string | undefined
}

/** Deno and Bun as test/runtime/run.sh installs them (from their npm packages, into a cache folder). */
export const runtimes = (): ReadonlyArray<Runtime> => {
  const r = cp.spawnSync("bash", [Path.join(root, "scripts/install-runtimes.sh")], { cwd: root, encoding: "utf8" })
  const bin = r.status === 0 ? r.stdout.trim().split("\n").at(-1) : undefined
  const missing =
    bin === undefined ? `scripts/install-runtimes.sh failed: ${r.stderr.trim().split("\n").at(-1)}` : undefined
  const other = (name: "deno" | "bun", run: ReadonlyArray<string>, versionArgs: ReadonlyArray<string>): Runtime => {
    if (bin === undefined) return { name, command: undefined, version: undefined, missing }
    const exe = Path.join(bin, name)
    const v = cp.spawnSync(exe, versionArgs, { encoding: "utf8" })
    return v.status === 0
      ? {
          name,
          command: [exe, ...run],
          // "deno 2.9.6 (stable, release, …)" or "1.4.5": the version alone.
          version: /\d+\.\d+\.\d+\S*/.exec(v.stdout)?.[0],
          missing: undefined
        }
      : { name, command: undefined, version: undefined, missing: `${exe} --version failed` }
  }
  return [
    { name: "node", command: [process.execPath], version: process.versions.node, missing: undefined },
    other("deno", ["run", "-A"], ["--version"]),
    other("bun", [], ["--version"])
  ]
}

interface Option {
  readonly runtime: Runtime["name"]
  readonly method: string
  readonly heapMb: number
  readonly label: string
}

/** A rose run's live heap is about this big once the library is loaded and running (peak RSS ~150 MB). */
const roseHeapMb = 100

const options: ReadonlyArray<Option> = [
  { runtime: "node", method: "spawn", heapMb: 0, label: "child_process.spawn, bare process" },
  { runtime: "node", method: "spawn", heapMb: roseHeapMb, label: `child_process.spawn, ${roseHeapMb} MB heap` },
  {
    runtime: "node",
    method: "spawn-preopened",
    heapMb: roseHeapMb,
    label: `child_process.spawn, ${roseHeapMb} MB heap, files opened beforehand`
  },
  {
    runtime: "node",
    method: "helper",
    heapMb: roseHeapMb,
    label: `spawner process (16 MB heap), ${roseHeapMb} MB heap`
  },
  { runtime: "node", method: "worker", heapMb: roseHeapMb, label: `worker_threads, ${roseHeapMb} MB heap` },
  { runtime: "deno", method: "native", heapMb: 0, label: "Deno.Command (output piped to files), bare" },
  { runtime: "deno", method: "spawn", heapMb: 0, label: "node:child_process on Deno, bare" },
  { runtime: "bun", method: "native", heapMb: 0, label: "Bun.spawn (output to files), bare" },
  { runtime: "bun", method: "spawn", heapMb: 0, label: "node:child_process on Bun, bare" }
]

export interface OptionRow {
  readonly runtime: string
  readonly method: string
  readonly heapMb: number
  readonly label: string
  readonly concurrency: number
  readonly tasks: number
  /** Median over the repeats. */
  readonly msPerTask: number
  readonly tasksPerSecond: number
  /** (max − min) / median of the repeats' wall times. */
  readonly spread: number
  /** Median time one spawn call held the thread that made it (the fork), where there is one. */
  readonly blockedMs: number | undefined
}

export interface ForkRow {
  readonly heapMb: number
  /** Median of the repeats' median time inside `child_process.spawn`. */
  readonly blockedMs: number
}

export interface SpawnOptionsResult {
  readonly repeats: number
  readonly rows: ReadonlyArray<OptionRow>
  readonly fork: ReadonlyArray<ForkRow>
  readonly skipped: ReadonlyArray<string>
}

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const once = (command: ReadonlyArray<string>, o: Option, n: number, concurrency: number) => {
  const dir = fs.mkdtempSync(`${os.tmpdir()}/rose-bench-spawnopt-`)
  try {
    const r = cp.spawnSync(
      command[0]!,
      [...command.slice(1), loop, o.method, String(n), String(concurrency), String(o.heapMb), dir],
      { cwd: root, encoding: "utf8" }
    )
    if (r.status !== 0) throw new Error(`${o.runtime} ${o.method}: ${r.stderr.trim()}`)
    return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { wallMs: number; blockedMs: number }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

export const runSpawnOptions = (
  config: {
    readonly tasks: number
    readonly repeats: number
    readonly concurrencies: ReadonlyArray<number>
    readonly forkHeapsMb: ReadonlyArray<number>
  },
  available: ReadonlyArray<Runtime> = runtimes()
): SpawnOptionsResult => {
  const byName = new Map(available.map((r) => [r.name, r]))
  const skipped = available.filter((r) => r.command === undefined).map((r) => `${r.name}: ${r.missing}`)
  const runnable = options.filter((o) => byName.get(o.runtime)?.command !== undefined)
  const rows: Array<OptionRow> = []
  for (const concurrency of config.concurrencies) {
    const samples = runnable.map((): Array<{ wallMs: number; blockedMs: number }> => [])
    for (let r = 0; r < config.repeats; r++) {
      runnable.forEach((o, i) => {
        samples[i]!.push(once(byName.get(o.runtime)!.command!, o, config.tasks, concurrency))
      })
    }
    runnable.forEach((o, i) => {
      const walls = samples[i]!.map((s) => s.wallMs)
      const wall = median(walls)
      const blocked = median(samples[i]!.map((s) => s.blockedMs))
      rows.push({
        ...o,
        concurrency,
        tasks: config.tasks,
        msPerTask: wall / config.tasks,
        tasksPerSecond: (config.tasks / wall) * 1000,
        spread: (Math.max(...walls) - Math.min(...walls)) / wall,
        blockedMs: blocked > 0 ? blocked : undefined
      })
    })
  }
  const node = byName.get("node")!.command!
  const forkSamples = config.forkHeapsMb.map((): Array<number> => [])
  for (let r = 0; r < config.repeats; r++) {
    config.forkHeapsMb.forEach((heapMb, i) => {
      const o: Option = { runtime: "node", method: "spawn", heapMb, label: "" }
      forkSamples[i]!.push(once(node, o, Math.min(config.tasks, 50), 1).blockedMs)
    })
  }
  const fork = config.forkHeapsMb.map((heapMb, i) => ({ heapMb, blockedMs: median(forkSamples[i]!) }))
  return { repeats: config.repeats, rows, fork, skipped }
}

const fmt = (x: number, digits = 2) => x.toFixed(digits)

export const formatSpawnOptions = (r: SpawnOptionsResult): string => {
  const lines = [
    "| option | runtime | concurrency | ms/task | tasks/s | spread | spawn call blocks (ms) |",
    "| --- | --- | --- | --- | --- | --- | --- |"
  ]
  for (const row of r.rows) {
    lines.push(
      `| ${row.label} | ${row.runtime} | ${row.concurrency} | ${fmt(row.msPerTask)} | ${fmt(row.tasksPerSecond, 0)} | ${r.repeats > 1 ? `${fmt(row.spread * 100, 0)}%` : "—"} | ${row.blockedMs === undefined ? "—" : fmt(row.blockedMs)} |`
    )
  }
  lines.push(
    "",
    `Fork cost against the heap of the process that forks (median time inside \`child_process.spawn\`, Node): ${r.fork.map((f) => `${f.heapMb} MB: ${fmt(f.blockedMs)} ms`).join(", ")}.`
  )
  for (const s of r.skipped) lines.push("", `Skipped: ${s}.`)
  return lines.join("\n")
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes("--quick")
  const result = runSpawnOptions(
    quick
      ? { tasks: 20, repeats: 1, concurrencies: [1], forkHeapsMb: [0, 100] }
      : { tasks: 200, repeats: 3, concurrencies: [1, 4], forkHeapsMb: [0, 100, 400] }
  )
  console.log(formatSpawnOptions(result))
}
