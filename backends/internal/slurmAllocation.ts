/**
 * The SLURM backend's allocation mode: the layer obtains one allocation (a holder job, given a start
 * timeout) and runs each task as an `srun --exact` step inside it, gated by a fair queue on the
 * allocation's CPUs so that a step never waits inside SLURM. Closing the layer's scope cancels the
 * allocation.
 */
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type * as Backend from "../../core/Backend.ts"
import * as Slots from "../../core/Slots.ts"
import type * as Spawner from "../../core/Spawner.ts"
import * as TaskError from "../../core/TaskError.ts"
import type { Attempt } from "./slurmAttempt.ts"
import type { Commands } from "./slurmCommands.ts"
import { type AllocationConfig, type Config, defaults, describeAllocation } from "./slurmConfig.ts"
import * as Parse from "./slurmParse.ts"
import * as Poller from "./slurmPoller.ts"
import * as Script from "./slurmScript.ts"

export interface Deps {
  readonly config: Config
  /** The backend's name, for its errors and the allocation's job name. */
  readonly name: string
  readonly spawner: Spawner.Service
  readonly commands: Commands
  readonly attempt: Attempt
  readonly poller: Poller.Poller
  /** The layer's random token, in the allocation's job name. */
  readonly token: string
  readonly pollMillis: number
  readonly killWaitSeconds: number
  readonly graceSeconds: number
}

/** The allocation as the scheduler granted it. */
interface Allocation {
  readonly jobId: string
  readonly cpus: number
  readonly gpus: number
  readonly nodes: string
}

export interface AllocationMode {
  readonly run: (invocation: Backend.Invocation) => Effect.Effect<Backend.Outcome, TaskError.BackendError>
  /** Cores' worth of steps at once. */
  readonly concurrency: number
  /** The allocation's job id. */
  readonly jobId: string
}

/** Obtains the allocation, which lasts as long as the scope. */
const obtain = (deps: Deps, request: AllocationConfig) =>
  Effect.gen(function* () {
    const { commands, config } = deps
    const directives = Either.getOrElse(Script.directiveArgs(config.directives ?? []), () => [])
    const jobId = yield* Effect.acquireRelease(
      Effect.gen(function* () {
        const result = yield* commands.command(
          Script.allocationArgs({
            name: Script.jobName(["rose", deps.name, "allocation", deps.token]),
            partition: config.partition,
            account: config.account,
            request,
            directives
          })
        )
        const id = result.exitCode === 0 ? Parse.parseSbatch(result.stdout) : undefined
        if (id === undefined) {
          return yield* deps.attempt.submitError(undefined, `the allocation (${describeAllocation(request)})`, result)
        }
        return id
      }),
      (id) =>
        commands
          .scancel([id])
          .pipe(Effect.zipRight(commands.awaitGone([id], Duration.seconds(deps.killWaitSeconds + 10))))
    )
    const timeout = request.startTimeoutMillis ?? defaults.startTimeoutMillis
    const started = yield* Clock.currentTimeMillis
    let last: Parse.JobRow | undefined
    while (true) {
      const rows = yield* commands.squeue([jobId])
      last = rows?.get(jobId) ?? last
      if (last !== undefined && last.state === "RUNNING") break
      if (last !== undefined && !Parse.isActive(last.state)) {
        return yield* commands.unavailable(
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
        return yield* commands.unavailable(
          `the allocation (job ${jobId}: ${describeAllocation(request)}${config.partition === undefined ? "" : ` on partition "${config.partition}"`}) did not start within ${TaskError.formatMillis(timeout)}${last === undefined ? "" : ` (${last.state}, reason ${last.reason})`}; it was cancelled. Raise allocation.start_timeout or ask for less`,
          true
        )
      }
      yield* Effect.sleep(Duration.millis(Math.min(deps.pollMillis, 250)))
    }
    const shownJob = yield* commands.command(["scontrol", "show", "job", jobId])
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

/** Allocation mode: obtains the allocation, then runs tasks as its steps. */
export const make = (
  deps: Deps,
  request: AllocationConfig
): Effect.Effect<AllocationMode, TaskError.BackendError, Scope.Scope> =>
  Effect.gen(function* () {
    const { attempt, commands, config, poller } = deps
    const allocation = yield* obtain(deps, request)
    const stepSlots = Slots.make(Math.min(allocation.cpus, config.concurrency ?? Number.POSITIVE_INFINITY))

    /** A step's id by its (unique) name, when its start record is not there yet. */
    const findStep = (stepName: string) =>
      Effect.map(
        Effect.either(
          commands.output(["squeue", "--noheader", "--steps", `--jobs=${allocation.jobId}`, "--format=%i|%j"])
        ),
        (result) => {
          if (Either.isLeft(result)) return undefined
          for (const line of result.right.split("\n")) {
            const [id, name] = line.trim().split("|")
            if (name === stepName && id !== undefined) return id.split(".")[1]
          }
          return undefined
        }
      )

    const run = (invocation: Backend.Invocation): Effect.Effect<Backend.Outcome, TaskError.BackendError> => {
      const cores = Math.max(1, Math.ceil(invocation.resources.cores ?? 1))
      if (cores > allocation.cpus) {
        return Effect.fail(
          new TaskError.ResourceUnsatisfiable({
            reason: `task "${invocation.task}" asks for ${cores} cores; backend ${deps.name}'s allocation (job ${allocation.jobId}) has ${allocation.cpus}`
          })
        )
      }
      if ((invocation.resources.gpus ?? 0) > allocation.gpus) {
        return Effect.fail(
          new TaskError.ResourceUnsatisfiable({
            reason: `task "${invocation.task}" asks for ${invocation.resources.gpus} GPUs; backend ${deps.name}'s allocation (job ${allocation.jobId}) has ${allocation.gpus}`
          })
        )
      }
      return Effect.flatMap(attempt.prepare(invocation), ({ files, jobName }) => {
        const stepName = `${jobName}-${files.start.slice(-16).replace(/[^A-Za-z0-9]/g, "")}`
        const argv = Script.srunArgs({
          allocation: allocation.jobId,
          placement: {
            name: stepName,
            stdoutPath: invocation.stdoutPath,
            stderrPath: invocation.stderrPath,
            cwd: invocation.cwd
          },
          resources: invocation.resources,
          script: files.script
        })
        const state: { exited: boolean; start: Parse.StartRecord | undefined } = { exited: false, start: undefined }
        const stepJobId = (start: Parse.StartRecord | undefined) =>
          start?.stepId === undefined ? allocation.jobId : `${allocation.jobId}.${start.stepId}`
        const readStart = Effect.map(attempt.read(files.start), (text) =>
          text === undefined ? undefined : Parse.parseStart(text)
        )
        const reportStart = (start: Parse.StartRecord | undefined) =>
          start === undefined ? Effect.void : invocation.onStart(attempt.placementOf(stepJobId(start), start))

        /**
         * Cancels a step that is still running: SIGTERM through SLURM first, so the wrapper kills
         * the task's whole group (an `srun` that gets SIGTERM itself cancels its step with SIGKILL,
         * which leaves double-forked processes behind); then SIGKILL; then the launcher.
         */
        const cancel = (srun: Spawner.Process, watch: Poller.Watch) =>
          Effect.gen(function* () {
            const start = state.start ?? (yield* Poller.startRecord(watch)) ?? (yield* readStart)
            const stepId = start?.stepId ?? (yield* findStep(stepName))
            const waitExit = (millis: number) =>
              Effect.interruptible(srun.exit).pipe(Effect.timeout(Duration.millis(millis)), Effect.option)
            if (stepId !== undefined) {
              yield* commands.scancel(["--signal=TERM", `${allocation.jobId}.${stepId}`])
              if (Option.isNone(yield* waitExit(deps.graceSeconds * 1000 + 3000))) {
                yield* commands.scancel([`${allocation.jobId}.${stepId}`])
                yield* waitExit(deps.killWaitSeconds * 1000 + 5000)
              }
            } else {
              yield* srun.signalGroup("SIGTERM")
              yield* waitExit(deps.graceSeconds * 1000 + 3000)
            }
            yield* srun.signalGroup("SIGKILL")
            yield* attempt.reapLocal(start ?? (yield* readStart))
          })

        return stepSlots.withSlots(cores)(
          Effect.scoped(
            Effect.gen(function* () {
              const { srun, watch } = yield* Effect.acquireRelease(
                deps.spawner
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
                        ? commands.unavailable("srun is not installed here or not on PATH", false)
                        : commands.unavailable(`cannot run srun: ${e.reason}`, true)
                    ),
                    Effect.flatMap((srun) =>
                      Effect.map(
                        poller.add(files.start, { jobId: undefined, startFile: files.start, exitFile: undefined }),
                        (watch) => ({ srun, watch })
                      )
                    )
                  ),
                // Runs before the scope kills srun's own group.
                ({ srun, watch }) =>
                  Effect.zipRight(
                    poller.remove(files.start),
                    Effect.suspend(() => (state.exited ? Effect.void : cancel(srun, watch)))
                  )
              )
              const first = yield* Effect.race(
                Effect.map(Deferred.await(watch.started), (start) => Either.left(Option.getOrUndefined(start))),
                Effect.map(srun.exit, Either.right)
              )
              let exit: Spawner.ProcessExit
              if (Either.isLeft(first)) {
                state.start = first.left
                yield* reportStart(state.start)
                exit = yield* srun.exit
              } else {
                exit = first.right
                state.start = yield* readStart
                yield* reportStart(state.start)
              }
              state.exited = true
              const endedAt = yield* Clock.currentTimeMillis
              const jobId = stepJobId(state.start)
              const known = Parse.classifySubmitError(exit.stderr)._tag !== "Other"
              // The exit status may take a moment to show on a shared file system.
              let record: Parse.ExitRecord | undefined
              const deadline = endedAt + (known ? 0 : (config.exitWaitMillis ?? defaults.exitWaitMillis))
              while (true) {
                const text = yield* attempt.read(files.exit)
                record = text === undefined ? undefined : Parse.parseExit(text)
                if (record !== undefined || (yield* Clock.currentTimeMillis) >= deadline) break
                yield* Effect.sleep(Duration.millis(Math.min(deps.pollMillis, 200)))
              }
              if (record !== undefined) return yield* attempt.fromExit(invocation, jobId, state.start, record, endedAt)
              if (known) return yield* attempt.submitError(invocation, "srun", { ...exit })
              return yield* new TaskError.JobLost({
                jobId,
                reason: `the step ended without an exit status (srun ${exit.exitCode === null ? `killed by ${exit.signal}` : `exited ${exit.exitCode}`}${exit.stderr.trim().length > 0 ? `: ${Parse.errorLines(exit.stderr)}` : ""})`
              })
            })
          )
        )
      })
    }

    return { run, concurrency: stepSlots.capacity, jobId: allocation.jobId }
  })
