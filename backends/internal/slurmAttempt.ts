/**
 * What both SLURM modes do for one task attempt: write its wrapper script, read the files the
 * wrapper writes, turn its exit record into an outcome (or the error it stands for), classify a
 * refused submission, and kill what is left of the task's group when it ran on this machine.
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Backend from "../../core/Backend.ts"
import type * as Spawner from "../../core/Spawner.ts"
import type * as Task from "../../core/Task.ts"
import * as TaskError from "../../core/TaskError.ts"
import type { CommandResult, Commands } from "./slurmCommands.ts"
import type { Config } from "./slurmConfig.ts"
import * as Parse from "./slurmParse.ts"
import * as Script from "./slurmScript.ts"

export interface Deps {
  readonly config: Config
  readonly spawner: Spawner.Service
  readonly fs: FileSystem.FileSystem
  readonly path: Path.Path
  readonly commands: Commands
  /** This machine's node name (without its domain). */
  readonly localNode: string
  /** The layer's random token, which keeps its wrappers' names apart from another layer's. */
  readonly token: string
  /** Between SIGTERM and SIGKILL to a cancelled task's group, in the wrapper. */
  readonly graceSeconds: number
}

export interface Attempt {
  /** Writes the wrapper of one attempt; gives its files and the job or step name. */
  readonly prepare: (
    invocation: Backend.Invocation
  ) => Effect.Effect<{ readonly files: Script.Files; readonly jobName: string }, TaskError.SpawnFailed>
  /** A file's text, or undefined if it does not exist (yet). */
  readonly read: (file: string) => Effect.Effect<string | undefined>
  readonly placementOf: (jobId: string, start: Parse.StartRecord | undefined) => Backend.Placement
  /** The outcome of a wrapper's exit record (or the error it stands for). */
  readonly fromExit: (
    invocation: Backend.Invocation,
    jobId: string,
    start: Parse.StartRecord | undefined,
    record: Parse.ExitRecord,
    endedAt: number,
    state?: string | undefined
  ) => Effect.Effect<Backend.Outcome, TaskError.BackendError>
  /**
   * Whether a task that died of a signal (an exit record of 128 or more) was cancelled with `scancel`
   * rather than killed by a limit or by itself: the job's state, or slurmstepd's line in its stderr.
   */
  readonly cancelled: (
    invocation: Backend.Invocation,
    record: Parse.ExitRecord,
    state: string | undefined
  ) => Effect.Effect<boolean>
  /** What a refused `sbatch` or `srun` means, for a task (or, without one, for `what`). */
  readonly submitError: (
    invocation: Backend.Invocation | undefined,
    what: string,
    result: CommandResult
  ) => TaskError.BackendError
  /** Kills what is left of a task's process group if it ran on this very machine. */
  readonly reapLocal: (start: Parse.StartRecord | undefined) => Effect.Effect<void>
}

/** A task's resources in words, for messages. */
export const describe = (resources: Task.Resources): string =>
  [
    `cores=${resources.cores ?? 1}`,
    ...(resources.gpus === undefined ? [] : [`gpus=${resources.gpus}`]),
    ...(resources.memory === undefined ? [] : [`memory=${resources.memory}`]),
    ...(resources.time === undefined ? [] : [`time=${resources.time}`])
  ].join(", ")

export const make = (deps: Deps): Attempt => {
  const { commands, config, fs, path } = deps
  let counter = 0

  const prepare = (invocation: Backend.Invocation) =>
    Effect.gen(function* () {
      const n = counter++
      const { learner } = invocation
      const jobName = Script.attemptJobName({
        runId: invocation.runId,
        learner: learner.name,
        index: learner.index,
        iteration: invocation.iteration,
        task: invocation.task,
        attempt: invocation.attempt
      })
      const dir =
        config.stateDir === undefined
          ? path.join(path.dirname(invocation.stdoutPath), ".slurm")
          : path.join(config.stateDir, Script.jobName([invocation.runId]))
      const base = Script.jobName([
        learner.name,
        learner.index,
        `i${invocation.iteration}`,
        invocation.task,
        `a${invocation.attempt}`,
        `${deps.token}${n}`
      ])
      const files = Script.files(path.join(dir, base))
      const text = Script.wrapper({
        command: invocation.command,
        cwd: invocation.cwd,
        env: { ...config.env, ...invocation.env },
        setup: config.setup ?? [],
        files,
        graceSeconds: deps.graceSeconds,
        label: `run ${invocation.runId}, ${learner.name}[${learner.index}], iteration ${invocation.iteration}, task ${invocation.task}, attempt ${invocation.attempt}`
      })
      yield* Effect.all(
        [fs.makeDirectory(dir, { recursive: true }), fs.makeDirectory(invocation.cwd, { recursive: true })],
        { discard: true }
      ).pipe(Effect.zipRight(fs.writeFileString(files.script, text)))
      return { files, jobName }
    }).pipe(
      Effect.mapError(
        (e) =>
          new TaskError.SpawnFailed({
            command: Script.argvOf(invocation.command)[0] ?? "",
            reason: `cannot write the job's wrapper script: ${e.message}`
          })
      )
    )

  const read = (file: string) =>
    fs.readFileString(file).pipe(
      Effect.map((text): string | undefined => text),
      Effect.orElseSucceed(() => undefined)
    )

  const placementOf = (jobId: string, start: Parse.StartRecord | undefined): Backend.Placement =>
    start === undefined ? { jobId } : { jobId, host: start.node, pid: start.pid, pgid: start.pid }

  /** The last `bytes` of a file, or "" if it cannot be read. */
  const readTail = (file: string, bytes: number) =>
    Effect.scoped(
      Effect.gen(function* () {
        const handle = yield* fs.open(file, { flag: "r" })
        const size = Number((yield* handle.stat).size)
        const start = Math.max(0, size - bytes)
        if (start > 0) yield* handle.seek(start, "start")
        const buffer = yield* handle.readAlloc(size - start)
        return Option.match(buffer, { onNone: () => "", onSome: (b) => new TextDecoder().decode(b) })
      })
    ).pipe(Effect.orElseSucceed(() => ""))

  const fromExit = (
    invocation: Backend.Invocation,
    jobId: string,
    start: Parse.StartRecord | undefined,
    record: Parse.ExitRecord,
    endedAt: number,
    state?: string | undefined
  ): Effect.Effect<Backend.Outcome, TaskError.BackendError> => {
    const argv0 = Script.argvOf(invocation.command)[0] ?? ""
    const on = start === undefined ? `job ${jobId}` : `node ${start.node}, job ${jobId}`
    switch (record._tag) {
      case "Exited":
        if (record.code < 128) {
          return Effect.succeed({ ...placementOf(jobId, start), exitCode: record.code, signal: null, endedAt })
        }
        // Killed by a signal: when the scheduler sent it (a time limit, preemption, scancel), the
        // task may die before its wrapper hears of it and writes a status; slurmstepd's "*** JOB …
        // CANCELLED" line in the task's stderr, or the job's state, says so.
        return Effect.flatMap(readTail(invocation.stderrPath, 16 * 1024), (tail) => {
          const kill = Parse.schedulerKill(tail)
          const killed = kill?.state ?? (state !== undefined && Parse.isSchedulerKill(state) ? state : undefined)
          return killed === undefined
            ? Effect.succeed({ ...placementOf(jobId, start), exitCode: record.code, signal: null, endedAt })
            : Effect.fail(
                new TaskError.JobLost({
                  jobId,
                  reason: `${Parse.lostReason(killed, "")}${kill === undefined ? "" : ` (${kill.line})`}`
                })
              )
        })
      case "NotFound":
        return Effect.fail(
          new TaskError.CommandNotFound({ command: argv0, reason: `job ${jobId}`, host: record.node ?? start?.node })
        )
      case "Error":
        return Effect.fail(new TaskError.SpawnFailed({ command: argv0, reason: `${record.reason} (${on})` }))
    }
  }

  const cancelled = (invocation: Backend.Invocation, record: Parse.ExitRecord, state: string | undefined) =>
    record._tag !== "Exited" || record.code < 128
      ? Effect.succeed(false)
      : state === "CANCELLED"
        ? Effect.succeed(true)
        : Effect.map(
            readTail(invocation.stderrPath, 16 * 1024),
            (tail) => Parse.schedulerKill(tail)?.state === "CANCELLED"
          )

  const submitError = (
    invocation: Backend.Invocation | undefined,
    what: string,
    result: CommandResult
  ): TaskError.BackendError => {
    const failure = Parse.classifySubmitError(result.stderr.length > 0 ? result.stderr : result.stdout)
    const asks = invocation === undefined ? what : `task "${invocation.task}" (${describe(invocation.resources)})`
    switch (failure._tag) {
      case "Partition":
        return commands.unavailable(
          `partition ${config.partition === undefined ? "(the cluster's default)" : JSON.stringify(config.partition)} does not exist: ${failure.message}`,
          false
        )
      case "Resources":
        return new TaskError.ResourceUnsatisfiable({
          reason: `${asks}${config.partition === undefined ? "" : ` on partition "${config.partition}"`}: ${failure.message}`
        })
      case "Transient":
        return commands.unavailable(`${what} failed: ${failure.message}`, true)
      case "AllocationGone":
        return commands.unavailable(`the allocation has ended: ${failure.message}`, false)
      case "Config":
      case "Other":
        return commands.unavailable(`${what} failed: ${failure.message}`, false)
    }
  }

  const reapLocal = (start: Parse.StartRecord | undefined) =>
    start === undefined || start.node.split(".")[0] !== deps.localNode
      ? Effect.void
      : Effect.flatMap(deps.spawner.groupAlive(start.pid), (alive) =>
          alive ? Effect.asVoid(deps.spawner.signalGroup(start.pid, "SIGKILL")) : Effect.void
        )

  return { prepare, read, placementOf, fromExit, cancelled, submitError, reapLocal }
}
