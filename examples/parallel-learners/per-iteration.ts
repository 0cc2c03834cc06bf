/**
 * The seed's Approach 2, per-iteration configuration: three learners; learner 1 changes its settings
 * at exact iterations (0, 5, 10) and uses the `-1` entry for every other iteration; learner 2 has no
 * config (`None` in the seed) and runs with the task functions' defaults.
 *
 *   npx tsx examples/parallel-learners/per-iteration.ts
 *
 * The run directory is `runs/<timestamp>-<hex>/` under the current directory, or `$ROSE_OUT`.
 */
import { LearnerConfig, MEAN_SQUARED_ERROR_MSE, ParallelActiveLearner, TaskConfig } from "rose-ts"

// The seed creates a RadicalExecutionBackend({ runtime: 30, resource: "local.localhost" }) and a
// WorkflowEngine on it; here the default backend runs every task as a local process (the same as
// `new ParallelActiveLearner(localBackend())`).
const acl = new ParallelActiveLearner()
// The seed's f"{sys.executable} {os.getcwd()}": this runtime's node and the folder of this script.
const codePath = `${process.execPath} ${import.meta.dirname}`

// 1. Define Workflow Tasks
acl.simulationTask(async (_args, kwargs) => {
  const nLabeled = kwargs["--n_labeled"] ?? 100
  const nFeatures = kwargs["--n_features"] ?? 2

  return `${codePath}/tasks/sim.mjs --n_labeled ${nLabeled} --n_features ${nFeatures}`
})

acl.trainingTask(async (_args, kwargs) => {
  const learningRate = kwargs["--learning_rate"] ?? 0.1
  return `${codePath}/tasks/train.mjs --learning_rate ${learningRate}`
})

acl.activeLearnTask(async () => {
  return `${codePath}/tasks/active.mjs`
})

acl.asStopCriterion({ metricName: MEAN_SQUARED_ERROR_MSE, threshold: 0.1 }, async () => {
  return `${codePath}/tasks/check_mse.mjs`
})

// Approach 2: Per-Iteration Configuration
const options = {
  parallelLearners: 3,
  maxIter: 15,
  learnerConfigs: [
    new LearnerConfig({
      simulation: new TaskConfig({ kwargs: { "--n_labeled": "200", "--n_features": 2 } })
    }),
    new LearnerConfig({
      simulation: {
        0: new TaskConfig({ kwargs: { "--n_labeled": "100" } }),
        5: new TaskConfig({ kwargs: { "--n_labeled": "200" } }),
        10: new TaskConfig({ kwargs: { "--n_labeled": "400" } }),
        [-1]: new TaskConfig({ kwargs: { "--n_labeled": "500" } })
      },
      training: {
        0: new TaskConfig({ kwargs: { "--learning_rate": "0.01" } }),
        5: new TaskConfig({ kwargs: { "--learning_rate": "0.005" } }),
        [-1]: new TaskConfig({ kwargs: { "--learning_rate": "0.001" } })
      }
    }),
    null // Default to base task behavior
  ]
}

// `rose run examples/parallel-learners/per-iteration.ts` runs this program (the tests compare it with
// per-iteration.rose); run as a script, this file starts it itself, as the seed does.
export default acl.program(options)

if (import.meta.filename === process.argv[1]) {
  const run = acl.start({ ...options, out: process.env.ROSE_OUT })

  try {
    console.log(`run directory: ${(await run.info).runDir}`)
    for await (const state of run) {
      console.log(
        `learner ${state.learnerId} iteration ${state.iteration}: ${state.metricName} = ${state.metricValue}` +
          (state.shouldStop ? " (the learner stops)" : "")
      )
    }
    const results = await run
    for (const l of results.learners) {
      console.log(`learner ${l.index}: ${l.stopReason} after ${l.iterations} iteration(s)`)
    }
  } finally {
    await acl.shutdown()
  }
}
