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
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Backend from "../core/Backend.ts"
import * as Host from "../core/Host.ts"
import * as Slots from "../core/Slots.ts"
import * as Spawner from "../core/Spawner.ts"
import * as TaskError from "../core/TaskError.ts"
import { millisFromSeconds, type Named, PositiveInt } from "./internal/configSchema.ts"

/**
 * The configuration: as written in a `.rose` file (`backend local { concurrency: 4, grace: 2 }`,
 * durations in seconds) on its encoded side, a `Config` on its type side.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ConfigSchema = Schema.Struct({
  /** Cores' worth of tasks at once; the number of cores by default. */
  concurrency: Schema.optional(PositiveInt),
  /** Between SIGTERM and SIGKILL when a task is cancelled (5 s by default). */
  graceMillis: Schema.optional(millisFromSeconds(Schema.Number.pipe(Schema.nonNegative()))).pipe(
    Schema.fromKey("grace")
  )
})

/**
 * @since 0.1.0
 * @category models
 */
export type Config = typeof ConfigSchema.Type & Named

/**
 * Stops a process group: SIGTERM, a grace period, then SIGKILL (`Spawner.terminate`).
 *
 * @since 0.1.0
 * @category combinators
 */
export const terminate: (process: Spawner.Process, graceMillis: number) => Effect.Effect<void> = Spawner.terminate

/**
 * Runs a spawned process to its exit, killing its group when interrupted (SIGTERM, a grace
 * period, SIGKILL) and after it exits. A process from `Spawner.spawn` gets the same from its scope
 * when its spec gives `graceMillis`; this serves a spawn that does not.
 *
 * @since 0.1.0
 * @category combinators
 */
export const supervise = <A, E, R>(
  spawn: Effect.Effect<Spawner.Process, E, R>,
  use: (process: Spawner.Process) => Effect.Effect<A, E, R>,
  graceMillis: number
): Effect.Effect<A, E, Exclude<R, Scope.Scope>> =>
  Effect.scoped(
    Effect.acquireRelease(spawn, (process, exit) => Spawner.release(process, graceMillis, exit)).pipe(
      Effect.flatMap(use)
    )
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
    const run = (invocation: Backend.Invocation): Effect.Effect<Backend.Outcome, TaskError.BackendError> => {
      const cores = invocation.resources.cores ?? 1
      if (cores > slots.capacity) {
        return Effect.fail(
          new TaskError.ResourceUnsatisfiable({
            reason: `task "${invocation.task}" asks for ${cores} cores; backend ${name} has ${slots.capacity}`
          })
        )
      }
      return slots.withSlots(cores)(
        Effect.scoped(
          Effect.flatMap(
            spawner.spawn({
              command: invocation.command,
              cwd: invocation.cwd,
              env: invocation.env,
              stdout: { _tag: "File", path: invocation.stdoutPath },
              stderr: { _tag: "File", path: invocation.stderrPath },
              tails: Backend.tailBytes,
              graceMillis: grace
            }),
            (process) =>
              // The pid is journaled at once, before anything else of this fiber: a rose killed from
              // here on leaves a pid its resume can reap. (Journaling it from a forked fiber, to see a
              // short task's exit sooner, widened that window enough for the resume test to catch it.)
              Effect.zipRight(
                invocation.onStart({ pid: process.pid, pgid: process.pid, startStamp: process.startStamp }),
                Effect.flatMap(process.exit, (exit) =>
                  Effect.map(
                    Clock.currentTimeMillis,
                    (endedAt): Backend.Outcome => ({
                      exitCode: exit.exitCode,
                      signal: exit.signal,
                      pid: process.pid,
                      pgid: process.pid,
                      endedAt,
                      stdoutTail: exit.stdoutTail,
                      stderrTail: exit.stderrTail
                    })
                  )
                )
              )
          )
        )
      )
    }
    const reap = (placements: ReadonlyArray<Backend.Placement>, runIds: ReadonlyArray<string>) =>
      reapGroups(spawner, placements, runIds)
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
 * Kills the survivors of a crashed run on this machine: the journaled process groups (placements
 * with a host or a job belong to other backends), each only when the process table proves it is
 * still the task's, since its number may belong to another process by now. A group whose leader is
 * alive is the task's when the leader started when the journal says (or, without a journaled start,
 * carries one of the run's ids in its environment); when the leader is gone, each member that
 * carries the run's id is killed on its own. Waits, bounded, until the killed ones are gone.
 *
 * @since 0.1.0
 * @category resume
 */
export const reapGroups = (
  spawner: Spawner.Service,
  placements: ReadonlyArray<Backend.Placement>,
  runIds: ReadonlyArray<string>
): Effect.Effect<Backend.Reaped> =>
  Effect.gen(function* () {
    const ours = new Set(runIds)
    const groups: Array<number> = []
    const loners: Array<number> = []
    const spared: Array<string> = []
    for (const placement of placements) {
      if (placement.pgid === undefined || placement.host !== undefined || placement.jobId !== undefined) continue
      const members = yield* spawner.groupMembers(placement.pgid)
      if (members.length === 0) continue
      const leader = members.find((member) => member.pid === placement.pgid)
      if (leader !== undefined) {
        const proven =
          placement.startStamp !== undefined
            ? leader.startStamp === placement.startStamp
            : leader.runId !== undefined && ours.has(leader.runId)
        if (proven) {
          yield* spawner.signalGroup(placement.pgid, "SIGKILL")
          groups.push(placement.pgid)
        } else {
          spared.push(
            placement.startStamp === undefined
              ? `process group ${placement.pgid}: nothing journaled proves its leader is the task's process`
              : `process group ${placement.pgid}: its leader started at another time than the task, so the id was reused`
          )
        }
        continue
      }
      for (const member of members) {
        if (member.runId !== undefined && ours.has(member.runId)) {
          yield* spawner.signalProcess(member.pid, "SIGKILL")
          loners.push(member.pid)
        } else spared.push(`process ${member.pid} of group ${placement.pgid}: nothing proves it is the run's`)
      }
    }
    for (let waited = 0; waited < 5000; waited += 20) {
      const alive = yield* Effect.filter(groups, (g) => Effect.map(spawner.groupMembers(g), (ms) => ms.length > 0))
      if (alive.length === 0) break
      yield* Effect.sleep(Duration.millis(20))
    }
    return { killed: groups.length + loners.length, spared }
  })

/**
 * The local backend as the run's default `Backend`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (config: Config = {}): Layer.Layer<Backend.Backend, never, Spawner.Spawner | Host.Host> =>
  Layer.effect(Backend.Backend, make(config))
