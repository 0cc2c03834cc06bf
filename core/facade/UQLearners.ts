/**
 * Uncertainty-driven learners: an ensemble of models, an uncertainty task whose threshold may stop
 * the learner, active learning, a criterion per model.
 *
 * @since 0.1.0
 */
import type * as Json from "../Json.ts"
import type * as Sweep from "../Sweep.ts"
import type { BackendLayer, LearnerOptions, StartOptions, TaskBody, TaskOptions } from "./BaseLearner.ts"
import { type BlockSettings, type Config, KindLearner, type LearnerConfigs } from "./KindLearner.ts"

/**
 * The uncertainty criterion of a UQ learner: the uncertainty task's value (its last stdout line, or
 * what the function returns) compared with `threshold`; meeting it stops the learner.
 *
 * @since 0.1.0
 * @category models
 */
export interface UncertaintyOptions {
  readonly uqMetricName: string
  readonly threshold: number
  readonly operator?: string | undefined
  /** Passed to the uncertainty task as `--query_size N`. */
  readonly querySize?: number | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface UQStartOptions extends StartOptions {
  /** The ensemble: model names, or how many (`m0`, `m1`, …). */
  readonly modelNames: ReadonlyArray<string> | number
  /** Predictions per model and iteration (default 1). */
  readonly numPredictions?: number | undefined
}

/**
 * UQ learners: an ensemble of models sharing one simulation per iteration, each trained and asked
 * for predictions concurrently; an uncertainty task; active learning; a criterion per model.
 *
 * @since 0.1.0
 * @category models
 */
export abstract class UQLearnerBase<Options extends UQStartOptions = UQStartOptions> extends KindLearner<Options> {
  #uncertainty: UncertaintyOptions | undefined

  simulationTask<F extends TaskBody>(body: F, options?: TaskOptions): F {
    return this.register("simulation", body, options) as F
  }
  /** Training, once per model: it gets `--model_name` (and `ctx.model`). */
  trainingTask<F extends TaskBody>(body: F, options?: TaskOptions): F {
    return this.register("training", body, options) as F
  }
  /** Prediction, `numPredictions` times per model: it gets `--model_name` and `--prediction`. */
  predictionTask<F extends TaskBody>(body: F, options?: TaskOptions): F {
    return this.register("prediction", body, options) as F
  }
  activeLearnTask<F extends TaskBody>(body: F, options?: TaskOptions): F {
    return this.register("active_learn", body, options) as F
  }
  /** An uncertainty task without a threshold: it runs, its state is kept, it stops nothing. */
  uncertaintyTask<F extends TaskBody>(body: F, options?: TaskOptions): F {
    this.#uncertainty = undefined
    return this.register("uncertainty", body, options) as F
  }
  /** The uncertainty task and the threshold that stops the learner (the Python toolkit's `uncertainty_quantification`). */
  uncertaintyQuantification<F extends TaskBody>(uq: UncertaintyOptions, body: F, options?: TaskOptions): F {
    this.#uncertainty = { ...uq }
    return this.register("uncertainty", body, options) as F
  }

  protected uqOptions(modelNames: ReadonlyArray<string> | number, numPredictions: number | undefined) {
    const out: Record<string, Json.Json> = {
      models: typeof modelNames === "number" ? modelNames : [...modelNames],
      predictions: numPredictions ?? 1
    }
    const uq = this.#uncertainty
    if (uq !== undefined) {
      out.uq_metric = uq.uqMetricName
      out.uq_threshold = uq.threshold
      if (uq.operator !== undefined && uq.operator !== "") out.uq_operator = uq.operator
      if (uq.querySize !== undefined) out.query_size = uq.querySize
    }
    return out
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface SeqUQStartOptions extends UQStartOptions {
  readonly learningConfig?: Config | null
  readonly initialConfig?: Config | null
}

/**
 * One UQ learner.
 *
 * @since 0.1.0
 * @category models
 */
export class SeqUQLearner extends UQLearnerBase<SeqUQStartOptions> {
  constructor(backend: BackendLayer, options?: LearnerOptions) {
    super("uq", backend, options)
  }
  protected settings(options: SeqUQStartOptions): BlockSettings {
    const config = options.learningConfig ?? options.initialConfig
    return {
      parallel: 1,
      configs: config == null ? undefined : [config],
      kindOptions: this.uqOptions(options.modelNames, options.numPredictions)
    }
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ParallelUQStartOptions extends UQStartOptions {
  readonly learnerNames?: ReadonlyArray<string>
  readonly parallelLearners?: number
  readonly learnerConfigs?: LearnerConfigs | { readonly [learnerName: string]: Config | null | undefined }
  /** One learner per point (`Rose.grid`, `Rose.zip`, `Rose.random`), each named by its point. */
  readonly sweep?: Sweep.Sweep | undefined
}

/**
 * Several UQ learners of the same definition, each with its own config (by index, or keyed by the
 * names in `learnerNames`, learner k being `learnerNames[k]`).
 *
 * @since 0.1.0
 * @category models
 */
export class ParallelUQLearner extends UQLearnerBase<ParallelUQStartOptions> {
  constructor(backend: BackendLayer, options?: LearnerOptions) {
    super("uq", backend, options)
  }
  protected settings(options: ParallelUQStartOptions): BlockSettings {
    const names = options.learnerNames
    const kindOptions = this.uqOptions(options.modelNames, options.numPredictions)
    const sweep = options.sweep
    const parallel = names?.length ?? options.parallelLearners ?? (sweep === undefined ? 2 : undefined)
    const given = options.learnerConfigs
    if (given === undefined || Array.isArray(given)) {
      return { parallel, configs: given as LearnerConfigs | undefined, kindOptions, sweep }
    }
    if (names === undefined) throw new Error("learnerConfigs keyed by name needs learnerNames")
    const record = given as { readonly [name: string]: Config | null | undefined }
    const unknown = Object.keys(record).filter((k) => !names.includes(k))
    if (unknown.length > 0) {
      throw new Error(`learnerConfigs names ${unknown.join(", ")}, not in learnerNames (${names.join(", ")})`)
    }
    return { parallel, configs: names.map((n) => record[n] ?? null), kindOptions, sweep }
  }
}
