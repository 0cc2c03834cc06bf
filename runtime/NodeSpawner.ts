/**
 * The `Spawner` on Node's `child_process` (which Deno and Bun also provide): argv spawned with no
 * shell, `detached` so each task leads its own process group, output written by the kernel to the
 * files the runner chose.
 *
 * @since 0.1.0
 */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Spawner from "../backends/Spawner.ts"
import * as TaskError from "../core/TaskError.ts"

const openOutput = (output: Spawner.Output): number | "pipe" | "ignore" =>
  output._tag === "File" ? Fs.openSync(output.path, "w") : output._tag === "Capture" ? "pipe" : "ignore"

const killGroup = (pgid: number, signal: Spawner.Signal): boolean => {
  try {
    process.kill(-pgid, signal)
    return true
  } catch {
    return false
  }
}

const spawn = (spec: Spawner.SpawnSpec) =>
  Effect.async<Spawner.Process, TaskError.SpawnFailed | TaskError.CommandNotFound>((resume) => {
    const argv = spec.command._tag === "Argv" ? spec.command.argv : ["/bin/sh", "-c", spec.command.script]
    const file = argv[0]
    if (file === undefined || file.length === 0) {
      resume(Effect.fail(new TaskError.CommandNotFound({ command: "", reason: "the command line is empty" })))
      return
    }
    let out: number | "pipe" | "ignore"
    let err: number | "pipe" | "ignore"
    try {
      out = openOutput(spec.stdout)
      err = openOutput(spec.stderr)
    } catch (e) {
      resume(
        Effect.fail(new TaskError.SpawnFailed({ command: file, reason: `cannot open an output file: ${String(e)}` }))
      )
      return
    }
    const closeFds = () => {
      if (typeof out === "number") Fs.closeSync(out)
      if (typeof err === "number") Fs.closeSync(err)
    }
    let child: ChildProcess.ChildProcess
    try {
      child = ChildProcess.spawn(file, argv.slice(1), {
        cwd: spec.cwd,
        env: { ...process.env, ...spec.env },
        stdio: [spec.stdin === undefined ? "ignore" : "pipe", out, err],
        detached: true
      })
    } catch (e) {
      closeFds()
      resume(Effect.fail(new TaskError.SpawnFailed({ command: file, reason: String(e) })))
      return
    }
    let stdout = ""
    let stderr = ""
    child.stdout?.setEncoding("utf8").on("data", (d: string) => (stdout += d))
    child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d))
    let exited: Spawner.ProcessExit | undefined
    const waiters: Array<(e: Spawner.ProcessExit) => void> = []
    const finish = (e: Spawner.ProcessExit) => {
      if (exited !== undefined) return
      exited = e
      for (const w of waiters.splice(0)) w(e)
    }
    const captured = spec.stdout._tag === "Capture" || spec.stderr._tag === "Capture"
    // With captured output, "close" waits for the pipes to drain; otherwise "exit" is enough.
    child.on(captured ? "close" : "exit", (code: number | null, signal: NodeJS.Signals | null) =>
      finish({ exitCode: code, signal, stdout, stderr })
    )
    let started = false
    child.on("error", (e: NodeJS.ErrnoException) => {
      if (started) return
      closeFds()
      if (e.code === "ENOENT" && !Fs.existsSync(spec.cwd)) {
        resume(
          Effect.fail(
            new TaskError.SpawnFailed({ command: file, reason: `the working directory ${spec.cwd} does not exist` })
          )
        )
      } else if (e.code === "ENOENT" || e.code === "EACCES" || e.code === "ENOTDIR") {
        resume(Effect.fail(new TaskError.CommandNotFound({ command: file, reason: e.code })))
      } else {
        resume(Effect.fail(new TaskError.SpawnFailed({ command: file, reason: e.message })))
      }
    })
    child.on("spawn", () => {
      started = true
      closeFds()
      if (spec.stdin !== undefined) {
        child.stdin?.on("error", () => {})
        child.stdin?.end(spec.stdin)
      }
      const pid = child.pid!
      resume(
        Effect.succeed({
          pid,
          exit: Effect.async<Spawner.ProcessExit>((k) => {
            if (exited !== undefined) k(Effect.succeed(exited))
            else {
              const w = (e: Spawner.ProcessExit) => k(Effect.succeed(e))
              waiters.push(w)
              return Effect.sync(() => {
                const at = waiters.indexOf(w)
                if (at >= 0) waiters.splice(at, 1)
              })
            }
          }),
          signalGroup: (signal) =>
            Effect.sync(() => {
              killGroup(pid, signal)
            })
        })
      )
    })
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Spawner.Spawner> = Layer.succeed(Spawner.Spawner, {
  spawn,
  signalGroup: (pgid, signal) => Effect.sync(() => killGroup(pgid, signal)),
  groupAlive: (pgid) =>
    Effect.sync(() => {
      try {
        process.kill(-pgid, 0)
        return true
      } catch (e) {
        return (e as NodeJS.ErrnoException).code === "EPERM"
      }
    })
})
