// The cliff-walking grid world (Sutton & Barto, example 6.6), small: 4 rows × 8 columns. The agent
// starts at the bottom-left corner and must reach the bottom-right one; the cells between them are
// a cliff. Every step costs 1; stepping off the cliff costs 100 and ends the episode; an episode also
// ends after MAX_STEPS. The best path (up, 7 × right, down) returns -9.
//
// States are numbered row * COLS + col; actions 0 up, 1 right, 2 down, 3 left. A policy is a
// Q-table: q[state][action].
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs"

export const ROWS = 4
export const COLS = 8
export const ACTIONS = 4
export const MAX_STEPS = 60
export const START = (ROWS - 1) * COLS
export const GOAL = ROWS * COLS - 1
export const BEST_RETURN = -(COLS + 1)

const cliff = (s) => s > START && s < GOAL

/** One step: { next, reward, done }. */
export const step = (s, a) => {
  let r = Math.floor(s / COLS)
  let c = s % COLS
  if (a === 0) r = Math.max(0, r - 1)
  else if (a === 1) c = Math.min(COLS - 1, c + 1)
  else if (a === 2) r = Math.min(ROWS - 1, r + 1)
  else c = Math.max(0, c - 1)
  const next = r * COLS + c
  if (cliff(next)) return { next, reward: -100, done: true }
  return { next, reward: -1, done: next === GOAL }
}

/** The greedy action; ties go to `tie(n)` when given (a seeded draw), else to the first. */
export const greedy = (q, s, tie) => {
  const row = q[s]
  const best = Math.max(...row)
  const ties = []
  for (let a = 0; a < ACTIONS; a++) if (row[a] === best) ties.push(a)
  return ties.length === 1 || tie === undefined ? ties[0] : ties[tie(ties.length)]
}

/** A fresh Q-table: all zeros (optimistic against step costs of -1, so untried actions look best). */
export const emptyQ = () => Array.from({ length: ROWS * COLS }, () => new Array(ACTIONS).fill(0))

/** The learner's Q-table (q.json in its working directory), or a fresh one. */
export const loadQ = () => (existsSync("q.json") ? JSON.parse(readFileSync("q.json", "utf8")).q : emptyQ())

/** Saves the Q-table atomically (a temporary file, then a rename). */
export const saveQ = (q, extra = {}) => {
  const tmp = `q.json.${process.pid}.tmp`
  writeFileSync(tmp, `${JSON.stringify({ ...extra, q })}\n`)
  renameSync(tmp, "q.json")
}

/** The greedy policy's return from the start (deterministic: the environment is). */
export const evaluate = (q) => {
  let s = START
  let total = 0
  for (let t = 0; t < MAX_STEPS; t++) {
    const { next, reward, done } = step(s, greedy(q, s))
    total += reward
    s = next
    if (done) return { value: total, steps: t + 1, reachedGoal: s === GOAL }
  }
  return { value: total, steps: MAX_STEPS, reachedGoal: false }
}

/** Flags `--key value` as numbers, checked against the allowed keys. */
export const flags = (script, allowed) => {
  const out = { ...allowed }
  const argv = process.argv.slice(2)
  for (let k = 0; k < argv.length; k += 2) {
    const key = argv[k].replace(/^--?/, "")
    const value = Number(argv[k + 1])
    if (!(key in allowed) || !Number.isFinite(value)) {
      process.stderr.write(
        `${script}: bad argument ${argv[k]} ${argv[k + 1] ?? ""} (flags: ${Object.keys(allowed)
          .map((f) => `--${f}`)
          .join(", ")})\n`
      )
      process.exit(2)
    }
    out[key] = value
  }
  return out
}
