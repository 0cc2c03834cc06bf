/**
 * The dry-run backend: runs no process. Each task "runs" for a short while on Effect's clock, then
 * writes synthetic output to the files a real task would write, so the runner reads it the same way:
 * a line naming the command it would have run, and for a `criterion` task a metric value as the last
 * line (scripted per learner, or a default that falls at a rate of the learner's own). Scripted
 * failures exercise `on_error`. Its capabilities say `synthetic`, so the run marks its results and
 * report as a dry run. `rose run --dry-run` sends every task here; a `.rose` file may also declare
 * `backend dry-run { … }` to script it.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Backend from "../core/Backend.ts"
import * as Host from "../core/Host.ts"
import * as Learner from "../core/Learner.ts"
import * as Plan from "../core/Plan.ts"
import * as Slots from "../core/Slots.ts"
import * as TaskError from "../core/TaskError.ts"

/**
 * A scripted failure: the task `task` of the learner `learner` (`"sweep"` for all of a block,
 * `"sweep[1]"` for one) exits with `exitCode` (1 by default) at `iteration` (every iteration when
 * absent).
 *
 * @since 0.1.0
 * @category models
 */
export interface Failure {
  readonly learner: string
  readonly task: string
  readonly iteration?: number | undefined
  readonly exitCode?: number | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Config {
  /** The name tasks use to pick this backend. */
  readonly name?: string | undefined
  /** How long each task takes, in milliseconds: one number, or per task name with `default`. */
  readonly durationMillis?: number | { readonly [task: string]: number } | undefined
  /**
   * Metric values by learner (`"sweep"` for every learner of the block, `"sweep[1]"` for one): the
   * value at iteration `i` is the `i`-th, the last one repeating after the end.
   */
  readonly metrics?: { readonly [learner: string]: ReadonlyArray<number> } | undefined
  readonly failures?: ReadonlyArray<Failure> | undefined
  /** Tasks at once (the number of cores by default, as the local backend). */
  readonly concurrency?: number | undefined
}

/**
 * @since 0.1.0
 * @category constants
 */
export const defaultDurationMillis = 20

/**
 * What every output of a dry run (the summary, `rose status`, the report) says next to its metrics.
 *
 * @since 0.1.0
 * @category constants
 */
export const mark = "(dry run: synthetic metrics)"

/**
 * The factor by which an unscripted learner's metric falls each iteration: 0.5 for learner 0, and
 * for learner k a value between 0.5 and 0.9 of its own (spread by the golden ratio, so neighbours
 * differ), so the learners of a dry run meet a criterion at different iterations.
 *
 * @since 0.1.0
 * @category getters
 */
export const decayOf = (index: number): number => {
  const spread = (index * 0.6180339887498949) % 1
  return (500 + Math.round(400 * spread)) / 1000
}

/**
 * The metric a learner's criterion reports at an iteration: the scripted list of `name[k]`, else of
 * `name`, else `decayOf(k) ** iteration` (1, then falling at the learner's own rate).
 *
 * @since 0.1.0
 * @category getters
 */
export const metricAt = (config: Config, learner: Learner.LearnerRef, iteration: number): number => {
  const list = config.metrics?.[Learner.label(learner)] ?? config.metrics?.[learner.name]
  if (list === undefined || list.length === 0) return decayOf(learner.index) ** iteration
  return list[Math.min(iteration, list.length - 1)]!
}

/**
 * How long a task takes.
 *
 * @since 0.1.0
 * @category getters
 */
export const durationOf = (config: Config, task: string): number => {
  const d = config.durationMillis
  if (d === undefined) return defaultDurationMillis
  if (typeof d === "number") return d
  return d[task] ?? d.default ?? defaultDurationMillis
}

/**
 * The scripted exit code of a task, if it is scripted to fail.
 *
 * @since 0.1.0
 * @category getters
 */
export const failureOf = (config: Config, invocation: Pick<Backend.Invocation, "learner" | "task" | "iteration">) => {
  const label = Learner.label(invocation.learner)
  const hit = (config.failures ?? []).find(
    (f) =>
      (f.learner === label || f.learner === invocation.learner.name) &&
      f.task === invocation.task &&
      (f.iteration === undefined || f.iteration === invocation.iteration)
  )
  return hit === undefined ? undefined : (hit.exitCode ?? 1)
}

const showCommand = (command: Backend.Command): string =>
  command._tag === "Argv" ? Plan.showArgv(command.argv) : command.script

/**
 * Builds the service.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (config: Config = {}) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const host = yield* Host.Host
    const slots = Slots.make(config.concurrency ?? host.cpuCount)
    const name = config.name ?? "dry-run"
    const write = (path: string, text: string) =>
      fs
        .writeFileString(path, text)
        .pipe(
          Effect.mapError(
            (e) => new TaskError.SpawnFailed({ command: "dry-run", reason: `cannot write ${path}: ${e.message}` })
          )
        )
    const run = (invocation: Backend.Invocation): Effect.Effect<Backend.Outcome, TaskError.BackendError> =>
      slots.withSlots(invocation.resources.cores ?? 1)(
        Effect.gen(function* () {
          yield* invocation.onStart({})
          yield* Effect.sleep(Duration.millis(durationOf(config, invocation.task)))
          const exitCode = failureOf(config, invocation)
          const label = Learner.label(invocation.learner)
          let stdout = `dry-run: ${label} iteration ${invocation.iteration} would run: ${showCommand(invocation.command)}\n`
          // A criterion (once per model in a UQ learner: criterion@<model>) and an uncertainty task report a value.
          const reports =
            invocation.task === "criterion" ||
            invocation.task.startsWith("criterion@") ||
            invocation.task === "uncertainty"
          if (exitCode === undefined && reports) {
            stdout += `${metricAt(config, invocation.learner, invocation.iteration)}\n`
          }
          const stderr =
            exitCode === undefined
              ? ""
              : `dry-run: scripted failure of ${invocation.task} for ${label} at iteration ${invocation.iteration} (exit ${exitCode})\n`
          yield* write(invocation.stdoutPath, stdout)
          yield* write(invocation.stderrPath, stderr)
          return { exitCode: exitCode ?? 0, signal: null }
        })
      )
    const service: Backend.Service = {
      name,
      kind: "dry-run",
      capabilities: { concurrency: slots.capacity, remote: false, synthetic: true },
      workspace: (runDir) => runDir,
      run,
      reap: () => Effect.succeed(Backend.nothingReaped)
    }
    return service
  })

/**
 * The dry-run backend as the run's default `Backend`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (config: Config = {}): Layer.Layer<Backend.Backend, never, FileSystem.FileSystem | Host.Host> =>
  Layer.effect(Backend.Backend, make(config))
