/**
 * Active learners: simulation → training → active learning → criterion per iteration.
 *
 * @since 0.1.0
 */
import type { BackendLayer, LearnerOptions, StartOptions, TaskBody, TaskOptions } from "./BaseLearner.ts"
import {
  type BlockSettings,
  KindLearner,
  type ParallelStartOptions,
  parallel,
  type SequentialStartOptions,
  sequential
} from "./KindLearner.ts"

/**
 * Active learners: simulation → training → active learning → criterion per iteration.
 *
 * @since 0.1.0
 * @category models
 */
export abstract class ActiveLearnerBase<Options extends StartOptions = StartOptions> extends KindLearner<Options> {
  simulationTask<F extends TaskBody>(body: F, options?: TaskOptions): F {
    return this.register("simulation", body, options) as F
  }
  trainingTask<F extends TaskBody>(body: F, options?: TaskOptions): F {
    return this.register("training", body, options) as F
  }
  activeLearnTask<F extends TaskBody>(body: F, options?: TaskOptions): F {
    return this.register("active_learn", body, options) as F
  }
  predictionTask<F extends TaskBody>(body: F, options?: TaskOptions): F {
    return this.register("prediction", body, options) as F
  }
}

/**
 * One active learner.
 *
 * @since 0.1.0
 * @category models
 */
export class SequentialActiveLearner extends ActiveLearnerBase<SequentialStartOptions> {
  constructor(backend: BackendLayer, options?: LearnerOptions) {
    super("active", backend, options)
  }
  protected settings(options: SequentialStartOptions): BlockSettings {
    return sequential(options)
  }
}

/**
 * Several active learners of the same definition, each with its own config and stop criterion.
 *
 * @since 0.1.0
 * @category models
 */
export class ParallelActiveLearner extends ActiveLearnerBase<ParallelStartOptions> {
  constructor(backend: BackendLayer, options?: LearnerOptions) {
    super("active", backend, options)
  }
  protected settings(options: ParallelStartOptions): BlockSettings {
    return parallel(options)
  }
}
