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
 * The wrapper and its files live next to the task's output (`<iteration>/.slurm/`), or under
 * `stateDir`; the run directory must be on a file system the nodes share (it is on any real
 * cluster's home or scratch; on a single node it is the same disk).
 *
 * ```ts
 * SlurmBackend.layer({ partition: "debug", mode: "allocation", allocation: { cores: 8, time: "01:00:00" } })
 * ```
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Backend from "../core/Backend.ts"
import * as Host from "../core/Host.ts"
import * as Slots from "../core/Slots.ts"
import * as Spawner from "../core/Spawner.ts"
import type * as Task from "../core/Task.ts"
import * as TaskError from "../core/TaskError.ts"
import { type AllocationConfig, type Config, defaults, describeAllocation, problemsOf } from "./internal/slurmConfig.ts"
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

// ---------------------------------------------------------------------------------------------
// service
// ---------------------------------------------------------------------------------------------

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

interface CommandResult {
  readonly exitCode: number | null
  readonly stdout: string
  readonly stderr: string
}

/** The allocation as the scheduler granted it. */
interface Allocation {
  readonly jobId: string
  readonly cpus: number
  readonly gpus: number
  readonly nodes: string
}

const describe = (r: Task.Resources): string =>
  [
    `cores=${r.cores ?? 1}`,
    ...(r.gpus === undefined ? [] : [`gpus=${r.gpus}`]),
    ...(r.memory === undefined ? [] : [`memory=${r.memory}`]),
    ...(r.time === undefined ? [] : [`time=${r.time}`])
  ].join(", ")

const seconds = (ms: number) => TaskError.formatMillis(ms)

/**
 * Builds the service in a scope (the watcher fiber and, in allocation mode, the allocation live
 * until it closes).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (config: Config = {}) =>
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
    const submitTimeout = config.submitTimeoutMillis ?? defaults.submitTimeoutMillis
    const directives = Either.getOrElse(Script.directiveArgs(config.directives ?? []), () => [])
    const setup = config.setup ?? []
    const localNode = host.hostname.split(".")[0]!
    const token = ((yield* Random.nextIntBetween(0, 0x1000000)) + 0x1000000).toString(16).slice(1)
    let counter = 0

    const unavailable = (reason: string, retryable: boolean) =>
      new TaskError.BackendUnavailable({ backend: name, reason, retryable })

    /** Bounds a SLURM command; one that overruns is killed. */
    const bounded = <A, E>(argv: ReadonlyArray<string>, run: Effect.Effect<A, E>, timeoutMillis: number) =>
      run.pipe(
        Effect.timeoutFail({
          duration: Duration.millis(timeoutMillis),
          onTimeout: () => unavailable(`${argv[0]} did not answer within ${seconds(timeoutMillis)}`, true)
        })
      )

    const notRun = (argv: ReadonlyArray<string>) => (e: Spawner.SpawnError) =>
      e._tag === "CommandNotFound"
        ? unavailable(`${argv[0]} is not installed here or not on PATH (is this a SLURM submit host?)`, false)
        : unavailable(`cannot run ${argv[0]}: ${e.reason}`, true)

    /** Runs a SLURM command to its exit, bounded. */
    const command = (argv: ReadonlyArray<string>, timeoutMillis = submitTimeout) =>
      bounded(
        argv,
        spawner.capture({ argv, cwd: "/" }).pipe(
          Effect.mapError(notRun(argv)),
          Effect.map((e): CommandResult => ({ exitCode: e.exitCode, stdout: e.stdout, stderr: e.stderr }))
        ),
        timeoutMillis
      )

    /** The stdout of a SLURM command that succeeded, bounded. */
    const output = (argv: ReadonlyArray<string>, timeoutMillis = submitTimeout) =>
      bounded(
        argv,
        spawner
          .string({ argv, cwd: "/" })
          .pipe(
            Effect.mapError((e) =>
              e._tag === "CommandFailed" ? unavailable(`${argv[0]} failed: ${e.message}`, true) : notRun(argv)(e)
            )
          ),
        timeoutMillis
      )

    // The cluster's KillWait bounds the wrapper's grace period (SLURM SIGKILLs the wrapper after
    // KillWait, and only the wrapper can kill a double-forked leftover); asking also checks that the
    // controller answers.
    const shown = yield* command(["scontrol", "show", "config"]).pipe(
      Effect.mapError((e) =>
        unavailable(`the SLURM controller does not answer (${e.reason}); is slurmctld running?`, e.retryable)
      )
    )
    if (shown.exitCode !== 0) {
      return yield* unavailable(
        `the SLURM controller does not answer (scontrol show config: ${Parse.errorLines(shown.stderr) || `exit ${shown.exitCode}`}); is slurmctld running?`,
        true
      )
    }
    const killWaitSeconds = Parse.parseSeconds(Parse.parseConfig(shown.stdout).get("KillWait")) ?? 30
    const graceSeconds = Math.max(
      1,
      Math.min(Math.round((config.graceMillis ?? defaults.graceMillis) / 1000), Math.max(1, killWaitSeconds - 1))
    )
    const cancelBound = Duration.seconds(killWaitSeconds + graceSeconds + 10)

    const read = (file: string) =>
      fs.readFileString(file).pipe(
        Effect.map((t): string | undefined => t),
        Effect.orElseSucceed(() => undefined)
      )

    const squeue = (ids: ReadonlyArray<string>) =>
      Effect.gen(function* () {
        const rows = new Map<string, Parse.JobRow>()
        for (let i = 0; i < ids.length; i += 500) {
          const chunk = ids.slice(i, i + 500)
          const r = yield* Effect.either(
            command([
              "squeue",
              "--noheader",
              "--states=all",
              `--jobs=${chunk.join(",")}`,
              `--format=${Parse.squeueFormat}`
            ])
          )
          if (Either.isLeft(r)) return undefined
          if (r.right.exitCode !== 0) {
            // Every id unknown (long gone): squeue fails instead of printing nothing.
            if (/Invalid job id/i.test(r.right.stderr)) continue
            return undefined
          }
          for (const [id, row] of Parse.parseSqueue(r.right.stdout)) rows.set(id, row)
        }
        return rows
      })

    const poller = Poller.make({
      squeue,
      read,
      pollMillis,
      exitWaitMillis: config.exitWaitMillis ?? defaults.exitWaitMillis
    })
    yield* Effect.forkScoped(poller.loop)

    const scancel = (args: ReadonlyArray<string>) => Effect.ignore(command(["scancel", ...args]))

    /** Waits, bounded, until none of these jobs is pending, running or completing. */
    const awaitGone = (ids: ReadonlyArray<string>, bound: Duration.Duration) =>
      Effect.gen(function* () {
        let left = [...ids]
        while (left.length > 0) {
          const rows = yield* squeue(left)
          if (rows !== undefined) left = left.filter((id) => rows.has(id) && Parse.isActive(rows.get(id)!.state))
          if (left.length > 0) yield* Effect.sleep(Duration.millis(Math.min(pollMillis, 250)))
        }
      }).pipe(Effect.interruptible, Effect.timeout(bound), Effect.ignore)

    /** Kills what is left of a task's process group if it ran on this very machine. */
    const reapLocal = (rec: Parse.StartRecord | undefined) =>
      rec === undefined || rec.node.split(".")[0] !== localNode
        ? Effect.void
        : Effect.flatMap(spawner.groupAlive(rec.pid), (alive) =>
            alive ? Effect.asVoid(spawner.signalGroup(rec.pid, "SIGKILL")) : Effect.void
          )

    const submitError = (
      inv: Backend.Invocation | undefined,
      what: string,
      result: CommandResult
    ): TaskError.BackendError => {
      const failure = Parse.classifySubmitError(result.stderr.length > 0 ? result.stderr : result.stdout)
      const asks = inv === undefined ? what : `task "${inv.task}" (${describe(inv.resources)})`
      switch (failure._tag) {
        case "Partition":
          return unavailable(
            `partition ${config.partition === undefined ? "(the cluster's default)" : JSON.stringify(config.partition)} does not exist: ${failure.message}`,
            false
          )
        case "Resources":
          return new TaskError.ResourceUnsatisfiable({
            reason: `${asks}${config.partition === undefined ? "" : ` on partition "${config.partition}"`}: ${failure.message}`
          })
        case "Transient":
          return unavailable(`${what} failed: ${failure.message}`, true)
        case "AllocationGone":
          return unavailable(`the allocation has ended: ${failure.message}`, false)
        case "Config":
        case "Other":
          return unavailable(`${what} failed: ${failure.message}`, false)
      }
    }

    /** Writes the wrapper of one attempt; returns its files and the job or step name. */
    const prepare = (inv: Backend.Invocation) =>
      Effect.gen(function* () {
        const n = counter++
        const jobName = Script.jobName(["rose", inv.runId, inv.learner.name, inv.learner.index, inv.task])
        const dir =
          config.stateDir === undefined
            ? path.join(path.dirname(inv.stdoutPath), ".slurm")
            : path.join(config.stateDir, Script.jobName([inv.runId]))
        const base = Script.jobName([
          inv.learner.name,
          inv.learner.index,
          `i${inv.iteration}`,
          inv.task,
          `a${inv.attempt}`,
          `${token}${n}`
        ])
        const files = Script.files(path.join(dir, base))
        const text = Script.wrapper({
          command: inv.command,
          cwd: inv.cwd,
          env: { ...config.env, ...inv.env },
          setup,
          files,
          graceSeconds,
          label: `run ${inv.runId}, ${inv.learner.name}[${inv.learner.index}], iteration ${inv.iteration}, task ${inv.task}, attempt ${inv.attempt}`
        })
        yield* Effect.all(
          [fs.makeDirectory(dir, { recursive: true }), fs.makeDirectory(inv.cwd, { recursive: true })],
          {
            discard: true
          }
        ).pipe(Effect.zipRight(fs.writeFileString(files.script, text)))
        return { files, jobName }
      }).pipe(
        Effect.mapError(
          (e) =>
            new TaskError.SpawnFailed({
              command: Script.argvOf(inv.command)[0] ?? "",
              reason: `cannot write the job's wrapper script: ${e.message}`
            })
        )
      )

    const placementOf = (jobId: string, rec: Parse.StartRecord | undefined): Backend.Placement =>
      rec === undefined ? { jobId } : { jobId, host: rec.node, pid: rec.pid, pgid: rec.pid }

    /** The outcome of a wrapper's exit record (or the error it stands for). */
    /** The last `bytes` of a file, or "" if it cannot be read. */
    const readTail = (file: string, bytes: number) =>
      Effect.scoped(
        Effect.gen(function* () {
          const handle = yield* fs.open(file, { flag: "r" })
          const size = Number((yield* handle.stat).size)
          const start = Math.max(0, size - bytes)
          if (start > 0) yield* handle.seek(start, "start")
          const buf = yield* handle.readAlloc(size - start)
          return Option.match(buf, { onNone: () => "", onSome: (b) => new TextDecoder().decode(b) })
        })
      ).pipe(Effect.orElseSucceed(() => ""))

    const fromExit = (
      inv: Backend.Invocation,
      jobId: string,
      rec: Parse.StartRecord | undefined,
      record: Parse.ExitRecord,
      endedAt: number,
      state?: string | undefined
    ): Effect.Effect<Backend.Outcome, TaskError.BackendError> => {
      const argv0 = Script.argvOf(inv.command)[0] ?? ""
      const on = rec === undefined ? `job ${jobId}` : `node ${rec.node}, job ${jobId}`
      switch (record._tag) {
        case "Exited":
          if (record.code < 128) {
            return Effect.succeed({ ...placementOf(jobId, rec), exitCode: record.code, signal: null, endedAt })
          }
          // Killed by a signal: when the scheduler sent it (a time limit, preemption, scancel), the
          // task may die before its wrapper hears of it and writes a status; slurmstepd's "*** JOB …
          // CANCELLED" line in the task's stderr, or the job's state, says so.
          return Effect.flatMap(readTail(inv.stderrPath, 16 * 1024), (tail) => {
            const kill = Parse.schedulerKill(tail)
            const killed = kill?.state ?? (state !== undefined && Parse.isSchedulerKill(state) ? state : undefined)
            return killed === undefined
              ? Effect.succeed({ ...placementOf(jobId, rec), exitCode: record.code, signal: null, endedAt })
              : Effect.fail(
                  new TaskError.JobLost({
                    jobId,
                    reason: `${Parse.lostReason(killed, "")}${kill === undefined ? "" : ` (${kill.line})`}`
                  })
                )
          })
        case "NotFound":
          return Effect.fail(
            new TaskError.CommandNotFound({ command: argv0, reason: `job ${jobId}`, host: record.node ?? rec?.node })
          )
        case "Error":
          return Effect.fail(new TaskError.SpawnFailed({ command: argv0, reason: `${record.reason} (${on})` }))
      }
    }

    // --- job mode ------------------------------------------------------------------------------

    const jobSlots = Slots.make(Math.max(1, config.concurrency ?? defaults.concurrency))

    const submitJob = (inv: Backend.Invocation, files: Script.Files, jobName: string) =>
      Effect.gen(function* () {
        const result = yield* command(
          Script.sbatchArgs({
            placement: { name: jobName, stdoutPath: inv.stdoutPath, stderrPath: inv.stderrPath, cwd: inv.cwd },
            partition: config.partition,
            account: config.account,
            resources: inv.resources,
            directives,
            script: files.script
          })
        )
        const jobId = result.exitCode === 0 ? Parse.parseSbatch(result.stdout) : undefined
        if (jobId === undefined) return yield* submitError(inv, "sbatch", result)
        return yield* poller.add(jobId, { jobId, startFile: files.start, exitFile: files.exit })
      })

    const awaitJob = (inv: Backend.Invocation, watch: Poller.Watch) =>
      Effect.gen(function* () {
        const jobId = watch.jobId!
        const rec = Option.getOrUndefined(yield* Deferred.await(watch.started))
        if (rec !== undefined) yield* inv.onStart(placementOf(jobId, rec))
        const end = yield* Deferred.await(watch.ended)
        switch (end._tag) {
          case "Exit":
            return yield* fromExit(inv, jobId, rec, end.record, end.at, watch.state)
          case "Lost":
            return yield* new TaskError.JobLost({ jobId, reason: end.reason })
          case "Hopeless":
            return yield* end.kind === "resources"
              ? new TaskError.ResourceUnsatisfiable({
                  reason: `task "${inv.task}" (${describe(inv.resources)}): ${end.reason}`
                })
              : unavailable(end.reason, false)
        }
      })

    /** After a job's task: nothing to do if the job is over; otherwise cancel it and wait, bounded. */
    const finishJob = (watch: Poller.Watch) =>
      Effect.gen(function* () {
        const jobId = watch.jobId!
        const over = watch.isGone || (watch.end !== undefined && watch.end._tag !== "Hopeless")
        if (!over) {
          yield* scancel([jobId])
          yield* Effect.interruptible(Deferred.await(watch.gone)).pipe(Effect.timeout(cancelBound), Effect.ignore)
          const rec = yield* Poller.startRecord(watch)
          yield* reapLocal(rec ?? Parse.parseStart((yield* read(watch.startFile)) ?? ""))
        }
        yield* poller.remove(jobId)
      })

    const runJob = (inv: Backend.Invocation): Effect.Effect<Backend.Outcome, TaskError.BackendError> =>
      Effect.flatMap(prepare(inv), ({ files, jobName }) =>
        jobSlots.withSlots(1)(
          Effect.acquireUseRelease(
            submitJob(inv, files, jobName),
            (watch) => awaitJob(inv, watch),
            (watch) => finishJob(watch)
          )
        )
      )

    // --- allocation mode -----------------------------------------------------------------------

    const obtainAllocation = (request: AllocationConfig) =>
      Effect.gen(function* () {
        const jobId = yield* Effect.acquireRelease(
          Effect.gen(function* () {
            const result = yield* command(
              Script.allocationArgs({
                name: Script.jobName(["rose", name, "allocation", token]),
                partition: config.partition,
                account: config.account,
                request,
                directives
              })
            )
            const id = result.exitCode === 0 ? Parse.parseSbatch(result.stdout) : undefined
            if (id === undefined) {
              return yield* submitError(undefined, `the allocation (${describeAllocation(request)})`, result)
            }
            return id
          }),
          (id) => scancel([id]).pipe(Effect.zipRight(awaitGone([id], Duration.seconds(killWaitSeconds + 10))))
        )
        const timeout = request.startTimeoutMillis ?? defaults.startTimeoutMillis
        const started = yield* Clock.currentTimeMillis
        let last: Parse.JobRow | undefined
        while (true) {
          const rows = yield* squeue([jobId])
          last = rows?.get(jobId) ?? last
          if (last !== undefined && last.state === "RUNNING") break
          if (last !== undefined && !Parse.isActive(last.state)) {
            return yield* unavailable(
              `the allocation (job ${jobId}) ended before it started: ${Parse.lostReason(last.state, last.reason)}`,
              false
            )
          }
          if (last !== undefined && Parse.isPending(last.state) && Parse.hopelessPending(last.reason) !== undefined) {
            return yield* new TaskError.ResourceUnsatisfiable({
              reason: `the allocation (job ${jobId}: ${describeAllocation(request)}) can never start (pending, reason ${last.reason})`
            })
          }
          if ((yield* Clock.currentTimeMillis) - started >= timeout) {
            return yield* unavailable(
              `the allocation (job ${jobId}: ${describeAllocation(request)}${config.partition === undefined ? "" : ` on partition "${config.partition}"`}) did not start within ${seconds(timeout)}${last === undefined ? "" : ` (${last.state}, reason ${last.reason})`}; it was cancelled. Raise allocation.start_timeout or ask for less`,
              true
            )
          }
          yield* Effect.sleep(Duration.millis(Math.min(pollMillis, 250)))
        }
        const shownJob = yield* command(["scontrol", "show", "job", jobId])
        const fields = Parse.parseScontrol(shownJob.stdout)
        const cpus = Number(fields.get("NumCPUs") ?? Number.NaN)
        const allocation: Allocation = {
          jobId,
          cpus: Number.isFinite(cpus) && cpus > 0 ? cpus : request.cores,
          gpus: Math.max(Parse.tresGpus(fields.get("TRES")), request.gpus ?? 0),
          nodes: fields.get("NodeList") ?? last?.nodes ?? ""
        }
        return allocation
      })

    const allocation = mode === "allocation" ? yield* obtainAllocation(config.allocation!) : undefined
    const stepSlots = Slots.make(Math.min(allocation?.cpus ?? 1, config.concurrency ?? Number.POSITIVE_INFINITY))

    /** A step's id by its (unique) name, when its start record is not there yet. */
    const findStep = (alloc: string, stepName: string) =>
      Effect.map(
        Effect.either(output(["squeue", "--noheader", "--steps", `--jobs=${alloc}`, "--format=%i|%j"])),
        (r) => {
          if (Either.isLeft(r)) return undefined
          for (const line of r.right.split("\n")) {
            const [id, stepName2] = line.trim().split("|")
            if (stepName2 === stepName && id !== undefined) return id.split(".")[1]
          }
          return undefined
        }
      )

    const runStep = (inv: Backend.Invocation): Effect.Effect<Backend.Outcome, TaskError.BackendError> => {
      const alloc = allocation!
      const cores = Math.max(1, Math.ceil(inv.resources.cores ?? 1))
      if (cores > alloc.cpus) {
        return Effect.fail(
          new TaskError.ResourceUnsatisfiable({
            reason: `task "${inv.task}" asks for ${cores} cores; backend ${name}'s allocation (job ${alloc.jobId}) has ${alloc.cpus}`
          })
        )
      }
      if ((inv.resources.gpus ?? 0) > alloc.gpus) {
        return Effect.fail(
          new TaskError.ResourceUnsatisfiable({
            reason: `task "${inv.task}" asks for ${inv.resources.gpus} GPUs; backend ${name}'s allocation (job ${alloc.jobId}) has ${alloc.gpus}`
          })
        )
      }
      return Effect.flatMap(prepare(inv), ({ files, jobName }) => {
        const stepName = `${jobName}-${files.start.slice(-16).replace(/[^A-Za-z0-9]/g, "")}`
        const argv = Script.srunArgs({
          allocation: alloc.jobId,
          placement: { name: stepName, stdoutPath: inv.stdoutPath, stderrPath: inv.stderrPath, cwd: inv.cwd },
          resources: inv.resources,
          script: files.script
        })
        const state: { exited: boolean; rec: Parse.StartRecord | undefined } = { exited: false, rec: undefined }
        const stepJobId = (rec: Parse.StartRecord | undefined) =>
          rec?.stepId === undefined ? alloc.jobId : `${alloc.jobId}.${rec.stepId}`
        const readStart = Effect.map(read(files.start), (t) => (t === undefined ? undefined : Parse.parseStart(t)))
        return stepSlots.withSlots(cores)(
          Effect.scoped(
            Effect.gen(function* () {
              const { proc, watch } = yield* Effect.acquireRelease(
                spawner
                  .spawn({
                    command: { _tag: "Argv", argv },
                    cwd: "/",
                    env: {},
                    stdout: { _tag: "Capture" },
                    stderr: { _tag: "Capture" }
                  })
                  .pipe(
                    Effect.mapError((e) =>
                      e._tag === "CommandNotFound"
                        ? unavailable("srun is not installed here or not on PATH", false)
                        : unavailable(`cannot run srun: ${e.reason}`, true)
                    ),
                    Effect.flatMap((proc) =>
                      Effect.map(
                        poller.add(files.start, { jobId: undefined, startFile: files.start, exitFile: undefined }),
                        (watch) => ({ proc, watch })
                      )
                    )
                  ),
                // Runs before the scope kills srun's own group.
                ({ proc, watch }) =>
                  Effect.gen(function* () {
                    yield* poller.remove(files.start)
                    if (state.exited) return
                    // SIGTERM through SLURM first, so the wrapper kills the task's whole group (an
                    // `srun` that gets SIGTERM itself cancels its step with SIGKILL, which leaves
                    // double-forked processes behind); then SIGKILL; then the launcher.
                    const rec = state.rec ?? (yield* Poller.startRecord(watch)) ?? (yield* readStart)
                    const stepId = rec?.stepId ?? (yield* findStep(alloc.jobId, stepName))
                    const waitExit = (ms: number) =>
                      Effect.interruptible(proc.exit).pipe(Effect.timeout(Duration.millis(ms)), Effect.option)
                    if (stepId !== undefined) {
                      yield* scancel(["--signal=TERM", `${alloc.jobId}.${stepId}`])
                      if (Option.isNone(yield* waitExit(graceSeconds * 1000 + 3000))) {
                        yield* scancel([`${alloc.jobId}.${stepId}`])
                        yield* waitExit(killWaitSeconds * 1000 + 5000)
                      }
                    } else {
                      yield* proc.signalGroup("SIGTERM")
                      yield* waitExit(graceSeconds * 1000 + 3000)
                    }
                    yield* proc.signalGroup("SIGKILL")
                    yield* reapLocal(rec ?? (yield* readStart))
                  })
              )
              const first = yield* Effect.race(
                Effect.map(Deferred.await(watch.started), (o) => Either.left(Option.getOrUndefined(o))),
                Effect.map(proc.exit, Either.right)
              )
              let exit: Spawner.ProcessExit
              if (Either.isLeft(first)) {
                state.rec = first.left
                if (state.rec !== undefined) yield* inv.onStart(placementOf(stepJobId(state.rec), state.rec))
                exit = yield* proc.exit
              } else {
                exit = first.right
                state.rec = yield* readStart
                if (state.rec !== undefined) yield* inv.onStart(placementOf(stepJobId(state.rec), state.rec))
              }
              state.exited = true
              const endedAt = yield* Clock.currentTimeMillis
              const jobId = stepJobId(state.rec)
              const failure = Parse.classifySubmitError(exit.stderr)
              const known = failure._tag !== "Other"
              // The exit status may take a moment to show on a shared file system.
              let record: Parse.ExitRecord | undefined
              const deadline = endedAt + (known ? 0 : (config.exitWaitMillis ?? defaults.exitWaitMillis))
              while (true) {
                const text = yield* read(files.exit)
                record = text === undefined ? undefined : Parse.parseExit(text)
                if (record !== undefined || (yield* Clock.currentTimeMillis) >= deadline) break
                yield* Effect.sleep(Duration.millis(Math.min(pollMillis, 200)))
              }
              if (record !== undefined) return yield* fromExit(inv, jobId, state.rec, record, endedAt)
              if (known) return yield* submitError(inv, "srun", { ...exit })
              return yield* new TaskError.JobLost({
                jobId,
                reason: `the step ended without an exit status (srun ${exit.exitCode === null ? `killed by ${exit.signal}` : `exited ${exit.exitCode}`}${exit.stderr.trim().length > 0 ? `: ${Parse.errorLines(exit.stderr)}` : ""})`
              })
            })
          )
        )
      })
    }

    const release =
      mode === "job"
        ? Effect.addFinalizer(() =>
            Effect.suspend(() => {
              // Jobs some task did not get to cancel (the layer closing under running tasks).
              const ids = poller.jobIds()
              return ids.length === 0
                ? Effect.void
                : scancel(ids).pipe(Effect.zipRight(awaitGone(ids, Duration.seconds(killWaitSeconds + 10))))
            })
          )
        : Effect.void
    yield* release

    // Jobs named after an earlier session (`rose-<runId>-…`): submitted, perhaps still queued, but
    // never journaled as started when that session died.
    const jobsOfRuns = (runIds: ReadonlyArray<string>) =>
      Effect.gen(function* () {
        if (runIds.length === 0) return []
        const r = yield* Effect.either(output(["squeue", "--noheader", "--format=%i %j"]))
        if (Either.isLeft(r)) return []
        const prefixes = runIds.map((id) => `${Script.jobName(["rose", id])}-`)
        return r.right.split("\n").flatMap((line) => {
          const [id, name] = line.trim().split(/\s+/)
          return id !== undefined && name !== undefined && prefixes.some((p) => name.startsWith(p)) ? [id] : []
        })
      })

    const reap = (placements: ReadonlyArray<Backend.Placement>, runIds: ReadonlyArray<string> = []) =>
      Effect.gen(function* () {
        const ids = new Set<string>()
        for (const p of placements) {
          const m = /^(\d+)(?:\.(\d+))?$/.exec(p.jobId ?? "")
          if (m !== null && m[1] !== allocation?.jobId) ids.add(m[1]!)
        }
        for (const id of yield* jobsOfRuns(runIds)) if (id !== allocation?.jobId) ids.add(id)
        // Job ids are never reused by a controller: a journaled id is the run's own.
        if (ids.size === 0) return Backend.nothingReaped
        const rows = yield* squeue([...ids])
        const active = [...ids].filter((id) => {
          const row = rows?.get(id)
          return rows === undefined || (row !== undefined && Parse.isActive(row.state))
        })
        if (active.length === 0) return Backend.nothingReaped
        yield* scancel(active)
        yield* awaitGone(active, Duration.seconds(killWaitSeconds + 10))
        return { killed: active.length, spared: [] } satisfies Backend.Reaped
      })

    const service: Service = {
      name,
      kind: "slurm",
      mode,
      allocation: allocation?.jobId,
      killWaitSeconds,
      capabilities: { concurrency: mode === "job" ? jobSlots.capacity : stepSlots.capacity, remote: true },
      workspace: (runDir) => runDir,
      run: mode === "job" ? runJob : runStep,
      reap
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
    Effect.map(make(config), (service) => Context.make(Backend.Backend, service).pipe(Context.add(SlurmBackend, service)))
  )
