/**
 * The tasks each learner spent, read from a journal: its attempts that ended, finished or failed.
 * An in-process function that returned a plain value journals no task event of its own, so the
 * `iteration_completed` that lists it counts it. What the ranking's `tasks` says, and what a resumed
 * run charges an earlier session with against a block's budget.
 *
 * @since 0.3.0
 */
import type * as Event from "./Event.ts"
import * as Learner from "./Learner.ts"

/**
 * Counts as events come, in journal order.
 *
 * @since 0.3.0
 * @category models
 */
export class TaskTally {
  private readonly counts = new Map<string, number>()
  /** Per learner, the tasks of its current iteration whose finish was journaled. */
  private readonly finished = new Map<string, Set<string>>()

  /**
   * Takes one event; returns the attempts of its learner it counted (0 for most events), and which
   * learner.
   */
  add(event: Event.Event): number {
    if (event._tag === "task_finished" || event._tag === "task_failed") {
      const key = Learner.label(event.learner)
      if (event._tag === "task_finished") {
        let seen = this.finished.get(key)
        if (seen === undefined) this.finished.set(key, (seen = new Set()))
        seen.add(event.task)
      }
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1)
      return 1
    }
    if (event._tag !== "iteration_completed") return 0
    const key = Learner.label(event.learner)
    const seen = this.finished.get(key)
    let silent = 0
    for (const task in event.config) if (seen?.has(task) !== true) silent++
    this.finished.delete(key)
    if (silent > 0) this.counts.set(key, (this.counts.get(key) ?? 0) + silent)
    return silent
  }

  /**
   * The attempts of a learner (`name[k]`) counted so far.
   *
   * @since 0.3.0
   */
  of(learner: string): number {
    return this.counts.get(learner) ?? 0
  }
}
