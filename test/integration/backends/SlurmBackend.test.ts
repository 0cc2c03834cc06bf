/**
 * The shared conformance suite on the real single-node SLURM (test/integration/setup/slurm.sh), in
 * both modes: one batch job per task, and steps in one allocation. The node is this machine, so the
 * suite's working directories and pid checks work as they are.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import { afterAll } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as SlurmBackend from "../../../backends/SlurmBackend.ts"
import * as Platform from "../../../runtime/Platform.ts"
import { suite } from "../../../testing/BackendSuite.ts"
import { requireSlurm } from "../slurm/slurm.ts"
import { isAlive } from "../support/processes.ts"

const cluster = await requireSlurm()
// a folder of this run only (a fixed one would be shared with another checkout's run)
const root = fs.mkdtempSync(`${os.tmpdir()}/rose-suite-slurm-`)
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))
const alive = (pid: number) => Effect.sync(() => isAlive(pid))
// SLURM SIGKILLs a cancelled job after KillWait; the wrapper's own grace is shorter.
const killSeconds = cluster.killWait + 8

suite(
  "slurm (job per task)",
  SlurmBackend.layer({
    name: "slurm-jobs",
    partition: cluster.partition,
    concurrency: 2,
    pollMillis: 100,
    graceMillis: 1000,
    exitWaitMillis: 1000
  }).pipe(Layer.provide(Platform.layer)),
  // batch jobs start on the scheduler's 1-second tick (the first one after a restart, ~3 s)
  { root, concurrency: 2, killSeconds, startSeconds: 4, alive, provesByJob: true }
)

suite(
  "slurm (steps in one allocation)",
  SlurmBackend.layer({
    name: "slurm-steps",
    partition: cluster.partition,
    mode: "allocation",
    allocation: { cores: cluster.cpus, startTimeoutMillis: 60_000 },
    pollMillis: 100,
    graceMillis: 1000,
    exitWaitMillis: 1000
  }).pipe(Layer.provide(Platform.layer)),
  {
    root,
    concurrency: cluster.cpus,
    killSeconds,
    startSeconds: 1,
    alive,
    provesByJob: true,
    // A second allocation would wait for this one's CPUs: a backend in job mode reaps the steps (it
    // cancels their allocation, as a resumed run's backend cancels the allocation of the run it resumes).
    reaper: SlurmBackend.layer({ name: "slurm-reaper", partition: cluster.partition }).pipe(
      Layer.provide(Platform.layer)
    )
  }
)
