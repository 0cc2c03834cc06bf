/**
 * `rose run --fsync`: the journal is fsync'ed after each write. Checked from outside with strace
 * (`strace -f -y`, which names the file behind each descriptor), on `rose` itself: with `--fsync`
 * every batch of writes to `events.jsonl` is followed by an fsync (or fdatasync) of that file before
 * the next one; without it the journal is written and never fsync'ed.
 *
 * Needs strace (Debian: apt-get install strace); the test fails, saying so, without it.
 */
import * as ChildProcess from "node:child_process"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { ensureCli, journal, tempDir } from "./helpers.ts"

let cli: string
let dir: string

beforeAll(async () => {
  const probe = ChildProcess.spawnSync("strace", ["-V"], { encoding: "utf8" })
  if (probe.error !== undefined || probe.status !== 0) {
    throw new Error("this test needs strace on PATH (Debian: apt-get install strace)")
  }
  cli = await ensureCli()
  dir = tempDir("rose-fsync-")
  NodeFs.writeFileSync(
    NodePath.join(dir, "small.rose"),
    `backend local { concurrency: 2 }

active "j" {
  parallel 2
  max_iter 3
  training     = exec "true"
  active_learn = exec "true"
}
`
  )
})

/** Runs `rose run small.rose` under strace; the journal's writes and syncs in the order they were made. */
const traced = (out: string, extra: ReadonlyArray<string>) => {
  const trace = NodePath.join(dir, `${out}.strace`)
  const r = ChildProcess.spawnSync(
    "strace",
    [
      "-f",
      "-y",
      "-qq",
      "-e",
      "trace=write,pwrite64,writev,pwritev,pwritev2,fsync,fdatasync",
      "-o",
      trace,
      process.execPath,
      cli,
      "run",
      "small.rose",
      "--out",
      out,
      ...extra
    ],
    { cwd: dir, encoding: "utf8", timeout: 120_000, env: { ...process.env, NO_COLOR: "1" } }
  )
  assert.strictEqual(r.status, 0, `${r.stderr}`)
  const journalPath = NodeFs.realpathSync(NodePath.join(dir, out, "events.jsonl"))
  const ops: Array<"W" | "S"> = []
  for (const line of NodeFs.readFileSync(trace, "utf8").split("\n")) {
    // `1234 write(23</tmp/…/events.jsonl>, "…", 120) = 120` (or `<unfinished …>`: the call's entry).
    const m = /^\d+\s+(\w+)\((\d+)<([^>]*)>/.exec(line)
    if (m === null || m[3] !== journalPath) continue
    ops.push(m[1] === "fsync" || m[1] === "fdatasync" ? "S" : "W")
  }
  return { ops: ops.join(""), events: journal(NodePath.join(dir, out)) }
}

afterAll(() => NodeFs.rmSync(dir, { recursive: true, force: true }))

describe("rose run --fsync", () => {
  it("fsyncs the journal after every write with --fsync, and never without it", async () => {
    const synced = traced("synced", ["--fsync"])
    const finished = synced.events.filter((e) => e.type === "task_finished").length
    assert.strictEqual(finished, 2 * 3 * 2, "the run did its work")
    assert.include(synced.ops, "W", "the journal was written (strace saw it)")
    // Each batch: one or more writes, then a sync before anything else is written.
    assert.match(synced.ops, /^(W+S+)+$/, `journal syscalls in order: ${synced.ops}`)

    const plain = traced("plain", [])
    assert.include(plain.ops, "W")
    assert.notInclude(plain.ops, "S", "without --fsync the journal is never fsync'ed")
  })
})
