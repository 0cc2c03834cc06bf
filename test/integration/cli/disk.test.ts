/**
 * `rose run` when the disk says no: a run directory on a small tmpfs that fills up (by a task's own
 * output, or by another process while the run goes on), and a read-only working directory. The run
 * must end within seconds with one line naming the path and the system's reason, kill every task,
 * and leave a journal of whole lines; it must never hang. Mounting needs root, as the integration
 * suite does.
 */
import * as ChildProcess from "node:child_process"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { waitGone } from "../support/processes.ts"
import { ensureCli, start, tempDir, waitFor } from "./helpers.ts"

let cli: string
let dir: string
const mounts: Array<string> = []

/** A fresh tmpfs of `size` (e.g. `200k`) inside this test's folder. */
const tmpfs = (name: string, size: string, readOnly = false): string => {
  const at = NodePath.join(dir, name)
  NodeFs.mkdirSync(at)
  const r = ChildProcess.spawnSync(
    "mount",
    ["-t", "tmpfs", "-o", `size=${size}${readOnly ? ",ro" : ""}`, "tmpfs", at],
    {
      encoding: "utf8"
    }
  )
  if (r.status !== 0) throw new Error(`mount -t tmpfs failed (the integration suite runs as root): ${r.stderr}`)
  mounts.push(at)
  return at
}

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error("these tests mount a tmpfs: run them as root (npm test does)")
  cli = await ensureCli()
  dir = tempDir("rose-disk-")
})

afterAll(() => {
  for (const m of mounts.reverse()) ChildProcess.spawnSync("umount", ["-l", m])
  NodeFs.rmSync(dir, { recursive: true, force: true })
})

/** Every line of the journal is a whole JSON object, and the file ends with a newline. */
const assertWholeLines = (journal: string) => {
  const text = NodeFs.readFileSync(journal, "utf8")
  assert.isTrue(text.endsWith("\n"), "the journal ends with a torn line")
  for (const line of text.split("\n").slice(0, -1)) assert.doesNotThrow(() => JSON.parse(line), line.slice(0, 200))
}

/** Runs `rose ARGS`, killing it if it has not ended after 30 s (a hang fails the test, not the suite). */
const roseWithin = async (args: ReadonlyArray<string>, cwd: string) => {
  const run = start(cli, args, cwd)
  const timer = setTimeout(() => run.child.kill("SIGKILL"), 30_000)
  const r = await run.done
  clearTimeout(timer)
  assert.isNull(r.signal, `rose hung and was killed by the test; stderr: ${r.stderr.slice(-500)}`)
  return r
}

/** The lines of stderr that are ours (`rose: …`). */
const roseLines = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("rose: "))

describe("a full disk ends the run, it does not hang it", () => {
  it("a task whose output fills the run directory's disk", async () => {
    const disk = tmpfs("full-by-task", "200k")
    const program = NodePath.join(dir, "fill.rose")
    NodeFs.writeFileSync(
      program,
      `active "fill" {
  parallel 2
  max_iter 3
  simulation   = exec "node -e \\"process.stdout.write('x'.repeat(60000))\\""
  training     = exec "true"
  active_learn = exec "true"
}
`
    )
    const out = NodePath.join(disk, "run")
    const r = await roseWithin(["run", program, "--out", out], dir)
    assert.strictEqual(r.code, 1, r.stderr)
    const lines = roseLines(r.stderr)
    assert.include(lines[0], `rose: cannot write ${out}/`)
    assert.include(lines[0], "no space left on device")
    for (const l of lines) assert.notInclude(l, "SystemError")
    assert.notInclude(r.stderr, "FileSystem.")
    assertWholeLines(NodePath.join(out, "events.jsonl"))
    // results.json is there, or the summary says it is not.
    if (!NodeFs.existsSync(NodePath.join(out, "results.json"))) {
      assert.include(r.stdout, "results        not written")
      assert.isTrue(lines.some((l) => l === `rose: cannot write ${out}/results.json: no space left on device`))
    } else {
      const results = JSON.parse(NodeFs.readFileSync(NodePath.join(out, "results.json"), "utf8"))
      assert.strictEqual(results.status, "failed")
    }
  })

  it("another process fills the disk while tasks run: the journal's write fails, every task is killed", async () => {
    const disk = tmpfs("full-by-other", "1m")
    // Pid files live off the small disk, where they can still be written.
    const marks = NodePath.join(dir, "marks")
    NodeFs.mkdirSync(marks)
    const program = NodePath.join(dir, "slow.rose")
    NodeFs.writeFileSync(
      program,
      `active "slow" {
  parallel 2
  max_iter 100
  simulation   = exec "sleep 0.2"
  training     = shell "sh -c 'trap \\"\\" TERM; sleep 60' & echo $! >> ${marks}/pids; sleep 0.3"
  active_learn = exec "true"
}
`
    )
    const out = NodePath.join(disk, "run")
    const run = start(cli, ["run", program, "--out", out, "--max-concurrency", "4"], dir)
    await waitFor("a training task to start", () => NodeFs.existsSync(NodePath.join(marks, "pids")))
    NodeFs.writeFileSync(NodePath.join(disk, "filler"), Buffer.alloc(0))
    ChildProcess.spawnSync("dd", ["if=/dev/zero", `of=${NodePath.join(disk, "filler")}`, "bs=64k", "count=64"])
    const timer = setTimeout(() => run.child.kill("SIGKILL"), 30_000)
    const r = await run.done
    clearTimeout(timer)
    assert.isNull(r.signal, `rose hung and was killed by the test; stderr: ${r.stderr.slice(-500)}`)
    assert.strictEqual(r.code, 1, r.stderr)
    const lines = roseLines(r.stderr)
    assert.strictEqual(
      lines[0],
      `rose: cannot write ${out}/events.jsonl: no space left on device; the run was stopped and every task killed`
    )
    assertWholeLines(NodePath.join(out, "events.jsonl"))
    // Each training task left a TERM-ignoring child in its process group: the group was killed.
    const pids = NodeFs.readFileSync(NodePath.join(marks, "pids"), "utf8").trim().split("\n").map(Number)
    assert.deepStrictEqual(await waitGone(pids, 10), [])
  })

  it("a disk already full: nothing runs, and the message says why", async () => {
    const disk = tmpfs("full-before", "64k")
    ChildProcess.spawnSync("dd", ["if=/dev/zero", `of=${NodePath.join(disk, "filler")}`, "bs=64k", "count=2"])
    const program = NodePath.join(dir, "tiny.rose")
    NodeFs.writeFileSync(
      program,
      `active "t" {
  max_iter 1
  training     = exec "true"
  active_learn = exec "true"
}
`
    )
    const r = await roseWithin(["run", program, "--out", NodePath.join(disk, "run")], dir)
    assert.strictEqual(r.code, 2, r.stderr)
    const message = r.stderr.trim().split("\n").at(-1)!
    assert.match(message, /^cannot (write|create the folder) .*: no space left on device/)
  })
})

describe("a read-only folder", () => {
  it("as the working directory: the reason is the read-only file system, and --out is suggested", async () => {
    const ro = tmpfs("read-only", "64k", true)
    const program = NodePath.join(dir, "tiny.rose")
    const r = await roseWithin(["run", program], ro)
    assert.strictEqual(r.code, 2, r.stderr)
    const message = r.stderr.trim()
    assert.strictEqual(message.split("\n").length, 1, message)
    assert.include(message, `cannot create the folder ${ro}/runs: read-only file system`)
    assert.include(message, "--out DIR")
    assert.notInclude(message, "ENOENT")
  })

  it("as --out", async () => {
    const ro = mounts.find((m) => m.endsWith("read-only"))!
    const r = await roseWithin(["run", NodePath.join(dir, "tiny.rose"), "--out", NodePath.join(ro, "x")], dir)
    assert.strictEqual(r.code, 2, r.stderr)
    assert.include(r.stderr, `cannot create the folder ${ro}/x: read-only file system`)
  })
})
