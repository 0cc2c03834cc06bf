/**
 * "Is it still alive?" for the tests, in one place. The rule: a zombie (a process that has exited and
 * waits to be reaped) counts as dead, and a check that a process is gone polls to a deadline, since
 * a killed process can take a moment to die. On gVisor, pid 1 reaps orphans about 2 s after they
 * exit, and `kill -0` / `pgrep` count zombies, so neither may be used to ask whether something
 * survived. `survivorsScript` is the same check as a shell snippet, for hosts reached over ssh.
 */
import * as ChildProcess from "node:child_process"
import * as fs from "node:fs"

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The fields of /proc/<pid>/stat after the command name: state, ppid, pgrp, …; undefined once gone. */
const statOf = (pid: number | string): ReadonlyArray<string> | undefined => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  } catch {
    return undefined
  }
}

/** Whether a process is alive on this machine (a zombie waiting to be reaped counts as gone). */
export const isAlive = (pid: number): boolean => {
  const stat = statOf(pid)
  return stat !== undefined && stat[0] !== "Z"
}

/** The live (non-zombie) members of a process group on this machine. */
export const groupMembers = (pgid: number): Array<number> => {
  const out: Array<number> = []
  for (const e of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue
    const stat = statOf(e)
    if (stat !== undefined && stat[0] !== "Z" && Number(stat[2]) === pgid) out.push(Number(e))
  }
  return out
}

/** Whether a process group has a live member on this machine. */
export const groupAlive = (pgid: number): boolean => groupMembers(pgid).length > 0

/** Polls `survivors` until it lists nothing or the time is up; returns its last list. */
export const waitNone = async <A>(
  survivors: () => ReadonlyArray<A> | Promise<ReadonlyArray<A>>,
  seconds = 10
): Promise<ReadonlyArray<A>> => {
  const deadline = Date.now() + seconds * 1000
  for (;;) {
    const left = await survivors()
    if (left.length === 0 || Date.now() >= deadline) return left
    await sleep(50)
  }
}

/** Waits until none of the pids is alive, or the time is up; returns the survivors. */
export const waitGone = (pids: ReadonlyArray<number>, seconds = 10): Promise<ReadonlyArray<number>> =>
  waitNone(() => pids.filter(isAlive), seconds)

/** Waits until no process group has a live member, or the time is up; returns the groups left. */
export const waitGroupsGone = (pgids: ReadonlyArray<number>, seconds = 10): Promise<ReadonlyArray<number>> =>
  waitNone(() => pgids.filter(groupAlive), seconds)

/** What a survivor check looks for: these pids, members of these groups, processes working under a folder. */
export interface SurvivorSpec {
  readonly pids?: ReadonlyArray<number> | undefined
  readonly groups?: ReadonlyArray<number> | undefined
  /** Processes whose working directory is this folder or below it (a task tree's, recorded or not). */
  readonly cwdUnder?: string | undefined
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

/**
 * A POSIX shell snippet that prints `alive <pid> state=<S> pgid=<G> (<why>)` for every live process
 * the spec matches, and nothing else: zombies are skipped (their /proc state is Z), and it reads
 * /proc itself (no kill -0, no pgrep, nothing to install). A login shell's chatter may precede it:
 * keep only the lines that start with `alive `.
 */
export const survivorsScript = (spec: SurvivorSpec): string =>
  [
    `pids=' ${(spec.pids ?? []).map((p) => Math.trunc(p)).join(" ")} '`,
    `groups=' ${(spec.groups ?? []).map((p) => Math.trunc(p)).join(" ")} '`,
    `under=${shellQuote(spec.cwdUnder ?? "")}`,
    "for d in /proc/[0-9]*; do",
    `  p=\${d#/proc/}`,
    '  read -r s 2>/dev/null <"$d/stat" || continue',
    // the fields after "pid (comm) ": state ppid pgrp …
    `  set -- \${s##*) }`,
    '  [ "$1" = Z ] && continue',
    "  hit=",
    '  case "$pids" in *" $p "*) hit=pid ;; esac',
    `  case "$groups" in *" $3 "*) hit="\${hit:+$hit,}group" ;; esac`,
    '  if [ -n "$under" ]; then',
    `    c=$(readlink "$d/cwd" 2>/dev/null) && case "$c/" in "$under"/*) hit="\${hit:+$hit,}cwd" ;; esac`,
    "  fi",
    '  [ -n "$hit" ] && echo "alive $p state=$1 pgid=$3 ($hit)"',
    "done",
    "exit 0"
  ].join("\n")

/** The `alive …` lines of `survivorsScript` for the live (not zombie) processes working under a folder here. */
export const aliveUnder = (folder: string): ReadonlyArray<string> =>
  ChildProcess.spawnSync("sh", ["-c", survivorsScript({ cwdUnder: folder })], { encoding: "utf8" })
    .stdout.split("\n")
    .filter((l) => l.startsWith("alive "))

/**
 * Runs `survivorsScript(spec)` through `run` (e.g. over ssh on a host) until it reports nothing or
 * the time is up; returns its last report. A failing `run` (a broken connection) throws: an
 * unanswered check must not pass.
 */
export const waitGoneOn = (
  run: (script: string) => { readonly status: number | null; readonly stdout: string; readonly stderr: string },
  spec: SurvivorSpec,
  seconds = 10
): Promise<ReadonlyArray<string>> =>
  waitNone(() => {
    const r = run(survivorsScript(spec))
    if (r.status !== 0) throw new Error(`the survivor check exited ${r.status}: ${r.stderr}`)
    return r.stdout.split("\n").filter((l) => l.startsWith("alive "))
  }, seconds)

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
