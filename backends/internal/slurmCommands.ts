/**
 * The SLURM commands the backend runs (`scontrol`, `squeue`, `scancel`, and `sbatch`/`srun` through
 * `command`), each bounded by the submit timeout: one that overruns is killed and reported as the
 * scheduler not answering.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Spawner from "../../core/Spawner.ts"
import * as TaskError from "../../core/TaskError.ts"
import * as Parse from "./slurmParse.ts"

/** How a command ended, with its output. */
export interface CommandResult {
  readonly exitCode: number | null
  readonly stdout: string
  readonly stderr: string
}

export interface Deps {
  readonly spawner: Spawner.Service
  /** The backend's name, for its errors. */
  readonly name: string
  /** How long a command may take. */
  readonly timeoutMillis: number
  /** Between two questions to `squeue` while waiting for jobs to go. */
  readonly pollMillis: number
}

export interface Commands {
  /** The backend's `BackendUnavailable`. */
  readonly unavailable: (reason: string, retryable: boolean) => TaskError.BackendUnavailable
  /** Runs a command to its exit. */
  readonly command: (
    argv: ReadonlyArray<string>,
    timeoutMillis?: number
  ) => Effect.Effect<CommandResult, TaskError.BackendUnavailable>
  /** The stdout of a command that succeeded. */
  readonly output: (
    argv: ReadonlyArray<string>,
    timeoutMillis?: number
  ) => Effect.Effect<string, TaskError.BackendUnavailable>
  /** The cluster's `KillWait` in seconds, asking `scontrol show config` (which proves the controller answers). */
  readonly killWaitSeconds: Effect.Effect<number, TaskError.BackendUnavailable>
  /** `squeue` about these jobs: their rows, or undefined if the scheduler did not answer. */
  readonly squeue: (ids: ReadonlyArray<string>) => Effect.Effect<Map<string, Parse.JobRow> | undefined>
  /** `scancel` with these arguments, its failures ignored. */
  readonly scancel: (args: ReadonlyArray<string>) => Effect.Effect<void>
  /** Waits, bounded, until none of these jobs is pending, running or completing. */
  readonly awaitGone: (ids: ReadonlyArray<string>, bound: Duration.Duration) => Effect.Effect<void>
}

export const make = (deps: Deps): Commands => {
  const unavailable = (reason: string, retryable: boolean) =>
    new TaskError.BackendUnavailable({ backend: deps.name, reason, retryable })

  const bounded = <A, E>(argv: ReadonlyArray<string>, run: Effect.Effect<A, E>, timeoutMillis: number) =>
    run.pipe(
      Effect.timeoutFail({
        duration: Duration.millis(timeoutMillis),
        onTimeout: () => unavailable(`${argv[0]} did not answer within ${TaskError.formatMillis(timeoutMillis)}`, true)
      })
    )

  const notRun = (argv: ReadonlyArray<string>) => (e: Spawner.SpawnError) =>
    e._tag === "CommandNotFound"
      ? unavailable(`${argv[0]} is not installed here or not on PATH (is this a SLURM submit host?)`, false)
      : unavailable(`cannot run ${argv[0]}: ${e.reason}`, true)

  const command = (argv: ReadonlyArray<string>, timeoutMillis = deps.timeoutMillis) =>
    bounded(
      argv,
      deps.spawner.capture({ argv, cwd: "/" }).pipe(
        Effect.mapError(notRun(argv)),
        Effect.map((exit): CommandResult => ({ exitCode: exit.exitCode, stdout: exit.stdout, stderr: exit.stderr }))
      ),
      timeoutMillis
    )

  const output = (argv: ReadonlyArray<string>, timeoutMillis = deps.timeoutMillis) =>
    bounded(
      argv,
      deps.spawner
        .string({ argv, cwd: "/" })
        .pipe(
          Effect.mapError((e) =>
            e._tag === "CommandFailed" ? unavailable(`${argv[0]} failed: ${e.message}`, true) : notRun(argv)(e)
          )
        ),
      timeoutMillis
    )

  const killWaitSeconds = Effect.gen(function* () {
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
    return Parse.parseSeconds(Parse.parseConfig(shown.stdout).get("KillWait")) ?? 30
  })

  const squeue = (ids: ReadonlyArray<string>) =>
    Effect.gen(function* () {
      const rows = new Map<string, Parse.JobRow>()
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500)
        const result = yield* Effect.either(
          command([
            "squeue",
            "--noheader",
            "--states=all",
            `--jobs=${chunk.join(",")}`,
            `--format=${Parse.squeueFormat}`
          ])
        )
        if (Either.isLeft(result)) return undefined
        if (result.right.exitCode !== 0) {
          // Every id unknown (long gone): squeue fails instead of printing nothing.
          if (/Invalid job id/i.test(result.right.stderr)) continue
          return undefined
        }
        for (const [id, row] of Parse.parseSqueue(result.right.stdout)) rows.set(id, row)
      }
      return rows
    })

  const scancel = (args: ReadonlyArray<string>) => Effect.ignore(command(["scancel", ...args]))

  const awaitGone = (ids: ReadonlyArray<string>, bound: Duration.Duration) =>
    Effect.gen(function* () {
      let left = [...ids]
      while (left.length > 0) {
        const rows = yield* squeue(left)
        if (rows !== undefined) left = left.filter((id) => rows.has(id) && Parse.isActive(rows.get(id)!.state))
        if (left.length > 0) yield* Effect.sleep(Duration.millis(Math.min(deps.pollMillis, 250)))
      }
    }).pipe(Effect.interruptible, Effect.timeout(bound), Effect.ignore)

  return { unavailable, command, output, killWaitSeconds, squeue, scancel, awaitGone }
}
