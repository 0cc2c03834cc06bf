/**
 * Reinforcement learners: environment → update → criterion per iteration; `ParallelExperience`
 * runs several named environments per iteration.
 *
 * @since 0.1.0
 */
import type * as Sweep from "../Sweep.ts"
import type { BackendLayer, LearnerOptions, StartOptions, TaskBody, TaskOptions } from "./BaseLearner.ts"
import {
  type BlockSettings,
  type Config,
  checkQualifier,
  KindLearner,
  type LearnerConfigsInput,
  type ParallelStartOptions,
  parallel,
  type SequentialStartOptions,
  sequential
} from "./KindLearner.ts"

/**
 * Reinforcement learners: environment → update → criterion per iteration.
 *
 * @since 0.1.0
 * @category models
 */
export abstract class ReinforcementLearnerBase<
  Options extends StartOptions = StartOptions
> extends KindLearner<Options> {
  environmentTask<F extends TaskBody>(body: F, options?: TaskOptions): F {
    return this.register("environment", body, options) as F
  }
  updateTask<F extends TaskBody>(body: F, options?: TaskOptions): F {
    return this.register("update", body, options) as F
  }
}

/**
 * One reinforcement learner.
 *
 * @since 0.1.0
 * @category models
 */
export class SequentialReinforcementLearner extends ReinforcementLearnerBase<SequentialStartOptions> {
  constructor(backend: BackendLayer, options?: LearnerOptions) {
    super("reinforcement", backend, options)
  }
  protected settings(options: SequentialStartOptions): BlockSettings {
    return sequential(options)
  }
}

/**
 * Several reinforcement learners of the same definition.
 *
 * @since 0.1.0
 * @category models
 */
export class ParallelReinforcementLearner extends ReinforcementLearnerBase<ParallelStartOptions> {
  constructor(backend: BackendLayer, options?: LearnerOptions) {
    super("reinforcement", backend, options)
  }
  protected settings(options: ParallelStartOptions): BlockSettings {
    return parallel(options)
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ExperienceStartOptions extends StartOptions {
  readonly initialConfig?: Config | null
  /** Several learners of this definition, each with its own bank (default 1). */
  readonly parallelLearners?: number
  readonly learnerConfigs?: LearnerConfigsInput
  /** One learner per point (`Rose.grid`, `Rose.zip`, `Rose.random`), each named by its point. */
  readonly sweep?: Sweep.Sweep | undefined
}

/**
 * A reinforcement learner with several named environments (the Python toolkit's
 * `ParallelExperience`): each iteration runs every environment concurrently, merges their experience
 * into the learner's bank, then runs the update and the criterion. Each environment is a task of its
 * own (`environment.<name>`), configurable per learner and iteration under `tasks`.
 *
 * @since 0.1.0
 * @category models
 */
export class ParallelExperience extends KindLearner<ExperienceStartOptions> {
  constructor(backend: BackendLayer, options?: LearnerOptions) {
    super("reinforcement", backend, options)
  }

  /** Registers the environment `name` (the task `environment.<name>`). */
  environmentTask<F extends TaskBody>(name: string, body: F, options?: TaskOptions): F {
    checkQualifier("environment", name)
    return this.register(`environment.${name}`, body, options) as F
  }
  updateTask<F extends TaskBody>(body: F, options?: TaskOptions): F {
    return this.register("update", body, options) as F
  }

  protected settings(options: ExperienceStartOptions): BlockSettings {
    return {
      parallel: options.parallelLearners ?? (options.sweep === undefined ? 1 : undefined),
      configs: options.learnerConfigs ?? (options.initialConfig == null ? undefined : [options.initialConfig]),
      sweep: options.sweep
    }
  }
}
