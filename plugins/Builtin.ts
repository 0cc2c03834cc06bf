/**
 * The built-in plugin: the backend kinds that ship with rose-ts, registered through the same
 * contract third-party plugins use.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as DryRunBackend from "../backends/DryRunBackend.ts"
import * as LocalBackend from "../backends/LocalBackend.ts"
import * as SlurmBackend from "../backends/SlurmBackend.ts"
import * as SshBackend from "../backends/SshBackend.ts"
import * as CsvTracker from "./CsvTracker.ts"
import * as Plugin from "./Plugin.ts"

const PositiveInt = Schema.Int.pipe(Schema.positive())
const NonNegative = Schema.Number.pipe(Schema.finite(), Schema.nonNegative())

const DryRunConfig = Schema.Struct({
  /** Milliseconds each task takes: one number, or per task name with `default`. */
  duration_ms: Schema.optional(Schema.Union(NonNegative, Schema.Record({ key: Schema.String, value: NonNegative }))),
  /** Metric values by learner (`"sweep"` or `"sweep[1]"`), one per iteration, the last repeating. */
  metrics: Schema.optional(
    Schema.Record({ key: Schema.String, value: Schema.Array(Schema.Number.pipe(Schema.finite())) })
  ),
  /** Scripted failures: `{ learner, task, iteration?, exit_code? }`. */
  failures: Schema.optional(
    Schema.Array(
      Schema.Struct({
        learner: Schema.String,
        task: Schema.String,
        iteration: Schema.optional(Schema.Int.pipe(Schema.nonNegative())),
        exit_code: Schema.optional(Schema.Int.pipe(Schema.between(1, 255)))
      })
    )
  ),
  concurrency: Schema.optional(PositiveInt)
})

/**
 * @since 0.1.0
 * @category plugins
 */
export const plugin = Plugin.definePlugin({
  name: "builtin",
  backends: {
    local: {
      description: "tasks as processes on this machine, each in its own process group",
      config: LocalBackend.ConfigSchema,
      layer: (config: LocalBackend.Config, ctx) =>
        LocalBackend.layer({ ...config, name: ctx.name, concurrency: ctx.maxConcurrency ?? config.concurrency })
    },
    "dry-run": {
      description: "runs no process: synthetic outputs and scripted metric values, to check schedules and stop logic",
      config: DryRunConfig,
      layer: (config: typeof DryRunConfig.Type, ctx) =>
        DryRunBackend.layer({
          name: ctx.name,
          durationMillis: config.duration_ms,
          metrics: config.metrics,
          failures: config.failures?.map((f) => ({
            learner: f.learner,
            task: f.task,
            iteration: f.iteration,
            exitCode: f.exit_code
          })),
          concurrency: ctx.maxConcurrency ?? config.concurrency
        })
    },
    slurm: {
      description: "tasks as SLURM batch jobs, or as srun steps in one allocation",
      config: SlurmBackend.ConfigSchema,
      layer: (config: SlurmBackend.Config, ctx) =>
        SlurmBackend.layer({ ...config, name: ctx.name, concurrency: ctx.maxConcurrency ?? config.concurrency })
    },
    ssh: {
      description:
        "tasks on remote hosts over SSH: one ControlMaster connection per host, a learner sticks to one host",
      config: SshBackend.ConfigSchema,
      layer: (config: SshBackend.Config, ctx) =>
        SshBackend.layer({ ...config, name: ctx.name, concurrency: ctx.maxConcurrency ?? config.concurrency })
    }
  },
  trackers: {
    csv: CsvTracker.kind
  }
})
