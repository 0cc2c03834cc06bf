/**
 * selector.rose in TypeScript, with the Python toolkit's names: an `AlgorithmSelector` with two
 * active-learning algorithms (`activeLearnTask(name, …)`) sharing the simulation, training and
 * criterion; the run's results rank them (`results.selection`).
 *
 *   npx tsx examples/selector/selector.ts
 *
 * The run directory is `runs/<timestamp>-<hex>/` under the current directory, or `$ROSE_OUT`.
 */
import { AlgorithmSelector, LearnerConfig, MEAN_SQUARED_ERROR_MSE, TaskConfig } from "rose-ts"

const selector = new AlgorithmSelector(undefined, { name: "strategies" })
const node = process.execPath
const shared = `${import.meta.dirname}/../parallel-learners/tasks`
const tasks = `${import.meta.dirname}/tasks`

selector.simulationTask([node, `${shared}/sim.mjs`], { with: { n_labeled: 30, n_features: 2, seed: 7 } })
selector.trainingTask([node, `${shared}/train.mjs`], { with: { learning_rate: 10, seed: 7 } })
selector.activeLearnTask("uncertainty", [node, `${tasks}/active.mjs`, "--strategy", "uncertainty"])
selector.activeLearnTask("random", [node, `${tasks}/active.mjs`, "--strategy", "random"])
selector.asStopCriterion({ metricName: MEAN_SQUARED_ERROR_MSE, threshold: 0.02 }, [node, `${shared}/check_mse.mjs`])

const run = selector.start({
  maxIter: 8,
  // A config per algorithm; `active_learn` is that algorithm's task.
  algorithmConfigs: {
    uncertainty: new LearnerConfig({ active_learn: new TaskConfig({ kwargs: { batch_size: 10 } }) }),
    random: new LearnerConfig({ active_learn: new TaskConfig({ kwargs: { batch_size: 10, seed: 7 } }) })
  },
  out: process.env.ROSE_OUT
})

try {
  console.log(`run directory: ${(await run.info).runDir}`)
  for await (const state of run) {
    console.log(
      `${selector.algorithms[state.learnerId]} iteration ${state.iteration}: ${state.metricName} = ${state.metricValue}` +
        (state.shouldStop ? " (the learner stops)" : "")
    )
  }
  const results = await run
  const selection = results.selection!.strategies!
  for (const r of selection.ranking) {
    console.log(
      `${r.rank}. ${r.algorithm}: ${r.converged ? "converged" : r.stopReason}, ${r.iterations} iterations, final ${r.final}`
    )
  }
  console.log(`best algorithm: ${selection.winner?.algorithm ?? "none"}`)
} finally {
  await selector.shutdown()
}
