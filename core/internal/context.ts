import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Effect from "effect/Effect"
import type * as Backend from "../Backend.ts"
import type * as Event from "../Event.ts"
import type * as IterationState from "../IterationState.ts"
import type * as Json from "../Json.ts"
import * as Learner from "../Learner.ts"
import * as LearnerConfig from "../LearnerConfig.ts"
import type * as Population from "../Population.ts"
import type * as Program from "../Program.ts"
import type * as Resume from "../Resume.ts"
import type * as Task from "../Task.ts"
import type * as TaskConfig from "../TaskConfig.ts"
import type * as TaskSchedule from "../TaskSchedule.ts"
import type { Budgets } from "./spend.ts"

/** What every learner of a run shares. */
export interface RunEnv {
  /** This session's id (a resume has a new one): what tells its processes from an earlier session's. */
  readonly runId: string
  /**
   * The run's own id, the same in every session (its directory's name): what a backend names the
   * run's remote folder by, so a resumed session works in the folder its tasks (and those it
   * re-attaches to) have used.
   */
  readonly runKey: string
  readonly runDir: string
  readonly program: Program.Program
  readonly fs: FileSystem.FileSystem
  /** Publishes an event and queues it for the journal without waiting. */
  readonly post: (draft: Event.Draft) => Effect.Effect<void>
  /** Publishes an event and waits until the journal has written it. */
  readonly record: (draft: Event.Draft) => Effect.Effect<void>
  /** `post` without the Effect around it, for the hot path of in-process tasks. */
  readonly postSync: (draft: Event.Draft) => void
  /** The run's clock, read synchronously (the test clock in tests). */
  readonly now: () => number
  readonly backendFor: (task: Task.TaskDef) => Backend.Service
  /** The rung tables of the blocks with a population policy (from the journal on resume). */
  readonly rungs: Population.Rungs
  /** What the blocks with a budget have spent (from the journal on resume). */
  readonly budgets: Budgets
  /** Awaited after each `iteration_completed` (`Runner.RunOptions.pace`). */
  readonly pace?: Effect.Effect<void> | undefined
}

/** One parallel learner's mutable position; only its own fiber writes it. */
export interface LearnerState {
  readonly ref: Learner.LearnerRef
  readonly def: Learner.LearnerDef
  /** `name[k]`: the key of its fiber. */
  readonly key: string
  config: LearnerConfig.Normalized
  pending: LearnerConfig.Normalized | undefined
  /** The next iteration to run. */
  nextIteration: number
  readonly history: Array<number>
  prev: TaskSchedule.PreviousIteration | undefined
  lastState: { [task: string]: { [key: string]: Json.Json } }
  lastConfig: { [task: string]: IterationState.ResolvedConfig }
  /** The iteration whose output folder exists (-1: none yet). */
  dirReady: number
  /** Its tasks' configs that do not change from one iteration to the next (preparedConfig.ts). */
  readonly configs: Map<string, StaticConfig>
  stopRequested: boolean
  /** Why its block's population policy pruned it, once it has. */
  pruned: string | undefined
  /** On resume: the configs an incomplete iteration was journaled with, replayed when it re-runs. */
  replay:
    | { readonly iteration: number; readonly configs: { readonly [task: string]: IterationState.ResolvedConfig } }
    | undefined
  /**
   * On resume, for the incomplete iteration: its finished tasks that are not run again, and its tasks
   * of the earlier process to re-attach to, by task; each is taken (deleted) when its task comes up.
   */
  resumed:
    | {
        readonly iteration: number
        readonly kept: Map<string, Resume.KeptTask>
        readonly attach: Map<string, Resume.InFlightTask>
      }
    | undefined
}

/**
 * What a learner keeps of one task's config that does not change from one iteration to the next
 * (preparedConfig.ts): for which schedule and layers it was merged.
 */
export interface StaticConfig {
  readonly schedule: TaskSchedule.TaskSchedule | undefined
  /** The schedule has an adaptive layer: nothing is kept. */
  readonly adaptive: boolean
  /** Every layer applies at every iteration (only `Always` layers, or none). */
  readonly constant: boolean
  readonly layers: ReadonlyArray<TaskSchedule.Layer>
  /** The config and its journaled form (an attempt's `Prepared`). */
  readonly prepared:
    | { readonly config: IterationState.ResolvedConfig; readonly resolved: TaskConfig.Resolved }
    | undefined
}

/** The learners of a program, each at its start, or where a resumed run left it. */
export const makeLearnerStates = (
  program: Program.Program,
  resume: Resume.ResumePlan | undefined,
  /** The survivors the run re-attaches to. */
  attach: ReadonlyArray<Resume.Survivor> = []
): Array<LearnerState> => {
  const learners: Array<LearnerState> = []
  for (const def of program.learners) {
    for (let index = 0; index < def.parallel; index++) {
      const ref = { name: def.name, index }
      const key = Learner.label(ref)
      const at = resume?.learners.get(key)
      const history = [...(at?.history ?? [])]
      learners.push({
        ref,
        def,
        key,
        config: def.configs[index] ?? LearnerConfig.empty,
        pending: undefined,
        nextIteration: at?.nextIteration ?? 0,
        history,
        prev: at?.prev === undefined ? undefined : { ...at.prev, metricHistory: history },
        lastState: { ...(at?.prev?.state ?? {}) } as LearnerState["lastState"],
        lastConfig: { ...(at?.lastConfig ?? {}) },
        dirReady: -1,
        configs: new Map(),
        stopRequested: false,
        pruned: undefined,
        replay: at === undefined ? undefined : { iteration: at.nextIteration, configs: at.replay },
        resumed:
          at === undefined || at.status === "done"
            ? undefined
            : {
                iteration: at.nextIteration,
                kept: new Map(at.kept),
                attach: new Map(
                  attach.flatMap((s) => {
                    const t = s.learner === key ? at.inFlight.get(s.task) : undefined
                    return t === undefined ? [] : [[s.task, t] as const]
                  })
                )
              }
      })
    }
  }
  return learners
}
