/**
 * The rung tables of a run as the runner keeps them: rebuilt from the journal when a run resumes,
 * and the ending of a learner the earlier process pruned but could not record as stopped.
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Event from "../Event.ts"
import * as FileError from "../FileError.ts"
import * as Population from "../Population.ts"
import type { LearnerState, RunEnv } from "./context.ts"
import { judgeRung, type LoopEnd } from "./iteration.ts"

/** The rung tables of the journal at `path`, in the order its `rung_reached` events were written. */
export const load = (fs: FileSystem.FileSystem, path: string) =>
  fs.readFileString(path).pipe(
    Effect.map((text) => Population.fromEvents(Event.parseJournal(text).events)),
    Effect.mapError(FileError.fromCause("read", path))
  )

/**
 * A learner's loop, unless the journal says it was pruned: a crash between its `rung_reached` and
 * its `learner_stopped` must not let a resumed run carry it on. A learner whose last completed
 * iteration is a rung it was never judged at (a crash between its `iteration_completed` and its
 * `rung_reached`) is judged first.
 */
export const unlessPruned = <E, R>(
  env: RunEnv,
  learner: LearnerState,
  loop: Effect.Effect<LoopEnd, E, R>
): Effect.Effect<LoopEnd, E, R> =>
  Effect.suspend(() => {
    if (env.rungs.pruned(learner.ref) !== undefined) return Effect.succeed("pruned" as const)
    const last = learner.nextIteration - 1
    const policy = learner.def.population
    if (policy === undefined || last < 0 || !Population.isRung(policy, last) || env.rungs.judged(learner.ref, last))
      return loop
    return Effect.flatMap(judgeRung(env, learner, last, learner.history.at(-1), undefined), (end) =>
      end === "pruned" ? Effect.succeed(end) : loop
    )
  })
