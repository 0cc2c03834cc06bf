/**
 * SSH: the cost of a task over SSH, in one run at one concurrency, for N short tasks (`true`, output
 * to files):
 *
 * - `ssh backend`: the SSH backend (one ControlMaster per host, the launcher on stdin, setsid, pid
 *   and exit files, records on the task's streams);
 * - `ssh over a master (floor)`: a bare `ssh -o ControlPath=<socket> host true` per task on a
 *   master the bench opens itself, output to the same files, no framework: what the backend's
 *   transport costs;
 * - `fresh ssh per task`: a bare `ssh host true` per task with no master (a handshake each);
 * - `local backend`: the local backend, for scale.
 *
 * Needs the test sshd (`bash test/integration/setup/sshd.sh`, or `npm run bench`, which starts it). Run:
 *
 *   node --import tsx bench/ssh.ts [tasks] [concurrency]
 */
import * as cp from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as LocalBackend from "../backends/LocalBackend.ts"
import * as SshBackend from "../backends/SshBackend.ts"
import * as Backend from "../core/Backend.ts"
import * as Platform from "../runtime/Platform.ts"
import { readServiceEnv, sshdDir } from "../test/integration/setup/env.ts"

export interface SshRow {
  readonly method: string
  readonly concurrency: number
  readonly tasks: number
  /** Connecting before the first task (the backend's masters), not in `msPerTask`. */
  readonly setupMs: number
  readonly wallMs: number
  readonly msPerTask: number
  /** Wall time over the bare command over a master, measured in the same run. */
  readonly ratio: number
}

const settings = () => {
  const { get } = readServiceEnv(
    "the test sshd",
    sshdDir(),
    "start it with: bash test/integration/setup/sshd.sh (as root; npm run bench does)"
  )
  return { config: get("ROSE_SSH_CONFIG"), host: get("ROSE_SSH_HOSTS").split(",")[0]! }
}

const spawnToFiles = (argv: ReadonlyArray<string>, out: string) =>
  new Promise<void>((resolve, reject) => {
    const o = fs.openSync(`${out}.out`, "w")
    const e = fs.openSync(`${out}.err`, "w")
    const child = cp.spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", o, e], detached: true })
    fs.closeSync(o)
    fs.closeSync(e)
    child.on("error", reject)
    child.on("exit", (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${argv.join(" ")} exited ${code}: ${fs.readFileSync(`${out}.err`, "utf8")}`))
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

const time = async (f: () => Promise<unknown>) => {
  const t0 = performance.now()
  await f()
  return performance.now() - t0
}

const invocation = (dir: string, i: number): Backend.Invocation => ({
  runId: "bench",
  learner: { name: "bench", index: i },
  iteration: 0,
  task: "t",
  attempt: 1,
  command: { _tag: "Argv", argv: ["true"] },
  cwd: dir,
  env: {},
  stdoutPath: `${dir}/${i}.out`,
  stderrPath: `${dir}/${i}.err`,
  resources: {},
  onStart: () => Effect.void
})

/** Builds a backend layer (timed), then runs the tasks on it (timed). */
const viaBackend = (
  layer: Layer.Layer<Backend.Backend, unknown>,
  dir: string,
  n: number,
  concurrency: number
): Promise<{ readonly setupMs: number; readonly wallMs: number }> =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const t0 = performance.now()
        const backend = Context.get(yield* Layer.build(layer), Backend.Backend)
        const setupMs = performance.now() - t0
        const t1 = performance.now()
        yield* Effect.forEach(
          Array.from({ length: n }, (_, i) => i),
          (i) =>
            Effect.flatMap(backend.run(invocation(dir, i)), (o) =>
              o.exitCode === 0 ? Effect.void : Effect.die(new Error(`task ${i} exited ${o.exitCode}`))
            ),
          { concurrency, discard: true }
        )
        return { setupMs, wallMs: performance.now() - t1 }
      })
    )
  )

export const runSshBench = async (options: { readonly tasks?: number; readonly concurrency?: number } = {}) => {
  const { config, host } = settings()
  const n = options.tasks ?? 40
  const concurrency = Math.min(8, options.concurrency ?? 4)
  const dir = fs.mkdtempSync(`${os.tmpdir()}/rose-bench-ssh-`)
  const base = ["ssh", "-F", config, "-o", "BatchMode=yes", "-T"]
  const results: Array<{ method: string; setupMs: number; wallMs: number }> = []

  // The floor: a master opened here, then bare commands over it.
  const socketDir = fs.mkdtempSync("/tmp/rose-bench-cm-")
  const socket = `${socketDir}/s`
  const master = cp.spawn(
    "ssh",
    [
      "-F",
      config,
      "-M",
      "-N",
      "-o",
      "ControlMaster=yes",
      "-o",
      `ControlPath=${socket}`,
      "-o",
      "ControlPersist=no",
      host
    ],
    { stdio: "ignore", detached: true }
  )
  try {
    const t0 = performance.now()
    while (cp.spawnSync("ssh", ["-F", config, "-o", `ControlPath=${socket}`, "-O", "check", host]).status !== 0) {
      if (performance.now() - t0 > 30_000) throw new Error(`no master on ${host} after 30 s`)
      await new Promise((r) => setTimeout(r, 25))
    }
    const setupMs = performance.now() - t0
    const muxed = [...base, "-o", `ControlPath=${socket}`, "-o", "ControlMaster=no", host, "true"]
    results.push({
      method: "ssh over a master (floor)",
      setupMs,
      wallMs: await time(() => pool(n, concurrency, (i) => spawnToFiles(muxed, `${dir}/mux-${i}`)))
    })
  } finally {
    cp.spawnSync("ssh", ["-F", config, "-o", `ControlPath=${socket}`, "-O", "exit", host], { stdio: "ignore" })
    master.kill("SIGKILL")
    fs.rmSync(socketDir, { recursive: true, force: true })
  }

  fs.mkdirSync(`${dir}/backend`)
  const ssh = await viaBackend(
    SshBackend.layer({ hosts: [host], sshConfig: config, slots: concurrency }).pipe(Layer.provide(Platform.layer)),
    `${dir}/backend`,
    n,
    concurrency
  )
  results.push({ method: "ssh backend", ...ssh })

  const fresh = [...base, "-o", "ControlMaster=no", "-o", "ControlPath=none", host, "true"]
  results.push({
    method: "fresh ssh per task",
    setupMs: 0,
    wallMs: await time(() => pool(n, concurrency, (i) => spawnToFiles(fresh, `${dir}/fresh-${i}`)))
  })

  fs.mkdirSync(`${dir}/local`)
  const local = await viaBackend(
    LocalBackend.layer({ concurrency }).pipe(Layer.provide(Platform.layer)),
    `${dir}/local`,
    n,
    concurrency
  )
  results.push({ method: "local backend", ...local })

  fs.rmSync(dir, { recursive: true, force: true })
  const floor = results[0]!.wallMs
  return results.map(
    (r): SshRow => ({
      method: r.method,
      concurrency,
      tasks: n,
      setupMs: r.setupMs,
      wallMs: r.wallMs,
      msPerTask: r.wallMs / n,
      ratio: r.wallMs / floor
    })
  )
}

export const formatSshBench = (rows: ReadonlyArray<SshRow>): string => {
  const lines = ["method                       concurrency  tasks  setup ms  ms/task  ×floor"]
  for (const r of rows) {
    lines.push(
      `${r.method.padEnd(28)} ${String(r.concurrency).padStart(11)}  ${String(r.tasks).padStart(5)}  ${r.setupMs.toFixed(0).padStart(8)}  ${r.msPerTask.toFixed(1).padStart(7)}  ${r.ratio.toFixed(2).padStart(6)}`
    )
  }
  return lines.join("\n")
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [tasks, concurrency] = process.argv.slice(2).map(Number)
  const rows = await runSshBench({
    ...(tasks !== undefined && Number.isFinite(tasks) ? { tasks } : {}),
    ...(concurrency !== undefined && Number.isFinite(concurrency) ? { concurrency } : {})
  })
  console.log(formatSshBench(rows))
  fs.mkdirSync(`${import.meta.dirname}/out`, { recursive: true })
  fs.writeFileSync(`${import.meta.dirname}/out/ssh.json`, `${JSON.stringify(rows, null, 2)}\n`)
}
