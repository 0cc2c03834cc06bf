import * as fs from "node:fs"

/** Whether a process is alive on this machine (a zombie waiting to be reaped counts as gone). */
export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z"
  } catch {
    return false
  }
}

/** Waits until none of the pids is alive, or the time is up; returns the survivors. */
export const waitGone = async (pids: ReadonlyArray<number>, seconds = 10): Promise<ReadonlyArray<number>> => {
  const deadline = Date.now() + seconds * 1000
  while (Date.now() < deadline) {
    if (pids.every((p) => !isAlive(p))) return []
    await new Promise((r) => setTimeout(r, 50))
  }
  return pids.filter(isAlive)
}

/** Waits until a file exists and `accept` likes its text. */
export const waitForFile = async (
  path: string,
  accept: (text: string) => boolean = () => true,
  seconds = 20
): Promise<string> => {
  const deadline = Date.now() + seconds * 1000
  while (Date.now() < deadline) {
    try {
      const text = fs.readFileSync(path, "utf8")
      if (accept(text)) return text
    } catch {}
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`timed out waiting for ${path}`)
}

/** The pids listed (whitespace-separated) in the files of a folder tree whose name is `name`. */
export const collectPids = (root: string, name = "pids"): Array<number> => {
  const out: Array<number> = []
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = `${dir}/${e.name}`
      if (e.isDirectory()) walk(p)
      else if (e.name === name) {
        for (const s of fs.readFileSync(p, "utf8").split(/\s+/)) if (s.length > 0) out.push(Number(s))
      }
    }
  }
  walk(root)
  return out
}
