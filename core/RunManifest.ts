/**
 * `run.json`, the manifest of a run directory: the run's id, when, where and with which versions it
 * started, the compiled plan (its hash guards a resume) and the source it came from. The runner
 * writes it atomically when a run starts or resumes, through this schema; `rose resume`, `rose
 * status` and the report read it back through the same schema, so a reader sees exactly what a
 * writer may write, and a damaged file is one line naming the file and the field.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as FileError from "./FileError.ts"
import * as Json from "./Json.ts"
import * as RunDir from "./RunDir.ts"

/**
 * @since 0.1.0
 * @category constants
 */
export const fileName = "run.json"

const JsonRecord = Schema.Record({ key: Schema.String, value: Json.Json })

/**
 * A learner block of the plan, as `Program.describe` writes it.
 *
 * @since 0.1.0
 * @category schemas
 */
export const PlanLearner = Schema.Struct({
  kind: Schema.String,
  name: Schema.String,
  parallel: Schema.Number,
  /** `null`: until the criterion is met. */
  maxIter: Schema.NullOr(Schema.Number),
  criterion: Schema.NullOr(Schema.Struct({ metric: Schema.String, operator: Schema.String, threshold: Schema.Number })),
  onError: Schema.String,
  /** Per task, its binding and options. */
  tasks: JsonRecord,
  /** Per parallel learner, its configuration: per task, its schedule's layers. */
  configs: Schema.Array(Json.Json),
  options: JsonRecord,
  /** The block's population policy (`{ asha: { every, keep } }`), when it has one. */
  population: Schema.optional(JsonRecord),
  /** The block's budget (`{ tasks }`, `{ taskSeconds }`), when it has one. */
  budget: Schema.optional(JsonRecord)
})

/**
 * @since 0.1.0
 * @category models
 */
export interface PlanLearner extends Schema.Schema.Type<typeof PlanLearner> {}

/**
 * The compiled plan: `Program.describe`'s output.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Plan = Schema.Struct({
  learners: Schema.Array(PlanLearner),
  backends: Schema.Array(Schema.Struct({ kind: Schema.String, name: Schema.String, config: JsonRecord })),
  plugins: Schema.Array(Schema.String)
})

/**
 * @since 0.1.0
 * @category models
 */
export interface Plan extends Schema.Schema.Type<typeof Plan> {}

/**
 * @since 0.1.0
 * @category schemas
 */
export const RunManifest = Schema.Struct({
  /** The run's id: its first session's (a resume keeps it). */
  runId: Schema.String,
  /** The id of the session that wrote this file, when it is not the run's first (a resume). */
  sessionId: Schema.optional(Schema.String),
  /** ISO 8601, UTC. */
  createdAt: Schema.String,
  versions: Schema.Struct({ rose: Schema.String, runtime: Schema.String }),
  host: Schema.String,
  cwd: Schema.String,
  /** SHA-256 of the plan's canonical JSON. */
  planHash: Schema.String,
  /** The id of the session this one resumed. */
  resumedFrom: Schema.optional(Schema.String),
  /** `true` when tasks run on a synthetic (dry-run) backend: the metrics are made up. */
  dryRun: Schema.optional(Schema.Boolean),
  plan: Plan,
  source: Schema.Struct({
    file: Schema.NullOr(Schema.String),
    hash: Schema.NullOr(Schema.String),
    text: Schema.NullOr(Schema.String)
  })
})

/**
 * @since 0.1.0
 * @category models
 */
export interface RunManifest extends Schema.Schema.Type<typeof RunManifest> {}

/**
 * What the runner knows of a run when it writes the manifest; the plan as `Program.describe` made it.
 *
 * @since 0.1.0
 * @category models
 */
export type Fields = Omit<RunManifest, "plan"> & { readonly plan: Json.JsonObject }

/**
 * `run.json` could not be read: it is missing, unreadable, not JSON, or a field is wrong.
 *
 * @since 0.1.0
 * @category errors
 */
export class RunManifestError extends Data.TaggedError("RunManifestError")<{
  readonly path: string
  /** The field that is wrong (`plan.learners[0].name`), when the file is JSON of another shape. */
  readonly field: string | undefined
  readonly reason: string
  /** Set when the file does not exist: the folder is not a run directory (or not yet). */
  readonly missing: boolean
}> {
  override get message(): string {
    return `${this.path}: ${this.field === undefined ? this.reason : `field ${this.field}: ${this.reason}`}`
  }
}

const fieldOf = (path: ReadonlyArray<PropertyKey>): string =>
  path.map((key, k) => (typeof key === "number" ? `[${key}]` : k === 0 ? String(key) : `.${String(key)}`)).join("")

const schemaError = (path: string, error: ParseResult.ParseError): RunManifestError => {
  const issue = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
  return issue === undefined || issue.path.length === 0
    ? new RunManifestError({
        path,
        field: undefined,
        reason: "is not a run manifest (an object with runId, plan, …)",
        missing: false
      })
    : new RunManifestError({ path, field: fieldOf(issue.path), reason: issue.message, missing: false })
}

const decodeManifest = Schema.decodeUnknownEither(RunManifest)

/**
 * Reads the text of a `run.json` (`path` names it in the error).
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode = (text: string, path: string): Either.Either<RunManifest, RunManifestError> => {
  const parsed = Json.parse(text)
  if (!parsed.ok) {
    return Either.left(new RunManifestError({ path, field: undefined, reason: "is not valid JSON", missing: false }))
  }
  return Either.mapLeft(decodeManifest(parsed.value), (e) => schemaError(path, e))
}

/**
 * Reads `<runDir>/run.json`.
 *
 * @since 0.1.0
 * @category files
 */
export const load = (runDir: string): Effect.Effect<RunManifest, RunManifestError, FileSystem.FileSystem> => {
  const path = `${runDir}/${fileName}`
  return Effect.flatMap(FileSystem.FileSystem, (fs) =>
    fs.readFileString(path).pipe(
      Effect.mapError((e) => {
        const missing = FileError.codeOf(e) === "ENOENT"
        return new RunManifestError({
          path,
          field: undefined,
          reason: missing ? "does not exist" : `cannot be read: ${FileError.reasonOf(e)}`,
          missing
        })
      }),
      Effect.flatMap((text) => decode(text, path))
    )
  )
}

/**
 * The text of a `run.json`. The fields are checked in their JSON form (an `undefined` dropped, a
 * `NaN` as `null`), which is what a reader will see. A plan the schema does not describe is a
 * defect: `Program.describe` and this schema disagree, and the test suite runs into it at once.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encode = (fields: Fields): Effect.Effect<string> =>
  Schema.encodeUnknown(RunManifest)(JSON.parse(JSON.stringify(fields)), { onExcessProperty: "error" }).pipe(
    Effect.map((encoded) => `${JSON.stringify(encoded, null, 2)}\n`),
    Effect.orDieWith((e) => new Error(`run.json does not match its schema: ${schemaError(fileName, e).message}`))
  )

/**
 * Writes `<runDir>/run.json` atomically.
 *
 * @since 0.1.0
 * @category files
 */
export const write = (
  runDir: string,
  fields: Fields
): Effect.Effect<void, FileError.FileError, FileSystem.FileSystem> =>
  Effect.flatMap(encode(fields), (text) => RunDir.writeAtomic(`${runDir}/${fileName}`, text))
