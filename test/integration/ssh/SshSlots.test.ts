/**
 * SSH per-host slots and the total cap, through `rose run` on the test sshd: two hosts with different
 * slots (127.0.0.1: 3, 127.0.0.2: 1), without and with `concurrency: 3` over both. Eight learners,
 * each task marking its own start, end and the host its session saw (`ROSE_TEST_HOST`); from those
 * marks, the tasks running at once never exceed a host's slots nor the total cap (and both are
 * reached), and the host with more slots got proportionally more learners (weighted round robin: 6
 * and 2), each learner staying on its host. (The two runs are separate because a total cap below
 * the slots would hide a broken per-host limit.)
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { ensureCli, journal, rose, tempDir } from "../cli/helpers.ts"
import { markedShell, maxOverlap, readIntervals } from "../support/marks.ts"
import { requireSshd } from "./sshd.ts"

let cli: string
let dir: string
const BIG = "127.0.0.1"
const SMALL = "127.0.0.2"
const LEARNERS = 8
const ITERATIONS = 2

beforeAll(async () => {
  const sshd = await requireSshd()
  for (const h of [BIG, SMALL]) assert.include(sshd.hosts, h)
  cli = await ensureCli()
  dir = tempDir("rose-ssh-slots-")
  // Long enough that the slots fill even where each ssh session's start is slow and serial (a root
  // ~/.bashrc running "pyenv init" costs 0.5 s per session under a lock): with 0.5 s tasks the
  // tasks of one host never overlapped three at a time there.
  const task = markedShell("sleep 2", "marks", "$ROSE_TEST_HOST")
  const file = (cap: string) => `backend ssh "pool" {
  hosts: [{ host: "${BIG}", slots: 3 }, { host: "${SMALL}", slots: 1 }],
  ssh_config: ${JSON.stringify(sshd.config)},${cap}
}

active "w" {
  parallel ${LEARNERS}
  max_iter ${ITERATIONS}
  training     = shell ${JSON.stringify(task)}
  active_learn = shell ${JSON.stringify(task)}
}
`
  NodeFs.writeFileSync(NodePath.join(dir, "slots.rose"), file(""))
  NodeFs.writeFileSync(NodePath.join(dir, "capped.rose"), file("\n  concurrency: 3"))
})

afterAll(() => NodeFs.rmSync(dir, { recursive: true, force: true }))

/** Runs a program; its tasks' marks, all and per host, and each learner's host. */
const runMarks = async (file: string, out: string) => {
  const r = await rose(cli, ["run", file, "--out", out], dir)
  assert.strictEqual(r.code, 0, r.stderr)
  const runDir = NodePath.join(dir, out)
  const all = readIntervals(NodePath.join(runDir, "learners"))
  assert.strictEqual(all.length, LEARNERS * ITERATIONS * 2)
  const on = (host: string) => all.filter((i) => i.label === host)
  assert.strictEqual(on(BIG).length + on(SMALL).length, all.length, "every task saw one of the two hosts")
  // Learners are spread in proportion to the slots (6 and 2), and each stays on its host.
  const hostsOf = new Map<number, Set<string>>()
  for (let k = 0; k < LEARNERS; k++) {
    const marks = readIntervals(NodePath.join(runDir, `learners/w-${k}`))
    assert.strictEqual(marks.length, ITERATIONS * 2)
    hostsOf.set(k, new Set(marks.map((m) => m.label)))
    assert.strictEqual(hostsOf.get(k)!.size, 1, `w[${k}] stayed on one host`)
  }
  for (const e of journal(runDir).filter((x) => x.type === "task_started")) {
    assert.isTrue(hostsOf.get(e.learner.index)!.has(e.host), `journaled host of ${JSON.stringify(e)}`)
  }
  const learnersOn = (host: string) => [...hostsOf.values()].filter((s) => s.has(host)).length
  return { all, on, learnersOn }
}

describe("ssh slots per host and the total cap", () => {
  it("never runs more tasks on a host than its slots; the host with more slots gets more work", async () => {
    const { all, on, learnersOn } = await runMarks("slots.rose", "slots")
    assert.strictEqual(maxOverlap(on(BIG)), 3, `${BIG}: at most its 3 slots, and they are used`)
    assert.strictEqual(maxOverlap(on(SMALL)), 1, `${SMALL}: at most its 1 slot`)
    assert.isAtMost(maxOverlap(all), 4)
    assert.strictEqual(learnersOn(BIG), 6)
    assert.strictEqual(learnersOn(SMALL), 2)
    assert.strictEqual(on(BIG).length, 3 * on(SMALL).length, "the host with 3 slots did 3 times the work")
  })

  it("concurrency caps the tasks at once over all hosts, below the sum of their slots", async () => {
    const { all, on, learnersOn } = await runMarks("capped.rose", "capped")
    assert.isAtMost(maxOverlap(on(BIG)), 3)
    assert.strictEqual(maxOverlap(on(SMALL)), 1)
    assert.strictEqual(maxOverlap(all), 3, "at most 3 over both hosts (4 slots), and the cap is reached")
    assert.strictEqual(learnersOn(BIG), 6)
    assert.strictEqual(learnersOn(SMALL), 2)
  })
})
