/**
 * The `Spawner` on Node's `child_process` (which Deno and Bun also provide): argv spawned with no
 * shell, `detached` so each task leads its own process group, output written by the kernel to the
 * files the runner chose.
 *
 * @since 0.1.0
 */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Backend from "../core/Backend.ts"
import * as FileError from "../core/FileError.ts"
import * as Spawner from "../core/Spawner.ts"
import * as TaskError from "../core/TaskError.ts"
import * as ProcessTable from "./ProcessTable.ts"

const openOutput = (output: Spawner.Output): number | "pipe" | "ignore" =>
  output._tag === "File"
    ? output.records === undefined
      ? Fs.openSync(output.path, "w")
      : "pipe"
    : output._tag === "Capture"
      ? "pipe"
      : "ignore"

const PREAMBLE_BYTES = 64 * 1024

/**
 * Splits `<marker><text>\n` records out of a stream and writes the rest to a file, except the
 * preamble (what came before the first record), which it keeps (capped) for diagnostics.
 */
const recordSplitter = (path: string, records: Spawner.Records) => {
  const fd = Fs.openSync(path, "w")
  const marker = Buffer.from(records.marker, "utf8")
  let pending: Buffer = Buffer.alloc(0)
  let preamble = true
  let preambleText = ""
  let closed = false
  const emit = (bytes: Buffer) => {
    if (bytes.length === 0) return
    if (preamble) {
      if (preambleText.length < PREAMBLE_BYTES) preambleText += bytes.toString("utf8")
    } else {
      let off = 0
      while (off < bytes.length) off += Fs.writeSync(fd, bytes, off)
    }
  }
  const drain = (final: boolean) => {
    while (true) {
      const at = pending.indexOf(marker)
      if (at < 0) {
        // Keep what could be the start of a marker split across chunks.
        const keep = final ? 0 : Math.min(pending.length, marker.length - 1)
        emit(pending.subarray(0, pending.length - keep))
        pending = pending.subarray(pending.length - keep)
        return
      }
      const nl = pending.indexOf(0x0a, at + marker.length)
      if (nl < 0 && !final) {
        emit(pending.subarray(0, at))
        pending = pending.subarray(at)
        return
      }
      emit(pending.subarray(0, at))
      const end = nl < 0 ? pending.length : nl
      const text = pending.toString("utf8", at + marker.length, end)
      preamble = false
      pending = pending.subarray(Math.min(pending.length, end + 1))
      records.onRecord(text)
    }
  }
  return {
    push: (chunk: Buffer) => {
      if (closed) return
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
      drain(false)
    },
    end: () => {
      if (closed) return preambleText
      closed = true
      drain(true)
      Fs.closeSync(fd)
      return preambleText
    }
  }
}

/** The last `bytes` of a file, from a line start when cut ("" when it cannot be read). */
const readTail = (path: string, bytes: number): string => {
  let fd: number | undefined
  try {
    fd = Fs.openSync(path, "r")
    const size = Fs.fstatSync(fd).size
    const start = Math.max(0, size - bytes)
    const buffer = Buffer.allocUnsafe(size - start)
    const read = Fs.readSync(fd, buffer, 0, buffer.length, start)
    return Backend.tailFrom(buffer.toString("utf8", 0, read), start)
  } catch {
    return ""
  } finally {
    if (fd !== undefined) Fs.closeSync(fd)
  }
}

/**
 * `kill(2)` returning the negated errno instead of throwing. Every task's group gets a last
 * SIGKILL after its leader exits, and the group is usually empty by then: `process.kill` would
 * build an `ErrnoException` (message, stack) for that `ESRCH` on every task (about 25 µs against
 * 1 µs here). Node has exposed this binding as `process._kill` since its first releases; a runtime
 * without it (or with something else under that name) gets the throwing call.
 */
const nodeKill = (process as { _kill?: unknown })._kill
const rawKill: (pid: number, signal: number) => number =
  // Signal 0 to this process is 0 where it is Node's binding; a look-alike of other semantics is not used.
  typeof nodeKill === "function" && nodeKill.call(process, process.pid, 0) === 0
    ? (nodeKill.bind(process) as (pid: number, signal: number) => number)
    : (pid, signal) => {
        try {
          process.kill(pid, signal)
          return 0
        } catch (e) {
          const errno = Os.constants.errno[(e as NodeJS.ErrnoException).code as keyof typeof Os.constants.errno]
          return errno === undefined ? -Os.constants.errno.ESRCH : -errno
        }
      }

/** A pgid of 0 or 1 would be this process's own group or every process: never signalled. */
const killGroup = (pgid: number, signal: Spawner.Signal): boolean =>
  Number.isSafeInteger(pgid) && pgid > 1 && rawKill(-pgid, Os.constants.signals[signal]) === 0

/** Starts a process, unscoped: `Spawner.make` gives it its scope and the group's kill. */
const start = (spec: Spawner.SpawnSpec) =>
  Effect.async<Spawner.Process, Spawner.SpawnError>((resume) => {
    const argv = spec.command._tag === "Argv" ? spec.command.argv : ["/bin/sh", "-c", spec.command.script]
    const file = argv[0]
    if (file === undefined || file.length === 0) {
      resume(Effect.fail(new TaskError.CommandNotFound({ command: "", reason: "the command line is empty" })))
      return
    }
    let out: number | "pipe" | "ignore"
    let err: number | "pipe" | "ignore"
    let outSplitter: ReturnType<typeof recordSplitter> | undefined
    let errSplitter: ReturnType<typeof recordSplitter> | undefined
    const closeFds = () => {
      if (typeof out === "number") Fs.closeSync(out)
      if (typeof err === "number") Fs.closeSync(err)
    }
    let opening: Spawner.Output = spec.stdout
    try {
      out = openOutput(spec.stdout)
      opening = spec.stderr
      err = openOutput(spec.stderr)
      opening = spec.stdout
      if (spec.stdout._tag === "File" && spec.stdout.records !== undefined) {
        outSplitter = recordSplitter(spec.stdout.path, spec.stdout.records)
      }
      opening = spec.stderr
      if (spec.stderr._tag === "File" && spec.stderr.records !== undefined) {
        errSplitter = recordSplitter(spec.stderr.path, spec.stderr.records)
      }
    } catch (error) {
      closeFds()
      outSplitter?.end()
      // A full disk, a read-only or forbidden folder: the user's to fix, not worth a retry.
      resume(
        Effect.fail(
          opening._tag === "File" && FileError.codeOf(error) !== undefined
            ? FileError.fromCause("write", opening.path)(error)
            : new TaskError.SpawnFailed({ command: file, reason: `cannot open an output file: ${String(error)}` })
        )
      )
      return
    }
    const closeSplitters = () => {
      outSplitter?.end()
      errSplitter?.end()
    }
    let child: ChildProcess.ChildProcess
    try {
      child = ChildProcess.spawn(file, argv.slice(1), {
        cwd: spec.cwd,
        // Read per spawn (about 50 µs here): a change to process.env after start-up must reach tasks.
        env: { ...process.env, ...spec.env },
        stdio: [spec.stdin === undefined ? "ignore" : "pipe", out, err],
        detached: true
      })
    } catch (error) {
      closeFds()
      closeSplitters()
      resume(Effect.fail(new TaskError.SpawnFailed({ command: file, reason: String(error) })))
      return
    }
    let stdout = ""
    let stderr = ""
    if (outSplitter !== undefined) child.stdout?.on("data", (chunk: Buffer) => outSplitter.push(chunk))
    else child.stdout?.setEncoding("utf8").on("data", (text: string) => (stdout += text))
    if (errSplitter !== undefined) child.stderr?.on("data", (chunk: Buffer) => errSplitter.push(chunk))
    else child.stderr?.setEncoding("utf8").on("data", (text: string) => (stderr += text))
    let exited: Spawner.ProcessExit | undefined
    const waiters: Array<(exit: Spawner.ProcessExit) => void> = []
    const finish = (exit: Spawner.ProcessExit) => {
      if (exited !== undefined) return
      exited = exit
      for (const waiter of waiters.splice(0)) waiter(exit)
    }
    const piped = outSplitter !== undefined || errSplitter !== undefined
    const captured = piped || spec.stdout._tag === "Capture" || spec.stderr._tag === "Capture"
    // With output through this process, "close" waits for the pipes to drain; otherwise "exit" is enough.
    child.on(captured ? "close" : "exit", (code: number | null, signal: NodeJS.Signals | null) => {
      if (outSplitter !== undefined) stdout = outSplitter.end()
      if (errSplitter !== undefined) stderr = errSplitter.end()
      // A small synchronous read here saves the runner four trips through the thread pool.
      const tails = spec.tails
      const stdoutTail =
        tails !== undefined && spec.stdout._tag === "File" ? readTail(spec.stdout.path, tails.stdout) : undefined
      const stderrTail =
        tails !== undefined && code !== 0 && spec.stderr._tag === "File"
          ? readTail(spec.stderr.path, tails.stderr)
          : undefined
      finish({ exitCode: code, signal, stdout, stderr, stdoutTail, stderrTail })
    })
    let started = false
    child.on("error", (error: NodeJS.ErrnoException) => {
      if (started) return
      closeFds()
      closeSplitters()
      if (error.code === "ENOENT" && !Fs.existsSync(spec.cwd)) {
        resume(
          Effect.fail(
            new TaskError.SpawnFailed({ command: file, reason: `the working directory ${spec.cwd} does not exist` })
          )
        )
      } else if (error.code === "ENOENT" || error.code === "EACCES" || error.code === "ENOTDIR") {
        resume(Effect.fail(new TaskError.CommandNotFound({ command: file, reason: error.code })))
      } else {
        resume(Effect.fail(new TaskError.SpawnFailed({ command: file, reason: error.message })))
      }
    })
    const onSpawned = () => {
      if (started) return
      started = true
      closeFds()
      if (spec.stdin !== undefined) {
        child.stdin?.on("error", () => {})
        if (spec.keepStdinOpen === true) child.stdin?.write(spec.stdin)
        else child.stdin?.end(spec.stdin)
      }
      const pid = child.pid!
      resume(
        Effect.succeed({
          pid,
          // Read now: until it is reaped (not before this callback returns), the pid cannot be
          // another process's, even when the task has already exited.
          startStamp: ProcessTable.startStamp(pid, { zombies: true }),
          exit: Effect.async<Spawner.ProcessExit>((resumeExit) => {
            if (exited !== undefined) resumeExit(Effect.succeed(exited))
            else {
              const waiter = (exit: Spawner.ProcessExit) => resumeExit(Effect.succeed(exit))
              waiters.push(waiter)
              return Effect.sync(() => {
                const at = waiters.indexOf(waiter)
                if (at >= 0) waiters.splice(at, 1)
              })
            }
          }),
          signalGroup: (signal) =>
            Effect.sync(() => {
              killGroup(pid, signal)
            }),
          send: (text) =>
            Effect.sync(() => {
              const stdin = child.stdin
              if (spec.keepStdinOpen !== true || exited !== undefined || stdin == null || !stdin.writable) return false
              stdin.write(text)
              return true
            })
        })
      )
    }
    // A pid right after spawn() means the process exists (a failed spawn has none and emits
    // "error"): no need to wait a turn of the event loop for the "spawn" event.
    if (child.pid !== undefined) onSpawned()
    else child.on("spawn", onSpawned)
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Spawner.Spawner> = Layer.succeed(
  Spawner.Spawner,
  Spawner.make({
    start,
    signalGroup: (pgid, signal) => Effect.sync(() => killGroup(pgid, signal)),
    signalProcess: (pid, signal) =>
      Effect.sync(() => {
        try {
          process.kill(pid, signal)
          return true
        } catch {
          return false
        }
      }),
    groupMembers: (pgid) => Effect.sync(() => ProcessTable.groupMembers(pgid)),
    groupAlive: (pgid) =>
      Effect.sync(() => {
        if (!Number.isSafeInteger(pgid) || pgid <= 1) return false
        const status = rawKill(-pgid, 0)
        return status === 0 || status === -Os.constants.errno.EPERM
      })
  })
)
