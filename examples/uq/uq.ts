/**
 * uq.rose in TypeScript, with the Python toolkit's names: a `SeqUQLearner` with a bootstrap
 * ensemble of three models, two predictions each, an uncertainty threshold
 * (`uncertaintyQuantification`) and a criterion per model.
 *
 *   npx tsx examples/uq/uq.ts
 *
 * The run directory is `runs/<timestamp>-<hex>/` under the current directory, or `$ROSE_OUT`.
 */
import { MEAN_SQUARED_ERROR_MSE, SeqUQLearner } from "rose-ts"

const uq = new SeqUQLearner(undefined, { name: "ensemble" })
const node = process.execPath
const here = import.meta.dirname

// Command templates: the runner appends the kwargs, --model_name (and --prediction) included.
uq.simulationTask([node, `${here}/../parallel-learners/tasks/sim.mjs`], { with: { n_labeled: 40, n_features: 2 } })
uq.trainingTask([node, `${here}/tasks/train.mjs`])
// A function building the command line sees the same kwargs, in the spelling the runner gives them.
uq.predictionTask(
  (_args, kwargs) =>
    `${node} ${here}/tasks/predict.mjs --model_name ${kwargs["--model_name"]} --prediction ${kwargs["--prediction"]}`
)
uq.uncertaintyQuantification({ uqMetricName: "predictive_variance", threshold: 0.002, querySize: 10 }, [
  node,
  `${here}/tasks/uncertainty.mjs`
])
uq.activeLearnTask([node, `${here}/tasks/active.mjs`])
uq.asStopCriterion({ metricName: MEAN_SQUARED_ERROR_MSE, threshold: 0.05 }, [node, `${here}/tasks/check.mjs`])

const run = uq.start({ modelNames: ["a", "b", "c"], numPredictions: 2, maxIter: 8, out: process.env.ROSE_OUT })

try {
  console.log(`run directory: ${(await run.info).runDir}`)
  for await (const state of run) {
    const s = state.state.uq as {
      models: Record<string, { value: number | null; training: boolean }>
      uncertainty: number | null
    }
    const models = Object.entries(s.models)
      .map(([m, v]) => `${m} ${v.value ?? "–"}${v.training ? "" : " (stopped)"}`)
      .join(", ")
    console.log(
      `iteration ${state.iteration}: mean MSE ${state.metricValue?.toFixed(4) ?? "–"}, uncertainty ${s.uncertainty}; ${models}` +
        (state.shouldStop ? " (the learner stops)" : "")
    )
  }
  const results = await run
  const l = results.learners[0]!
  console.log(`${l.stopReason} after ${l.iterations} iteration(s)`)
} finally {
  await uq.shutdown()
}
