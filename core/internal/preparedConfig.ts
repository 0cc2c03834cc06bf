/**
 * A task's config for one iteration as the runner resolves it, and the learner's store of those
 * that do not depend on the iteration: a schedule without adaptive layers gives the same config for
 * every iteration at which the same layers apply, so it is merged once, not once per task (on the
 * hot path of in-process learners the merge and its three objects were a tenth of a task's garbage).
 */
import * as Either from "effect/Either"
import type * as IterationState from "../IterationState.ts"
import type * as Json from "../Json.ts"
import type * as Task from "../Task.ts"
import * as TaskConfig from "../TaskConfig.ts"
import * as TaskError from "../TaskError.ts"
import * as TaskSchedule from "../TaskSchedule.ts"
import type { Prepared } from "./attempt.ts"
import type { LearnerState } from "./context.ts"

const runReading: TaskSchedule.ResolveOptions = { reading: "run" }

/** Resolves a task's config for an iteration as the runner reads it (`TaskSchedule.resolveWith`). */
export const resolveConfig = (
  learner: LearnerState,
  task: Task.TaskDef,
  iteration: number,
  kwargs?: { readonly [key: string]: Json.Json }
): Either.Either<TaskConfig.Resolved, TaskError.TaskFunctionError> => {
  const resolution = TaskSchedule.resolveWith(
    task.defaults,
    learner.config.get(task.name),
    { iteration, learner: learner.ref, maxIter: learner.def.maxIter, prev: learner.prev },
    kwargs === undefined ? runReading : { reading: "run", kwargs }
  )
  return Either.isRight(resolution)
    ? Either.right(resolution.right.resolved)
    : Either.left(
        new TaskError.TaskFunctionError({
          task: task.name,
          what: `the adaptive config at iteration ${iteration}`,
          reason: resolution.left.reason
        })
      )
}

/** A resolved config with its journaled form. */
export const prepared = (resolved: TaskConfig.Resolved): Prepared => ({
  resolved,
  config: { args: resolved.args, kwargs: TaskConfig.kwargsRecord(resolved) } satisfies IterationState.ResolvedConfig
})

const noLayers: ReadonlyArray<TaskSchedule.Layer> = []

const sameLayers = (a: ReadonlyArray<TaskSchedule.Layer>, b: ReadonlyArray<TaskSchedule.Layer>) => {
  if (a.length !== b.length) return false
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false
  return true
}

/**
 * The task's config at `iteration` (without instance kwargs): taken from the learner's store when
 * its schedule is static and the same layers applied when it was stored, else resolved (and stored
 * when static). A `setNextConfig` replaces the schedule, so a stored config never outlives it.
 */
export const prepare = (
  learner: LearnerState,
  task: Task.TaskDef,
  iteration: number
): Either.Either<Prepared, TaskError.TaskFunctionError> => {
  const schedule = learner.config.get(task.name)
  const kept = learner.configs.get(task.name)
  if (kept !== undefined && kept.schedule === schedule) {
    if (kept.adaptive) return Either.map(resolveConfig(learner, task, iteration), prepared)
    if (kept.constant) return Either.right(kept.prepared!)
    const layers = TaskSchedule.layersAt(schedule!, iteration)
    if (sameLayers(layers, kept.layers)) return Either.right(kept.prepared!)
  }
  const adaptive = schedule !== undefined && TaskSchedule.isAdaptiveSchedule(schedule)
  const resolved = Either.map(resolveConfig(learner, task, iteration), prepared)
  if (Either.isRight(resolved)) {
    learner.configs.set(task.name, {
      schedule,
      adaptive,
      constant: schedule === undefined || schedule.layers.every((l) => l._tag === "Always"),
      layers: adaptive || schedule === undefined ? noLayers : TaskSchedule.layersAt(schedule, iteration),
      prepared: adaptive ? undefined : resolved.right
    })
  }
  return resolved
}
