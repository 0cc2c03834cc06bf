/**
 * `rose resume` over SSH continues a run, not only cleans up after it: `rose run` on a pool of the
 * three loopback hosts is killed with SIGKILL while every learner's simulation waits (on its remote
 * host) at iteration 2; `rose resume RUN_DIR` re-attaches to those remote tasks (they are not started
 * again), runs the rest, and the run ends with the results of an uninterrupted run (equal but for the
 * run id and times). Each learner gets its host back: the journal's hosts and the `ROSE_TEST_HOST`
 * each task saw are the same before and after the resume, one host per learner, three hosts in all.
 * No task process is left.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { alive, ensureCli, journal, rose, start, tempDir, waitFor } from "../cli/helpers.ts"
import { collectPids, waitGone } from "../support/processes.ts"
import { requireSshd } from "./sshd.ts"

let cli: string
let dir: string
let flag: string

beforeAll(async () => {
  const sshd = await requireSshd()
  cli = await ensureCli()
  dir = tempDir("rose-ssh-resume-")
  const mark = `echo $$ >> pids; echo "$ROSE_ITERATION $ROSE_TASK $ROSE_TEST_HOST" >> hosts`
  // Waits at iteration 2 while the flag file exists (the remote tasks do not get rose's environment).
  flag = NodePath.join(dir, "slow-flag")
  const simulation = `${mark}; if [ -e ${flag} ] && [ "$ROSE_ITERATION" = 2 ]; then echo $$ > slow.pid; while [ -e ${flag} ]; do sleep 0.1; done; fi`
  const criterion = `${mark}; awk -v i="$ROSE_ITERATION" -v l="$ROSE_LEARNER" 'BEGIN { printf "%.4f\\n", 1 / (i + 2 + l) }'`
  const state = `${mark}; echo "{\\"seen\\": $ROSE_ITERATION}"`
  NodeFs.writeFileSync(
    NodePath.join(dir, "pool.rose"),
    `backend ssh "pool" {
  hosts: ${JSON.stringify(sshd.hosts)},
  ssh_config: ${JSON.stringify(sshd.config)},
  slots: 2,
  grace: 1
}

active "r" {
  parallel 3
  max_iter 4
  simulation   = shell ${JSON.stringify(simulation)}
  training     = shell ${JSON.stringify(state)}
  active_learn = shell ${JSON.stringify(mark)}
  criterion    = shell ${JSON.stringify(criterion)}
  stop when mse < 0.0001
}
`
  )
})

afterAll(() => NodeFs.rmSync(dir, { recursive: true, force: true }))

const comparable = (runDir: string) => {
  const r = JSON.parse(NodeFs.readFileSync(NodePath.join(runDir, "results.json"), "utf8"))
  for (const k of ["runId", "sessionId", "startedAt", "finishedAt", "durationMs"]) delete r[k]
  return r
}

/** How many tasks the second session journaled as started (a re-attached task's start is journaled again). */
const reattached = (runDir: string) => {
  const events = journal(runDir)
  const second = events.findLastIndex((e) => e.type === "run_started")
  return events.slice(second).filter((e) => e.type === "task_started" && e.task === "simulation").length
}

/** Per learner, the hosts its tasks were journaled on. */
const journaledHosts = (runDir: string) => {
  const out = new Map<number, Set<string>>()
  for (const e of journal(runDir).filter((x) => x.type === "task_started")) {
    if (!out.has(e.learner.index)) out.set(e.learner.index, new Set())
    out.get(e.learner.index)!.add(e.host)
  }
  return out
}

/** Per learner, the hosts its tasks' sessions said they were on. */
const markedHosts = (runDir: string, k: number) =>
  new Set(
    NodeFs.readFileSync(NodePath.join(runDir, `learners/r-${k}/hosts`), "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split(" ")[2])
  )

describe("rose resume over SSH", () => {
  it("continues a run killed with SIGKILL, each learner on its own host, as an uninterrupted run ends", async () => {
    const reference = await rose(cli, ["run", "pool.rose", "--out", "reference"], dir)
    assert.strictEqual(reference.code, 0, reference.stderr)

    const crashed = NodePath.join(dir, "crashed")
    NodeFs.writeFileSync(NodePath.join(dir, "slow-flag"), "")
    const running = start(cli, ["run", "pool.rose", "--out", "crashed"], dir)
    const slow = [0, 1, 2].map((k) => NodePath.join(crashed, `learners/r-${k}/slow.pid`))
    await waitFor("every learner in its waiting simulation", () => slow.every((p) => NodeFs.existsSync(p)), 60_000)
    running.child.kill("SIGKILL")
    await running.done
    const survivors = slow.map((p) => Number(NodeFs.readFileSync(p, "utf8")))
    assert.isTrue(survivors.every(alive), "the killed rose left its remote tasks running")
    const before = journaledHosts(crashed)
    const hostsBefore = [0, 1, 2].map((k) => [...before.get(k)!])
    for (const hosts of hostsBefore) assert.strictEqual(hosts.length, 1)
    assert.strictEqual(new Set(hostsBefore.flat()).size, 3, "three learners on three hosts")

    const resuming = start(cli, ["resume", "crashed"], dir)
    // The resumed run waits for the simulations it re-attached to; they are the same processes.
    await waitFor(
      "the resumed run to re-attach to every simulation",
      () => journal(crashed).filter((e) => e.type === "run_started").length === 2 && reattached(crashed) === 3,
      60_000
    )
    assert.isTrue(survivors.every(alive), "re-attached, not killed")
    NodeFs.rmSync(flag)
    const resumed = await resuming.done
    assert.strictEqual(resumed.code, 0, resumed.stderr)
    assert.deepStrictEqual(await waitGone(survivors, 10), [])
    assert.deepStrictEqual(comparable(crashed), comparable(NodePath.join(dir, "reference")))
    for (let k = 0; k < 3; k++) {
      const sims = NodeFs.readFileSync(NodePath.join(crashed, `learners/r-${k}/hosts`), "utf8")
        .split("\n")
        .filter((l) => l.startsWith("2 simulation "))
      assert.strictEqual(sims.length, 1, `r[${k}]'s iteration 2 simulation started once`)
    }

    // Iterations 0 and 1 ran once; iteration 2 was finished after the resume; the run went to the end.
    const after = journal(crashed)
    assert.strictEqual(after.filter((e) => e.type === "run_started").length, 2)
    for (let k = 0; k < 3; k++) {
      const done = after.filter((e) => e.type === "iteration_completed" && e.learner.index === k)
      assert.deepStrictEqual(
        done.map((e) => e.iteration),
        [0, 1, 2, 3]
      )
    }
    // Each learner kept its host: in the journal (both sessions) and in what its tasks saw.
    const all = journaledHosts(crashed)
    for (let k = 0; k < 3; k++) {
      assert.deepStrictEqual([...all.get(k)!], hostsBefore[k], `r[${k}] journaled on one host`)
      assert.deepStrictEqual([...markedHosts(crashed, k)], hostsBefore[k], `r[${k}]'s tasks saw its host`)
    }
    // Nothing the tasks started is left, on any host (they share this machine's processes).
    assert.deepStrictEqual(await waitGone(collectPids(NodePath.join(crashed, "learners")), 10), [])
  })
})
