/**
 * A block's budget in the runner: an attempt claims a task of it before it starts, and a learner
 * refused one ends with `budget` (`BudgetSpent`, which `untilSpent` turns into the loop's end).
 * The bookkeeping is `spend.ts`'s.
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Event from "../Event.ts"
import * as FileError from "../FileError.ts"
import type * as Learner from "../Learner.ts"
import * as Population from "../Population.ts"
import type { LearnerState, RunEnv } from "./context.ts"
import { Budgets } from "./spend.ts"

/** A learner of a block whose budget is spent was about to start a task: it ends with `budget`. */
export class BudgetSpent extends Data.TaggedError("BudgetSpent")<{ readonly block: string }> {
  override get message(): string {
    return `the budget of block "${this.block}" is spent`
  }
}

/**
 * Claims one task of the learner's block's budget before an attempt starts: `undefined` when it is
 * granted, with no Effect (the in-process path runs a plain function without one); when none is
 * left, the Effect that journals `budget_spent` (the first time) and fails with `BudgetSpent`.
 */
export const claimNow = (env: RunEnv, learner: LearnerState): Effect.Effect<never, BudgetSpent> | undefined => {
  const refused = env.budgets.claim(learner.def.name)
  if (refused === undefined) return undefined
  const spent = Effect.fail(new BudgetSpent({ block: learner.def.name }))
  if (!refused.first) return spent
  return Effect.zipRight(
    env.record({
      _tag: "budget_spent",
      block: learner.def.name,
      tasks: refused.tasks,
      taskSeconds: refused.taskSeconds,
      budget: Population.budgetToJson(learner.def.budget!) as { tasks?: number; taskSeconds?: number }
    }),
    spent
  )
}

/** The spend of `defs`'s learners: nothing yet, or as far as the journal at `path` says (a resumed run). */
export const load = (
  fs: FileSystem.FileSystem,
  path: string,
  defs: ReadonlyArray<Learner.LearnerDef>,
  resumed: boolean
) =>
  Effect.suspend(() => {
    const budgets = new Budgets(defs)
    if (!resumed) return Effect.succeed(budgets)
    return fs.readFileString(path).pipe(
      Effect.map((text) => {
        budgets.replay(Event.parseJournal(text).events)
        return budgets
      }),
      Effect.mapError(FileError.fromCause("read", path))
    )
  })

/** A learner's loop, ended with `budget` when its block's budget refuses it a task. */
export const untilSpent = <A, E, R>(
  loop: Effect.Effect<A, E | BudgetSpent, R>
): Effect.Effect<A | "budget", Exclude<E, BudgetSpent>, R> =>
  Effect.catchIf(
    loop,
    (e): e is BudgetSpent => e instanceof BudgetSpent,
    () => Effect.succeed("budget" as const)
  )
