/**
 * PBT's folder copy on SSH hosts (`Backend.Service.mirrorFolder`): the target folder is emptied but
 * for its `iter-<n>` folders and gets the source folder's entries but its `iter-<n>` folders. On one
 * host that is one script over its master connection; between two hosts (a learner's files stay on
 * the host its tasks run on) the source's entries travel through this machine as a base64-encoded
 * tar archive: read on the source host, written on the target's, each over its own master.
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

/** The lines that make `to` exist and empty it but for its `iter-<n>` folders, leaving the shell there. */
const emptied = (to: string): ReadonlyArray<string> => [
  `mkdir -p ${quote(to)}`,
  `cd ${quote(to)}`,
  eachEntry(`rm -rf -- "$f"`)
]

/** The script that makes `to` hold what `from` holds, `iter-<n>` folders aside. */
export const script = (from: string, to: string): string =>
  [
    "set -e",
    ...emptied(to),
    `if [ -d ${quote(from)} ]; then`,
    `cd ${quote(from)}`,
    eachEntry(`cp -R -p -- "$f" ${quote(to)}/`),
    "fi"
  ].join("\n")

/** The script that prints `from`'s entries, `iter-<n>` folders aside, as a base64 tar archive (nothing when none). */
export const packScript = (from: string): string =>
  [
    "set -e",
    `[ -d ${quote(from)} ] || exit 0`,
    `cd ${quote(from)}`,
    "set --",
    eachEntry(`set -- "$@" "$f"`),
    '[ "$#" -gt 0 ] || exit 0',
    'tar cf - -- "$@" | base64'
  ].join("\n")

/** The script that empties `to` but for its `iter-<n>` folders and unpacks `packed` (from `packScript`) there. */
export const unpackScript = (packed: string, to: string): string =>
  [
    "set -e",
    ...emptied(to),
    ...(packed.trim().length === 0
      ? []
      : ["base64 -d <<'ROSE_PACKED_END' | tar xf -", packed.trim(), "ROSE_PACKED_END"])
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
      const failed = (what: string, exit: { readonly exitCode: number | null; readonly stderr: string }) =>
        new TaskError.BackendUnavailable({
          backend: deps.name,
          reason: `${what} failed: ${exit.stderr.trim() || `exit ${exit.exitCode}`}`,
          retryable: false
        })
      yield* deps.connections.ensure(host)
      if (source === host) {
        const exit = yield* deps.connections.remote(host, script(from.path, to.path), 10 * 60_000)
        if (exit.exitCode !== 0) return yield* failed(`copying ${from.path} to ${to.path} on ${host.spec.label}`, exit)
        return
      }
      yield* deps.connections.ensure(source)
      const packed = yield* deps.connections.remote(source, packScript(from.path), 10 * 60_000)
      if (packed.exitCode !== 0) return yield* failed(`reading ${from.path} on ${source.spec.label}`, packed)
      const unpacked = yield* deps.connections.remote(host, unpackScript(packed.stdout, to.path), 10 * 60_000)
      if (unpacked.exitCode !== 0) return yield* failed(`writing ${to.path} on ${host.spec.label}`, unpacked)
    })
