/**
 * The local backend: each task an OS process in its own process group on this machine, at most
 * `concurrency` cores' worth at once (a fair queue across all learners). Cancelling a task sends
 * SIGTERM to its group, waits a grace period, then SIGKILL; after every exit the group gets a SIGKILL
 * too, so nothing a task left in the background outlives it.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Backend from "../core/Backend.ts"
import * as Host from "../core/Host.ts"
import * as Slots from "../core/Slots.ts"
import * as TaskError from "../core/TaskError.ts"
import * as Spawner from "./Spawner.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface Config {
  /** Cores' worth of tasks at once; the number of cores by default. */
  readonly concurrency?: number | undefined
  /** Between SIGTERM and SIGKILL when a task is cancelled. */
  readonly graceMillis?: number | undefined
  /** The name tasks use to pick this backend. */
  readonly name?: string | undefined
}

/**
 * Stops a process group: SIGTERM, a grace period for the main process to exit, then SIGKILL.
 * Runs inside finalizers, which are uninterruptible, so the wait is made interruptible explicitly or
 * its timeout could never fire.
 *
 * @since 0.1.0
 * @category combinators
 */
export const terminate = (process: Spawner.Process, graceMillis: number): Effect.Effect<void> =>
  process.signalGroup("SIGTERM").pipe(
    Effect.zipRight(
      Effect.interruptible(process.exit).pipe(Effect.timeout(Duration.millis(graceMillis)), Effect.option)
    ),
    Effect.flatMap((exited) =>
      Option.isSome(exited) ? Effect.void : process.signalGroup("SIGKILL").pipe(Effect.zipRight(process.exit))
    ),
    Effect.zipRight(process.signalGroup("SIGKILL"))
  )

/**
 * Runs a spawned process to its exit, killing its group when interrupted and after it exits.
 *
 * @since 0.1.0
 * @category combinators
 */
export const supervise = <A, E, R>(
  spawn: Effect.Effect<Spawner.Process, E, R>,
  use: (process: Spawner.Process) => Effect.Effect<A, E, R>,
  graceMillis: number
): Effect.Effect<A, E, R> =>
  Effect.acquireUseRelease(spawn, use, (process, exit) =>
    Exit.isInterrupted(exit) ? terminate(process, graceMillis) : process.signalGroup("SIGKILL")
  )

/**
 * Builds the service.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (config: Config = {}) =>
  Effect.gen(function* () {
    const spawner = yield* Spawner.Spawner
    const host = yield* Host.Host
    const concurrency = config.concurrency ?? host.cpuCount
    const grace = config.graceMillis ?? 5000
    const slots = Slots.make(concurrency)
    const name = config.name ?? "local"
    const run = (inv: Backend.Invocation): Effect.Effect<Backend.Outcome, TaskError.BackendError> => {
      const cores = inv.resources.cores ?? 1
      if (cores > slots.capacity) {
        return Effect.fail(
          new TaskError.ResourceUnsatisfiable({
            reason: `task "${inv.task}" asks for ${cores} cores; backend ${name} has ${slots.capacity}`
          })
        )
      }
      return slots.withSlots(cores)(
        supervise(
          spawner.spawn({
            command: inv.command,
            cwd: inv.cwd,
            env: inv.env,
            stdout: { _tag: "File", path: inv.stdoutPath },
            stderr: { _tag: "File", path: inv.stderrPath },
            tails: Backend.tailBytes
          }),
          (process) =>
            // The pid is journaled at once, before anything else of this fiber: a rose killed from
            // here on leaves a pid its resume can reap. (Journaling it from a forked fiber, to see a
            // short task's exit sooner, widened that window enough for the resume test to catch it.)
            Effect.zipRight(
              inv.onStart({ pid: process.pid, pgid: process.pid }),
              Effect.flatMap(process.exit, (e) =>
                Effect.map(
                  Clock.currentTimeMillis,
                  (endedAt): Backend.Outcome => ({
                    exitCode: e.exitCode,
                    signal: e.signal,
                    pid: process.pid,
                    pgid: process.pid,
                    endedAt,
                    stdoutTail: e.stdoutTail,
                    stderrTail: e.stderrTail
                  })
                )
              )
            ),
          grace
        )
      )
    }
    // Survivors of a crashed run: process groups on this machine (placements with a host or a job
    // belong to other backends). Waits, bounded, until they are gone.
    const reap = (placements: ReadonlyArray<Backend.Placement>) =>
      Effect.gen(function* () {
        const groups: Array<number> = []
        for (const p of placements) {
          if (p.pgid === undefined || p.host !== undefined || p.jobId !== undefined) continue
          if (yield* spawner.groupAlive(p.pgid)) {
            yield* spawner.signalGroup(p.pgid, "SIGKILL")
            groups.push(p.pgid)
          }
        }
        for (let waited = 0; waited < 5000; waited += 20) {
          const alive = yield* Effect.filter(groups, (g) => spawner.groupAlive(g))
          if (alive.length === 0) break
          yield* Effect.sleep(Duration.millis(20))
        }
        return groups.length
      })
    const service: Backend.Service = {
      name,
      kind: "local",
      capabilities: { concurrency: slots.capacity, remote: false },
      workspace: (runDir) => runDir,
      run,
      reap
    }
    return service
  })

/**
 * The local backend as the run's default `Backend`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (config: Config = {}): Layer.Layer<Backend.Backend, never, Spawner.Spawner | Host.Host> =>
  Layer.effect(Backend.Backend, make(config))
