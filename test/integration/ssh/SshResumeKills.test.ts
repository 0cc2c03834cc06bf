/**
 * Task-granular resume over SSH: a 2-learner `.rose` run on the loopback hosts is killed with SIGKILL
 * at random points (every third kill right after a `task_submitting` line, before the task's start
 * reaches the journal) and resumed each time, at least 20 kills in all. From the tasks' own start
 * records: no task ran twice, neither one whose finish was journaled nor one that was running at a
 * kill (it was re-attached); the results equal an uninterrupted run's; nothing is left running.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { assert, beforeAll, describe, it } from "@effect/vitest"
import { ensureCli, journal, rose, tempDir } from "../cli/helpers.ts"
import { comparable, invocations, killUntilDone, problems, seeded, writeTaskScript } from "../support/randomKills.ts"
import { pgrepLocal, requireSshd } from "./sshd.ts"

let cli: string
let dir: string
let hosts: ReadonlyArray<string>
let sshConfig: string

beforeAll(async () => {
  const sshd = await requireSshd()
  hosts = sshd.hosts
  sshConfig = sshd.config
  cli = await ensureCli()
  dir = tempDir("rose-ssh-resume-kills-")
})

const keyOf = (e: Record<string, any>) => `${e.learner.index}.${e.iteration}.${e.task}`

/** The program, its tasks appending their start and end records to `counts`. */
const program = (task: string, counts: string) => {
  // The simulation outlasts a resume's start-up: a kill during it leaves it running for the resumed
  // session to re-attach to (the other tasks mostly end before anyone looks: found ended).
  const run = (name: string) => JSON.stringify(`sh ${task} ${counts} ${name}${name === "simulation" ? " 6" : ""}`)
  return `backend ssh "pool" {
  hosts: ${JSON.stringify(hosts)},
  ssh_config: ${JSON.stringify(sshConfig)},
  slots: 2,
  grace: 1
}

active "r" {
  parallel 2
  max_iter 4
  simulation   = shell ${run("simulation")}
  training     = shell ${run("training")}
  active_learn = shell ${run("active_learn")}
  criterion    = shell ${run("criterion")}
  stop when mse < 0.09
}
`
}

describe("rose resume over SSH after random kills", () => {
  it("runs no task twice, re-attaching to those in flight, and ends as an uninterrupted run", async () => {
    const task = writeTaskScript(dir)
    NodeFs.writeFileSync(NodePath.join(dir, "reference.rose"), program(task, NodePath.join(dir, "reference.counts")))
    const reference = await rose(cli, ["run", "reference.rose", "--out", "reference"], dir)
    assert.strictEqual(reference.code, 0, reference.stderr)

    const random = seeded(Number(process.env.ROSE_KILL_SEED ?? 20))
    let kills = 0
    let submitKills = 0
    let round = 0
    let kept = 0
    let reattached = 0
    let whileRunning = 0
    while (kills < 20) {
      round++
      const counts = NodePath.join(dir, `round-${round}.counts`)
      NodeFs.writeFileSync(NodePath.join(dir, `round-${round}.rose`), program(task, counts))
      const out = NodePath.join(dir, `round-${round}`)
      const report = await killUntilDone({
        cli,
        cwd: dir,
        file: `round-${round}.rose`,
        out,
        kills: 20 - kills,
        // From the session's start: a resumed rose takes seconds to reach its tasks on a busy machine.
        minDelayMs: 500,
        maxDelayMs: 9000,
        submitKills: true,
        random
      })
      kills += report.kills
      submitKills += report.submitKills
      // SSH re-attaches: every task started once, whether it finished before a kill or ran across one.
      assert.deepStrictEqual(problems(out, counts, { once: true }), [], `round ${round}`)
      assert.deepStrictEqual(comparable(out), comparable(NodePath.join(dir, "reference")), `round ${round}`)
      const { starts, ends } = invocations(counts)
      for (const [key, n] of ends) assert.strictEqual(n, 1, `${key} ended once (round ${round})`)
      assert.strictEqual(ends.size, starts.size, `every task that started ended (round ${round})`)
      const events = journal(out)
      kept += events.filter((e) => e.type === "task_kept").length
      // A kept task whose finish was not journaled before: re-attached to, not kept from the journal.
      reattached += events.filter(
        (e, i) =>
          e.type === "task_kept" && !events.slice(0, i).some((f) => f.type === "task_finished" && keyOf(f) === keyOf(e))
      ).length
      // Re-attached while it still ran: its start journaled by a later session than its submission.
      const submittedBy = new Map<string, string>()
      for (const e of events) if (e.type === "task_submitting") submittedBy.set(keyOf(e), e.runId)
      whileRunning += events.filter(
        (e) => e.type === "task_started" && submittedBy.has(keyOf(e)) && submittedBy.get(keyOf(e)) !== e.runId
      ).length
    }
    assert.isAtLeast(kills, 20)
    assert.isAbove(submitKills, 0, "some kills landed between a submit and the task's start")
    assert.isAbove(kept, 0, "finished tasks of interrupted iterations were kept or re-attached")
    assert.isAbove(reattached, 0)
    assert.isAbove(whileRunning, 0, "some tasks were re-attached to while they ran")
    // Nothing the tasks or the launchers started is left (the loopback hosts share this machine).
    assert.deepStrictEqual(pgrepLocal(task), [])
  }, 900_000)
})
