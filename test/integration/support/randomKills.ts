/**
 * Kills `rose` with SIGKILL at random points of a run and resumes it until it completes, then checks
 * the run against the tasks' own invocation records and an uninterrupted run: the test of
 * task-granular resume on any backend.
 *
 * The program's tasks run `task.sh COUNTS NAME` (written by `writeTaskScript`): it appends
 * `start <learner>.<index>.<iteration>.<task> <epoch ms>` to COUNTS when it starts, sleeps a little,
 * prints a value that depends only on the learner and the iteration, and appends `end …` before it
 * exits.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { journal, type Result, rose, sleep, start, waitFor } from "../cli/helpers.ts"

/** The task every learner runs: `sh task.sh COUNTS NAME [SECONDS]`. */
export const writeTaskScript = (dir: string): string => {
  const path = NodePath.join(dir, "task.sh")
  NodeFs.writeFileSync(
    path,
    [
      'key="$ROSE_LEARNER_NAME.$ROSE_LEARNER.$ROSE_ITERATION.$2"',
      'echo "start $key $(date +%s%3N)" >> "$1"',
      'sleep "${3:-0.3}"',
      'if [ "$2" = criterion ]; then',
      `  awk -v i="$ROSE_ITERATION" -v l="$ROSE_LEARNER" 'BEGIN { printf "%.4f\\n", 1 / (i + 2 + 2 * l) }'`,
      "else",
      `  printf '{"%s": %d}\\n' "$2" "$(( ROSE_ITERATION * 10 + ROSE_LEARNER ))"`,
      "fi",
      'echo "end $key" >> "$1"'
    ].join("\n")
  )
  return path
}

export interface KillReport {
  /** How many times `rose` was killed. */
  readonly kills: number
  /** Kills made right after a `task_submitting` line, before that task's start was journaled. */
  readonly submitKills: number
  readonly sessions: number
}

const keyOf = (e: Record<string, any>) => `${e.learner.name}.${e.learner.index}.${e.iteration}.${e.task}`

/**
 * Runs `rose run FILE --out OUT` and kills it, then `rose resume OUT` and kills that, at random
 * points (after the run's `run.json` exists; with `submitKills`, every third kill lands right after a
 * task's `task_submitting` is journaled) until `kills` kills were made, then lets it complete.
 */
export const killUntilDone = async (options: {
  readonly cli: string
  readonly cwd: string
  readonly file: string
  readonly out: string
  readonly kills: number
  /** Random kill delays, from when the session's process started. */
  readonly minDelayMs: number
  readonly maxDelayMs: number
  readonly submitKills?: boolean
  readonly random: () => number
}): Promise<KillReport> => {
  const { cli, cwd, out } = options
  let kills = 0
  let submitKills = 0
  let sessions = 0
  let first = true
  while (true) {
    sessions++
    const args = first ? ["run", options.file, "--out", out] : ["resume", out]
    const session = start(cli, args, cwd)
    first = false
    if (kills >= options.kills) {
      const done = await session.done
      if (done.code !== 0) throw new Error(`the last session failed (${done.code}): ${done.stderr}`)
      return { kills, submitKills, sessions }
    }
    const onSubmit = options.submitKills === true && kills % 3 === 2
    const killed = await killAt(session, out, onSubmit, options)
    if (killed === "ended") {
      const done = await session.done
      if (done.code !== 0) throw new Error(`a session failed (${done.code}): ${done.stderr}`)
      // It completed before the kill: the run is done; start over to keep killing.
      return { kills, submitKills, sessions }
    }
    kills++
    if (killed === "submit") submitKills++
    await session.done
  }
}

const killAt = async (
  session: ReturnType<typeof start>,
  out: string,
  onSubmit: boolean,
  options: { readonly minDelayMs: number; readonly maxDelayMs: number; readonly random: () => number }
): Promise<"ended" | "random" | "submit"> => {
  const ended = () => session.child.exitCode !== null || session.child.signalCode !== null
  const events = NodePath.join(out, "events.jsonl")
  // A run killed before its run directory holds a journal is no run to resume.
  while (!ended() && !(NodeFs.existsSync(NodePath.join(out, "run.json")) && NodeFs.existsSync(events))) await sleep(5)
  if (onSubmit) {
    const before = NodeFs.existsSync(events) ? NodeFs.readFileSync(events, "utf8").length : 0
    const deadline = Date.now() + 20_000
    while (Date.now() < deadline && !ended()) {
      const text = NodeFs.existsSync(events) ? NodeFs.readFileSync(events, "utf8").slice(before) : ""
      if (text.includes('"type":"task_submitting"')) {
        session.child.kill("SIGKILL")
        return "submit"
      }
      await sleep(2)
    }
  }
  const delay = options.minDelayMs + options.random() * (options.maxDelayMs - options.minDelayMs)
  const deadline = Date.now() + delay
  while (Date.now() < deadline) {
    if (ended()) return "ended"
    await sleep(10)
  }
  if (ended()) return "ended"
  session.child.kill("SIGKILL")
  return "random"
}

/** The `start` and `end` records of the tasks, by task key. */
export const invocations = (counts: string) => {
  const starts = new Map<string, Array<number>>()
  const ends = new Map<string, number>()
  const text = NodeFs.existsSync(counts) ? NodeFs.readFileSync(counts, "utf8") : ""
  for (const line of text.split("\n")) {
    const [what, key, at] = line.split(" ")
    if (key === undefined) continue
    if (what === "start") starts.set(key, [...(starts.get(key) ?? []), Number(at)])
    else if (what === "end") ends.set(key, (ends.get(key) ?? 0) + 1)
  }
  return { starts, ends }
}

/**
 * What went wrong in a killed-and-resumed run, from its journal and the tasks' records: a task whose
 * finish was journaled and that started again after it; a task with two journaled finishes; with
 * `once` (a backend that re-attaches), any task that started more than once.
 */
export const problems = (out: string, counts: string, options: { readonly once: boolean }): Array<string> => {
  const found: Array<string> = []
  const { starts } = invocations(counts)
  const finishes = new Map<string, Array<number>>()
  for (const e of journal(out)) {
    if (e.type === "task_finished") finishes.set(keyOf(e), [...(finishes.get(keyOf(e)) ?? []), Date.parse(e.ts)])
  }
  for (const [key, at] of finishes) {
    if (at.length > 1) found.push(`${key}: ${at.length} journaled finishes`)
    const later = (starts.get(key) ?? []).filter((s) => s > at[0]!)
    if (later.length > 0) found.push(`${key}: started again after its finish was journaled`)
  }
  if (options.once) {
    for (const [key, s] of starts) if (s.length > 1) found.push(`${key}: started ${s.length} times`)
  }
  for (const key of starts.keys()) if (!finishes.has(key)) found.push(`${key}: ran but never finished`)
  return found
}

/** results.json without what differs between any two runs (ids, times). */
export const comparable = (runDir: string) => {
  const r = JSON.parse(NodeFs.readFileSync(NodePath.join(runDir, "results.json"), "utf8"))
  for (const k of ["runId", "startedAt", "finishedAt", "durationMs"]) delete r[k]
  return r
}

/** A deterministic random source (mulberry32), so a failing sequence of kills can be replayed. */
export const seeded = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export type { Result }
export { rose, waitFor }
