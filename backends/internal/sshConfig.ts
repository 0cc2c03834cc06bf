/**
 * The SSH backend's configuration: one schema, whose encoded side is the `.rose` form (snake_case,
 * durations in seconds) and whose type is `Config`; what is wrong with one; and each host of the
 * pool with its settings resolved.
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { checkedBy, Env, Lines, millisFromSeconds, type Named, NonEmpty, PositiveInt, Seconds } from "./configSchema.ts"
import type * as Args from "./sshArgs.ts"
import * as Script from "./sshScript.ts"

const Port = Schema.Int.pipe(Schema.between(1, 65535))

const HostSchema = Schema.Struct({
  /** A host name, an address, or a `Host` alias of the ssh configuration. */
  host: NonEmpty,
  port: Schema.optional(Port),
  user: Schema.optional(NonEmpty),
  /** The remote folder under which run directories go on this host. */
  root: Schema.optional(NonEmpty),
  /** Tasks at once on this host (cores' worth). */
  slots: Schema.optional(PositiveInt),
  /** Added to the backend's `env` for tasks on this host. */
  env: Schema.optional(Env),
  /** Run after the backend's setup lines on this host. */
  setup: Schema.optional(Lines)
})

const TaskSchema = Schema.Struct({
  env: Schema.optional(Env),
  setup: Schema.optional(Lines),
  upload: Schema.optional(Lines),
  download: Schema.optional(Lines)
})

const ConfigFields = Schema.Struct({
  /** At least one: host names, or host entries with settings of their own. */
  hosts: Schema.Array(Schema.Union(NonEmpty, HostSchema)),
  user: Schema.optional(NonEmpty),
  port: Schema.optional(Port),
  /** A private key file (`ssh -i`, with `IdentitiesOnly`). */
  identity: Schema.optional(NonEmpty),
  /** The known_hosts file host keys are checked against. */
  knownHosts: Schema.optional(NonEmpty).pipe(Schema.fromKey("known_hosts")),
  /** On (`true`) unless turned off explicitly; `"accept-new"` trusts hosts seen the first time. */
  strictHostKeyChecking: Schema.optional(Schema.Union(Schema.Boolean, Schema.Literal("accept-new"))).pipe(
    Schema.fromKey("strict_host_key_checking")
  ),
  /** An ssh configuration file (`ssh -F`). */
  sshConfig: Schema.optional(NonEmpty).pipe(Schema.fromKey("ssh_config")),
  /**
   * The remote folder under which run directories go (`<root>/<run id>`); by default the local run
   * directory's own absolute path (right on a shared file system and on loopback).
   */
  root: Schema.optional(NonEmpty),
  /** Tasks at once per host (cores' worth), or per host name; 8 by default, at most `maxSessions - 2`. */
  slots: Schema.optional(Schema.Union(PositiveInt, Schema.Record({ key: Schema.String, value: PositiveInt }))),
  /** Tasks at once over all hosts (cores' worth), besides each host's slots; unlimited by default. */
  concurrency: Schema.optional(PositiveInt),
  /** sshd's `MaxSessions` (10 by default): past it, ssh opens a new connection per task. */
  maxSessions: Schema.optional(PositiveInt).pipe(Schema.fromKey("max_sessions")),
  env: Schema.optional(Env),
  /** Shell lines run before every task (`module load …`, `. venv/bin/activate`). */
  setup: Schema.optional(Lines),
  /** Per-task additions, by task name. */
  tasks: Schema.optional(Schema.Record({ key: Schema.String, value: TaskSchema })),
  /** Local files copied into the task's remote working directory before it runs (hosts with a `root`). */
  upload: Schema.optional(Lines),
  /** Remote files (relative to the working directory, globs allowed) copied back after it ran. */
  download: Schema.optional(Lines),
  connectTimeoutSeconds: Schema.optional(Seconds).pipe(Schema.fromKey("connect_timeout")),
  /** Between SIGTERM and SIGKILL when a task is cancelled. */
  graceMillis: Schema.optional(millisFromSeconds(Seconds)).pipe(Schema.fromKey("grace")),
  /** The remote shell that reads the launcher: `/bin/sh` by default (`bash -l` for module systems). */
  shell: Schema.optional(NonEmpty),
  /** Extra `-o Key=Value` ssh options. */
  options: Schema.optional(Lines),
  /** The ssh and sftp programs. */
  ssh: Schema.optional(NonEmpty),
  sftp: Schema.optional(NonEmpty)
})

/**
 * One host of the pool; fields not given come from the backend's configuration.
 *
 * @since 0.1.0
 * @category models
 */
export type HostConfig = typeof HostSchema.Type

/**
 * Per-task additions, by task name.
 *
 * @since 0.1.0
 * @category models
 */
export type TaskOptions = typeof TaskSchema.Type

/**
 * @since 0.1.0
 * @category models
 */
export type Config = typeof ConfigFields.Type & Named

/**
 * The configuration: as written in a `.rose` file (`backend ssh "cluster" { hosts: […], … }`,
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
 * Decodes a `.rose`-style configuration (snake_case, seconds) into a `Config`.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeConfig = (input: unknown): Either.Either<Config, string> =>
  Either.mapLeft(Schema.decodeUnknownEither(ConfigSchema, { onExcessProperty: "error" })(input), (e) => e.message)

const DEFAULT_SLOTS = 8
const DEFAULT_MAX_SESSIONS = 10

/** A host of the pool with everything resolved. */
export interface HostSpec {
  readonly index: number
  /** How the journal and messages name it: the host, with `:port` when the host entry sets one. */
  readonly label: string
  readonly connection: Args.Connection
  readonly root: string | undefined
  readonly slots: number
  readonly env: ReadonlyArray<readonly [string, string]>
  readonly setup: ReadonlyArray<string>
}

/** An environment as ordered pairs (later pairs override earlier ones). */
export const entries = (env: { readonly [name: string]: string } | undefined) => Object.entries(env ?? {})

/** Every host of the pool, with its settings and the backend's resolved. */
export const hostSpecs = (config: Config): ReadonlyArray<HostSpec> =>
  config.hosts.map((host, index) => {
    const entry: HostConfig = typeof host === "string" ? { host } : host
    return {
      index,
      label: entry.port === undefined ? entry.host : `${entry.host}:${entry.port}`,
      connection: {
        destination: entry.host,
        port: entry.port ?? config.port,
        user: entry.user ?? config.user,
        identity: config.identity,
        knownHosts: config.knownHosts,
        strictHostKeyChecking: config.strictHostKeyChecking ?? true,
        sshConfig: config.sshConfig,
        connectTimeoutSeconds: config.connectTimeoutSeconds ?? 10,
        options: config.options ?? []
      },
      root: (entry.root ?? config.root)?.replace(/\/+$/, "") || undefined,
      slots:
        entry.slots ??
        (typeof config.slots === "number" ? config.slots : config.slots?.[entry.host]) ??
        Math.min(DEFAULT_SLOTS, (config.maxSessions ?? DEFAULT_MAX_SESSIONS) - 2),
      env: [...entries(config.env), ...entries(entry.env)],
      setup: [...(config.setup ?? []), ...(entry.setup ?? [])]
    }
  })

/**
 * What is wrong with a configuration (nothing: an empty list).
 *
 * @since 0.1.0
 * @category validation
 */
export const problemsOf = (config: Config): ReadonlyArray<string> => {
  const problems: Array<string> = []
  if (config.hosts.length === 0) problems.push("hosts: give at least one host")
  const maxSessions = config.maxSessions ?? DEFAULT_MAX_SESSIONS
  if (maxSessions < 3) problems.push(`max_sessions ${maxSessions}: must be at least 3`)
  const specs = hostSpecs(config)
  const seen = new Set<string>()
  for (const host of specs) {
    if (seen.has(host.label)) problems.push(`hosts: ${host.label} is listed twice`)
    seen.add(host.label)
    if (host.slots > maxSessions - 2) {
      problems.push(
        `slots ${host.slots} on ${host.label}: at most max_sessions - 2 = ${maxSessions - 2} (past sshd's MaxSessions, ssh quietly opens a new connection per task)`
      )
    }
    if (host.root !== undefined && !host.root.startsWith("/")) {
      problems.push(`root ${JSON.stringify(host.root)} on ${host.label}: must be an absolute path`)
    }
  }
  if (typeof config.slots === "object") {
    const names = new Set(specs.map((host) => host.connection.destination))
    for (const name of Object.keys(config.slots)) {
      if (!names.has(name)) problems.push(`slots: ${JSON.stringify(name)} is not one of the hosts`)
    }
  }
  const envs = [config.env, ...config.hosts.map((host) => (typeof host === "string" ? undefined : host.env))]
  for (const task of Object.values(config.tasks ?? {})) envs.push(task.env)
  for (const env of envs) {
    for (const name of Object.keys(env ?? {})) {
      if (!Script.isEnvName(name)) problems.push(`env: ${JSON.stringify(name)} is not a valid variable name`)
    }
  }
  return problems
}
