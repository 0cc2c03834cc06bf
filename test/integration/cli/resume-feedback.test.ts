/**
 * `rose resume` restores `prev` for feedback schedules: a learner whose training config is computed
 * from `prev.metric` and `prev.state.training.k` (an adaptive entry in a `.rose` file) gets the same
 * resolved values after its `rose` was killed with SIGKILL mid-way and the run resumed as in an
 * uninterrupted run: in the journal (every iteration's resolved config) and in what the training
 * task itself received on its command line. The values chain from iteration to iteration (the
 * state a training prints depends on what it was given), so a `prev` lost at the resume point
 * changes every later iteration.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { alive, ensureCli, journal, rose, start, tempDir, waitFor } from "./helpers.ts"

let cli: string
let dir: string

beforeAll(async () => {
  cli = await ensureCli()
  dir = tempDir("rose-resume-feedback-")
  // training: records its argv, prints its state {"k": carry + scale + 1}.
  NodeFs.writeFileSync(
    NodePath.join(dir, "train.mjs"),
    `import * as fs from "node:fs"
const args = process.argv.slice(2)
const get = (k) => Number(args[args.indexOf("--" + k) + 1])
fs.appendFileSync("train-args.txt", process.env.ROSE_ITERATION + " " + args.join(" ") + "\\n")
console.log(JSON.stringify({ k: Math.round((get("carry") + get("scale") + 1) * 1000) / 1000 }))
`
  )
  // The metric depends only on the learner and the iteration, so two runs agree.
  const criterion = `awk -v i="$ROSE_ITERATION" -v l="$ROSE_LEARNER" 'BEGIN { printf "%.4f\\n", 1 / (i + 2 + l) }'`
  // simulation hangs at iteration 2 when SLOW is set: the crashed run is killed there.
  const simulation = `echo "$ROSE_ITERATION" >> sim.txt; if [ -n "$SLOW" ] && [ "$ROSE_ITERATION" = 2 ]; then echo $$ > slow.pid; exec sleep 300; fi`
  NodeFs.writeFileSync(
    NodePath.join(dir, "feedback.rose"),
    `backend local { concurrency: 2 }

active "fb" {
  parallel 2
  max_iter 5
  simulation   = shell ${JSON.stringify(simulation)}
  training     = exec "node ./train.mjs" with { scale: 0, carry: 0 }
  active_learn = exec "true"
  criterion    = shell ${JSON.stringify(criterion)}
  stop when mse < 0.0001

  learner 0 { training { scale: (prev.metric ?? -1) * 10, carry: prev.state.training.k ?? -1 } }
  learner 1 { training { scale: (prev.metric ?? -1) * 100 + i, carry: (prev.state.training.k ?? -1) * 2 } }
}
`
  )
})

afterAll(() => NodeFs.rmSync(dir, { recursive: true, force: true }))

/** Each iteration's resolved training kwargs, per learner, from the journal's iteration_completed. */
const resolved = (runDir: string) => {
  const out: Record<string, Array<unknown>> = {}
  for (const e of journal(runDir)) {
    if (e.type !== "iteration_completed") continue
    const key = `${e.learner.name}[${e.learner.index}]`
    out[key] ??= []
    out[key][e.iteration] = e.config.training.kwargs
  }
  return out
}

/** What training received at each iteration (the last run of it, for an iteration run twice). */
const received = (runDir: string, k: number) => {
  const byIteration = new Map<string, string>()
  for (const line of NodeFs.readFileSync(NodePath.join(runDir, `learners/fb-${k}/train-args.txt`), "utf8")
    .trim()
    .split("\n")) {
    const at = line.indexOf(" ")
    byIteration.set(line.slice(0, at), line.slice(at + 1))
  }
  return [...byIteration.entries()].sort((a, b) => Number(a[0]) - Number(b[0]))
}

describe("rose resume with feedback schedules", () => {
  it("resolves prev.metric and prev.state after a SIGKILL and resume as an uninterrupted run does", async () => {
    const reference = await rose(cli, ["run", "feedback.rose", "--out", "reference"], dir)
    assert.strictEqual(reference.code, 0, reference.stderr)
    const expected = resolved(NodePath.join(dir, "reference"))
    // The configs really depend on prev: from iteration 1 on, neither value is the "no prev" fallback.
    const fallback = (k: number, i: number) => (k === 0 ? { scale: -10, carry: -1 } : { scale: -100 + i, carry: -2 })
    assert.sameMembers(Object.keys(expected), ["fb[0]", "fb[1]"])
    for (const [k, configs] of [expected["fb[0]"]!, expected["fb[1]"]!].entries()) {
      assert.strictEqual(configs.length, 5)
      assert.deepStrictEqual(configs[0], fallback(k, 0))
      for (const [i, c] of (configs as Array<{ scale: number; carry: number }>).entries()) {
        if (i === 0) continue
        assert.notStrictEqual(c.scale, fallback(k, i).scale, `fb[${k}] iteration ${i}`)
        assert.notStrictEqual(c.carry, fallback(k, i).carry, `fb[${k}] iteration ${i}`)
      }
    }

    const crashed = NodePath.join(dir, "crashed")
    const running = start(cli, ["run", "feedback.rose", "--out", "crashed"], dir, { SLOW: "1" })
    const slow = [0, 1].map((k) => NodePath.join(crashed, `learners/fb-${k}/slow.pid`))
    await waitFor("both learners in their slow iteration", () => slow.every((p) => NodeFs.existsSync(p)), 60_000)
    running.child.kill("SIGKILL")
    await running.done
    const survivors = slow.map((p) => Number(NodeFs.readFileSync(p, "utf8")))
    // Killed mid-way: iterations 0 and 1 done, iteration 2 started, nothing after.
    const before = journal(crashed).filter((e) => e.type === "iteration_completed")
    assert.sameMembers(
      before.map((e) => `${e.learner.index}/${e.iteration}`),
      ["0/0", "0/1", "1/0", "1/1"]
    )

    const resumed = await rose(cli, ["resume", "crashed"], dir)
    assert.strictEqual(resumed.code, 0, resumed.stderr)
    assert.isFalse(survivors.some(alive), "the survivors were killed")
    assert.deepStrictEqual(resolved(crashed), expected)
    for (const k of [0, 1]) {
      assert.deepStrictEqual(received(crashed, k), received(NodePath.join(dir, "reference"), k), `fb[${k}]`)
    }
    const results = JSON.parse(NodeFs.readFileSync(NodePath.join(crashed, "results.json"), "utf8"))
    assert.deepStrictEqual(
      results.learners.map((l: any) => [l.stopReason, l.iterations, l.state.training.k]),
      JSON.parse(NodeFs.readFileSync(NodePath.join(dir, "reference/results.json"), "utf8")).learners.map((l: any) => [
        l.stopReason,
        l.iterations,
        l.state.training.k
      ])
    )
  })
})
