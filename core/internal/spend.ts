/**
 * What a run's learners spend, and the budgets of its blocks: the bookkeeping behind
 * `budget.ts`. Each attempt of a block with a budget claims a task before it starts, so concurrent
 * learners can never start more than the budget between them; finished and failed attempts add the
 * time they ran. Every learner's ended attempts are counted for the ranking. A resumed run rebuilds
 * all of it from the journal: the attempts that ended, and the time they ran. An attempt the
 * interruption cancelled is charged again only when it runs again, so a resumed run stops at the
 * total an uninterrupted one reaches.
 */
import type * as Event from "../Event.ts"
import * as Learner from "../Learner.ts"
import type * as Population from "../Population.ts"
import { TaskTally } from "../TaskTally.ts"

interface Spend {
  readonly budget: Population.Budget
  tasks: number
  millis: number
  /** Whether the journal has the block's `budget_spent`. */
  told: boolean
}

/** A refused claim: what the block spent, and whether this is the first refusal (to be journaled). */
export interface Refusal {
  readonly first: boolean
  readonly tasks: number
  readonly taskSeconds: number
}

/** The spend of every block that has a budget, and of every learner. */
export class Budgets {
  private readonly blocks = new Map<string, Spend>()
  private readonly endedBy = new Map<string, number>()

  constructor(defs: ReadonlyArray<Learner.LearnerDef>) {
    for (const def of defs) {
      if (def.budget !== undefined) this.blocks.set(def.name, { budget: def.budget, tasks: 0, millis: 0, told: false })
    }
  }

  /** Takes one task of the block's budget; a refusal when none is left (nothing for a block without one). */
  claim(block: string): Refusal | undefined {
    const s = this.blocks.get(block)
    if (s === undefined) return undefined
    const outOfTasks = s.budget.tasks !== undefined && s.tasks >= s.budget.tasks
    const outOfTime = s.budget.taskSeconds !== undefined && s.millis >= s.budget.taskSeconds * 1000
    if (!outOfTasks && !outOfTime) {
      s.tasks++
      return undefined
    }
    const first = !s.told
    s.told = true
    return { first, tasks: s.tasks, taskSeconds: s.millis / 1000 }
  }

  /** Adds the time a finished or failed attempt of a block's learner ran, as this session journals it. */
  observe(event: Event.Event): void {
    if (event._tag !== "task_finished" && event._tag !== "task_failed") return
    const s = this.blocks.get(event.learner.name)
    if (s !== undefined) s.millis += event.durationMs
  }

  /** Counts an attempt of a learner (`name[k]`) that ended, finished or failed, in this session. */
  ended(learner: string): void {
    this.endedBy.set(learner, (this.endedBy.get(learner) ?? 0) + 1)
  }

  /** The attempts of a learner (`name[k]`) that ended, finished or failed, in every session of the run. */
  tasksOf(learner: string): number {
    return this.endedBy.get(learner) ?? 0
  }

  /**
   * Replays an earlier session's journal: its ended attempts (`TaskTally`) count for their learners
   * and against their blocks' budgets, with the time they ran.
   */
  replay(events: Iterable<Event.Event>): void {
    const tally = new TaskTally()
    const learners = new Set<string>()
    for (const e of events) {
      if (e._tag === "budget_spent") {
        const s = this.blocks.get(e.block)
        if (s !== undefined) s.told = true
      }
      if (e._tag !== "task_finished" && e._tag !== "task_failed" && e._tag !== "iteration_completed") continue
      const attempts = tally.add(e)
      learners.add(Learner.label(e.learner))
      const s = this.blocks.get(e.learner.name)
      if (s === undefined) continue
      s.tasks += attempts
      if (e._tag !== "iteration_completed") s.millis += e.durationMs
    }
    for (const key of learners) this.endedBy.set(key, (this.endedBy.get(key) ?? 0) + tally.of(key))
  }
}
