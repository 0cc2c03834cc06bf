/**
 * The SLURM backend: tasks run on a cluster through its scheduler, in one of two modes.
 *
 * - **job** (the default): each task attempt is one batch job (`sbatch`) with the task's resources
 *   (`cores` → `--cpus-per-task`, `gpus` → `--gres=gpu:N`, `memory` → `--mem`, `time` → `--time`),
 *   the partition, account and extra directives. One watcher fiber per layer asks `squeue` about
 *   every outstanding job in one call per poll interval; no process waits per task.
 * - **allocation**: the layer obtains one allocation when it is built (a holder job, with a start
 *   timeout) and runs each task as an `srun --exact` step inside it, gated by a fair queue on the
 *   allocation's cores so a step never waits inside SLURM; the allocation is released when the
 *   layer closes.
 *
 * Either way a task runs under a generated wrapper script (see `internal/slurmScript.ts`): it enters
 * the working directory, exports the environment, starts the task under `setsid` (its own process
 * group), records `<pid> <node> <job> <step>` in a start file when the task starts and its exit code
 * in an exit file (atomically) when it ends, and SIGKILLs the task's group afterwards. There is no
 * `sacct` without `slurmdbd`: exit codes come from that file, job states from `squeue`. A job that
 * ends without an exit status (time limit, preemption, node failure, an outside `scancel`) is
 * `JobLost`, which the runner retries by default. Interrupting a task (a stop, a timeout, Ctrl-C)
 * cancels its job or step (`scancel`, SIGTERM first so the wrapper can kill the task's whole group,
 * then SIGKILL) and waits, bounded, until the scheduler shows it gone.
 *
 * In job mode a job outlives the process that submitted it: each attempt's job has its own name
 * (`rose-<runId>-<learner>-<k>-i<iteration>-<task>-a<attempt>`), handed to `onSubmit` with the
 * wrapper files' path before `sbatch`, and a resumed run's `attach` finds the job by its journaled
 * id or that name and waits for it or reads its exit file (`internal/slurmAttach.ts`). A step of an
 * allocation cannot be waited for by another process: `attach` cancels the earlier allocation and
 * the task runs again.
 *
 * The wrapper and its files live next to the task's output (`<iteration>/.slurm/`), or under
 * `stateDir`; the run directory must be on a file system the nodes share (it is on any real
 * cluster's home or scratch; on a single node it is the same disk).
 *
 * The parts are in `internal/`: the configuration (`slurmConfig.ts`), the scheduler's commands
 * (`slurmCommands.ts`), the poller that watches jobs (`slurmPoller.ts`), what both modes do for one
 * attempt (`slurmAttempt.ts`), job mode (`slurmJobs.ts`), allocation mode (`slurmAllocation.ts`),
 * and the wrapper, command lines and parsing of SLURM's output (`slurmScript.ts`, `slurmParse.ts`).
 *
 * ```ts
 * SlurmBackend.layer({ partition: "debug", mode: "allocation", allocation: { cores: 8, time: "01:00:00" } })
 * ```
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import type * as Scope from "effect/Scope"
import * as Backend from "../core/Backend.ts"
import * as Host from "../core/Host.ts"
import * as Spawner from "../core/Spawner.ts"
import * as TaskError from "../core/TaskError.ts"
import * as Allocation from "./internal/slurmAllocation.ts"
import * as Attempt from "./internal/slurmAttempt.ts"
import * as Commands from "./internal/slurmCommands.ts"
import { type Config, defaults, problemsOf } from "./internal/slurmConfig.ts"
import * as Jobs from "./internal/slurmJobs.ts"
import * as Parse from "./internal/slurmParse.ts"
import * as Poller from "./internal/slurmPoller.ts"
import * as Script from "./internal/slurmScript.ts"

export {
  type AllocationConfig,
  type Config,
  type ConfigInput,
  ConfigSchema,
  defaults,
  fromSchema,
  problemsOf
} from "./internal/slurmConfig.ts"

/**
 * The backend service with what is particular to SLURM.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service extends Backend.Service {
  readonly mode: "job" | "allocation"
  /** The allocation's job id (allocation mode). */
  readonly allocation: string | undefined
  /** The cluster's `KillWait` (seconds between SIGTERM and SIGKILL when it cancels a job). */
  readonly killWaitSeconds: number
}

/**
 * The SLURM backend by its own tag (the layer also provides it as `Backend`).
 *
 * @since 0.1.0
 * @category services
 */
export class SlurmBackend extends Context.Tag("rose/SlurmBackend")<SlurmBackend, Service>() {}

/**
 * Builds the service in a scope (the watcher fiber and, in allocation mode, the allocation live
 * until it closes).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  config: Config = {}
): Effect.Effect<
  Service,
  TaskError.BackendError,
  Spawner.Spawner | Host.Host | FileSystem.FileSystem | Path.Path | Scope.Scope
> =>
  Effect.gen(function* () {
    const spawner = yield* Spawner.Spawner
    const host = yield* Host.Host
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const name = config.name ?? "slurm"
    const mode = config.mode ?? "job"
    const problems = problemsOf(config)
    if (problems.length > 0) {
      return yield* new TaskError.BackendUnavailable({ backend: name, reason: problems.join("; "), retryable: false })
    }
    const pollMillis = config.pollMillis ?? defaults.pollMillis
    const token = ((yield* Random.nextIntBetween(0, 0x1000000)) + 0x1000000).toString(16).slice(1)
    const commands = Commands.make({
      spawner,
      name,
      timeoutMillis: config.submitTimeoutMillis ?? defaults.submitTimeoutMillis,
      pollMillis
    })

    // The cluster's KillWait bounds the wrapper's grace period (SLURM SIGKILLs the wrapper after
    // KillWait, and only the wrapper can kill a double-forked leftover); asking also checks that the
    // controller answers.
    const killWaitSeconds = yield* commands.killWaitSeconds
    const graceSeconds = Math.max(
      1,
      Math.min(Math.round((config.graceMillis ?? defaults.graceMillis) / 1000), Math.max(1, killWaitSeconds - 1))
    )
    const attempt = Attempt.make({
      config,
      spawner,
      fs,
      path,
      commands,
      localNode: host.hostname.split(".")[0]!,
      token,
      graceSeconds
    })

    const poller = Poller.make({
      squeue: commands.squeue,
      read: attempt.read,
      pollMillis,
      exitWaitMillis: config.exitWaitMillis ?? defaults.exitWaitMillis
    })
    yield* Effect.forkScoped(poller.loop)

    const deps = { config, name, spawner, commands, attempt, poller, token, pollMillis, killWaitSeconds, graceSeconds }
    const tasks =
      mode === "job"
        ? { ...(yield* Jobs.make(deps)), jobId: undefined }
        : { ...(yield* Allocation.make(deps, config.allocation!)), attach: undefined }

    /** Active jobs as `squeue` lists them: id and name; undefined if it did not answer. */
    const listJobs = Effect.gen(function* () {
      const listed = yield* Effect.either(commands.output(["squeue", "--noheader", "--format=%i %j"]))
      if (Either.isLeft(listed)) return undefined
      return listed.right.split("\n").flatMap((line) => {
        const [id, jobName] = line.trim().split(/\s+/)
        return id !== undefined && jobName !== undefined ? [{ id, jobName }] : []
      })
    })

    const reap = (
      placements: ReadonlyArray<Backend.Placement>,
      runIds: ReadonlyArray<string> = [],
      options: Backend.ReapOptions = {}
    ) =>
      Effect.gen(function* () {
        const spared = new Set((options.spare ?? []).flatMap((t) => Script.parseTicket(t)?.job ?? []))
        const ids = new Set<string>()
        // Named jobs: a survivor known only by its ticket (its start never reached the journal), and
        // jobs named after an earlier session (`rose-<runId>-…`), submitted but never journaled as
        // started; the jobs being re-attached to are left alone.
        const names = new Set<string>()
        for (const placement of placements) {
          const job = Script.parseTicket(placement.ticket)?.job
          if (job !== undefined && !spared.has(job)) names.add(job)
        }
        const prefixes = runIds.map((id) => `${Script.jobName(["rose", id])}-`)
        if (names.size > 0 || prefixes.length > 0) {
          for (const { id, jobName } of (yield* listJobs) ?? []) {
            if (spared.has(jobName) || id === tasks.jobId) continue
            if (names.has(jobName) || prefixes.some((prefix) => jobName.startsWith(prefix))) ids.add(id)
          }
        }
        for (const placement of placements) {
          if (spared.has(Script.parseTicket(placement.ticket)?.job ?? "")) continue
          const job = /^(\d+)(?:\.(\d+))?$/.exec(placement.jobId ?? "")
          if (job !== null && job[1] !== tasks.jobId) ids.add(job[1]!)
        }
        // Job ids are never reused by a controller: a journaled id is the run's own.
        if (ids.size === 0) return Backend.nothingReaped
        const rows = yield* commands.squeue([...ids])
        const active = [...ids].filter((id) => {
          const row = rows?.get(id)
          return rows === undefined || (row !== undefined && Parse.isActive(row.state))
        })
        if (active.length === 0) return Backend.nothingReaped
        yield* commands.scancel(active)
        yield* commands.awaitGone(active, Duration.seconds(killWaitSeconds + 10))
        return { killed: active.length, spared: [] } satisfies Backend.Reaped
      })

    // Allocation mode: a step cannot be waited for by another process (its srun died with the
    // earlier one), so the earlier allocation is cancelled, as `reap` would, and the task runs again.
    const attachStep = (_invocation: Backend.Invocation, earlier: Backend.Earlier) =>
      Effect.gen(function* () {
        const step = /^(\d+)\.\d+$/.exec(earlier.placement?.jobId ?? "")
        if (step !== null && step[1] !== tasks.jobId) {
          yield* commands.scancel([step[1]!])
          yield* commands.awaitGone([step[1]!], Duration.seconds(killWaitSeconds + 10))
        }
        return Option.none<Backend.Outcome>()
      })

    const service: Service = {
      name,
      kind: "slurm",
      mode,
      allocation: tasks.jobId,
      killWaitSeconds,
      capabilities: { concurrency: tasks.concurrency, remote: true },
      workspace: (runDir) => runDir,
      run: tasks.run,
      reap,
      attach: tasks.attach ?? attachStep
    }
    return service
  })

/**
 * The SLURM backend as the run's default `Backend` (and as `SlurmBackend`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  config: Config = {}
): Layer.Layer<
  Backend.Backend | SlurmBackend,
  TaskError.BackendError,
  Spawner.Spawner | Host.Host | FileSystem.FileSystem | Path.Path
> =>
  Layer.scopedContext(
    Effect.map(make(config), (service) =>
      Context.make(Backend.Backend, service).pipe(Context.add(SlurmBackend, service))
    )
  )
