/**
 * PBT's folder copy on an SSH host (`Backend.Service.mirrorFolder`): one script over the host's
 * master connection that empties the target folder but for its `iter-<n>` folders and copies the
 * source folder's entries but its `iter-<n>` folders. Both folders must be on one host: a learner's
 * files stay on the host its tasks run on.
 */
import * as Effect from "effect/Effect"
import type * as Learner from "../../core/Learner.ts"
import * as TaskError from "../../core/TaskError.ts"
import type * as Connection from "./sshConnection.ts"
import type * as Hosts from "./sshHosts.ts"
import { quote } from "./sshScript.ts"

/** The shell loop over a folder's entries (hidden ones included) that are not `iter-<n>` folders. */
const eachEntry = (body: string) =>
  `for f in * .[!.]* ..?*; do
  [ -e "$f" ] || [ -L "$f" ] || continue
  case "$f" in iter-*) case "\${f#iter-}" in ''|*[!0-9]*) ;; *) continue ;; esac ;; esac
  ${body}
done`

/** The script that makes `to` hold what `from` holds, `iter-<n>` folders aside. */
export const script = (from: string, to: string): string =>
  [
    "set -e",
    `mkdir -p ${quote(to)}`,
    `cd ${quote(to)}`,
    eachEntry(`rm -rf -- "$f"`),
    `if [ -d ${quote(from)} ]; then`,
    `cd ${quote(from)}`,
    eachEntry(`cp -R -p -- "$f" ${quote(to)}/`),
    "fi"
  ].join("\n")

export const make =
  (deps: {
    readonly name: string
    readonly hostFor: (learner: Learner.LearnerRef) => Hosts.HostState
    readonly connections: Connection.Connections
  }) =>
  (
    from: { readonly learner: Learner.LearnerRef; readonly path: string },
    to: { readonly learner: Learner.LearnerRef; readonly path: string }
  ): Effect.Effect<void, TaskError.BackendError> =>
    Effect.gen(function* () {
      const host = deps.hostFor(to.learner)
      const source = deps.hostFor(from.learner)
      if (source !== host)
        return yield* new TaskError.BackendUnavailable({
          backend: deps.name,
          reason: `PBT copies a learner's folder on its host, and ${from.learner.name}[${from.learner.index}] works on ${source.spec.label}, ${to.learner.name}[${to.learner.index}] on ${host.spec.label}`,
          retryable: false
        })
      yield* deps.connections.ensure(host)
      const exit = yield* deps.connections.remote(host, script(from.path, to.path), 10 * 60_000)
      if (exit.exitCode !== 0)
        return yield* new TaskError.BackendUnavailable({
          backend: deps.name,
          reason: `copying ${from.path} to ${to.path} on ${host.spec.label} failed: ${exit.stderr.trim() || `exit ${exit.exitCode}`}`,
          retryable: false
        })
    })
