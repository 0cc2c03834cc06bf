/**
 * rose-ts: surrogate-building loops (active, reinforcement, uncertainty-driven learning, algorithm
 * selection) as Effect programs on local processes, SSH hosts and SLURM.
 *
 * This entry point wires the Promise facade to the local backend on the current runtime; the
 * Effect-native API is in the namespaces (`Runner`, `Rose`, `Program`, …).
 *
 * @since 0.1.0
 * @module
 */
import * as Layer from "effect/Layer"
import * as LocalBackend from "./backends/LocalBackend.ts"
import * as Facade from "./core/Facade.ts"
import * as Platform from "./runtime/Platform.ts"

export * from "./backends/index.ts"
export * from "./core/index.ts"
// The Python toolkit's names are classes; these shadow the namespaces of the same name (which stay
// available from "rose-ts/core").
export { LearnerConfig } from "./core/LearnerConfig.ts"
export * from "./core/MetricNames.ts"
export { TaskConfig } from "./core/TaskConfig.ts"
export * as Runtime from "./runtime/index.ts"

/**
 * The local backend with this runtime's platform services: what the learner classes run on by
 * default.
 *
 * @since 0.1.0
 * @category layers
 */
export const localBackend = (config: LocalBackend.Config = {}): Facade.BackendLayer =>
  LocalBackend.layer(config).pipe(Layer.provideMerge(Platform.layer))

/**
 * @since 0.1.0
 * @category models
 */
export class ParallelActiveLearner extends Facade.ParallelActiveLearner {
  constructor(backend: Facade.BackendLayer = localBackend(), options?: Facade.LearnerOptions) {
    super(backend, options)
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export class SequentialActiveLearner extends Facade.SequentialActiveLearner {
  constructor(backend: Facade.BackendLayer = localBackend(), options?: Facade.LearnerOptions) {
    super(backend, options)
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export class ParallelReinforcementLearner extends Facade.ParallelReinforcementLearner {
  constructor(backend: Facade.BackendLayer = localBackend(), options?: Facade.LearnerOptions) {
    super(backend, options)
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export class SequentialReinforcementLearner extends Facade.SequentialReinforcementLearner {
  constructor(backend: Facade.BackendLayer = localBackend(), options?: Facade.LearnerOptions) {
    super(backend, options)
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export class ParallelExperience extends Facade.ParallelExperience {
  constructor(backend: Facade.BackendLayer = localBackend(), options?: Facade.LearnerOptions) {
    super(backend, options)
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export class SeqUQLearner extends Facade.SeqUQLearner {
  constructor(backend: Facade.BackendLayer = localBackend(), options?: Facade.LearnerOptions) {
    super(backend, options)
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export class ParallelUQLearner extends Facade.ParallelUQLearner {
  constructor(backend: Facade.BackendLayer = localBackend(), options?: Facade.LearnerOptions) {
    super(backend, options)
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export class AlgorithmSelector extends Facade.AlgorithmSelector {
  constructor(backend: Facade.BackendLayer = localBackend(), options?: Facade.LearnerOptions) {
    super(backend, options)
  }
}
