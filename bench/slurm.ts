/**
 * SLURM: job-per-task against allocation mode, 200 short tasks (`/bin/echo 0.5`, output to files) at
 * the same concurrency (the cluster's CPUs unless told otherwise), each against its floor measured in
 * the same run with no framework: `sbatch --wait` per task (one waiting process per task) for job
 * mode, a bare `srun --exact` step per task in an allocation for allocation mode. Needs the test
 * cluster (`bash test/integration/setup/slurm.sh`, or `npm run bench`, which starts it). Run:
 *
 *   node --import tsx bench/slurm.ts [tasks] [concurrency]
 */
import * as cp from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as SlurmBackend from "../backends/SlurmBackend.ts"
import * as Backend from "../core/Backend.ts"
import * as Platform from "../runtime/Platform.ts"
import { readServiceEnv, slurmDir } from "../test/integration/setup/env.ts"

export interface SlurmRow {
  readonly method: string
  readonly mode: "job" | "allocation"
  readonly concurrency: number
  readonly tasks: number
  /** Obtaining the allocation (allocation rows), before the first task. */
  readonly setupMs: number
  /** From the first submission to the last task's exit. */
  readonly wallMs: number
  readonly tasksPerSecond: number
  /** Wall time over the floor's, for the same mode. */
  readonly ratio: number
}

const argv = ["/bin/echo", "0.5"]

const run = (command: ReadonlyArray<string>) =>
  new Promise<string>((resolve, reject) => {
    const child = cp.spawn(command[0]!, command.slice(1), { stdio: ["ignore", "pipe", "pipe"] })
    let out = ""
    let err = ""
    child.stdout.on("data", (d) => (out += d))
    child.stderr.on("data", (d) => (err += d))
    child.on("error", reject)
    child.on("close", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${command.join(" ")} exited ${code}: ${err}`))
    )
  })

const pool = async (n: number, concurrency: number, f: (i: number) => Promise<unknown>) => {
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await f(next++)
    })
  )
}

const time = async <A>(f: () => Promise<A>) => {
  const t0 = performance.now()
  const a = await f()
  return { ms: performance.now() - t0, value: a }
}

const settings = () => {
  const { get } = readServiceEnv(
    "the test SLURM",
    slurmDir(),
    "start it with: bash test/integration/setup/slurm.sh (as root; npm run bench does)"
  )
  // The cluster is found through SLURM_CONF only (nothing in /etc/slurm names it): sbatch, srun and
  // the backend under test inherit it from this process.
  process.env.SLURM_CONF = get("SLURM_CONF")
  return { partition: get("ROSE_SLURM_PARTITION"), cpus: Number(get("ROSE_SLURM_CPUS")) }
}

/** Floor of job mode: one `sbatch --wait` per task, a process waiting for each. */
const sbatchFloor = (dir: string, partition: string) => (i: number) =>
  run([
    "sbatch",
    "--wait",
    "--parsable",
    "--quiet",
    `--job-name=rose-bench-floor-${i}`,
    `--output=${dir}/floor-${i}.out`,
    `--error=${dir}/floor-${i}.err`,
    `--chdir=${dir}`,
    `--partition=${partition}`,
    "--ntasks=1",
    "--cpus-per-task=1",
    `--wrap=${argv.join(" ")}`
  ])

/** Floor of allocation mode: a bare `srun` step per task in an allocation of `cores` CPUs. */
const srunFloor = async (dir: string, partition: string, cores: number, n: number, concurrency: number) => {
  const alloc = (
    await run([
      "sbatch",
      "--parsable",
      "--job-name=rose-bench-floor-allocation",
      "--output=/dev/null",
      "--chdir=/",
      `--partition=${partition}`,
      `--ntasks=${cores}`,
      "--cpus-per-task=1",
      "--wrap=while :; do sleep 86400; done"
    ])
  ).trim()
  try {
    const setup = await time(async () => {
      while (!(await run(["squeue", "-h", "-j", alloc, "-o", "%T"])).includes("RUNNING")) {
        await new Promise((r) => setTimeout(r, 100))
      }
    })
    const tasks = await time(() =>
      pool(n, concurrency, (i) =>
        run([
          "srun",
          `--jobid=${alloc}`,
          "--exact",
          "--quiet",
          "--nodes=1",
          "--ntasks=1",
          "--cpus-per-task=1",
          `--output=${dir}/floor-step-${i}.out`,
          `--error=${dir}/floor-step-${i}.err`,
          `--chdir=${dir}`,
          ...argv
        ])
      )
    )
    return { setupMs: setup.ms, wallMs: tasks.ms }
  } finally {
    await run(["scancel", alloc])
  }
}

/** The backend: `n` invocations at once; its own gate holds the concurrency. */
const viaBackend = (dir: string, config: SlurmBackend.Config, n: number) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const t0 = performance.now()
        const context = yield* Layer.build(SlurmBackend.layer(config).pipe(Layer.provide(Platform.layer)))
        const backend = Context.get(context, Backend.Backend)
        const setupMs = performance.now() - t0
        const t1 = performance.now()
        yield* Effect.forEach(
          Array.from({ length: n }, (_, i) => i),
          (i) => {
            const cwd = `${dir}/task-${i}`
            return backend.run({
              runId: "bench",
              learner: { name: "bench", index: i },
              iteration: 0,
              task: "echo",
              attempt: 1,
              command: { _tag: "Argv", argv },
              cwd,
              env: {},
              stdoutPath: `${dir}/task-${i}.out`,
              stderrPath: `${dir}/task-${i}.err`,
              resources: { cores: 1 },
              onStart: () => Effect.void
            })
          },
          { concurrency: "unbounded", discard: true }
        )
        return { setupMs, wallMs: performance.now() - t1 }
      })
    )
  )

export const runSlurmBench = async (
  options: {
    readonly tasks?: number
    /** Job mode's task count when it differs: its floor (`sbatch --wait`) runs about 1 task/s. */
    readonly jobTasks?: number
    readonly concurrency?: number
  } = {}
) => {
  const { partition, cpus } = settings()
  const n = options.tasks ?? 200
  const jobN = options.jobTasks ?? n
  const concurrency = options.concurrency ?? cpus
  const dir = fs.mkdtempSync(`${os.tmpdir()}/rose-bench-slurm-`)
  const rows: Array<SlurmRow> = []
  const row = (method: string, mode: SlurmRow["mode"], r: { setupMs: number; wallMs: number }, floorMs: number) => {
    const tasks = mode === "job" ? jobN : n
    rows.push({
      method,
      mode,
      concurrency,
      tasks,
      setupMs: r.setupMs,
      wallMs: r.wallMs,
      tasksPerSecond: tasks / (r.wallMs / 1000),
      ratio: r.wallMs / floorMs
    })
  }

  const jobFloor = await time(() => pool(jobN, concurrency, sbatchFloor(dir, partition)))
  row("sbatch --wait (floor)", "job", { setupMs: 0, wallMs: jobFloor.ms }, jobFloor.ms)
  const jobs = await viaBackend(`${dir}/jobs`, { partition, concurrency, pollMillis: 250 }, jobN)
  row("slurm backend", "job", jobs, jobFloor.ms)

  const stepFloor = await srunFloor(dir, partition, concurrency, n, concurrency)
  row("srun step (floor)", "allocation", stepFloor, stepFloor.wallMs)
  const steps = await viaBackend(
    `${dir}/steps`,
    { partition, mode: "allocation", allocation: { cores: concurrency }, pollMillis: 250 },
    n
  )
  row("slurm backend", "allocation", steps, stepFloor.wallMs)

  fs.rmSync(dir, { recursive: true, force: true })
  return rows
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [tasks, concurrency] = process.argv.slice(2).map(Number)
  const rows = await runSlurmBench({
    ...(tasks !== undefined && Number.isFinite(tasks) ? { tasks } : {}),
    ...(concurrency !== undefined && Number.isFinite(concurrency) ? { concurrency } : {})
  })
  console.log("mode        method                 concurrency  tasks  setup s   wall s  tasks/s  ×floor")
  for (const r of rows) {
    console.log(
      `${r.mode.padEnd(11)} ${r.method.padEnd(22)} ${String(r.concurrency).padStart(11)}  ${String(r.tasks).padStart(5)}  ${(r.setupMs / 1000).toFixed(2).padStart(7)}  ${(r.wallMs / 1000).toFixed(2).padStart(7)}  ${r.tasksPerSecond.toFixed(2).padStart(7)}  ${r.ratio.toFixed(2).padStart(6)}`
    )
  }
  const job = rows.find((r) => r.mode === "job" && r.method === "slurm backend")!
  const alloc = rows.find((r) => r.mode === "allocation" && r.method === "slurm backend")!
  console.log(`allocation mode is ${(job.wallMs / alloc.wallMs).toFixed(1)}× faster than job-per-task here`)
}
