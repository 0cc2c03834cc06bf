/**
 * The rung tables of a run as the runner keeps them: rebuilt from the journal when a run resumes,
 * and the ending of a learner the earlier process pruned but could not record as stopped. Under PBT
 * the rebuild also gives each period entry the config its learner ran with, and each learner that
 * copied another the config it copied, replaying the journal's `exploited` events in order.
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Event from "../Event.ts"
import * as FileError from "../FileError.ts"
import type * as Json from "../Json.ts"
import * as Learner from "../Learner.ts"
import * as LearnerConfig from "../LearnerConfig.ts"
import * as Population from "../Population.ts"
import type * as Program from "../Program.ts"
import type { TaskAttemptError } from "./attempt.ts"
import type { LearnerState, RunEnv } from "./context.ts"
import * as Exploit from "./exploit.ts"
import { judgeRung, type LoopEnd } from "./iteration.ts"

/** The rung tables a journal makes, and the configs its `exploited` events gave, by learner label. */
export interface Loaded {
  readonly rungs: Population.Rungs
  readonly configs: ReadonlyMap<string, LearnerConfig.Normalized>
}

/**
 * Replays a journal's events in order: `rung_reached` fills the tables, each PBT entry taking the
 * config its learner had then and the configs its `iteration_completed` resolved; `exploited` gives
 * the learner the source's entry config with the journaled new values.
 */
export const replay = (program: Program.Program, events: Iterable<Event.Event>): Loaded => {
  const rungs = new Population.Rungs()
  const defs = new Map(program.learners.map((d) => [d.name, d]))
  const current = new Map<string, LearnerConfig.Normalized>()
  const configOf = (ref: Learner.LearnerRef) =>
    current.get(Learner.label(ref)) ?? defs.get(ref.name)?.configs[ref.index] ?? LearnerConfig.empty
  const resolved = new Map<string, Extract<Event.Event, { _tag: "iteration_completed" }>["config"]>()
  for (const e of events) {
    if (e._tag === "iteration_completed") resolved.set(`${Learner.label(e.learner)}@${e.iteration}`, e.config)
    else if (e._tag === "rung_reached") {
      rungs.replay(e)
      const entry = rungs.entry(e.learner, e.iteration)
      if (entry !== undefined && entry.standing === undefined && defs.get(e.learner.name)?.population?._tag === "Pbt")
        entry.standing = {
          resolved: resolved.get(`${Learner.label(e.learner)}@${e.iteration}`) ?? {},
          config: configOf(e.learner)
        }
    } else if (e._tag === "exploited") {
      rungs.markExploited(e.learner, e.iteration)
      const standing = rungs.entry(e.source, e.iteration)?.standing
      if (standing === undefined) continue
      const values: Record<string, Record<string, Json.Json>> = {}
      for (const [k, v] of Object.entries(e.to)) {
        const dot = k.indexOf(".")
        ;(values[k.slice(0, dot)] ??= {})[k.slice(dot + 1)] = v
      }
      current.set(Learner.label(e.learner), Exploit.withValues(standing.config, values))
    }
  }
  return { rungs, configs: current }
}

/** The empty tables of a run that starts (its own: the tables fill as it runs). */
export const fresh = (): Loaded => ({ rungs: new Population.Rungs(), configs: new Map() })

/**
 * Where the journal leaves each learner of a resumed run: pruned, and under PBT with the config it
 * copied last.
 */
export const restore = (loaded: Loaded, learners: ReadonlyArray<LearnerState>): void => {
  for (const l of learners) {
    l.pruned = loaded.rungs.pruned(l.ref)
    l.config = loaded.configs.get(l.key) ?? l.config
  }
}

/** The rung tables of the journal at `path` (`replay`). */
export const load = (fs: FileSystem.FileSystem, path: string, program: Program.Program) =>
  fs.readFileString(path).pipe(
    Effect.map((text) => replay(program, Event.parseJournal(text).events)),
    Effect.mapError(FileError.fromCause("read", path))
  )

/**
 * A learner's loop, unless the journal says it was pruned: a crash between its `rung_reached` and
 * its `learner_stopped` must not let a resumed run carry it on. A learner whose last completed
 * iteration is a rung it was never judged at (a crash between its `iteration_completed` and its
 * `rung_reached`) is judged first; one the journal shows in the bottom of a PBT period without its
 * `exploited` copies its source first.
 */
export const unlessPruned = <E, R>(
  env: RunEnv,
  learner: LearnerState,
  loop: Effect.Effect<LoopEnd, E, R>
): Effect.Effect<LoopEnd, E | TaskAttemptError, R> =>
  Effect.suspend(() => {
    if (env.rungs.pruned(learner.ref) !== undefined) return Effect.succeed("pruned" as const)
    const last = learner.nextIteration - 1
    const policy = learner.def.population
    if (policy === undefined || last < 0 || !Population.isRung(policy, last)) return loop
    const pending =
      !env.rungs.judged(learner.ref, last) || (pbtCopies(env, learner, last) && !env.rungs.exploited(learner.ref, last))
    if (!pending) return loop
    return Effect.flatMap(judgeRung(env, learner, last, learner.history.at(-1), undefined), (end) =>
      end === "pruned" ? Effect.succeed(end) : loop
    )
  })

const pbtCopies = (env: RunEnv, learner: LearnerState, iteration: number) => {
  const entry = env.rungs.entry(learner.ref, iteration)
  const policy = learner.def.population
  return entry !== undefined && policy?._tag === "Pbt" && Population.exploits(policy, entry.verdict, false)
}
