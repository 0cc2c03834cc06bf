/**
 * A backend plugin: tasks run on this machine like the local backend, but each is pinned to CPUs of
 * its own (`taskset`) and runs at a lower priority (`nice`), so a sweep of parallel learners neither
 * fights over cores nor slows the machine's interactive work.
 *
 * Each task leases as many CPUs from `cpus` as it asks cores for (`resources { cores: 2 }`), is
 * pinned to exactly those, and sees them in `ROSE_CPUS`; tasks wait in a fair queue when all CPUs
 * are leased. With `share: true`, every task is pinned to the whole set instead, and up to
 * `concurrency` tasks run at once.
 *
 *   plugin "./pinned.ts"
 *   backend pinned { cpus: [0, 1], nice: 10 }
 *
 * Its tasks are processes of the runtime's `Spawner`, each in its own process group and scoped: when
 * the task's scope closes, its group is killed (after an interruption, SIGTERM first and SIGKILL
 * after the grace period). Survivors of a crashed run are reaped as the local backend reaps them.
 */
import * as fs from "node:fs"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { LocalBackend, Spawner } from "rose-ts/backends"
import { Backend, Slots, TaskError } from "rose-ts/core"
import { definePlugin } from "rose-ts/plugins"

export const PinnedConfig = Schema.Struct({
  /** The CPUs tasks may use (as `taskset -c` numbers them). */
  cpus: Schema.NonEmptyArray(Schema.Int.pipe(Schema.nonNegative())),
  /** The tasks' niceness: 0 (normal) to 19 (lowest priority); below 0 needs root. 10 by default. */
  nice: Schema.optional(Schema.Int.pipe(Schema.between(-20, 19))),
  /** Pin every task to all of `cpus` instead of leasing CPUs to tasks. */
  share: Schema.optional(Schema.Boolean),
  /** Tasks at once with `share` (the number of CPUs by default). */
  concurrency: Schema.optional(Schema.Int.pipe(Schema.positive())),
  /** Seconds between SIGTERM and SIGKILL when a task is cancelled. */
  grace: Schema.optional(Schema.Number.pipe(Schema.nonNegative()))
})

export type PinnedConfig = typeof PinnedConfig.Type

/** Whether `command` can be run: an executable file, or found on `PATH`. */
const findable = (command: string, path: string | undefined): boolean => {
  const executable = (file: string) => {
    try {
      fs.accessSync(file, fs.constants.X_OK)
      return fs.statSync(file).isFile()
    } catch {
      return false
    }
  }
  if (command.includes("/")) return executable(command)
  return (path ?? "").split(":").some((dir) => dir.length > 0 && executable(`${dir}/${command}`))
}

export const make = (config: PinnedConfig, name = "pinned") =>
  Effect.gen(function* () {
    const spawner = yield* Spawner.Spawner
    const nice = config.nice ?? 10
    const grace = (config.grace ?? 5) * 1000
    const share = config.share === true
    const cpus = [...new Set(config.cpus)]
    const slots = Slots.make(share ? (config.concurrency ?? cpus.length) : cpus.length)
    const free = [...cpus]

    const run = (inv: Backend.Invocation): Effect.Effect<Backend.Outcome, TaskError.BackendError> => {
      const cores = share ? 1 : (inv.resources.cores ?? 1)
      if (cores > slots.capacity) {
        return Effect.fail(
          new TaskError.ResourceUnsatisfiable({
            reason: `task "${inv.task}" asks for ${cores} cores; backend ${name} has ${slots.capacity} CPUs`
          })
        )
      }
      const argv = inv.command._tag === "Argv" ? inv.command.argv : ["/bin/sh", "-c", inv.command.script]
      const command = argv[0] ?? ""
      // taskset and nice exec the command, so the task keeps their pid; but a missing command would
      // only show as their exit status 127: check first, as the local backend's spawn does.
      if (!findable(command, inv.env.PATH ?? process.env.PATH)) {
        return Effect.fail(new TaskError.CommandNotFound({ command, reason: "ENOENT" }))
      }
      // The fair queue guarantees `cores` CPUs are free when the slots are granted.
      const lease = Effect.acquireRelease(
        Effect.sync(() => (share ? cpus : free.splice(0, Math.ceil(cores)))),
        (leased) =>
          Effect.sync(() => {
            if (!share) free.push(...leased)
          })
      )
      // The scope closes in reverse: the task's process group is killed, then its CPUs go back.
      return slots.withSlots(cores)(
        Effect.scoped(
          Effect.gen(function* () {
            const list = (yield* lease).join(",")
            const process = yield* spawner.spawn({
              command: { _tag: "Argv", argv: ["taskset", "-c", list, "nice", "-n", String(nice), ...argv] },
              cwd: inv.cwd,
              env: { ...inv.env, ROSE_CPUS: list },
              stdout: { _tag: "File", path: inv.stdoutPath },
              stderr: { _tag: "File", path: inv.stderrPath },
              graceMillis: grace
            })
            yield* inv.onStart({ pid: process.pid, pgid: process.pid, startStamp: process.startStamp })
            const exit = yield* process.exit
            const endedAt = yield* Clock.currentTimeMillis
            return {
              exitCode: exit.exitCode,
              signal: exit.signal,
              pid: process.pid,
              pgid: process.pid,
              endedAt
            } satisfies Backend.Outcome
          })
        )
      )
    }

    const service: Backend.Service = {
      name,
      kind: "pinned",
      capabilities: { concurrency: slots.capacity, remote: false },
      workspace: (runDir) => runDir,
      run,
      // Survivors of an earlier run are local process groups: the local backend's reaping applies.
      reap: (placements, runIds) => LocalBackend.reapGroups(spawner, placements, runIds)
    }
    return service
  })

export const layer = (config: PinnedConfig, name?: string) => Layer.effect(Backend.Backend, make(config, name))

export default definePlugin({
  name: "pinned",
  backends: {
    pinned: {
      description: "local tasks pinned to CPUs of their own (taskset) at a lower priority (nice)",
      config: PinnedConfig,
      layer: (config: PinnedConfig, ctx) => layer(config, ctx.name)
    }
  }
})
