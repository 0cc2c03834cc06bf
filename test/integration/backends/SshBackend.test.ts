/**
 * The shared conformance suite over SSH against the real test sshd (test/integration/setup/sshd.sh):
 * one host with its connection given option by option, and a pool of the three loopback hosts
 * configured through the generated ssh_config. The loopback hosts share this machine's file system
 * and pid namespace, so the suite's working directories and pid checks work as they are.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import { afterAll } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as SshBackend from "../../../backends/SshBackend.ts"
import * as Platform from "../../../runtime/Platform.ts"
import { suite } from "../../../testing/BackendSuite.ts"
import { requireSshd } from "../ssh/sshd.ts"
import { isAlive } from "../support/processes.ts"

const sshd = await requireSshd()
// a folder of this run only (a fixed one would be shared with another checkout's run)
const root = fs.mkdtempSync(`${os.tmpdir()}/rose-suite-ssh-`)
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))
const alive = (pid: number) => Effect.sync(() => isAlive(pid))

suite(
  "ssh (one host)",
  SshBackend.layer({
    hosts: [sshd.hosts[0]!],
    port: sshd.port,
    user: sshd.user,
    identity: sshd.key,
    knownHosts: sshd.knownHosts,
    slots: 2,
    graceMillis: 500
  }).pipe(Layer.provide(Platform.layer)),
  { root, concurrency: 2, killSeconds: 15, startSeconds: 5, taskMillis: 4000, alive }
)

suite(
  "ssh (pool of three hosts)",
  SshBackend.layer({ hosts: sshd.hosts, sshConfig: sshd.config, slots: 2, graceMillis: 500 }).pipe(
    Layer.provide(Platform.layer)
  ),
  { root, concurrency: 6, killSeconds: 15, startSeconds: 5, taskMillis: 4000, alive }
)
