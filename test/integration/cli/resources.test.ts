/**
 * The local backend refuses a task that asks for more cores than it has (`resources { cores: N }`
 * above its concurrency, or above `--max-concurrency`) instead of waiting forever for slots that can
 * never be free: the task fails at once, before any process starts, with `ResourceUnsatisfiable`
 * naming the task, what it asked for and what the backend has; its learner ends with `error`, the
 * other learners go on, and `rose run` exits 1. A task that asks for exactly the backend's cores runs.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { ensureCli, journal, start, tempDir } from "./helpers.ts"

let cli: string
let dir: string

beforeAll(async () => {
  cli = await ensureCli()
  dir = tempDir("rose-resources-")
  NodeFs.writeFileSync(
    NodePath.join(dir, "cores.rose"),
    `backend local { concurrency: 2 }

active "big" {
  max_iter 2
  training     = shell "echo ran >> ran.txt" resources { cores: 3 }
  active_learn = exec "true"
}

active "fits" {
  max_iter 2
  training     = shell "echo ran >> ran.txt" resources { cores: 2 }
  active_learn = exec "true"
}
`
  )
})

afterAll(() => NodeFs.rmSync(dir, { recursive: true, force: true }))

/** `rose ARGS…`, killed (and the test failed) if it has not ended within 60 s: a refusal must not hang. */
const rose = async (args: ReadonlyArray<string>) => {
  const run = start(cli, args, dir)
  const timer = setTimeout(() => run.child.kill("SIGKILL"), 60_000)
  const r = await run.done
  clearTimeout(timer)
  assert.isNull(r.signal, "rose hung and was killed")
  return r
}

const resultsOf = (runDir: string) => JSON.parse(NodeFs.readFileSync(NodePath.join(runDir, "results.json"), "utf8"))

describe("a task asking for more cores than the local backend has", () => {
  it("fails at once with ResourceUnsatisfiable; the learners that fit go on", async () => {
    const r = await rose(["run", "cores.rose", "--out", "run"])
    assert.strictEqual(r.code, 1, r.stderr)
    const runDir = NodePath.join(dir, "run")
    const message = 'resources cannot be satisfied: task "training" asks for 3 cores; backend local has 2'
    assert.include(r.stdout, message)

    const results = resultsOf(runDir)
    assert.strictEqual(results.status, "failed")
    const [big, fits] = ["big", "fits"].map((n) => results.learners.find((l: any) => l.name === n))
    assert.strictEqual(big.stopReason, "error")
    assert.strictEqual(big.iterations, 0)
    assert.deepInclude(big.failure, { task: "training", iteration: 0, attempt: 1, tag: "ResourceUnsatisfiable" })
    assert.strictEqual(big.failure.message, message)
    assert.strictEqual(fits.stopReason, "max_iter")
    assert.strictEqual(fits.iterations, 2)

    // Nothing of the refused task ran: no process, no task_started, one task_failed, no retry.
    assert.isFalse(NodeFs.existsSync(NodePath.join(runDir, "learners/big-0/ran.txt")))
    assert.strictEqual(NodeFs.readFileSync(NodePath.join(runDir, "learners/fits-0/ran.txt"), "utf8"), "ran\nran\n")
    const bigEvents = journal(runDir).filter((e) => e.learner?.name === "big")
    assert.deepStrictEqual(
      bigEvents.filter((e) => e.type.startsWith("task_") && e.type !== "task_queued").map((e) => e.type),
      ["task_failed"]
    )
  })

  it("--max-concurrency lowers what the backend has: a 2-core task is refused under --max-concurrency 1", async () => {
    const r = await rose(["run", "cores.rose", "--out", "capped", "--max-concurrency", "1"])
    assert.strictEqual(r.code, 1, r.stderr)
    const results = resultsOf(NodePath.join(dir, "capped"))
    for (const [name, cores] of [
      ["big", 3],
      ["fits", 2]
    ] as const) {
      const l = results.learners.find((x: any) => x.name === name)
      assert.strictEqual(l.stopReason, "error")
      assert.strictEqual(
        l.failure.message,
        `resources cannot be satisfied: task "training" asks for ${cores} cores; backend local has 1`
      )
    }
  })
})
