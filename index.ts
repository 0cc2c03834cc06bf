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

// The learner classes, made without a backend, run on `localBackend()`.

/**
 * @since 0.1.0
 * @category models
 */
export const ParallelActiveLearner = Facade.withDefaultBackend(Facade.ParallelActiveLearner, localBackend)
/**
 * @since 0.1.0
 * @category models
 */
export type ParallelActiveLearner = Facade.ParallelActiveLearner

/**
 * @since 0.1.0
 * @category models
 */
export const SequentialActiveLearner = Facade.withDefaultBackend(Facade.SequentialActiveLearner, localBackend)
/**
 * @since 0.1.0
 * @category models
 */
export type SequentialActiveLearner = Facade.SequentialActiveLearner

/**
 * @since 0.1.0
 * @category models
 */
export const ParallelReinforcementLearner = Facade.withDefaultBackend(Facade.ParallelReinforcementLearner, localBackend)
/**
 * @since 0.1.0
 * @category models
 */
export type ParallelReinforcementLearner = Facade.ParallelReinforcementLearner

/**
 * @since 0.1.0
 * @category models
 */
export const SequentialReinforcementLearner = Facade.withDefaultBackend(
  Facade.SequentialReinforcementLearner,
  localBackend
)
/**
 * @since 0.1.0
 * @category models
 */
export type SequentialReinforcementLearner = Facade.SequentialReinforcementLearner

/**
 * @since 0.1.0
 * @category models
 */
export const ParallelExperience = Facade.withDefaultBackend(Facade.ParallelExperience, localBackend)
/**
 * @since 0.1.0
 * @category models
 */
export type ParallelExperience = Facade.ParallelExperience

/**
 * @since 0.1.0
 * @category models
 */
export const SeqUQLearner = Facade.withDefaultBackend(Facade.SeqUQLearner, localBackend)
/**
 * @since 0.1.0
 * @category models
 */
export type SeqUQLearner = Facade.SeqUQLearner

/**
 * @since 0.1.0
 * @category models
 */
export const ParallelUQLearner = Facade.withDefaultBackend(Facade.ParallelUQLearner, localBackend)
/**
 * @since 0.1.0
 * @category models
 */
export type ParallelUQLearner = Facade.ParallelUQLearner

/**
 * @since 0.1.0
 * @category models
 */
export const AlgorithmSelector = Facade.withDefaultBackend(Facade.AlgorithmSelector, localBackend)
/**
 * @since 0.1.0
 * @category models
 */
export type AlgorithmSelector = Facade.AlgorithmSelector
