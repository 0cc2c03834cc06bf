/**
 * A `./` script that does not exist: `rose check` warns with file:line:column and exits 0 as for any
 * warning; `rose run` shows the same warning and runs.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { ensureCli, rose, tempDir } from "./helpers.ts"

const text = `active "sweep" {
  max_iter 2
  simulation   = exec "python3 ./sim.py"
  training     = exec "node ./train.mjs"
  active_learn = exec "node ./train.mjs"
}
`

describe("a missing ./ script", () => {
  let cli = ""
  let dir = ""
  beforeAll(async () => {
    cli = await ensureCli()
    dir = tempDir("rose-missing-script-")
    NodeFs.mkdirSync(NodePath.join(dir, "proj"))
    NodeFs.writeFileSync(NodePath.join(dir, "proj/x.rose"), text)
    NodeFs.writeFileSync(NodePath.join(dir, "proj/train.mjs"), "")
  }, 120_000)
  afterAll(() => NodeFs.rmSync(dir, { recursive: true, force: true }))

  const warning = "proj/x.rose:3:32 warning[W003]: ./sim.py does not exist ("

  it("rose check warns with where and what to do, and exits 0", async () => {
    const r = await rose(cli, ["check", "proj/x.rose"], dir, { NO_COLOR: "1" })
    assert.strictEqual(r.code, 0, r.stderr)
    assert.include(r.stderr, `${warning}${NodePath.join(dir, "proj/sim.py")}); create it, or correct the path`)
    assert.notInclude(r.stderr, "train.mjs")
    assert.strictEqual(r.stdout, "proj/x.rose: ok (with warnings)\n")
    const json = await rose(cli, ["check", "proj/x.rose", "--format", "json"], dir)
    const [result] = JSON.parse(json.stdout)
    assert.deepStrictEqual(
      result.diagnostics.map((d: { code: string; line: number; column: number }) => [d.code, d.line, d.column]),
      [["W003", 3, 32]]
    )
  })

  it("rose run shows the warning and runs", async () => {
    const out = NodePath.join(dir, "run")
    const r = await rose(cli, ["run", "proj/x.rose", "--dry-run", "--out", out], dir, { NO_COLOR: "1" })
    assert.strictEqual(r.code, 0, r.stderr)
    assert.include(r.stderr, warning)
    assert.isTrue(NodeFs.existsSync(NodePath.join(out, "results.json")))
  })
})
