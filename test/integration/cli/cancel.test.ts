/**
 * Graceful cancellation as a task sees it (DESIGN §4.6): on a cancel the task's process group gets
 * SIGTERM first; a task that ignores it is SIGKILLed after the backend's grace period, and nothing of
 * its group survives. Checked on real processes through `rose run`:
 * - Ctrl-C (SIGINT to `rose`), with `grace: 1.5` on the local backend: a task that traps TERM and
 *   exits is gone at once; one that traps TERM and goes on (with a child that ignores TERM) dies
 *   about 1.5 s after it saw TERM;
 * - a task `timeout` with the default grace (5 s): TERM about 1 s after the task's own start, SIGKILL
 *   about 5 s after that, `task_failed` with `TaskTimedOut`.
 * Times come from the task's own marks (`date +%s%N` in the TERM trap) and from polling its pid
 * (a zombie counts as dead); tolerances are generous.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { isAlive, waitGone } from "../support/processes.ts"
import { cleanUp, ensureCli, groupAlive, journal, start, tempDir, waitFor } from "./helpers.ts"

let cli: string
let dir: string

/** Traps TERM, marks it and goes on; its child ignores TERM altogether. */
const stubborn = [
  "date +%s%N > started",
  "echo $$ > main.pid",
  "(trap '' TERM; exec sleep 300) & echo $! > child.pid",
  "trap 'date +%s%N >> term' TERM",
  "echo ready > ready",
  "while :; do sleep 300 & wait $!; done"
].join("\n")

/** Traps TERM, marks it and exits. */
const polite = [
  "echo $$ > main.pid",
  "trap 'date +%s%N >> term; exit 0' TERM",
  "echo ready > ready",
  "while :; do sleep 300 & wait $!; done"
].join("\n")

beforeAll(async () => {
  cli = await ensureCli()
  dir = tempDir("rose-cancel-")
  NodeFs.writeFileSync(
    NodePath.join(dir, "ctrl-c.rose"),
    `backend local { concurrency: 2, grace: 1.5 }

active "stubborn" {
  max_iter 1
  training     = shell ${JSON.stringify(stubborn)}
  active_learn = exec "true"
}

active "polite" {
  max_iter 1
  training     = shell ${JSON.stringify(polite)}
  active_learn = exec "true"
}
`
  )
  NodeFs.writeFileSync(
    NodePath.join(dir, "timeout.rose"),
    `backend local { concurrency: 2 }

active "slow" {
  max_iter 1
  training     = shell ${JSON.stringify(stubborn)} timeout 1s
  active_learn = exec "true"
}
`
  )
})

afterAll(() => NodeFs.rmSync(dir, { recursive: true, force: true }))

const read = (path: string) => NodeFs.readFileSync(path, "utf8").trim()
const nsToMs = (text: string) => Number(BigInt(text.split("\n")[0]!) / 1_000_000n)

/** Polls a pid every 10 ms; when it was first seen dead (ms since the epoch). */
const deathOf = async (pid: number, seconds = 20): Promise<number> => {
  const until = Date.now() + seconds * 1000
  while (Date.now() < until) {
    if (!isAlive(pid)) return Date.now()
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error(`pid ${pid} still alive after ${seconds} s`)
}

describe("graceful cancel", () => {
  it("Ctrl-C: SIGTERM first, SIGKILL after the configured grace for a task that ignores it", async () => {
    const out = NodePath.join(dir, "ctrl-c")
    const run = start(cli, ["run", "ctrl-c.rose", "--out", out], dir)
    try {
      const learner = (name: string) => NodePath.join(out, "learners", `${name}-0`)
      await waitFor(
        "both tasks ready",
        () => ["stubborn", "polite"].every((n) => NodeFs.existsSync(NodePath.join(learner(n), "ready"))),
        30_000
      )
      const stubbornPid = Number(read(NodePath.join(learner("stubborn"), "main.pid")))
      const childPid = Number(read(NodePath.join(learner("stubborn"), "child.pid")))
      const politePid = Number(read(NodePath.join(learner("polite"), "main.pid")))
      const signalled = Date.now()
      run.child.kill("SIGINT")
      const [stubbornDied, politeDied] = await Promise.all([deathOf(stubbornPid), deathOf(politePid)])
      const result = await run.done
      assert.strictEqual(result.code, 130, result.stderr)

      // Both saw SIGTERM (their trap ran) soon after the Ctrl-C.
      const stubbornTerm = nsToMs(read(NodePath.join(learner("stubborn"), "term")))
      const politeTerm = nsToMs(read(NodePath.join(learner("polite"), "term")))
      for (const t of [stubbornTerm, politeTerm]) {
        assert.isAtLeast(t, signalled - 50)
        assert.isBelow(t - signalled, 3000)
      }
      // The polite task exited on TERM and was not kept waiting for the grace period.
      assert.isBelow(politeDied - politeTerm, 1000)
      // The stubborn one was killed about 1.5 s after it saw TERM, not at once and not at 5 s.
      const grace = stubbornDied - stubbornTerm
      assert.isAtLeast(grace, 1000, `killed ${grace} ms after TERM`)
      assert.isAtMost(grace, 3500, `killed ${grace} ms after TERM`)
      // Nothing of its group survived: the child that ignored TERM is gone with it.
      assert.deepStrictEqual(await waitGone([childPid], 5), [])
      const started = journal(out).filter((e) => e.type === "task_started" && e.task === "training")
      assert.sameMembers(
        started.map((e) => e.pgid),
        [stubbornPid, politePid]
      )
      for (const pgid of [stubbornPid, politePid]) assert.isFalse(groupAlive(pgid), `group ${pgid}`)
    } finally {
      await cleanUp(run)
    }
  })

  it("a task timeout: SIGTERM when it expires, SIGKILL after the default 5 s grace", async () => {
    const out = NodePath.join(dir, "timeout")
    const run = start(cli, ["run", "timeout.rose", "--out", out], dir)
    try {
      const learner = NodePath.join(out, "learners", "slow-0")
      await waitFor("the task ready", () => NodeFs.existsSync(NodePath.join(learner, "ready")), 30_000)
      const pid = Number(read(NodePath.join(learner, "main.pid")))
      const childPid = Number(read(NodePath.join(learner, "child.pid")))
      const died = await deathOf(pid, 30)
      const result = await run.done
      assert.strictEqual(result.code, 1, result.stderr)

      const startedAt = nsToMs(read(NodePath.join(learner, "started")))
      const term = nsToMs(read(NodePath.join(learner, "term")))
      // TERM when the 1 s timeout expired, counted from the task's start.
      assert.isAtLeast(term - startedAt, 900, `TERM ${term - startedAt} ms after the start`)
      assert.isAtMost(term - startedAt, 3000, `TERM ${term - startedAt} ms after the start`)
      // SIGKILL after the default grace period of 5 s.
      assert.isAtLeast(died - term, 4500, `killed ${died - term} ms after TERM`)
      assert.isAtMost(died - term, 7000, `killed ${died - term} ms after TERM`)
      assert.deepStrictEqual(await waitGone([childPid], 5), [])
      assert.isFalse(groupAlive(pid))

      const failed = journal(out).filter((e) => e.type === "task_failed")
      assert.strictEqual(failed.length, 1)
      assert.strictEqual(failed[0]!.task, "training")
      assert.strictEqual(failed[0]!.error.tag, "TaskTimedOut")
      const results = JSON.parse(NodeFs.readFileSync(NodePath.join(out, "results.json"), "utf8"))
      assert.strictEqual(results.status, "failed")
      assert.strictEqual(results.learners[0].stopReason, "error")
    } finally {
      await cleanUp(run)
    }
  })
})
