/**
 * The Promise facade: the Python toolkit's learner classes with the same names, so its code ports
 * line by line. It is an adapter over the engine: each learner object owns a `ManagedRuntime`
 * holding its backend layer, builds its block's program and runs it with the runner.
 *
 * ```ts
 * const acl = new ParallelActiveLearner()
 * acl.simulationTask(async (args, kwargs) => `node sim.mjs --n_labeled ${kwargs["--n_labeled"] ?? 100}`)
 * acl.trainingTask(async () => "node train.mjs")
 * acl.activeLearnTask(async () => "node active.mjs")
 * acl.asStopCriterion({ metricName: MEAN_SQUARED_ERROR_MSE, threshold: 0.1 }, async () => "node check_mse.mjs")
 * for await (const state of acl.start({ parallelLearners: 2, maxIter: 10 })) console.log(state.metricValue)
 * await acl.shutdown()
 * ```
 *
 * @since 0.1.0
 */

export {
  ActiveLearnerBase,
  ParallelActiveLearner,
  SequentialActiveLearner
} from "./facade/ActiveLearners.ts"
export { AlgorithmSelector, type SelectorStartOptions } from "./facade/AlgorithmSelector.ts"
export {
  type BackendLayer,
  BaseLearner,
  type BlockShape,
  type LearnerOptions,
  type StartOptions,
  type TaskBody,
  type TaskOptions
} from "./facade/BaseLearner.ts"
export {
  type BlockSettings,
  type Config,
  KindLearner,
  type LearnerConfigs,
  type LearnerConfigsInput,
  type OptionsArgument,
  type ParallelStartOptions,
  type SequentialStartOptions,
  withDefaultBackend
} from "./facade/KindLearner.ts"
export { LearnerFailedError, LearnerRun, RunInterruptedError } from "./facade/LearnerRun.ts"
export {
  type ExperienceStartOptions,
  ParallelExperience,
  ParallelReinforcementLearner,
  ReinforcementLearnerBase,
  SequentialReinforcementLearner
} from "./facade/ReinforcementLearners.ts"
export {
  ParallelUQLearner,
  type ParallelUQStartOptions,
  SeqUQLearner,
  type SeqUQStartOptions,
  type UncertaintyOptions,
  UQLearnerBase,
  type UQStartOptions
} from "./facade/UQLearners.ts"
