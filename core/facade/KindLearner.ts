/**
 * The generic base of the learner classes: a class gives its kind to the constructor and says how
 * its start options become its learner block (how many learners, their configs, the kind's
 * options); `program` and `start` are written once, here. Also the two shapes most classes share
 * (one learner, several of one definition) and `withDefaultBackend`.
 *
 * @since 0.1.0
 */
import type * as Json from "../Json.ts"
import type * as LearnerConfig from "../LearnerConfig.ts"
import type * as Program from "../Program.ts"
import type * as Sweep from "../Sweep.ts"
import {
  type BackendLayer,
  BaseLearner,
  type BlockShape,
  type LearnerOptions,
  type StartOptions
} from "./BaseLearner.ts"
import type { LearnerRun } from "./LearnerRun.ts"

/**
 * A learner config as the start options take it.
 *
 * @since 0.1.0
 * @category models
 */
export type Config = LearnerConfig.LearnerConfig | LearnerConfig.LearnerConfigInput

/**
 * One config per learner; `null` or `undefined` for none.
 *
 * @since 0.1.0
 * @category models
 */
export type LearnerConfigs = ReadonlyArray<Config | null | undefined>

/**
 * One config per learner, or a function of the learner's index giving it.
 *
 * @since 0.3.0
 * @category models
 */
export type LearnerConfigsInput = LearnerConfigs | ((learner: number) => Config | null | undefined)

/**
 * What a learner block is made of besides its tasks: how many learners, their configs, the kind's
 * options.
 *
 * @since 0.1.0
 * @category models
 */
export interface BlockSettings extends BlockShape {
  readonly parallel: number | undefined
  readonly configs: LearnerConfigsInput | undefined
  readonly kindOptions?: { readonly [key: string]: Json.Json } | undefined
}

/**
 * The arguments of `program` and `start`: the options may be left out when all of them are optional.
 *
 * @since 0.1.0
 * @category models
 */
export type OptionsArgument<Options> =
  Record<never, never> extends Options ? [options?: Options | undefined] : [options: Options]

/**
 * A learner class: its kind (given to the constructor) and how its start options become its block.
 *
 * @since 0.1.0
 * @category models
 */
export abstract class KindLearner<Options extends StartOptions> extends BaseLearner {
  /** The block's settings for these start options. */
  protected abstract settings(options: Options): BlockSettings

  /** The program `start` runs with these options, without running it (e.g. a program module's default export). */
  program(...[options]: OptionsArgument<Options>): Program.Program {
    const given = (options ?? {}) as Options
    return this.build(this.settings(given), given)
  }

  start(...args: OptionsArgument<Options>): LearnerRun {
    return this.launch(this.program(...args), args[0] ?? {})
  }
}

/**
 * The start options of a class that runs one learner.
 *
 * @since 0.1.0
 * @category models
 */
export interface SequentialStartOptions extends StartOptions {
  readonly initialConfig?: Config | null
}

/**
 * The start options of a class that runs several learners of one definition.
 *
 * @since 0.1.0
 * @category models
 */
export interface ParallelStartOptions extends StartOptions {
  /** How many learners (2 by default); with a sweep, the number of its points. */
  readonly parallelLearners?: number
  /** With a sweep, each learner's config goes on top of its point, key by key. */
  readonly learnerConfigs?: LearnerConfigsInput
  /** One learner per point (`Rose.grid`, `Rose.zip`, `Rose.random`), each named by its point. */
  readonly sweep?: Sweep.Sweep | undefined
}

/** One learner, with the initial config if there is one. */
export const sequential = (options: SequentialStartOptions): BlockSettings => ({
  parallel: 1,
  configs: options.initialConfig == null ? undefined : [options.initialConfig]
})

/** Several learners (2 by default, or one per point of the sweep), each with its config. */
export const parallel = (options: ParallelStartOptions): BlockSettings => ({
  parallel: options.parallelLearners ?? (options.sweep === undefined ? 2 : undefined),
  configs: options.learnerConfigs,
  sweep: options.sweep
})

const qualifierPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/

/** Environment and algorithm names name files. */
export const checkQualifier = (what: string, name: string) => {
  if (typeof name !== "string" || !qualifierPattern.test(name)) {
    throw new Error(`${what} ${JSON.stringify(name)}: a name uses letters, digits, '_', '.' and '-' (it names files)`)
  }
}

/**
 * A learner class whose backend may be left out: `backend()` is called for each object made
 * without one (the root entry point gives the local backend on the current runtime).
 *
 * @since 0.1.0
 * @category constructors
 */
export const withDefaultBackend = <A extends BaseLearner>(
  Class: new (backend: BackendLayer, options?: LearnerOptions) => A,
  backend: () => BackendLayer
): (new (
  backend?: BackendLayer,
  options?: LearnerOptions
) => A) => {
  const Base = Class as new (backend: BackendLayer, options?: LearnerOptions) => BaseLearner
  const WithDefault = class extends Base {
    constructor(layer: BackendLayer = backend(), options?: LearnerOptions) {
      super(layer, options)
    }
  }
  Object.defineProperty(WithDefault, "name", { value: Class.name })
  return WithDefault as unknown as new (
    backend?: BackendLayer,
    options?: LearnerOptions
  ) => A
}
