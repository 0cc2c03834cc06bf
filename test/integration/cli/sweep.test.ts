/**
 * `rose plan` and `rose run` on a sweep: each generated learner is named by its point in the plan
 * (text and JSON) and in results.json, and runs with its point's kwargs.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { ensureCli, rose, tempDir } from "./helpers.ts"

let cli: string
let dir: string

beforeAll(async () => {
  cli = await ensureCli()
  dir = tempDir("rose-sweep-")
  NodeFs.writeFileSync(
    NodePath.join(dir, "sweep.rose"),
    `active "grid" {
  max_iter 1
  simulation   = exec "sh -c {script} sim" with { script: "echo $* > sim-args" }
  training     = exec "true"
  active_learn = exec "true"
  sweep grid {
    simulation { n_labeled: [100, 200, 400] }
    training   { learning_rate: [0.1, 0.01] }
  }
  learners { training { seed: 10 + learner } }
}
`
  )
})

afterAll(() => NodeFs.rmSync(dir, { recursive: true, force: true }))

describe("rose plan and rose run on a sweep", () => {
  it("plan heads each generated learner with its point", async () => {
    const r = await rose(cli, ["plan", "sweep.rose"], dir)
    assert.strictEqual(r.code, 0, r.stderr)
    assert.include(r.stdout, "grid[0] {n_labeled=100, learning_rate=0.1}")
    assert.include(r.stdout, "grid[3] {n_labeled=200, learning_rate=0.01}")
    assert.include(r.stdout, "grid[5] {n_labeled=400, learning_rate=0.01}")
    assert.notInclude(r.stdout, "grid[6]")
    const json = JSON.parse((await rose(cli, ["plan", "sweep.rose", "--format", "json"], dir)).stdout)
    assert.deepStrictEqual(
      json.learners.map((l: { index: number; point: string }) => [l.index, l.point]),
      [
        [0, "n_labeled=100, learning_rate=0.1"],
        [1, "n_labeled=100, learning_rate=0.01"],
        [2, "n_labeled=200, learning_rate=0.1"],
        [3, "n_labeled=200, learning_rate=0.01"],
        [4, "n_labeled=400, learning_rate=0.1"],
        [5, "n_labeled=400, learning_rate=0.01"]
      ]
    )
    const training = json.rows.find(
      (row: { learner: { index: number }; task: string }) => row.learner.index === 3 && row.task === "training"
    )
    assert.deepStrictEqual(training.kwargs, { seed: 13, learning_rate: 0.01 })
  })

  it("run gives each learner its point's kwargs and records its label and point in results.json", async () => {
    const out = NodePath.join(dir, "run")
    const r = await rose(cli, ["run", "sweep.rose", "--out", out], dir)
    assert.strictEqual(r.code, 0, r.stderr)
    const results = JSON.parse(NodeFs.readFileSync(NodePath.join(out, "results.json"), "utf8"))
    assert.deepStrictEqual(results.learners[4].point, {
      simulation: { n_labeled: 400 },
      training: { learning_rate: 0.1 }
    })
    assert.strictEqual(results.learners[4].label, "n_labeled=400, learning_rate=0.1")
    const args = NodeFs.readFileSync(NodePath.join(out, "learners/grid-4/sim-args"), "utf8")
    assert.strictEqual(args.trim(), "--n_labeled 400")
  })
})
