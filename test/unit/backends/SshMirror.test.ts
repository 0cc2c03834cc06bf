/**
 * The script the SSH backend runs for PBT's folder copies, run here by the local /bin/sh: the target
 * ends up with the source's files (hidden ones, sub-folders, odd names) and none of its own, while
 * the `iter-<n>` folders of both sides stay where they are.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterEach, assert, describe, it } from "@effect/vitest"
import { script } from "../../../backends/internal/sshMirror.ts"

const made: Array<string> = []
afterEach(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

const tree = (dir: string): Array<string> =>
  fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? tree(path.join(dir, e.name)).map((f) => `${e.name}/${f}`)
        : [`${e.name}=${fs.readFileSync(path.join(dir, e.name), "utf8")}`]
    )
    .sort()

describe("sshMirror script", () => {
  it("replaces the target's files with the source's, iter-<n> folders aside", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "rose-ssh-mirror-"))
    made.push(root)
    const from = path.join(root, "from dir")
    const to = path.join(root, "to's")
    fs.mkdirSync(path.join(from, "model", "ckpt"), { recursive: true })
    fs.mkdirSync(path.join(from, "iter-1"), { recursive: true })
    fs.writeFileSync(path.join(from, "model", "ckpt", "w.bin"), "source weights")
    fs.writeFileSync(path.join(from, ".state"), "source state")
    fs.writeFileSync(path.join(from, "iter-1", "training.out"), "source output")
    fs.writeFileSync(path.join(from, "iter-x"), "not an iteration folder")
    fs.mkdirSync(path.join(to, "iter-0"), { recursive: true })
    fs.mkdirSync(path.join(to, "old"), { recursive: true })
    fs.writeFileSync(path.join(to, "iter-0", "training.out"), "own output")
    fs.writeFileSync(path.join(to, "old", "w.bin"), "own weights")
    fs.writeFileSync(path.join(to, ".state"), "own state")
    const run = spawnSync("/bin/sh", ["-s"], { input: script(from, to), encoding: "utf8" })
    assert.strictEqual(run.status, 0, run.stderr)
    assert.deepStrictEqual(tree(to), [
      ".state=source state",
      "iter-0/training.out=own output",
      "iter-x=not an iteration folder",
      "model/ckpt/w.bin=source weights"
    ])
  })

  it("empties the target when the source has no folder", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "rose-ssh-mirror-"))
    made.push(root)
    const to = path.join(root, "to")
    fs.mkdirSync(path.join(to, "iter-3"), { recursive: true })
    fs.writeFileSync(path.join(to, "a"), "own")
    const run = spawnSync("/bin/sh", ["-s"], { input: script(path.join(root, "missing"), to), encoding: "utf8" })
    assert.strictEqual(run.status, 0, run.stderr)
    assert.deepStrictEqual(fs.readdirSync(to), ["iter-3"])
  })
})
