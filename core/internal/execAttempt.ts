/**
 * An attempt at a task that runs a command on a backend: the command built, its output folder made,
 * its invocation run with its timeout, its exit and output read back.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import * as Backend from "../Backend.ts"
import * as Json from "../Json.ts"
import * as Metric from "../Metric.ts"
import * as RunDir from "../RunDir.ts"
import type * as Task from "../Task.ts"
import * as TaskError from "../TaskError.ts"
import {
  type Attempt,
  failAttempt,
  placementFields,
  type TaskAttemptError,
  type TaskOutput,
  taskContext
} from "./attempt.ts"
import type { RunEnv } from "./context.ts"
import * as FileMarks from "./fileMarks.ts"
import { runInProcess } from "./inProcessAttempt.ts"
import { buildCommand } from "./taskCommand.ts"

const TAIL_BYTES = Backend.tailBytes.stdout
const STDERR_TAIL_BYTES = Backend.tailBytes.stderr
const decoder = new TextDecoder()

/** The last `bytes` of a file (from a line start when cut), or "" if it cannot be read. */
export const readTail = (env: RunEnv, path: string, bytes: number): Effect.Effect<string> =>
  Effect.scoped(
    Effect.gen(function* () {
      const file = yield* env.fs.open(path, { flag: "r" })
      const size = Number((yield* file.stat).size)
      const start = Math.max(0, size - bytes)
      if (start > 0) yield* file.seek(start, "start")
      const buf = yield* file.readAlloc(size - start)
      return Backend.tailFrom(Option.match(buf, { onNone: () => "", onSome: (b) => decoder.decode(b) }), start)
    })
  ).pipe(Effect.orElseSucceed(() => ""))

/** Runs the attempt (an in-process task with a `before` step comes here too). */
export const runExec = (run: Attempt): Effect.Effect<TaskOutput, TaskAttemptError> =>
  Effect.gen(function* () {
    const { env, learner, task, iteration, attempt, prepared, name, instance } = run
    const base = { learner: learner.ref, iteration, task: name, attempt, ...instance.fields }
    // Durations run from the task's real start (after any wait for a slot) to its exit, so
    // task_started's ts plus durationMs is when it ended, whatever the recording latency.
    let startedAt: number | undefined
    let endedAt: number | undefined
    const duration = Effect.map(Clock.currentTimeMillis, (now) =>
      startedAt === undefined ? 0 : (endedAt ?? now) - startedAt
    )
    const fail = (error: TaskError.TaskError, placement: Backend.Placement = {}) =>
      Effect.flatMap(duration, (ms) => failAttempt(env, base, error, ms, placement))
    const binding = task.binding
    if (instance.before !== undefined) yield* instance.before(attempt).pipe(Effect.catchAll((error) => fail(error)))
    const extra = instance.context?.(attempt) ?? {}
    if (binding._tag === "InProcess") {
      return yield* runInProcess(run, extra)
    }
    const backend = env.backendFor(task)
    const workspace = backend.workspace(env.runDir, env.runId, learner.ref)
    const workdir = RunDir.learnerDir(workspace, learner.ref)
    const ctx = taskContext(run, workspace, () => new AbortController().signal, extra)
    const command = yield* buildCommand(task, prepared, ctx, workspace).pipe(Effect.catchAll((error) => fail(error)))
    const dir = RunDir.iterationDir(env.runDir, learner.ref, iteration)
    if (learner.dirReady !== iteration) {
      yield* RunDir.makeDirectories(dir).pipe(
        Effect.provideService(FileSystem.FileSystem, env.fs),
        Effect.catchAll((error) => fail(error))
      )
      learner.dirReady = iteration
    }
    const stdoutPath = `${dir}/${RunDir.outputFile(name, "out", attempt)}`
    const stderrPath = `${dir}/${RunDir.outputFile(name, "err", attempt)}`
    yield* env.post({ _tag: "task_queued", ...base })
    let placed: Backend.Placement = {}
    const invocation: Backend.Invocation = {
      runId: env.runId,
      learner: learner.ref,
      iteration,
      task: name,
      attempt,
      command,
      cwd: workdir,
      env: {
        ...task.env,
        ...instance.env?.(attempt),
        ROSE_RUN_DIR: workspace,
        ROSE_RUN_ID: env.runId,
        ROSE_LEARNER: String(learner.ref.index),
        ROSE_LEARNER_NAME: learner.ref.name,
        ROSE_ITERATION: String(iteration),
        ROSE_TASK: name,
        ROSE_WORKDIR: workdir,
        ROSE_ATTEMPT: String(attempt)
      },
      stdoutPath,
      stderrPath,
      resources: task.resources,
      onSubmit: (ticket) => env.record({ _tag: "task_submitting", ...base, backend: backend.name, ticket }),
      onStart: (placement) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          startedAt = now
          placed = placement
          return env.record({
            _tag: "task_started",
            ...base,
            ...placementFields(placement),
            config: prepared.config,
            command: command._tag === "Argv" ? command.argv : command.script
          })
        })
    }
    const start = (inv: Backend.Invocation) =>
      run.earlier === undefined || backend.attach === undefined
        ? backend.run(inv)
        : Effect.flatMap(backend.attach(inv, run.earlier), (found) =>
            Option.match(found, {
              onNone: () => backend.run(inv),
              onSome: (outcome) =>
                Effect.as(env.post({ _tag: "task_kept", ...base, from: run.earlier!.runId }), outcome)
            })
          )
    const bounded = task.timeoutMillis === undefined ? start(invocation) : runWithTimeout(start, invocation, task)
    const outcome = yield* bounded.pipe(
      // Told, so a resume knows the task is not running any more and starts it again.
      Effect.onInterrupt(() =>
        env.record({ _tag: "task_cancelled", ...base, ...placementFields(placed) }).pipe(Effect.ignore)
      ),
      Effect.catchAll((error) => fail(error))
    )
    endedAt = outcome.endedAt ?? (yield* Clock.currentTimeMillis)
    if (outcome.exitCode !== 0) {
      const stderrTail = outcome.stderrTail ?? (yield* readTail(env, stderrPath, STDERR_TAIL_BYTES))
      return yield* fail(
        new TaskError.TaskFailed({ task: name, exitCode: outcome.exitCode, signal: outcome.signal, stderrTail }),
        outcome
      )
    }
    const stdout = outcome.stdoutTail ?? (yield* readTail(env, stdoutPath, TAIL_BYTES))
    const state = stateFromOutput(stdout)
    const files = yield* FileMarks.left(env.fs, {
      outputs: [stdoutPath, stderrPath, ...(instance.outputs?.(attempt) ?? [])],
      // A remote backend's learner folder is on its host: only the local outputs are checked.
      folder: backend.capabilities.remote ? undefined : workdir,
      since: startedAt ?? endedAt
    })
    yield* env.record({
      _tag: "task_finished",
      ...base,
      ...placementFields(outcome),
      exitCode: 0,
      durationMs: yield* duration,
      files
    })
    return { attempt, config: prepared.config, state, value: undefined, stdout }
  })

/**
 * A task's timeout counts from its real start (`onStart`), not from its submission: time spent
 * waiting for a slot, a host or a scheduler's queue is not the task's. When it fires, the run is
 * interrupted, which makes the backend kill the task.
 */
const runWithTimeout = (
  start: (invocation: Backend.Invocation) => Effect.Effect<Backend.Outcome, TaskError.BackendError>,
  invocation: Backend.Invocation,
  task: Task.TaskDef
) =>
  Effect.suspend(() => {
    const started = Deferred.unsafeMake<void>(FiberId.none)
    const run = start({
      ...invocation,
      onStart: (placement) => Effect.zipRight(invocation.onStart(placement), Deferred.succeed(started, undefined))
    })
    const timer = Deferred.await(started).pipe(
      Effect.zipRight(Effect.sleep(Duration.millis(task.timeoutMillis!))),
      Effect.zipRight(
        Effect.fail(new TaskError.TaskTimedOut({ task: invocation.task, timeoutMillis: task.timeoutMillis! }))
      )
    )
    return Effect.raceFirst(run, timer)
  })

/** The last non-empty stdout line, if it is a JSON object. */
export const stateFromOutput = (stdout: string): Json.JsonObject | undefined => {
  const line = Metric.lastLine(stdout)
  if (line === undefined || !line.startsWith("{")) return undefined
  const parsed = Json.parse(line)
  return parsed.ok && Json.isObject(parsed.value) ? parsed.value : undefined
}
