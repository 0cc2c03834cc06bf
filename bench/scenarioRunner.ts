/**
 * Runs bench/scenario.ts in a fresh process (Node, or Deno and Bun) and reads its one JSON line.
 * Used by bench/run.ts.
 */
import * as cp from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as Path from "node:path"
import * as Url from "node:url"

const root = Path.resolve(import.meta.dirname, "..")
const cores = os.availableParallelism()

export const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

export interface Sample {
  readonly wallMs: number
  readonly firstWallMs: number
  readonly tasks: number
  readonly peakRssMb: number
  readonly gcMs?: number | undefined
  /** inprocess-warm: a warm run of one learner × one iteration. */
  readonly fixedMs?: number | undefined
  readonly heapUsedMb: number
}

// The scenario runs without tsx under Node (its loader alone doubles a process's peak memory, which
// a user's `rose run` from dist/ does not pay): esbuild strips the types once per benchmark run.
const scenarioScript = Path.join(root, "bench/out/scenario.mjs")
export const compileScenario = async () => {
  const esbuild = await import("esbuild")
  const source = fs.readFileSync(Path.join(root, "bench/scenario.ts"), "utf8")
  const { code } = await esbuild.transform(source, { loader: "ts", format: "esm", target: "node20" })
  fs.mkdirSync(Path.dirname(scenarioScript), { recursive: true })
  fs.writeFileSync(scenarioScript, code)
}

export const scenario = (
  kind: string,
  learners: number,
  iterations: number,
  runtime: ReadonlyArray<string> = [process.execPath],
  rounds = 1
): Sample => {
  const script = runtime[0] === process.execPath ? scenarioScript : Path.join(root, "bench/scenario.ts")
  const r = cp.spawnSync(
    runtime[0]!,
    [...runtime.slice(1), script, kind, String(learners), String(iterations), String(cores), String(rounds)],
    {
      cwd: root,
      encoding: "utf8",
      maxBuffer: 1 << 24,
      env: { ...process.env, ROSE_BENCH_ROOT: Url.pathToFileURL(`${root}/`).href }
    }
  )
  if (r.status !== 0) throw new Error(`scenario ${kind} ${learners} (${runtime[0]}) failed:\n${r.stderr}`)
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!)
}

/** (max − min) / median: how far apart the repeats of one measurement landed. */
export const spreadOf = (xs: ReadonlyArray<number>) =>
  xs.length < 2 ? 0 : (Math.max(...xs) - Math.min(...xs)) / median(xs)
