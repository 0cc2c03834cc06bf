/**
 * The SSH backend: tasks run on remote hosts through the system OpenSSH client. Each host gets one
 * ControlMaster connection, opened when the layer is built and closed when it is released; every
 * task is one `ssh` multiplexed over it (no handshake per task). A task's launcher is sent on stdin
 * to `/bin/sh -s`: it makes the learner's remote working directory, exports the environment (set by
 * the launcher, not `SendEnv`), runs the setup lines, and starts the task under `setsid` with a pid
 * file and an exit-status file, so a task is its own process group on its host and its exit status
 * survives an ambiguous `ssh` 255. The task writes its output to files beside them, which the
 * launcher streams back: a task outlives a killed `rose`, and a resumed run re-attaches to it by the
 * ticket given to `onSubmit` (`attach`). Interrupting a task sends SIGTERM to its remote group, waits
 * a grace period, then SIGKILL; after every exit the launcher SIGKILLs the group, so nothing a task
 * left in the background outlives it.
 *
 * Hosts form a pool with per-host slots (kept below sshd's `MaxSessions`); a learner sticks to one
 * host, so the files it writes are where its next task runs.
 *
 * The parts are in `internal/`: the configuration (`sshConfig.ts`), the host pool (`sshHosts.ts`),
 * the control connections (`sshConnection.ts`), one task's session (`sshTask.ts`), re-attaching to
 * an earlier process's task (`sshAttach.ts`, `sshTicket.ts`), file transfers (`sshTransfer.ts`), the
 * hints for failed connections (`sshHints.ts`), and the argv and remote scripts they run
 * (`sshArgs.ts`, `sshScript.ts`, `sshResumeScript.ts`).
 *
 * ```ts
 * SshBackend.layer({ hosts: ["node1", "node2"], user: "me", knownHosts: "~/.ssh/known_hosts" })
 * ```
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import type * as Scope from "effect/Scope"
import * as Backend from "../core/Backend.ts"
import * as FileError from "../core/FileError.ts"
import * as Host from "../core/Host.ts"
import type * as Learner from "../core/Learner.ts"
import * as Spawner from "../core/Spawner.ts"
import * as TaskError from "../core/TaskError.ts"
import * as Attach from "./internal/sshAttach.ts"
import { type Config, problemsOf } from "./internal/sshConfig.ts"
import * as Connection from "./internal/sshConnection.ts"
import * as Hosts from "./internal/sshHosts.ts"
import * as Mirror from "./internal/sshMirror.ts"
import * as ResumeScript from "./internal/sshResumeScript.ts"
import * as Script from "./internal/sshScript.ts"
import * as Task from "./internal/sshTask.ts"
import * as Ticket from "./internal/sshTicket.ts"
import * as Transfer from "./internal/sshTransfer.ts"

export {
  type Config,
  type ConfigInput,
  ConfigSchema,
  decodeConfig,
  fromSchema,
  type HostConfig,
  problemsOf,
  type TaskOptions
} from "./internal/sshConfig.ts"

/**
 * One host as the service shows it.
 *
 * @since 0.1.0
 * @category models
 */
export interface HostStatus {
  readonly label: string
  readonly destination: string
  readonly root: string | undefined
  readonly slots: number
  /** The local process group of its control master (a watchdog shell and `ssh -M`), while it runs. */
  readonly masterPid: number | undefined
  readonly connected: boolean
  /** Slots in use. */
  readonly busy: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service extends Backend.Service {
  /** The hosts of the pool, in configuration order. */
  readonly hosts: () => ReadonlyArray<HostStatus>
  /** The host a learner's tasks run on (a learner sticks to one host). */
  readonly hostOf: (learner: Learner.LearnerRef) => string
  /** The local folder holding the control sockets (removed when the layer is released). */
  readonly controlDir: string
}

/**
 * The SSH backend's own service (the layer provides it and `Backend`).
 *
 * @since 0.1.0
 * @category services
 */
export class SshBackend extends Context.Tag("rose/SshBackend")<SshBackend, Service>() {}

/**
 * Builds the service; the control masters live as long as the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  config: Config
): Effect.Effect<
  Service,
  TaskError.BackendUnavailable,
  Spawner.Spawner | FileSystem.FileSystem | Host.Host | Scope.Scope
> =>
  Effect.gen(function* () {
    const name = config.name ?? "ssh"
    const unavailable = (reason: string, retryable = false) =>
      new TaskError.BackendUnavailable({ backend: name, reason, retryable })
    const problems = problemsOf(config)
    if (problems.length > 0) return yield* unavailable(problems.join("; "))
    const spawner = yield* Spawner.Spawner
    const fs = yield* FileSystem.FileSystem
    const localHost = yield* Host.Host
    const ssh = config.ssh ?? "ssh"
    const shell = `exec ${config.shell ?? "/bin/sh"} -s`
    const connectSeconds = config.connectTimeoutSeconds ?? 10
    // Control sockets live in a short folder: their path must stay under ~100 bytes.
    const controlDir = yield* fs
      .makeTempDirectoryScoped({ directory: "/tmp", prefix: "rose-ssh-" })
      .pipe(
        Effect.mapError((e) =>
          unavailable(`cannot create a folder for control sockets in /tmp: ${FileError.reasonOf(e)}`)
        )
      )
    const nonce = (yield* Effect.forEach([0, 1, 2], () => Random.nextIntBetween(0, 0x10000)))
      .map((n) => n.toString(16).padStart(4, "0"))
      .join("")
    const marker = `@@rose-${nonce}@@`
    const pool = Hosts.make(config, controlDir)
    /** Local run directories by run id, to map remote working directories back for transfers. */
    const runDirs = new Map<string, string>()
    const connections = Connection.make({ spawner, fs, localHost, ssh, shell, connectSeconds, nonce })

    // Connect every host now: an unreachable host or a refused login is a clear error at start.
    const failures = yield* connections.connectAll(pool.hosts)
    if (failures.length > 0) {
      return yield* unavailable(
        `cannot connect to ${failures.length === 1 ? "a host" : `${failures.length} hosts`}: ${failures.map((f) => f.reason).join("; ")}`,
        failures.every((f) => f.retryable)
      )
    }

    const deps: Task.Deps = {
      config,
      name,
      spawner,
      localHost,
      ssh,
      shell,
      graceMillis: config.graceMillis ?? 5000,
      connectSeconds,
      nonce,
      marker,
      pool,
      connections,
      transfer: Transfer.make({ name, sftp: config.sftp ?? "sftp", captured: connections.captured, runDirs })
    }

    const reap = (
      placements: ReadonlyArray<Backend.Placement>,
      runIds: ReadonlyArray<string> = [],
      options: Backend.ReapOptions = {}
    ) =>
      Effect.gen(function* () {
        const spare = options.spare ?? []
        const sparedControls = Ticket.controlsOf(spare)
        const byHost = new Map<Hosts.HostState, Array<number>>()
        const tickets = new Map<Hosts.HostState, Array<string>>()
        for (const placement of placements) {
          if (placement.ticket !== undefined && spare.includes(placement.ticket)) continue
          const ticket = placement.ticket === undefined ? Option.none() : Ticket.decode(placement.ticket)
          const label = Option.isSome(ticket) ? ticket.value.host : placement.host
          const host = label === undefined ? undefined : pool.byLabel.get(label)
          if (host === undefined) continue
          if (Option.isSome(ticket)) tickets.set(host, [...(tickets.get(host) ?? []), ticket.value.control])
          if (placement.pgid !== undefined) byHost.set(host, [...(byHost.get(host) ?? []), placement.pgid])
        }
        // With earlier run ids, every host is asked: a task whose start never reached the journal has no placement.
        const targets = runIds.length > 0 ? pool.hosts : pool.hosts.filter((h) => byHost.has(h) || tickets.has(h))
        let killed = 0
        const spared: Array<string> = []
        for (const host of targets) {
          if (Either.isLeft(yield* Effect.either(connections.ensure(host)))) {
            for (const pgid of byHost.get(host) ?? [])
              spared.push(`process group ${pgid} on ${host.spec.label}: the host did not answer`)
            for (const control of tickets.get(host) ?? [])
              spared.push(`the task of ${control} on ${host.spec.label}: the host did not answer`)
            continue
          }
          const script = ResumeScript.reap(
            marker,
            byHost.get(host) ?? [],
            runIds,
            tickets.get(host) ?? [],
            sparedControls
          )
          const result = yield* Effect.either(connections.remote(host, script, 30_000))
          for (const record of Either.isRight(result) ? Script.recordsIn(result.right.stdout, marker) : []) {
            if (record.startsWith("reaped=")) killed += Number(record.slice(7))
            if (record.startsWith("spared=")) {
              for (const pgid of record
                .slice(7)
                .trim()
                .split(/\s+/)
                .filter((p) => p !== "")) {
                spared.push(
                  `process group ${pgid} on ${host.spec.label}: its launcher's files are gone, so it cannot be told from another process that got the same id`
                )
              }
            }
          }
        }
        return { killed, spared } satisfies Backend.Reaped
      })

    const service: Service = {
      name,
      kind: "ssh",
      capabilities: { concurrency: pool.overall.capacity, remote: true },
      workspace: (runDir, runId, learner) => {
        runDirs.set(runId, runDir)
        const root = pool.hostFor(learner).spec.root
        return root === undefined ? runDir : `${root}/${runId}`
      },
      run: Task.make(deps),
      reap,
      attach: Attach.make(deps),
      mirrorFolder: Mirror.make({ name, hostFor: pool.hostFor, connections }),
      hosts: () =>
        pool.hosts.map((host) => ({
          label: host.spec.label,
          destination: host.spec.connection.destination,
          root: host.spec.root,
          slots: host.slots.capacity,
          masterPid: host.connected ? host.master?.process.pid : undefined,
          connected: host.connected,
          busy: host.slots.inUse()
        })),
      hostOf: (learner) => pool.hostFor(learner).spec.label,
      controlDir
    }
    return service
  })

/**
 * The SSH backend as the run's `Backend` (and as `SshBackend`). Building it connects to every host;
 * releasing it closes the connections.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  config: Config
): Layer.Layer<
  Backend.Backend | SshBackend,
  TaskError.BackendUnavailable,
  Spawner.Spawner | FileSystem.FileSystem | Host.Host
> =>
  Layer.scopedContext(
    Effect.map(make(config), (service) => Context.make(SshBackend, service).pipe(Context.add(Backend.Backend, service)))
  )
