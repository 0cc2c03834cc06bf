/**
 * The algorithm selector: several active-learning algorithms run as concurrent learners, ranked
 * when the run ends.
 *
 * @since 0.1.0
 */
import * as LearnerConfig from "../LearnerConfig.ts"
import type { BackendLayer, LearnerOptions, StartOptions, TaskBody, TaskOptions } from "./BaseLearner.ts"
import { type BlockSettings, type Config, checkQualifier, KindLearner } from "./KindLearner.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface SelectorStartOptions extends StartOptions {
  /** A config per algorithm; its `active_learn` entry configures that algorithm's task. */
  readonly algorithmConfigs?: { readonly [algorithm: string]: Config | null | undefined }
}

/**
 * The algorithm selector: several active-learning algorithms (`activeLearnTask(name, …)`) run as
 * concurrent learners sharing the simulation, training and criterion, each in its own folder; when
 * the run ends, `results.selection[<name>]` ranks them (converged first, then the final metric in
 * its direction, then fewer iterations) and names the winner. Learner k runs the k-th algorithm.
 *
 * @since 0.1.0
 * @category models
 */
export class AlgorithmSelector extends KindLearner<SelectorStartOptions> {
  readonly #algorithms: Array<string> = []

  constructor(backend: BackendLayer, options?: LearnerOptions) {
    super("selector", backend, options)
  }

  simulationTask<F extends TaskBody>(body: F, options?: TaskOptions): F {
    return this.register("simulation", body, options) as F
  }
  trainingTask<F extends TaskBody>(body: F, options?: TaskOptions): F {
    return this.register("training", body, options) as F
  }
  /** Registers the algorithm `name` (the task `active_learn.<name>`). */
  activeLearnTask<F extends TaskBody>(name: string, body: F, options?: TaskOptions): F {
    checkQualifier("algorithm", name)
    if (!this.#algorithms.includes(name)) this.#algorithms.push(name)
    return this.register(`active_learn.${name}`, body, options) as F
  }

  /** The algorithms in the order of their learners. */
  get algorithms(): ReadonlyArray<string> {
    return [...this.#algorithms]
  }

  protected settings(options: SelectorStartOptions): BlockSettings {
    const given = options.algorithmConfigs ?? {}
    const unknown = Object.keys(given).filter((k) => !this.#algorithms.includes(k))
    if (unknown.length > 0) {
      throw new Error(
        `algorithmConfigs names ${unknown.join(", ")}, not a registered algorithm (${this.#algorithms.join(", ")})`
      )
    }
    const configs = this.#algorithms.map((name): LearnerConfig.LearnerConfigInput | null => {
      const config = given[name]
      if (config == null) return null
      const input = config instanceof LearnerConfig.LearnerConfig ? config.input : config
      const { active_learn, ...rest } = input
      return active_learn === undefined
        ? rest
        : { ...rest, tasks: { ...rest.tasks, [`active_learn.${name}`]: active_learn } }
    })
    return { parallel: this.#algorithms.length, configs }
  }
}
