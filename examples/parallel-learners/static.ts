/**
 * The seed's Approach 1, static configuration: two learners, each with settings that stay the same
 * for every iteration.
 *
 *   npx tsx examples/parallel-learners/static.ts
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

// Approach 1: Static Configuration
const options = {
  parallelLearners: 2,
  maxIter: 10,
  learnerConfigs: [
    new LearnerConfig({
      simulation: new TaskConfig({ kwargs: { "--n_labeled": "200", "--n_features": 2 } }),
      training: new TaskConfig({ kwargs: { "--learning_rate": "0.01" } })
    }),
    new LearnerConfig({
      simulation: new TaskConfig({ kwargs: { "--n_labeled": "300", "--n_features": 4 } }),
      training: new TaskConfig({ kwargs: { "--learning_rate": "0.005" } })
    })
  ]
}

// `rose run examples/parallel-learners/static.ts` runs this program (the tests compare it with
// static.rose); run as a script, this file starts it itself, as the seed does.
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
