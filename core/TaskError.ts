/**
 * Why a task did not produce a result. Backend errors describe the infrastructure (retried by
 * default); the others describe the task itself (retried only when the task says `retry N on exit`).
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import type * as FileError from "./FileError.ts"

/**
 * The process could not be started (resource exhaustion, a transient fork failure).
 *
 * @since 0.1.0
 * @category errors
 */
export class SpawnFailed extends Data.TaggedError("SpawnFailed")<{
  readonly command: string
  readonly reason: string
  readonly host?: string | undefined
}> {
  override get message(): string {
    return `could not start ${this.command}${this.host === undefined ? "" : ` on ${this.host}`}: ${this.reason}`
  }
}

/**
 * The executable does not exist or cannot be executed.
 *
 * @since 0.1.0
 * @category errors
 */
export class CommandNotFound extends Data.TaggedError("CommandNotFound")<{
  readonly command: string
  readonly reason: string
  readonly host?: string | undefined
}> {
  override get message(): string {
    return `command not found: ${this.command}${this.host === undefined ? "" : ` on ${this.host}`} (${this.reason}); check the path or install it`
  }
}

/**
 * The connection to a remote host broke while the task ran or could not be made.
 *
 * @since 0.1.0
 * @category errors
 */
export class ConnectionLost extends Data.TaggedError("ConnectionLost")<{
  readonly host: string
  readonly reason: string
}> {
  override get message(): string {
    return `lost the connection to ${this.host}: ${this.reason}`
  }
}

/**
 * A scheduler lost, preempted or timed out the task's job.
 *
 * @since 0.1.0
 * @category errors
 */
export class JobLost extends Data.TaggedError("JobLost")<{
  readonly jobId: string
  readonly reason: string
}> {
  override get message(): string {
    return `job ${this.jobId} ended without finishing the task: ${this.reason}`
  }
}

/**
 * The backend cannot give the task what it asks for.
 *
 * @since 0.1.0
 * @category errors
 */
export class ResourceUnsatisfiable extends Data.TaggedError("ResourceUnsatisfiable")<{
  readonly reason: string
}> {
  override get message(): string {
    return `resources cannot be satisfied: ${this.reason}`
  }
}

/**
 * The backend is not usable (misconfigured, refused authentication, a scheduler that rejects jobs).
 *
 * @since 0.1.0
 * @category errors
 */
export class BackendUnavailable extends Data.TaggedError("BackendUnavailable")<{
  readonly backend: string
  readonly reason: string
  readonly retryable: boolean
}> {
  override get message(): string {
    return `backend ${this.backend} is unavailable: ${this.reason}`
  }
}

/**
 * @since 0.1.0
 * @category errors
 */
export type BackendError =
  | FileError.FileError
  | SpawnFailed
  | CommandNotFound
  | ConnectionLost
  | JobLost
  | ResourceUnsatisfiable
  | BackendUnavailable

/**
 * The task ran and exited with a non-zero status or was killed by a signal.
 *
 * @since 0.1.0
 * @category errors
 */
export class TaskFailed extends Data.TaggedError("TaskFailed")<{
  readonly task: string
  readonly exitCode: number | null
  readonly signal: string | null
  readonly stderrTail: string
}> {
  override get message(): string {
    const how =
      this.exitCode === null ? `was killed by ${this.signal ?? "a signal"}` : `exited with code ${this.exitCode}`
    const tail = this.stderrTail.trim()
    return `task "${this.task}" ${how}${tail.length > 0 ? `; stderr ends with:\n${indent(tail)}` : ""}`
  }
}

/**
 * The task ran past its timeout and was killed.
 *
 * @since 0.1.0
 * @category errors
 */
export class TaskTimedOut extends Data.TaggedError("TaskTimedOut")<{
  readonly task: string
  readonly timeoutMillis: number
}> {
  override get message(): string {
    return `task "${this.task}" ran past its timeout of ${formatMillis(this.timeoutMillis)} and was killed`
  }
}

/**
 * The criterion's output is not a value (DESIGN §4.4).
 *
 * @since 0.1.0
 * @category errors
 */
export class CriterionParseError extends Data.TaggedError("CriterionParseError")<{
  readonly task: string
  readonly metric: string
  readonly line: string | undefined
  readonly reason: string
}> {
  override get message(): string {
    return this.line === undefined
      ? `criterion "${this.task}" (${this.metric}): ${this.reason}`
      : `criterion "${this.task}" (${this.metric}) printed ${JSON.stringify(this.line)}: ${this.reason}`
  }
}

/**
 * A user function (a command builder, an in-process task, an adaptive schedule) threw or rejected.
 *
 * @since 0.1.0
 * @category errors
 */
export class TaskFunctionError extends Data.TaggedError("TaskFunctionError")<{
  readonly task: string
  readonly what: string
  readonly reason: string
}> {
  override get message(): string {
    return `task "${this.task}": ${this.what} failed: ${this.reason}`
  }
}

/**
 * The task's command could not be built (an unknown placeholder, an empty command).
 *
 * @since 0.1.0
 * @category errors
 */
export class CommandError extends Data.TaggedError("CommandError")<{
  readonly task: string
  readonly reason: string
}> {
  override get message(): string {
    return `task "${this.task}": ${this.reason}`
  }
}

/**
 * An environment task's experience could not be merged into its learner's bank: a line that is not
 * a JSON object, a file that cannot be read, a segment that cannot be written. The input file is
 * kept as it was.
 *
 * @since 0.1.0
 * @category errors
 */
export class ExperienceError extends Data.TaggedError("ExperienceError")<{
  readonly task: string
  readonly file: string
  /** The 1-based line of a bad record. */
  readonly line: number | undefined
  readonly reason: string
}> {
  override get message(): string {
    return `task "${this.task}": experience ${this.file}${this.line === undefined ? "" : `:${this.line}`}: ${this.reason} (the file is kept as it is)`
  }
}

/**
 * @since 0.1.0
 * @category errors
 */
export type TaskError =
  | BackendError
  | TaskFailed
  | TaskTimedOut
  | CriterionParseError
  | TaskFunctionError
  | CommandError
  | ExperienceError

/**
 * Whether a failure is of the infrastructure (retried by default) rather than of the task.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isInfrastructure = (e: TaskError): boolean => {
  switch (e._tag) {
    case "SpawnFailed":
    case "ConnectionLost":
    case "JobLost":
      return true
    case "BackendUnavailable":
      return e.retryable
    default:
      return false
  }
}

/**
 * Whether a retry policy covers a failure.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isRetryable = (e: TaskError, on: "infrastructure" | "exit"): boolean =>
  isInfrastructure(e) || (on === "exit" && (e._tag === "TaskFailed" || e._tag === "TaskTimedOut"))

const indent = (s: string): string =>
  s
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n")

/**
 * `1.5 s`, `2 min`: a duration for messages.
 *
 * @since 0.1.0
 * @category rendering
 */
export const formatMillis = (ms: number): string =>
  ms < 1000 ? `${ms} ms` : ms < 120_000 ? `${+(ms / 1000).toFixed(1)} s` : `${+(ms / 60_000).toFixed(1)} min`
