/**
 * How long a learner, and the run, still need: from the iteration times measured so far, for
 * learners with a `max_iter`. An iteration's time is its wall time, queueing for a backend slot
 * included, so the estimate already accounts for learners sharing the cores. A learner that stops on
 * its criterion earlier ends sooner: the estimate is for the worst case, reaching `max_iter`.
 *
 * @since 0.1.0
 */
import * as Progress from "./Progress.ts"

/**
 * What is left, in ms: a number, `"unknown"` (no `max_iter`, or no iteration measured yet in its
 * block), or `"done"`.
 *
 * @since 0.1.0
 * @category models
 */
export type Eta = number | "unknown" | "done"

const mean = (values: ReadonlyArray<number>): number | undefined =>
  values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length

/**
 * The mean iteration time of each learner block (its learners share tasks and configuration, so one
 * that has not finished an iteration yet is estimated from the others).
 *
 * @since 0.1.0
 * @category getters
 */
export const blockMeans = (p: Progress.Progress): ReadonlyMap<string, number> => {
  const times = new Map<string, Array<number>>()
  for (const l of p.learners) {
    const list = times.get(l.ref.name) ?? []
    list.push(...l.iterationMs)
    times.set(l.ref.name, list)
  }
  const out = new Map<string, number>()
  for (const [name, list] of times) {
    const m = mean(list)
    if (m !== undefined) out.set(name, m)
  }
  return out
}

/**
 * What one learner still needs at `now`.
 *
 * @since 0.1.0
 * @category getters
 */
export const learner = (l: Progress.LearnerView, now: number, means: ReadonlyMap<string, number>): Eta => {
  if (Progress.isDone(l)) return "done"
  if (l.maxIter === undefined) return "unknown"
  const each = mean(l.iterationMs) ?? means.get(l.ref.name)
  if (each === undefined) return "unknown"
  const left = Math.max(0, l.maxIter - l.iterations)
  if (left === 0) return 0
  const inCurrent = l.iterationStartedAt === undefined ? 0 : Math.max(0, now - l.iterationStartedAt)
  return Math.max(0, each - inCurrent) + (left - 1) * each
}

/**
 * What the run still needs: its slowest learner's estimate, unknown while any learner's is.
 *
 * @since 0.1.0
 * @category getters
 */
export const run = (p: Progress.Progress, now: number, means = blockMeans(p)): Eta => {
  if (p.finished !== undefined) return "done"
  let most: Eta = "done"
  for (const l of p.learners) {
    const e = learner(l, now, means)
    if (e === "unknown") return "unknown"
    if (e !== "done") most = most === "done" ? e : Math.max(most, e)
  }
  return most
}
