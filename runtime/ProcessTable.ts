/**
 * What this machine's process table says about a process: when it started (so a pid journaled by
 * an earlier `rose` is proven to be the same process before it is signalled: pids are reused, a
 * few minutes apart on a busy machine) and which processes form a group. Linux answers from
 * `/proc`; elsewhere (macOS) `ps` does, more slowly and without environments.
 *
 * @since 0.1.0
 */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import type * as Spawner from "../core/Spawner.ts"

const hasProc = Fs.existsSync("/proc/self/stat")

let bootId: string | undefined
const readBootId = (): string => {
  if (bootId === undefined) {
    try {
      bootId = Fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim()
    } catch {
      bootId = "boot"
    }
  }
  return bootId
}

/** The fields of `/proc/<pid>/stat` after the command's name: [0] is field 3 (state). */
const statFields = (pid: number): ReadonlyArray<string> | undefined => {
  try {
    const text = Fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    return text.slice(text.lastIndexOf(")") + 2).split(" ")
  } catch {
    return undefined
  }
}

const psStart = (pid: number): string | undefined => {
  const r = ChildProcess.spawnSync("ps", ["-o", "lstart=", "-p", String(pid)], { encoding: "utf8" })
  const text = r.status === 0 ? r.stdout.trim() : ""
  return text === "" ? undefined : `ps:${text}`
}

/**
 * When a live process started (`<boot id>:<start time in clock ticks>` on Linux), or undefined for
 * a process that is gone or (unless `zombies`) a zombie. A parent reading its own unreaped child
 * passes `zombies`: a task that already exited is still the one it spawned, and its stamp is what
 * the journal needs.
 *
 * @since 0.1.0
 * @category process table
 */
export const startStamp = (pid: number, options: { readonly zombies?: boolean } = {}): string | undefined => {
  if (!hasProc) return psStart(pid)
  const fields = statFields(pid)
  // Field 22 is the start time; a zombie has finished whatever it was.
  if (fields === undefined || fields[19] === undefined) return undefined
  if (fields[0] === "Z" && options.zombies !== true) return undefined
  return `${readBootId()}:${fields[19]}`
}

const runIdOf = (pid: number): string | undefined => {
  try {
    const environ = Fs.readFileSync(`/proc/${pid}/environ`, "utf8")
    for (const entry of environ.split("\0")) if (entry.startsWith("ROSE_RUN_ID=")) return entry.slice(12)
  } catch {
    // Gone, or another user's.
  }
  return undefined
}

/**
 * The live members of a process group (zombies are not members: they are done).
 *
 * @since 0.1.0
 * @category process table
 */
export const groupMembers = (pgid: number): ReadonlyArray<Spawner.Member> => {
  const out: Array<Spawner.Member> = []
  if (hasProc) {
    for (const entry of Fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue
      const fields = statFields(Number(entry))
      if (fields === undefined || fields[0] === "Z" || Number(fields[2]) !== pgid) continue
      const pid = Number(entry)
      out.push({ pid, startStamp: `${readBootId()}:${fields[19]}`, runId: runIdOf(pid) })
    }
    return out
  }
  const r = ChildProcess.spawnSync("ps", ["-A", "-o", "pid=,pgid=,stat=,lstart="], { encoding: "utf8" })
  for (const line of r.stdout?.split("\n") ?? []) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.+)$/.exec(line)
    if (m === null || Number(m[2]) !== pgid || m[3]!.startsWith("Z")) continue
    out.push({ pid: Number(m[1]), startStamp: `ps:${m[4]!.trim()}`, runId: undefined })
  }
  return out
}
