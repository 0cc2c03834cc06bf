/**
 * The script the SSH backend runs for PBT's folder copies, run here by the local /bin/sh: the target
 * ends up with the source's files (hidden ones, sub-folders, odd names) and none of its own, while
 * the `iter-<n>` folders of both sides stay where they are; between two hosts, the same through a
 * base64 tar archive read on one side and unpacked on the other.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterEach, assert, describe, it } from "@effect/vitest"
import { packScript, script, unpackScript } from "../../../backends/internal/sshMirror.ts"

const made: Array<string> = []
afterEach(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

/** A fresh folder, removed after the test. */
const tempRoot = (): string => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "rose-ssh-mirror-"))
  made.push(root)
  return root
}

/** Runs a script with the local /bin/sh as the backend runs one over ssh (`sh -s`). */
const sh = (input: string) => spawnSync("/bin/sh", ["-s"], { input, encoding: "utf8" })

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
    const root = tempRoot()
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
    const run = sh(script(from, to))
    assert.strictEqual(run.status, 0, run.stderr)
    assert.deepStrictEqual(tree(to), [
      ".state=source state",
      "iter-0/training.out=own output",
      "iter-x=not an iteration folder",
      "model/ckpt/w.bin=source weights"
    ])
  })

  it("empties the target when the source has no folder", () => {
    const root = tempRoot()
    const to = path.join(root, "to")
    fs.mkdirSync(path.join(to, "iter-3"), { recursive: true })
    fs.writeFileSync(path.join(to, "a"), "own")
    const run = sh(script(path.join(root, "missing"), to))
    assert.strictEqual(run.status, 0, run.stderr)
    assert.deepStrictEqual(fs.readdirSync(to), ["iter-3"])
  })
  it("between two hosts: the archive read from the source makes the target what one script makes it", () => {
    const root = tempRoot()
    const from = path.join(root, "from dir")
    const to = path.join(root, "to's")
    fs.mkdirSync(path.join(from, "model", "ckpt"), { recursive: true })
    fs.mkdirSync(path.join(from, "iter-1"), { recursive: true })
    fs.writeFileSync(path.join(from, "model", "ckpt", "w.bin"), Buffer.from([0, 255, 10, 13, 39, 34]))
    fs.writeFileSync(path.join(from, ".state"), "source state")
    fs.writeFileSync(path.join(from, "-dash"), "odd name")
    fs.writeFileSync(path.join(from, "iter-1", "training.out"), "source output")
    fs.mkdirSync(path.join(to, "iter-0"), { recursive: true })
    fs.writeFileSync(path.join(to, "iter-0", "training.out"), "own output")
    fs.writeFileSync(path.join(to, "old"), "own file")
    const packed = sh(packScript(from))
    assert.strictEqual(packed.status, 0, packed.stderr)
    assert.match(packed.stdout, /^[A-Za-z0-9+/=\n]+$/, "text that survives a captured stdout and a heredoc")
    const unpacked = sh(unpackScript(packed.stdout, to))
    assert.strictEqual(unpacked.status, 0, unpacked.stderr)
    assert.deepStrictEqual(fs.readdirSync(to).sort(), ["-dash", ".state", "iter-0", "model"])
    assert.deepStrictEqual([...fs.readFileSync(path.join(to, "model", "ckpt", "w.bin"))], [0, 255, 10, 13, 39, 34])
    assert.strictEqual(fs.readFileSync(path.join(to, "iter-0", "training.out"), "utf8"), "own output")
    assert.isFalse(fs.existsSync(path.join(to, "iter-1")))
  })

  it("between two hosts: a source with no folder or no entries empties the target", () => {
    const root = tempRoot()
    const empty = path.join(root, "empty")
    fs.mkdirSync(path.join(empty, "iter-0"), { recursive: true })
    for (const from of [path.join(root, "missing"), empty]) {
      const to = path.join(root, "to")
      fs.mkdirSync(path.join(to, "iter-3"), { recursive: true })
      fs.writeFileSync(path.join(to, "a"), "own")
      const packed = sh(packScript(from))
      assert.strictEqual(packed.status, 0, packed.stderr)
      assert.strictEqual(packed.stdout, "")
      const unpacked = sh(unpackScript(packed.stdout, to))
      assert.strictEqual(unpacked.status, 0, unpacked.stderr)
      assert.deepStrictEqual(fs.readdirSync(to), ["iter-3"])
    }
  })
})
