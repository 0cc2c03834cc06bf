/**
 * The seed's Approach 3, adaptive configuration: learner 0's settings are functions of the iteration
 * i (more labeled points, less noise, a smaller learning rate, a growing batch); learner 1 is static.
 *
 *   npx tsx examples/parallel-learners/adaptive.ts
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
// Unlike the seed's task functions, which build their command lines from n_labeled, n_features and
// learning_rate only (so the noise level and batch size its adaptive schedules compute never reach a
// task), these also forward --noise_level and --batch_size when a schedule sets them.
const flag = (kwargs: { readonly [key: string]: unknown }, key: string) =>
  kwargs[key] === undefined ? "" : ` ${key} ${kwargs[key]}`

acl.simulationTask(async (_args, kwargs) => {
  const nLabeled = kwargs["--n_labeled"] ?? 100
  const nFeatures = kwargs["--n_features"] ?? 2

  return `${codePath}/tasks/sim.mjs --n_labeled ${nLabeled} --n_features ${nFeatures}${flag(kwargs, "--noise_level")}`
})

acl.trainingTask(async (_args, kwargs) => {
  const learningRate = kwargs["--learning_rate"] ?? 0.1
  return `${codePath}/tasks/train.mjs --learning_rate ${learningRate}${flag(kwargs, "--batch_size")}`
})

acl.activeLearnTask(async () => {
  return `${codePath}/tasks/active.mjs`
})

acl.asStopCriterion({ metricName: MEAN_SQUARED_ERROR_MSE, threshold: 0.1 }, async () => {
  return `${codePath}/tasks/check_mse.mjs`
})

// Approach 3: Adaptive Configuration
const adaptiveSim = acl.createAdaptiveSchedule("simulation", (i) => ({
  kwargs: {
    "--n_labeled": String(100 + i * 50),
    "--n_features": 2,
    "--noise_level": String(0.1 * 0.95 ** i)
  }
}))

const adaptiveTrain = acl.createAdaptiveSchedule("training", (i) => ({
  kwargs: {
    "--learning_rate": String(0.01 * 0.9 ** i),
    "--batch_size": String(Math.min(64, 32 + i * 4))
  }
}))

const options = {
  parallelLearners: 2,
  maxIter: 20,
  learnerConfigs: [
    new LearnerConfig({ simulation: adaptiveSim, training: adaptiveTrain }),
    new LearnerConfig({
      simulation: new TaskConfig({ kwargs: { "--n_labeled": "300", "--n_features": 4 } }),
      training: new TaskConfig({ kwargs: { "--learning_rate": "0.005" } })
    })
  ]
}

// `rose run examples/parallel-learners/adaptive.ts` runs this program (the tests compare it with
// adaptive.rose); run as a script, this file starts it itself, as the seed does.
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
