/**
 * A program with two backends, where a task names its backend (`backend "remote"` on the task in the
 * `.rose` file): that task runs on the named backend, the others on the default (the first declared).
 * The default is a local backend, the named one the SSH backend to 127.0.0.2 of the test sshd, whose
 * sessions see `ROSE_TEST_HOST=127.0.0.2`; each task writes down the host it saw, and the journal
 * says where each task ran.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { requireSshd } from "../ssh/sshd.ts"
import { ensureCli, journal, rose, tempDir } from "./helpers.ts"

let cli: string
let dir: string
const REMOTE = "127.0.0.2"

beforeAll(async () => {
  const sshd = await requireSshd()
  assert.include(sshd.hosts, REMOTE)
  cli = await ensureCli()
  dir = tempDir("rose-named-backend-")
  const mark = `printf '%s %s\\n' "$ROSE_TASK" "\${ROSE_TEST_HOST:-local}" >> hosts`
  NodeFs.writeFileSync(
    NodePath.join(dir, "two.rose"),
    `backend local "here" { concurrency: 2 }
backend ssh "remote" { hosts: [${JSON.stringify(REMOTE)}], ssh_config: ${JSON.stringify(sshd.config)}, slots: 2 }

active "mix" {
  parallel 2
  max_iter 2
  simulation   = shell ${JSON.stringify(mark)}
  training     = shell ${JSON.stringify(mark)} backend "remote"
  active_learn = shell ${JSON.stringify(mark)}
}
`
  )
})

afterAll(() => NodeFs.rmSync(dir, { recursive: true, force: true }))

describe("a task that names its backend", () => {
  it("runs on the named backend; the other tasks run on the default one", async () => {
    // The local tasks must not inherit a host name from this process.
    const r = await rose(cli, ["run", "two.rose", "--out", "run"], dir, { ROSE_TEST_HOST: "" })
    assert.strictEqual(r.code, 0, r.stderr)
    const runDir = NodePath.join(dir, "run")
    for (const k of [0, 1]) {
      const lines = NodeFs.readFileSync(NodePath.join(runDir, `learners/mix-${k}/hosts`), "utf8")
        .trim()
        .split("\n")
      assert.sameMembers(lines, [
        "simulation local",
        "training 127.0.0.2",
        "active_learn local",
        "simulation local",
        "training 127.0.0.2",
        "active_learn local"
      ])
    }
    const started = journal(runDir).filter((e) => e.type === "task_started")
    assert.strictEqual(started.length, 2 * 2 * 3)
    for (const e of started) {
      if (e.task === "training") assert.strictEqual(e.host, REMOTE, JSON.stringify(e))
      else assert.isUndefined(e.host, JSON.stringify(e))
      assert.isNumber(e.pgid)
    }
  })
})
