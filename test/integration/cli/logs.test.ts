/**
 * A failed task leads to its log, end to end with the bundled CLI: the failure lines of `rose run`
 * carry the whole last line of a long stderr and the task's `.err` path, `rose logs` prints the
 * files (and follows a running run until it ends), and report.html links to the `.err` file.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { cleanUp, ensureCli, journal, rose, start, tempDir, waitFor, writeProgram } from "./helpers.ts"

let cli: string
let dir: string
const cause = `python3: can't open file '/nowhere/${"deep-folder/".repeat(18)}sim.py': [Errno 2] No such file or directory`
const errPath = "failed/learners/sweep-1/iter-0/training.err"

beforeAll(async () => {
  cli = await ensureCli()
  dir = tempDir("rose-logs-")
  NodeFs.writeFileSync(NodePath.join(dir, "cause.txt"), `loading the data\n${cause}\n`)
  NodeFs.writeFileSync(
    NodePath.join(dir, "train.sh"),
    `echo "training learner $ROSE_LEARNER"
if [ "$ROSE_LEARNER" = 1 ]; then
  cat ${JSON.stringify(NodePath.join(dir, "cause.txt"))} >&2
  exit 2
fi
`
  )
  writeProgram(
    dir,
    "fail.ts",
    `export default Rose.program({
  learners: [
    Rose.active("sweep", {
      parallel: 2,
      maxIter: 2,
      tasks: { training: Rose.shell(${JSON.stringify(`sh ${NodePath.join(dir, "train.sh")}`)}), active_learn: Rose.exec("true") }
    })
  ]
})`
  )
  writeProgram(
    dir,
    "slow.ts",
    `export default Rose.program({
  learners: [
    Rose.active("slow", {
      parallel: 1,
      maxIter: 3,
      tasks: {
        training: Rose.shell('sleep 1; echo "hello from iteration $ROSE_ITERATION"'),
        active_learn: Rose.exec("true")
      }
    })
  ]
})`
  )
}, 120_000)

afterAll(() => {
  NodeFs.rmSync(dir, { recursive: true, force: true })
})

describe("a failure leads to its log", () => {
  it("shows the whole stderr line and the .err path, rose logs prints it, the report links it", async () => {
    assert.isAbove(cause.length, 200)
    const run = await rose(cli, ["run", "fail.ts", "--out", "failed"], dir)
    assert.strictEqual(run.code, 1, run.stderr)
    const lines = run.stdout.split("\n")
    const head = lines.findIndex((l) => / sweep\[1\] task training failed \(iteration 0, attempt 1\): exit 2$/.test(l))
    assert.isAtLeast(head, 0, run.stdout)
    assert.deepStrictEqual(lines.slice(head + 1, head + 5), [
      "  loading the data",
      `  ${cause}`,
      `  stderr: ${errPath}`,
      "  stdout: failed/learners/sweep-1/iter-0/training.out"
    ])
    // the summary lists the failed task the same way
    assert.include(
      run.stdout,
      `sweep[1] training @0 (attempt 1): exit 2\n  loading the data\n  ${cause}\n  stderr: ${errPath}\n`
    )

    const logs = await rose(cli, ["logs", "failed", "sweep[1]", "--err"], dir)
    assert.strictEqual(logs.code, 0, logs.stderr)
    assert.strictEqual(logs.stdout, `==> ${errPath} <==\nloading the data\n${cause}\n`)
    const all = await rose(cli, ["logs", "failed", "sweep", "--iteration", "0", "--task", "training"], dir)
    assert.strictEqual(all.code, 0, all.stderr)
    assert.deepStrictEqual(
      all.stdout.split("\n").filter((l) => l.startsWith("==> ")),
      [
        "==> failed/learners/sweep-0/iter-0/training.out <==",
        "==> failed/learners/sweep-0/iter-0/training.err <==",
        "==> failed/learners/sweep-1/iter-0/training.out <==",
        `==> ${errPath} <==`
      ]
    )
    assert.include(all.stdout, "training learner 0\n")
    const outOnly = await rose(cli, ["logs", "failed", "sweep-0", "--out"], dir)
    assert.include(outOnly.stdout, "training learner 0")
    assert.notInclude(outOnly.stdout, ".err <==")
    assert.notInclude(outOnly.stdout, "sweep-1")

    const unknown = await rose(cli, ["logs", "failed", "swep[1]"], dir)
    assert.strictEqual(unknown.code, 2)
    assert.include(unknown.stderr, "no learner 'swep[1]' in this run; did you mean 'sweep[1]'?")
    const outOfRange = await rose(cli, ["logs", "failed", "sweep[7]"], dir)
    assert.strictEqual(outOfRange.code, 2)
    NodeFs.mkdirSync(NodePath.join(dir, "empty"))
    const notRun = await rose(cli, ["logs", "empty"], dir)
    assert.strictEqual(notRun.code, 2)
    assert.include(notRun.stderr, "empty: no journal (events.jsonl) here; is it a run directory?")

    const html = NodeFs.readFileSync(NodePath.join(dir, "failed/report.html"), "utf8")
    const href = /href="(learners\/sweep-1\/[^"]*\.err)"/.exec(html)?.[1]
    assert.strictEqual(href, "learners/sweep-1/iter-0/training.err")
    assert.include(NodeFs.readFileSync(NodePath.join(dir, "failed", href!), "utf8"), cause)
  }, 120_000)

  it("follows a running run: a later task's output appears, and it exits when the run ends", async () => {
    const out = NodePath.join(dir, "slow")
    const run = start(cli, ["run", "slow.ts", "--out", out], dir)
    let follow: ReturnType<typeof start> | undefined
    try {
      await waitFor("the first task", () => journal(out).some((e) => e.type === "task_started"), 60_000)
      const later = NodePath.join(out, "learners/slow-0/iter-2/training.out")
      assert.isFalse(NodeFs.existsSync(later))
      follow = start(cli, ["logs", out, "-f"], dir)
      const ended = await follow.done
      assert.strictEqual(ended.code, 0, ended.stderr)
      // it ran until the run journaled its end
      assert.isTrue(journal(out).some((e) => e.type === "run_finished"))
      assert.include(ended.stdout, "==> slow/learners/slow-0/iter-2/training.out <==\nhello from iteration 2\n")
      for (const i of [0, 1, 2]) assert.include(ended.stdout, `hello from iteration ${i}\n`)
      assert.strictEqual((await run.done).code, 0)
    } finally {
      if (follow !== undefined) await cleanUp(follow)
      await cleanUp(run)
    }
  }, 120_000)
})
