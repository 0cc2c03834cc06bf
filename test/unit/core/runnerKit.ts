/**
 * Shared helpers of the runner tests: an active-learning program on the scripted backend and a
 * criterion that prints 0.5 unless told otherwise.
 */
import type * as ScriptedBackend from "../../../backends/ScriptedBackend.ts"
import * as Rose from "../../../core/ProgramBuilder.ts"

export const activeTasks = (criterion = true, options: Rose.TaskOptions = {}) => ({
  simulation: Rose.exec("sim --n {n}", { with: { n: 1 }, ...options }),
  training: Rose.exec("train", options),
  active_learn: Rose.exec("select", options),
  ...(criterion ? { criterion: Rose.exec("check", options) } : {})
})

export const program = (
  spec: Partial<Rose.LearnerSpec> & { readonly parallel?: number },
  extra: Partial<Rose.ProgramSpec> = {}
) =>
  Rose.program({
    here: "/proj",
    learners: [
      Rose.active("sweep", {
        parallel: spec.parallel ?? 3,
        maxIter: spec.maxIter ?? 5,
        tasks: spec.tasks ?? activeTasks(),
        stopWhen: spec.stopWhen ?? { metricName: "mse", threshold: 0.1 },
        configs: spec.configs,
        onError: spec.onError,
        population: spec.population,
        budget: spec.budget
      })
    ],
    ...extra
  })

/** A criterion printing 0.5 except where `overrides` says otherwise (keyed "learner:iteration"). */
export const metrics =
  (overrides: Record<string, number | string> = {}): ScriptedBackend.Script =>
  (inv) =>
    inv.task === "criterion"
      ? { stdout: `${overrides[`${inv.learner.index}:${inv.iteration}`] ?? 0.5}\n` }
      : { stdout: `{"task":"${inv.task}","iteration":${inv.iteration}}\n` }
