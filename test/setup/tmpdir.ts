/**
 * One temporary folder per test run: the folders tests make under `os.tmpdir()` go in it, and it is
 * removed when the run ends, so runs do not pile folders up in /tmp. Set before the workers start,
 * so they and the processes they spawn inherit it. Sticky and world-writable like /tmp itself:
 * tasks run by other users (SLURM jobs, SSH hosts) may write where a test points them.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

export default function setup(): () => void {
  const previous = process.env.TMPDIR
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rose-tmp-"))
  fs.chmodSync(dir, 0o1777)
  process.env.TMPDIR = dir
  return () => {
    if (previous === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = previous
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
