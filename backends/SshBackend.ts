/**
 * The SSH backend: tasks run on remote hosts through the system OpenSSH client. Each host gets one
 * ControlMaster connection, opened when the layer is built and closed when it is released; every
 * task is one `ssh` multiplexed over it (no handshake per task). A task's launcher is sent on stdin
 * to `/bin/sh -s`: it makes the learner's remote working directory, exports the environment (set by
 * the launcher, not `SendEnv`), runs the setup lines, and starts the task under `setsid` with a pid
 * file and an exit-status file, so a task is its own process group on its host and its exit status
 * survives an ambiguous `ssh` 255. Interrupting a task sends SIGTERM to its remote group, waits a
 * grace period, then SIGKILL; after every exit the launcher SIGKILLs the group, so nothing a task left
 * in the background outlives it.
 *
 * Hosts form a pool with per-host slots (kept below sshd's `MaxSessions`); a learner sticks to one
 * host, so the files it writes are where its next task runs.
 *
 * ```ts
 * SshBackend.layer({ hosts: ["node1", "node2"], user: "me", knownHosts: "~/.ssh/known_hosts" })
 * ```
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Scope from "effect/Scope"
import * as Backend from "../core/Backend.ts"
import * as FileError from "../core/FileError.ts"
import * as Host from "../core/Host.ts"
import type * as Learner from "../core/Learner.ts"
import * as RunDir from "../core/RunDir.ts"
import * as Slots from "../core/Slots.ts"
import * as Spawner from "../core/Spawner.ts"
import * as TaskError from "../core/TaskError.ts"
import * as Args from "./internal/sshArgs.ts"
import { type Config, entries, type HostSpec, hostSpecs, problemsOf } from "./internal/sshConfig.ts"
import * as Script from "./internal/sshScript.ts"

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

// ---------------------------------------------------------------------------------------------
// the service
// ---------------------------------------------------------------------------------------------

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

interface HostState {
  readonly spec: HostSpec
  readonly socket: string
  readonly slots: Slots.Slots
  readonly lock: Effect.Semaphore
  master: Master | undefined
  watcher: Fiber.RuntimeFiber<void> | undefined
  connected: boolean
  failures: number
  retryAt: number
  lastError: string
  /** Tasks whose kill could not be delivered (the connection was down): killed on reconnect or release. */
  readonly orphans: Set<number>
}

/** A running control master and the scope that holds it. */
interface Master {
  readonly process: Spawner.Process
  readonly scope: Scope.CloseableScope
}

/** What a launcher reported. */
interface Reports {
  ready: boolean
  pid: number | undefined
  exit: number | undefined
  notFound: boolean
  fail: string | undefined
}

const fnv1a = (s: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}

/** Smooth weighted round robin over the hosts' slots: each host appears in proportion to its slots. */
const weightedCycle = <H extends { readonly spec: HostSpec }>(hosts: ReadonlyArray<H>): ReadonlyArray<H> => {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b))
  const g = hosts.reduce((acc, h) => gcd(acc, h.spec.slots), 0) || 1
  const weights = hosts.map((h) => h.spec.slots / g)
  const total = weights.reduce((a, b) => a + b, 0)
  const current = hosts.map(() => 0)
  const out: Array<H> = []
  for (let k = 0; k < total; k++) {
    let best = 0
    for (let i = 0; i < hosts.length; i++) {
      current[i]! += weights[i]!
      if (current[i]! > current[best]!) best = i
    }
    current[best]! -= total
    out.push(hosts[best]!)
  }
  return out
}

const trimText = (s: string, max = 800): string => {
  const t = s.trim()
  return t.length <= max ? t : `…${t.slice(t.length - max)}`
}

const recordsIn = (text: string, marker: string): ReadonlyArray<string> =>
  text
    .split("\n")
    .filter((l) => l.startsWith(marker))
    .map((l) => l.slice(marker.length).trim())

/** Why a connection could not be made, from ssh's stderr: a hint and whether retrying may help. */
const diagnose = (stderr: string, host: HostSpec): { readonly hint: string; readonly retryable: boolean } => {
  const s = stderr.toLowerCase()
  const c = host.connection
  if (s.includes("host key verification failed") || s.includes("remote host identification has changed")) {
    return {
      hint: `its host key is unknown or changed; check ${c.knownHosts ?? "~/.ssh/known_hosts"} (ssh-keyscan${c.port === undefined ? "" : ` -p ${c.port}`} ${c.destination}), or set strict_host_key_checking: "accept-new"`,
      retryable: false
    }
  }
  if (s.includes("permission denied") || s.includes("too many authentication failures")) {
    return {
      hint: `authentication was refused (user ${c.user ?? "from the ssh configuration"}${c.identity === undefined ? "" : `, key ${c.identity}`}); check the key is in the remote authorized_keys`,
      retryable: false
    }
  }
  if (/\bssh: (?:\S+: )?not found|no such file or directory.*ssh/.test(s)) {
    return {
      hint: "the ssh program was not found: is the OpenSSH client installed (or is `ssh` set right)?",
      retryable: false
    }
  }
  if (s.includes("could not resolve hostname")) return { hint: "the host name does not resolve", retryable: false }
  if (s.includes("connection refused"))
    return { hint: "the connection was refused (is sshd running on that port?)", retryable: true }
  if (s.includes("timed out") || s.includes("no route to host") || s.includes("network is unreachable")) {
    return { hint: "the host is unreachable", retryable: true }
  }
  return { hint: "ssh could not connect", retryable: true }
}

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
    const sftp = config.sftp ?? "sftp"
    const grace = config.graceMillis ?? 5000
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
    let seq = 0

    const hosts: ReadonlyArray<HostState> = hostSpecs(config).map((spec) => ({
      spec,
      socket: `${controlDir}/h${spec.index}`,
      slots: Slots.make(spec.slots),
      lock: Effect.unsafeMakeSemaphore(1),
      master: undefined,
      watcher: undefined,
      connected: false,
      failures: 0,
      retryAt: 0,
      lastError: "",
      orphans: new Set()
    }))
    const byLabel = new Map(hosts.map((h) => [h.spec.label, h]))
    const totalSlots = hosts.reduce((n, h) => n + h.slots.capacity, 0)
    const overall = Slots.make(Math.min(totalSlots, config.concurrency ?? totalSlots))
    const cycle = weightedCycle(hosts)
    const hostFor = (learner: Learner.LearnerRef): HostState =>
      cycle[(fnv1a(learner.name) + learner.index) % cycle.length]!
    /** Local run directories by run id, to map remote working directories back for transfers. */
    const runDirs = new Map<string, string>()

    /** Runs a short ssh/sftp command to its end with captured output, bounded. */
    const bounded = <A, E>(argv: ReadonlyArray<string>, run: Effect.Effect<A, E>, timeoutMillis: number) =>
      run.pipe(
        Effect.timeoutFail({
          duration: Duration.millis(timeoutMillis),
          onTimeout: () =>
            new TaskError.SpawnFailed({ command: argv[0]!, reason: `no answer after ${timeoutMillis / 1000} s` })
        })
      )
    const captured = (argv: ReadonlyArray<string>, stdin: string | undefined, timeoutMillis: number) =>
      bounded(argv, spawner.capture({ argv, cwd: localHost.cwd, stdin }), timeoutMillis)

    const remote = (h: HostState, script: string, timeoutMillis: number) =>
      captured(Args.command(ssh, h.spec.connection, h.socket, shell), script, timeoutMillis)

    // -- control masters ---------------------------------------------------------------------

    const startMaster = (h: HostState): Effect.Effect<void, { readonly reason: string; readonly retryable: boolean }> =>
      Effect.gen(function* () {
        // A master that died (killed, or its connection dropped) may leave its socket behind; a new
        // master would then run without multiplexing.
        yield* fs.remove(h.socket, { force: true }).pipe(Effect.ignore)
        // The master outlives this fiber: its scope is the host's until `stopMaster` closes it, or
        // this start's, closed when the start fails.
        const scope = yield* Scope.make()
        yield* connect(h, scope).pipe(Effect.onError(() => Scope.close(scope, Exit.void)))
      })

    const connect = (h: HostState, scope: Scope.CloseableScope) =>
      Effect.gen(function* () {
        const spawned = yield* Effect.either(
          spawner
            .spawn({
              command: { _tag: "Argv", argv: Args.watchedMaster(ssh, h.spec.connection, h.socket, localHost.pid) },
              cwd: localHost.cwd,
              env: {},
              stdout: { _tag: "Ignore" },
              stderr: { _tag: "Capture" }
            })
            .pipe(Scope.extend(scope))
        )
        if (Either.isLeft(spawned)) {
          return yield* Effect.fail({
            reason: `cannot run ${ssh}: ${spawned.left.message}; is the OpenSSH client installed?`,
            retryable: false
          })
        }
        const master = spawned.right
        const deadline = (yield* Clock.currentTimeMillis) + (connectSeconds + 5) * 1000
        // Ready once `ssh -O check` answers on the socket (it appears after authentication).
        const ready: Effect.Effect<boolean> = Effect.gen(function* () {
          while ((yield* Clock.currentTimeMillis) < deadline) {
            if (yield* fs.exists(h.socket).pipe(Effect.orElseSucceed(() => false))) {
              const controlArgv = Args.control(ssh, h.spec.connection, h.socket, "check")
              const check = yield* Effect.either(
                bounded(controlArgv, spawner.string({ argv: controlArgv, cwd: localHost.cwd }), 10_000)
              )
              if (Either.isRight(check)) return true
            }
            yield* Effect.sleep(Duration.millis(25))
          }
          return false
        })
        // Both sides interruptible: a master may be started from a finalizer (to kill what a lost
        // connection left), where a race's loser would otherwise be waited for, here forever.
        const outcome = yield* Effect.race(
          Effect.interruptible(
            Effect.map(ready, (ok) => (ok ? { _tag: "ready" as const } : { _tag: "timeout" as const }))
          ),
          Effect.interruptible(
            Effect.map(master.exit, (e) => ({ _tag: "exited" as const, stderr: e.stderr, code: e.exitCode }))
          )
        )
        if (outcome._tag !== "ready") {
          yield* Spawner.terminate(master, 500)
          const stderr = outcome._tag === "exited" ? outcome.stderr : ""
          const { hint, retryable } =
            outcome._tag === "exited"
              ? diagnose(stderr, h.spec)
              : { hint: `no connection after ${connectSeconds + 5} s`, retryable: true }
          const said = trimText(stderr)
          return yield* Effect.fail({
            reason: `${h.spec.label}: ${hint}${said.length > 0 ? `; ssh said: ${said}` : ""}`,
            retryable
          })
        }
        h.master = { process: master, scope }
        h.connected = true
        h.failures = 0
        // Watch the master: when it exits (network, sshd restart), the next task reconnects. A daemon,
        // not a fiber of the layer's scope: a master may be started while that scope closes (to kill
        // what a lost connection left), and it ends with its master, which the release always stops.
        h.watcher = yield* Effect.forkDaemon(
          Effect.flatMap(master.exit, (e) =>
            Effect.sync(() => {
              if (h.master?.process !== master) return
              h.connected = false
              h.lastError = trimText(e.stderr) || `the control master exited (${e.exitCode ?? e.signal})`
            })
          )
        )
      })

    /** Stops a master: SIGTERM to its group, `graceMillis` for it to exit, then SIGKILL. */
    const closeMaster = (master: Master, graceMillis: number) =>
      Spawner.terminate(master.process, graceMillis).pipe(Effect.zipRight(Scope.close(master.scope, Exit.void)))

    const stopMaster = (h: HostState) =>
      Effect.gen(function* () {
        const master = h.master
        if (master === undefined) return
        h.connected = false
        yield* Effect.ignore(captured(Args.control(ssh, h.spec.connection, h.socket, "exit"), undefined, 5000))
        yield* closeMaster(master, 2000)
        h.master = undefined
        if (h.watcher !== undefined) yield* Fiber.interrupt(h.watcher)
        h.watcher = undefined
      })

    /** Kills what lost connections left running on a host (best effort). */
    const killOrphans = (h: HostState) =>
      h.orphans.size === 0
        ? Effect.void
        : Effect.gen(function* () {
            const seqs = [...h.orphans]
            const r = yield* Effect.either(remote(h, Script.orphans(nonce, seqs), 15_000))
            if (Either.isRight(r) && r.right.exitCode === 0) for (const s of seqs) h.orphans.delete(s)
          })

    /** The host's master, restarted (with backoff) if it died. */
    const ensureMaster = (h: HostState): Effect.Effect<void, TaskError.ConnectionLost> =>
      h.connected
        ? Effect.void
        : h.lock.withPermits(1)(
            Effect.gen(function* () {
              if (h.connected) return
              const now = yield* Clock.currentTimeMillis
              if (h.retryAt > now) yield* Effect.sleep(Duration.millis(h.retryAt - now))
              if (h.master !== undefined) yield* closeMaster(h.master, 500)
              h.master = undefined
              const started = yield* Effect.either(startMaster(h))
              if (Either.isLeft(started)) {
                h.failures++
                h.retryAt = (yield* Clock.currentTimeMillis) + Math.min(30_000, 500 * 2 ** (h.failures - 1))
                h.lastError = started.left.reason
                return yield* new TaskError.ConnectionLost({
                  host: h.spec.label,
                  reason: `cannot reconnect: ${started.left.reason}`
                })
              }
              yield* killOrphans(h)
            })
          )

    // Connect every host now: an unreachable host or a refused login is a clear error at start.
    const failures: Array<{ readonly reason: string; readonly retryable: boolean }> = []
    yield* Effect.forEach(
      hosts,
      (h) =>
        startMaster(h).pipe(
          Effect.catchAll((e) => Effect.sync(() => failures.push(e))),
          Effect.zipRight(
            Effect.addFinalizer(() =>
              Effect.gen(function* () {
                if (h.connected || h.orphans.size > 0) {
                  if (!h.connected) yield* Effect.ignore(ensureMaster(h))
                  if (h.connected) {
                    yield* Effect.ignore(remote(h, Script.cleanup(nonce, [...h.orphans]), 10_000))
                  }
                }
                yield* stopMaster(h)
              })
            )
          )
        ),
      { concurrency: "unbounded", discard: true }
    )
    if (failures.length > 0) {
      return yield* unavailable(
        `cannot connect to ${failures.length === 1 ? "a host" : `${failures.length} hosts`}: ${failures.map((f) => f.reason).join("; ")}`,
        failures.every((f) => f.retryable)
      )
    }

    // -- tasks ---------------------------------------------------------------------------------

    const localLearnerDir = (inv: Backend.Invocation): string => {
      const local = runDirs.get(inv.runId)
      if (local !== undefined) return RunDir.learnerDir(local, inv.learner)
      // iter-<i>/<task>.out under the learner's folder
      return inv.stdoutPath.split("/").slice(0, -2).join("/")
    }

    const transferFailed = (h: HostState, what: string, exit: Spawner.ProcessExit) =>
      exit.exitCode === 255
        ? new TaskError.ConnectionLost({ host: h.spec.label, reason: `${what}: ${trimText(exit.stderr)}` })
        : new TaskError.BackendUnavailable({
            backend: name,
            reason: `${h.spec.label}: ${what} failed: ${trimText(exit.stderr || exit.stdout)}`,
            retryable: false
          })

    const sftpBatch = (h: HostState, batch: ReadonlyArray<string>, what: string) =>
      captured(Args.sftp(sftp, h.spec.connection, h.socket), `${batch.join("\n")}\n`, 600_000).pipe(
        Effect.mapError((e) => new TaskError.ConnectionLost({ host: h.spec.label, reason: `${what}: ${e.message}` })),
        Effect.flatMap((exit) => (exit.exitCode === 0 ? Effect.void : Effect.fail(transferFailed(h, what, exit))))
      )

    const upload = (h: HostState, inv: Backend.Invocation, files: ReadonlyArray<string>) => {
      const localDir = localLearnerDir(inv)
      const mkdirs: Array<string> = []
      const parts = inv.cwd.split("/").filter((p) => p.length > 0)
      for (let i = 1; i <= parts.length; i++)
        mkdirs.push(`-mkdir ${Script.sftpQuote(`/${parts.slice(0, i).join("/")}`)}`)
      const puts = files.map(
        (f) => `put -r ${Script.sftpQuote(f.startsWith("/") ? f : `${localDir}/${f}`)} ${Script.sftpQuote(inv.cwd)}`
      )
      return sftpBatch(h, [...mkdirs, ...puts], `upload of ${files.join(", ")}`)
    }

    const download = (h: HostState, inv: Backend.Invocation, files: ReadonlyArray<string>) => {
      const localDir = localLearnerDir(inv)
      const gets = files.map(
        (f) => `get -r ${Script.sftpQuote(f.startsWith("/") ? f : `${inv.cwd}/${f}`)} ${Script.sftpQuote(localDir)}`
      )
      return sftpBatch(h, gets, `download of ${files.join(", ")}`)
    }

    /** Cancels a remote task; a kill that cannot be delivered now is retried on reconnect or release. */
    const cancelRemote = (h: HostState, n: number) =>
      Effect.gen(function* () {
        const r = yield* Effect.either(remote(h, Script.kill(nonce, n, grace), grace + connectSeconds * 1000 + 5000))
        if (Either.isLeft(r) || r.right.exitCode !== 0) h.orphans.add(n)
      })

    /**
     * Cancels a running task with a `cancel` line on its session's stdin, read by the watcher its
     * launcher starts: no new remote shell, whose login may take seconds. The line is sent once the
     * launcher said `ready`, when its shell has read the whole script and reads no more. A launcher
     * that never gets ready, or a line that gets no answer in time (a stuck connection), gets a kill
     * script in a session of its own.
     */
    const cancel = (h: HostState, n: number, client: Spawner.Process, ready: Deferred.Deferred<void>) =>
      Effect.gen(function* () {
        const within = <A>(effect: Effect.Effect<A>, millis: number) =>
          Effect.interruptible(effect).pipe(Effect.timeout(Duration.millis(millis)), Effect.option)
        const login = yield* within(
          Effect.raceFirst(Deferred.await(ready), Effect.asVoid(client.exit)),
          connectSeconds * 1000 + 10_000
        )
        const sent = Option.isSome(login) && (yield* client.send("cancel\n"))
        const ended = sent ? yield* within(client.exit, grace + connectSeconds * 1000 + 2000) : Option.none()
        if (Option.isNone(ended)) {
          yield* cancelRemote(h, n)
          yield* within(client.exit, 5000)
        }
        yield* client.signalGroup("SIGKILL")
      })

    const run = (inv: Backend.Invocation): Effect.Effect<Backend.Outcome, TaskError.BackendError> => {
      const h = hostFor(inv.learner)
      const cores = inv.resources.cores ?? 1
      if (cores > h.slots.capacity) {
        return Effect.fail(
          new TaskError.ResourceUnsatisfiable({
            reason: `task "${inv.task}" asks for ${cores} cores; host ${h.spec.label} of backend ${name} has ${h.slots.capacity} slots`
          })
        )
      }
      const argv = inv.command._tag === "Argv" ? inv.command.argv : ["/bin/sh", "-c", inv.command.script]
      const command = argv[0] ?? ""
      if (command.length === 0) {
        return Effect.fail(new TaskError.CommandNotFound({ command: "", reason: "the command line is empty" }))
      }
      for (const key of Object.keys(inv.env)) {
        if (!Script.isEnvName(key)) {
          return Effect.fail(
            unavailable(`task "${inv.task}": ${JSON.stringify(key)} is not a valid environment variable name`)
          )
        }
      }
      const taskOptions = config.tasks?.[inv.task]
      const transfers = h.spec.root !== undefined
      const uploads = transfers ? [...(config.upload ?? []), ...(taskOptions?.upload ?? [])] : []
      const downloads = transfers ? [...(config.download ?? []), ...(taskOptions?.download ?? [])] : []
      const placement = { host: h.spec.label }

      // The host's slots first, then the overall cap: a task never holds a global slot while its host is busy.
      return Effect.gen(function* () {
        yield* ensureMaster(h)
        if (uploads.length > 0) yield* upload(h, inv, uploads)
        const n = ++seq
        const reports: Reports = { ready: false, pid: undefined, exit: undefined, notFound: false, fail: undefined }
        const pidKnown = Deferred.unsafeMake<number>(FiberId.none)
        const ready = Deferred.unsafeMake<void>(FiberId.none)
        const onRecord = (text: string) => {
          if (text === "ready") {
            reports.ready = true
            Deferred.unsafeDone(ready, Effect.void)
          } else if (text.startsWith("pid=")) {
            reports.pid = Number(text.slice(4))
            Deferred.unsafeDone(pidKnown, Effect.succeed(reports.pid))
          } else if (text.startsWith("exit=")) reports.exit = Number(text.slice(5))
          else if (text === "notfound") reports.notFound = true
          else if (text.startsWith("fail=")) reports.fail = text.slice(5)
        }
        const script = Script.launcher({
          marker,
          nonce,
          seq: n,
          runId: inv.runId,
          cwd: inv.cwd,
          env: [...h.spec.env, ...entries(taskOptions?.env), ...entries(inv.env)],
          setup: [...h.spec.setup, ...(taskOptions?.setup ?? [])],
          argv,
          graceMillis: grace
        })
        let started = false
        const reportStart = Effect.suspend(() => {
          if (started || reports.pid === undefined) return Effect.void
          started = true
          return inv.onStart({ ...placement, pid: reports.pid, pgid: reports.pid })
        })

        const outcome = (exit: Spawner.ProcessExit) =>
          Effect.gen(function* () {
            const endedAt = yield* Clock.currentTimeMillis
            const where = { ...placement, pid: reports.pid, pgid: reports.pid, endedAt }
            if (reports.exit !== undefined) return { ...where, exitCode: reports.exit, signal: null }
            if (reports.notFound) {
              return yield* new TaskError.CommandNotFound({
                command,
                host: h.spec.label,
                reason: command.includes("/")
                  ? "no executable file at that path"
                  : "not on the remote PATH (after the setup lines)"
              })
            }
            if (reports.fail !== undefined) {
              return yield* new TaskError.SpawnFailed({
                command,
                host: h.spec.label,
                reason:
                  reports.fail === "cwd"
                    ? `cannot create or enter the working directory ${inv.cwd}`
                    : "cannot create the launcher's control folder under $TMPDIR or /tmp"
              })
            }
            if (!reports.ready) {
              if (exit.exitCode === 255 || exit.exitCode === null) {
                return yield* new TaskError.ConnectionLost({
                  host: h.spec.label,
                  reason: `ssh failed before the task started: ${h.connected ? trimText(exit.stderr) || "no message" : `the control connection is gone (${h.lastError})`}`
                })
              }
              return yield* new TaskError.SpawnFailed({
                command: config.shell ?? "/bin/sh",
                host: h.spec.label,
                reason: `the remote shell did not run the launcher (exit ${exit.exitCode}): ${trimText(exit.stderr)}`
              })
            }
            if (reports.pid === undefined && exit.exitCode !== null && exit.exitCode !== 255) {
              // A setup line failed; the launcher said which on the task's stderr.
              return { ...where, exitCode: exit.exitCode, signal: null }
            }
            // ssh's own 255 (or a killed client): ask the host what became of the task.
            const status = yield* Effect.either(
              remote(h, Script.status(marker, nonce, n), connectSeconds * 1000 + 10_000)
            )
            const record = Either.isRight(status) ? recordsIn(status.right.stdout, marker)[0] : undefined
            if (record?.startsWith("exit=")) return { ...where, exitCode: Number(record.slice(5)), signal: null }
            if (record?.startsWith("running=")) yield* cancelRemote(h, n)
            else if (record === undefined) h.orphans.add(n)
            return yield* new TaskError.ConnectionLost({
              host: h.spec.label,
              reason: `the connection broke while the task ran${record?.startsWith("running=") ? " (the task was killed)" : record === undefined ? " (its process group will be killed on reconnect)" : ""}: ${h.connected ? trimText(exit.stderr) || `ssh exited with ${exit.exitCode ?? exit.signal}` : `the control connection is gone (${h.lastError})`}`
            })
          })

        const result = yield* Effect.scoped(
          Effect.gen(function* () {
            const client = yield* Effect.acquireRelease(
              spawner.spawn({
                command: { _tag: "Argv", argv: Args.command(ssh, h.spec.connection, h.socket, shell) },
                cwd: localHost.cwd,
                env: {},
                stdin: script,
                keepStdinOpen: true,
                stdout: { _tag: "File", path: inv.stdoutPath, records: { marker, onRecord } },
                stderr: { _tag: "File", path: inv.stderrPath, records: { marker, onRecord } }
              }),
              // Runs before the scope kills the client's group.
              (client, exit) => (Exit.isInterrupted(exit) ? cancel(h, n, client, ready) : Effect.void)
            )
            yield* Effect.race(
              Effect.interruptible(Deferred.await(pidKnown)),
              Effect.interruptible(Effect.map(client.exit, () => 0))
            )
            yield* reportStart
            const exit = yield* client.exit
            yield* reportStart
            return yield* outcome(exit)
          })
        )
        if (downloads.length > 0) {
          const fetched = yield* Effect.either(download(h, inv, downloads))
          if (Either.isLeft(fetched) && result.exitCode === 0) return yield* fetched.left
        }
        return result satisfies Backend.Outcome
      }).pipe(overall.withSlots(cores), h.slots.withSlots(cores))
    }

    const reap = (placements: ReadonlyArray<Backend.Placement>, runIds: ReadonlyArray<string> = []) =>
      Effect.gen(function* () {
        const byHost = new Map<HostState, Array<number>>()
        for (const p of placements) {
          const h = p.host === undefined ? undefined : byLabel.get(p.host)
          if (h === undefined || p.pgid === undefined) continue
          byHost.set(h, [...(byHost.get(h) ?? []), p.pgid])
        }
        // With earlier run ids, every host is asked: a task whose start never reached the journal has no placement.
        const targets = runIds.length > 0 ? hosts : [...byHost.keys()]
        let killed = 0
        const spared: Array<string> = []
        for (const h of targets) {
          if (Either.isLeft(yield* Effect.either(ensureMaster(h)))) {
            for (const pgid of byHost.get(h) ?? [])
              spared.push(`process group ${pgid} on ${h.spec.label}: the host did not answer`)
            continue
          }
          const r = yield* Effect.either(remote(h, Script.reap(marker, byHost.get(h) ?? [], runIds), 30_000))
          for (const record of Either.isRight(r) ? recordsIn(r.right.stdout, marker) : []) {
            if (record.startsWith("reaped=")) killed += Number(record.slice(7))
            if (record.startsWith("spared=")) {
              for (const pgid of record
                .slice(7)
                .trim()
                .split(/\s+/)
                .filter((p) => p !== "")) {
                spared.push(
                  `process group ${pgid} on ${h.spec.label}: its launcher's files are gone, so it cannot be told from another process that got the same id`
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
      capabilities: { concurrency: overall.capacity, remote: true },
      workspace: (runDir, runId, learner) => {
        runDirs.set(runId, runDir)
        const root = hostFor(learner).spec.root
        return root === undefined ? runDir : `${root}/${runId}`
      },
      run,
      reap,
      hosts: () =>
        hosts.map((h) => ({
          label: h.spec.label,
          destination: h.spec.connection.destination,
          root: h.spec.root,
          slots: h.slots.capacity,
          masterPid: h.connected ? h.master?.process.pid : undefined,
          connected: h.connected,
          busy: h.slots.inUse()
        })),
      hostOf: (learner) => hostFor(learner).spec.label,
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
