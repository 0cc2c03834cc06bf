/**
 * The seed's Full Example on a SLURM cluster, through the Python-style API: three learners (adaptive,
 * per-iteration and static), every task a SLURM job (or a step of one allocation), each learner
 * stopping on its own criterion. The task scripts are those of examples/parallel-learners.
 *
 *   npx tsx examples/slurm/seed.ts
 *
 * Environment: `ROSE_SLURM_PARTITION` (default "debug"), `ROSE_SLURM_MODE` ("job", the default, or
 * "allocation"), `ROSE_SLURM_CORES` (the allocation's cores, default 2), `ROSE_OUT` (the run
 * directory; by default `runs/<timestamp>-<hex>/` under the current directory, which the cluster's
 * nodes must see: run it from your home or scratch folder).
 */
import * as Layer from "effect/Layer"
import {
  LearnerConfig,
  MEAN_SQUARED_ERROR_MSE,
  ParallelActiveLearner,
  Runtime,
  SlurmBackend,
  TaskConfig
} from "rose-ts"

const mode = process.env.ROSE_SLURM_MODE === "allocation" ? "allocation" : "job"
// The seed creates a RadicalExecutionBackend({ runtime: 30, resource: "local.localhost" }); here the
// backend is SLURM, with this runtime's platform services.
const backend = SlurmBackend.layer({
  partition: process.env.ROSE_SLURM_PARTITION ?? "debug",
  mode,
  ...(mode === "allocation"
    ? { allocation: { cores: Number(process.env.ROSE_SLURM_CORES ?? 2), time: "00:30:00" } }
    : {}),
  pollMillis: 250
}).pipe(Layer.provideMerge(Runtime.Platform.layer))

const acl = new ParallelActiveLearner(backend)
// The seed's f"{sys.executable} {os.getcwd()}": this runtime's node and the parallel-learners tasks.
const codePath = `${process.execPath} ${import.meta.dirname}/../parallel-learners`
const oneCore = { resources: { cores: 1, time: "00:05:00" } }

// 1. Define Workflow Tasks
acl.simulationTask(async (_args, kwargs) => {
  const nLabeled = kwargs["--n_labeled"] ?? 100
  const nFeatures = kwargs["--n_features"] ?? 2
  return `${codePath}/tasks/sim.mjs --n_labeled ${nLabeled} --n_features ${nFeatures}`
}, oneCore)

acl.trainingTask(async (_args, kwargs) => {
  const learningRate = kwargs["--learning_rate"] ?? 0.1
  return `${codePath}/tasks/train.mjs --learning_rate ${learningRate}`
}, oneCore)

acl.activeLearnTask(async () => `${codePath}/tasks/active.mjs`, oneCore)

acl.asStopCriterion(
  { metricName: MEAN_SQUARED_ERROR_MSE, threshold: 0.1 },
  async () => `${codePath}/tasks/check_mse.mjs`,
  oneCore
)

// Full Example: All Approaches Combined
const adaptiveSim = acl.createAdaptiveSchedule("simulation", (i) => ({
  kwargs: { "--n_labeled": String(100 + i * 50), "--n_features": 2 }
}))

const run = acl.start({
  parallelLearners: 3,
  maxIter: 15,
  learnerConfigs: [
    new LearnerConfig({ simulation: adaptiveSim }), // Adaptive
    new LearnerConfig({
      // Per-iteration
      simulation: {
        0: new TaskConfig({ kwargs: { "--n_labeled": "150", "--n_features": 3 } }),
        7: new TaskConfig({ kwargs: { "--n_labeled": "250", "--n_features": 3 } }),
        [-1]: new TaskConfig({ kwargs: { "--n_labeled": "400", "--n_features": 3 } })
      }
    }),
    new LearnerConfig({
      // Static
      simulation: new TaskConfig({ kwargs: { "--n_labeled": "300", "--n_features": 4 } })
    })
  ],
  out: process.env.ROSE_OUT
})

try {
  console.log(`run directory: ${(await run.info).runDir} (SLURM, ${mode} mode)`)
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
