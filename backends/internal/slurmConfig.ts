/**
 * The SLURM backend's configuration: one schema, whose encoded side is the `.rose` form (snake_case,
 * durations in seconds) and whose type is `Config`; its defaults; and what is wrong with one.
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { checkedBy, Lines, millisFromSeconds, type Named, NonEmpty, PositiveInt, Seconds } from "./configSchema.ts"
import * as Script from "./slurmScript.ts"

/** Seconds in the `.rose` form, whole milliseconds in the type. */
const Millis = millisFromSeconds(Seconds, { round: true })
const PositiveMillis = millisFromSeconds(Seconds.pipe(Schema.positive()), { round: true })

/** A value of `env`: a string, or a number or boolean written without quotes (as text in the type). */
const EnvValue = Schema.Union(
  Schema.String,
  Schema.transform(Schema.Number, Schema.String, { strict: true, decode: String, encode: Number }),
  Schema.transform(Schema.Boolean, Schema.String, { strict: true, decode: String, encode: (s) => s === "true" })
)

const AllocationSchema = Schema.Struct({
  /** CPUs in all: the steps' gate, one CPU per slot. */
  cores: PositiveInt,
  /** Nodes to spread them over (SLURM decides when absent). */
  nodes: Schema.optional(PositiveInt),
  gpus: Schema.optional(Schema.Int.pipe(Schema.nonNegative())),
  /** SLURM-style size per node, e.g. "16G". */
  memory: Schema.optional(NonEmpty),
  /** The allocation's time limit, e.g. "02:00:00" (the partition's default when absent). */
  time: Schema.optional(NonEmpty),
  /** How long to wait for the allocation to start before giving up (5 minutes by default). */
  startTimeoutMillis: Schema.optional(PositiveMillis).pipe(Schema.fromKey("start_timeout"))
})

const ConfigFields = Schema.Struct({
  /** One job per task (default), or steps in one allocation. */
  mode: Schema.optional(Schema.Literal("job", "allocation")),
  partition: Schema.optional(NonEmpty),
  account: Schema.optional(NonEmpty),
  /** Extra `sbatch` options, e.g. `"--qos=high"` or `"#SBATCH --constraint=avx2"`. */
  directives: Schema.optional(Lines),
  /** Added to every task's environment. */
  env: Schema.optional(Schema.Record({ key: Schema.String, value: EnvValue })),
  /** Shell lines run before every task on its node (`module load …`). */
  setup: Schema.optional(Lines),
  /** Job mode: jobs submitted at once (64 by default). Allocation mode: at most this many cores' worth. */
  concurrency: Schema.optional(PositiveInt),
  /** Between two rounds of `squeue` (500 ms by default). */
  pollMillis: Schema.optional(PositiveMillis).pipe(Schema.fromKey("poll")),
  /** How long `sbatch`, `squeue`, `scancel` may take (30 s by default). */
  submitTimeoutMillis: Schema.optional(PositiveMillis).pipe(Schema.fromKey("submit_timeout")),
  /** Between SIGTERM and SIGKILL to a cancelled task's group (5 s; kept below the cluster's KillWait). */
  graceMillis: Schema.optional(Millis).pipe(Schema.fromKey("grace")),
  /** How long a job may be over without its exit file showing up before it counts as lost (10 s). */
  exitWaitMillis: Schema.optional(Millis).pipe(Schema.fromKey("exit_wait")),
  /** Where the wrapper scripts and their start/exit files go (default: `.slurm/` next to the outputs). */
  stateDir: Schema.optional(NonEmpty).pipe(Schema.fromKey("state_dir")),
  allocation: Schema.optional(AllocationSchema)
})

/**
 * The allocation of `mode: "allocation"`.
 *
 * @since 0.1.0
 * @category models
 */
export type AllocationConfig = typeof AllocationSchema.Type

/**
 * @since 0.1.0
 * @category models
 */
export type Config = typeof ConfigFields.Type & Named

/**
 * @since 0.1.0
 * @category constants
 */
export const defaults = {
  pollMillis: 500,
  submitTimeoutMillis: 30_000,
  graceMillis: 5000,
  exitWaitMillis: 10_000,
  concurrency: 64,
  startTimeoutMillis: 300_000
} as const

/**
 * The configuration: as written in a `.rose` file (`backend slurm "cluster" { partition: "debug", … }`,
 * snake_case, durations in seconds) on its encoded side, a `Config` on its type side.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ConfigSchema = checkedBy((config: Config) => problemsOf(config))(ConfigFields)

/**
 * The `.rose` form of the configuration.
 *
 * @since 0.1.0
 * @category models
 * @deprecated `ConfigSchema` decodes it into a `Config`.
 */
export type ConfigInput = typeof ConfigSchema.Encoded

/**
 * The `.rose` form of the configuration as a `Config`.
 *
 * @since 0.1.0
 * @category constructors
 * @deprecated `ConfigSchema` decodes the `.rose` form into a `Config`.
 */
export const fromSchema = (input: ConfigInput, name?: string): Config => ({
  ...Schema.decodeSync(ConfigFields)(input),
  name
})

/**
 * What is wrong with a configuration, in words (empty when nothing is).
 *
 * @since 0.1.0
 * @category validation
 */
export const problemsOf = (config: Config): ReadonlyArray<string> => {
  const problems: Array<string> = []
  if (config.mode === "allocation" && config.allocation === undefined) {
    problems.push(`mode "allocation" needs an allocation, e.g. allocation: { cores: 8, time: "01:00:00" }`)
  }
  if (config.mode !== "allocation" && config.allocation !== undefined) {
    problems.push(`an allocation is only used with mode: "allocation"`)
  }
  const directives = Script.directiveArgs(config.directives ?? [])
  if (Either.isLeft(directives)) problems.push(directives.left)
  for (const name of Object.keys(config.env ?? {})) {
    if (!Script.isShellName(name)) problems.push(`env: ${JSON.stringify(name)} is not a variable name`)
  }
  return problems
}

/** The allocation's request in words, for messages. */
export const describeAllocation = (request: AllocationConfig): string =>
  [
    `cores=${request.cores}`,
    ...(request.nodes === undefined ? [] : [`nodes=${request.nodes}`]),
    ...(request.gpus === undefined ? [] : [`gpus=${request.gpus}`]),
    ...(request.memory === undefined ? [] : [`memory=${request.memory}`]),
    ...(request.time === undefined ? [] : [`time=${request.time}`])
  ].join(", ")
