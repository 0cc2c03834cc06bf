/**
 * The SLURM backend's job mode: each task attempt is one batch job (`sbatch`), watched by the
 * layer's poller; a task interrupted before its job ended has the job cancelled, and the layer's
 * release cancels the jobs no task got to cancel.
 */
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type * as Backend from "../../core/Backend.ts"
import * as Slots from "../../core/Slots.ts"
import * as TaskError from "../../core/TaskError.ts"
import * as Attach from "./slurmAttach.ts"
import { type Attempt, describe } from "./slurmAttempt.ts"
import type { Commands } from "./slurmCommands.ts"
import { type Config, defaults } from "./slurmConfig.ts"
import * as Parse from "./slurmParse.ts"
import * as Poller from "./slurmPoller.ts"
import * as Script from "./slurmScript.ts"

export interface Deps {
  readonly config: Config
  readonly commands: Commands
  readonly attempt: Attempt
  readonly poller: Poller.Poller
  /** The cluster's `KillWait` and the wrapper's grace period, which bound a cancel. */
  readonly killWaitSeconds: number
  readonly graceSeconds: number
}

export interface JobMode {
  readonly run: (invocation: Backend.Invocation) => Effect.Effect<Backend.Outcome, TaskError.BackendError>
  /** Re-attaches to a job an earlier process of the run submitted (see `Backend.Service.attach`). */
  readonly attach: (
    invocation: Backend.Invocation,
    earlier: Backend.Earlier
  ) => Effect.Effect<Option.Option<Backend.Outcome>, TaskError.BackendError>
  /** Jobs submitted at once. */
  readonly concurrency: number
}

/** Job mode; closing the scope cancels the jobs still outstanding. */
export const make = (deps: Deps): Effect.Effect<JobMode, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { attempt, commands, config, poller } = deps
    const directives = Either.getOrElse(Script.directiveArgs(config.directives ?? []), () => [])
    const jobSlots = Slots.make(Math.max(1, config.concurrency ?? defaults.concurrency))
    const cancelBound = Duration.seconds(deps.killWaitSeconds + deps.graceSeconds + 10)

    const submitJob = (invocation: Backend.Invocation, files: Script.Files, jobName: string) =>
      Effect.gen(function* () {
        const result = yield* commands
          .command(
            Script.sbatchArgs({
              placement: {
                name: jobName,
                stdoutPath: invocation.stdoutPath,
                stderrPath: invocation.stderrPath,
                cwd: invocation.cwd
              },
              partition: config.partition,
              account: config.account,
              resources: invocation.resources,
              directives,
              script: files.script
            })
          )
          .pipe(
            // Interrupted while sbatch ran (Ctrl-C): sbatch is killed, but the controller may have
            // taken the job already and its id is lost with sbatch's output. Only this attempt's job
            // carries its name while it is outstanding, so cancel by the name.
            Effect.onInterrupt(() => commands.scancel([`--name=${jobName}`]))
          )
        const jobId = result.exitCode === 0 ? Parse.parseSbatch(result.stdout) : undefined
        if (jobId === undefined) return yield* attempt.submitError(invocation, "sbatch", result)
        return yield* poller.add(jobId, { jobId, startFile: files.start, exitFile: files.exit })
      })

    /** Waits for a watched job's task to start (telling `onStart`) and end. */
    const awaitEnd = (invocation: Backend.Invocation, watch: Poller.Watch) =>
      Effect.gen(function* () {
        const start = Option.getOrUndefined(yield* Deferred.await(watch.started))
        if (start !== undefined) yield* invocation.onStart(attempt.placementOf(watch.jobId!, start))
        return { start, end: yield* Deferred.await(watch.ended) }
      })

    const awaitJob = (invocation: Backend.Invocation, watch: Poller.Watch) =>
      Effect.flatMap(awaitEnd(invocation, watch), ({ end, start }) =>
        outcomeOf(invocation, watch.jobId!, start, end, watch.state)
      )

    const outcomeOf = (
      invocation: Backend.Invocation,
      jobId: string,
      start: Parse.StartRecord | undefined,
      end: Poller.JobEnd,
      state: string | undefined
    ): Effect.Effect<Backend.Outcome, TaskError.BackendError> =>
      Effect.gen(function* () {
        switch (end._tag) {
          case "Exit":
            return yield* attempt.fromExit(invocation, jobId, start, end.record, end.at, state)
          case "Lost":
            return yield* new TaskError.JobLost({ jobId, reason: end.reason })
          case "Hopeless":
            return yield* end.kind === "resources"
              ? new TaskError.ResourceUnsatisfiable({
                  reason: `task "${invocation.task}" (${describe(invocation.resources)}): ${end.reason}`
                })
              : commands.unavailable(end.reason, false)
        }
      })

    /** After a job's task: nothing to do if the job is over; otherwise cancel it and wait, bounded. */
    const finishJob = (watch: Poller.Watch) =>
      Effect.gen(function* () {
        const jobId = watch.jobId!
        const over = watch.isGone || (watch.end !== undefined && watch.end._tag !== "Hopeless")
        if (!over) {
          yield* commands.scancel([jobId])
          yield* Effect.interruptible(Deferred.await(watch.gone)).pipe(Effect.timeout(cancelBound), Effect.ignore)
          const start = yield* Poller.startRecord(watch)
          yield* attempt.reapLocal(start ?? Parse.parseStart((yield* attempt.read(watch.startFile)) ?? ""))
        }
        yield* poller.remove(jobId)
      })

    const run = (invocation: Backend.Invocation): Effect.Effect<Backend.Outcome, TaskError.BackendError> =>
      Effect.flatMap(attempt.prepare(invocation), ({ files, jobName }) =>
        jobSlots.withSlots(1)(
          Effect.acquireUseRelease(
            // Journaled before sbatch: a job whose id dies with this process is still found by name.
            Effect.zipRight(
              invocation.onSubmit?.(Script.ticketText({ job: jobName, base: files.base })) ?? Effect.void,
              submitJob(invocation, files, jobName)
            ),
            (watch) => awaitJob(invocation, watch),
            (watch) => finishJob(watch)
          )
        )
      )

    const attach = Attach.make({
      attempt,
      commands,
      cancelBound,
      outcomeOf,
      follow: (invocation, jobId, files) =>
        jobSlots.withSlots(1)(
          Effect.acquireUseRelease(
            poller.add(jobId, { jobId, startFile: files.start, exitFile: files.exit }),
            (watch) => Effect.map(awaitEnd(invocation, watch), (ended) => ({ ...ended, state: watch.state })),
            (watch) => finishJob(watch)
          )
        )
    })

    // Jobs some task did not get to cancel (the layer closing under running tasks).
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        const ids = poller.jobIds()
        return ids.length === 0
          ? Effect.void
          : commands
              .scancel(ids)
              .pipe(Effect.zipRight(commands.awaitGone(ids, Duration.seconds(deps.killWaitSeconds + 10))))
      })
    )

    return { run, attach, concurrency: jobSlots.capacity }
  })
