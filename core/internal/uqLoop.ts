import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Json from "../Json.ts"
import * as Learner from "../Learner.ts"
import * as Metric from "../Metric.ts"
import { type Instance, TaskAttemptError } from "./attempt.ts"
import type { LearnerState } from "./context.ts"
import { applyPending, checkCriterion, completeIteration, type Loop, newRecord, step } from "./iteration.ts"
import { criterionValue } from "./taskRun.ts"

/** The name a per-model task runs under: `training@cnn`, `prediction@cnn.2`, `criterion@cnn`. */
export const instanceName = (task: string, model: string, prediction?: number): string =>
  prediction === undefined ? `${task}@${model}` : `${task}@${model}.${prediction}`

const modelInstance = (task: string, model: string, index: number, prediction?: number): Instance => {
  const env: Record<string, string> = { ROSE_MODEL: model, ROSE_MODEL_INDEX: String(index) }
  if (prediction !== undefined) env.ROSE_PREDICTION = String(prediction)
  return {
    name: instanceName(task, model, prediction),
    kwargs:
      prediction === undefined ? { "--model_name": model } : { "--model_name": model, "--prediction": prediction },
    fields: prediction === undefined ? { model } : { model, prediction },
    env: () => env,
    context: () => (prediction === undefined ? { model } : { model, prediction })
  }
}

interface ModelRecord {
  training: boolean
  history: Array<number>
}

/** What a resumed learner knew about its models: `state.uq.models` of its last iteration. */
const restore = (learner: LearnerState, models: ReadonlyArray<string>): Map<string, ModelRecord> => {
  const saved = learner.lastState.uq?.models
  const out = new Map<string, ModelRecord>()
  for (const m of models) {
    const s = Json.isObject(saved) ? saved[m] : undefined
    const o: Json.JsonObject = Json.isObject(s) ? s : {}
    const history = Array.isArray(o.history)
      ? (o.history as ReadonlyArray<Json.Json>).filter((v): v is number => typeof v === "number")
      : []
    out.set(m, { training: o.training !== false, history })
  }
  return out
}

/**
 * Uncertainty-driven active learning with an ensemble: simulation(i) once; then for each model still
 * training, concurrently, training(i, m) → its predictions(i, m, p < P) concurrently; then
 * uncertainty(i), whose value may stop the learner (its threshold met: no active learning or
 * criterion runs that iteration); then active_learn(i); then the criterion once per model still
 * training, concurrently: a model that meets it stops training, and the learner stops when none is
 * left. The iteration's metric is the mean over the models evaluated; each model's value and history
 * are in `state.uq.models`.
 */
export const uq: Loop = (env, learner) =>
  Effect.gen(function* () {
    const def = learner.def
    const models = Learner.modelNames(def.options)
    const predictions = typeof def.options.predictions === "number" ? def.options.predictions : 1
    const uqCriterion = Either.getOrUndefined(Learner.uncertaintyCriterion(def.options))
    const querySize = def.options.query_size
    const state = restore(learner, models)
    while (true) {
      const i = learner.nextIteration
      applyPending(learner)
      const record = newRecord()
      if (def.tasks.has("simulation")) yield* step(env, learner, record, "simulation", i)
      const active = models.filter((m) => state.get(m)!.training)
      yield* Effect.forEach(
        active,
        (m) =>
          Effect.gen(function* () {
            const k = models.indexOf(m)
            yield* step(env, learner, record, "training", i, modelInstance("training", m, k))
            yield* Effect.forEach(
              Array.from({ length: predictions }, (_, p) => p),
              (p) => step(env, learner, record, "prediction", i, modelInstance("prediction", m, k, p)),
              { concurrency: "unbounded", discard: true }
            )
          }),
        { concurrency: "unbounded", discard: true }
      )
      let uncertainty: number | undefined
      let uncertaintyMet = false
      if (def.tasks.has("uncertainty")) {
        const out = yield* step(
          env,
          learner,
          record,
          "uncertainty",
          i,
          querySize === undefined ? undefined : { kwargs: { "--query_size": querySize } }
        )
        if (uqCriterion !== undefined) {
          const task = def.tasks.get("uncertainty")!
          const value = criterionValue(task, uqCriterion.metric, out)
          if (Either.isLeft(value)) {
            return yield* new TaskAttemptError({
              task: "uncertainty",
              iteration: i,
              attempt: out.attempt,
              error: value.left,
              exitCode: task.binding._tag === "InProcess" ? null : 0,
              stderrTail: ""
            })
          }
          uncertainty = value.right
          uncertaintyMet = Metric.meets(uncertainty, uqCriterion.operator, uqCriterion.threshold)
        }
      }
      const values: Record<string, number> = {}
      if (!uncertaintyMet) {
        yield* step(env, learner, record, "active_learn", i)
        if (def.criterion !== undefined) {
          const criterion = def.criterion
          yield* Effect.forEach(
            active,
            (m) =>
              Effect.map(
                checkCriterion(env, learner, record, i, modelInstance("criterion", m, models.indexOf(m))),
                (v) => {
                  if (v === undefined) return
                  values[m] = v
                  const s = state.get(m)!
                  s.history.push(v)
                  if (Metric.meets(v, criterion.operator, criterion.threshold)) s.training = false
                }
              ),
            { concurrency: "unbounded", discard: true }
          )
        }
      }
      const evaluated = active.filter((m) => values[m] !== undefined)
      const metric =
        evaluated.length === 0 ? undefined : evaluated.reduce((a, m) => a + values[m]!, 0) / evaluated.length
      const summary: Record<string, Json.Json> = {}
      for (const m of models) {
        const s = state.get(m)!
        summary[m] = {
          training: s.training,
          value: values[m] ?? null,
          met: values[m] !== undefined && !s.training,
          history: [...s.history]
        }
      }
      record.state.uq = {
        models: summary,
        training: models.filter((m) => state.get(m)!.training),
        uncertainty: uncertainty ?? null,
        uncertaintyMet
      }
      const allStopped = def.criterion !== undefined && models.every((m) => !state.get(m)!.training)
      const end = yield* completeIteration(env, learner, i, record, metric, uncertaintyMet || allStopped)
      if (end !== undefined) return end
    }
  })
