/**
 * The SSH backend's file transfers: `upload` files are copied into a task's remote working directory
 * before it runs and `download` files back after it ran, by `sftp -b -` over the host's master (on
 * hosts with a `root` of their own; a shared file system needs no copies).
 */
import * as Effect from "effect/Effect"
import type * as Backend from "../../core/Backend.ts"
import * as RunDir from "../../core/RunDir.ts"
import type * as Spawner from "../../core/Spawner.ts"
import * as TaskError from "../../core/TaskError.ts"
import * as Args from "./sshArgs.ts"
import type { Connections } from "./sshConnection.ts"
import { trimText } from "./sshHints.ts"
import type { HostState } from "./sshHosts.ts"
import * as Script from "./sshScript.ts"

export interface Deps {
  /** The backend's name, for its errors. */
  readonly name: string
  /** The sftp program. */
  readonly sftp: string
  readonly captured: Connections["captured"]
  /** Local run directories by run id, to map remote working directories back. */
  readonly runDirs: ReadonlyMap<string, string>
}

export interface Transfer {
  readonly upload: (
    host: HostState,
    invocation: Backend.Invocation,
    files: ReadonlyArray<string>
  ) => Effect.Effect<void, TaskError.BackendError>
  readonly download: (
    host: HostState,
    invocation: Backend.Invocation,
    files: ReadonlyArray<string>
  ) => Effect.Effect<void, TaskError.BackendError>
}

export const make = (deps: Deps): Transfer => {
  /** The learner's local folder, where uploads come from and downloads go. */
  const localLearnerDir = (invocation: Backend.Invocation): string => {
    const local = deps.runDirs.get(invocation.runId)
    if (local !== undefined) return RunDir.learnerDir(local, invocation.learner)
    // iter-<i>/<task>.out under the learner's folder
    return invocation.stdoutPath.split("/").slice(0, -2).join("/")
  }

  const transferFailed = (host: HostState, what: string, exit: Spawner.ProcessExit) =>
    exit.exitCode === 255
      ? new TaskError.ConnectionLost({ host: host.spec.label, reason: `${what}: ${trimText(exit.stderr)}` })
      : new TaskError.BackendUnavailable({
          backend: deps.name,
          reason: `${host.spec.label}: ${what} failed: ${trimText(exit.stderr || exit.stdout)}`,
          retryable: false
        })

  const sftpBatch = (host: HostState, batch: ReadonlyArray<string>, what: string) =>
    deps.captured(Args.sftp(deps.sftp, host.spec.connection, host.socket), `${batch.join("\n")}\n`, 600_000).pipe(
      Effect.mapError((e) => new TaskError.ConnectionLost({ host: host.spec.label, reason: `${what}: ${e.message}` })),
      Effect.flatMap((exit) => (exit.exitCode === 0 ? Effect.void : Effect.fail(transferFailed(host, what, exit))))
    )

  const upload = (host: HostState, invocation: Backend.Invocation, files: ReadonlyArray<string>) => {
    const localDir = localLearnerDir(invocation)
    const mkdirs: Array<string> = []
    const parts = invocation.cwd.split("/").filter((part) => part.length > 0)
    for (let i = 1; i <= parts.length; i++) {
      mkdirs.push(`-mkdir ${Script.sftpQuote(`/${parts.slice(0, i).join("/")}`)}`)
    }
    const puts = files.map(
      (file) =>
        `put -r ${Script.sftpQuote(file.startsWith("/") ? file : `${localDir}/${file}`)} ${Script.sftpQuote(invocation.cwd)}`
    )
    return sftpBatch(host, [...mkdirs, ...puts], `upload of ${files.join(", ")}`)
  }

  const download = (host: HostState, invocation: Backend.Invocation, files: ReadonlyArray<string>) => {
    const localDir = localLearnerDir(invocation)
    const gets = files.map(
      (file) =>
        `get -r ${Script.sftpQuote(file.startsWith("/") ? file : `${invocation.cwd}/${file}`)} ${Script.sftpQuote(localDir)}`
    )
    return sftpBatch(host, gets, `download of ${files.join(", ")}`)
  }

  return { upload, download }
}
