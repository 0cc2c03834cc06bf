import * as FileSystem from "@effect/platform/FileSystem"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Backend from "../Backend.ts"
import * as CommandLine from "../CommandLine.ts"
import type * as IterationState from "../IterationState.ts"
import * as Json from "../Json.ts"
import type * as Learner from "../Learner.ts"
import * as Metric from "../Metric.ts"
import * as RunDir from "../RunDir.ts"
import type * as Task from "../Task.ts"
import * as TaskConfig from "../TaskConfig.ts"
import * as TaskError from "../TaskError.ts"
import * as TaskSchedule from "../TaskSchedule.ts"
import type { LearnerState, RunEnv } from "./context.ts"

/** A task that failed for good: which task, iteration and attempt, and why. */
export class TaskAttemptError extends Data.TaggedError("TaskAttemptError")<{
  readonly task: string
  readonly iteration: number
  readonly attempt: number
  readonly error: TaskError.TaskError
  readonly exitCode: number | null
  readonly stderrTail: string
}> {
  override get message(): string {
    return `iteration ${this.iteration}, attempt ${this.attempt}: ${this.error.message}`
  }
}

/**
 * One run of a task under a name of its own, for loops that run a task several times an iteration
 * (a UQ learner's training per model, its predictions): the name its events, output files, state and
 * journaled config use, kwargs the runner sets on top of the resolved config, fields added to its
 * events, and per attempt the environment variables and context fields it gets.
 */
export interface Instance {
  /** Default: the task's name. */
  readonly name?: string | undefined
  /** Set on top of every layer of the task's config (e.g. `--model_name`). */
  readonly kwargs?: { readonly [key: string]: Json.Json } | undefined
  readonly fields?: { readonly model?: string; readonly prediction?: number } | undefined
  readonly env?: ((attempt: number) => { readonly [name: string]: string }) | undefined
  readonly context?: ((attempt: number) => Pick<Task.TaskContext, "model" | "prediction" | "experience">) | undefined
  /** Runs before each attempt starts. */
  readonly before?: ((attempt: number) => Effect.Effect<void, TaskError.TaskError>) | undefined
}

/** What one task produced. */
export interface TaskOutput {
  /** The attempt that succeeded. */
  readonly attempt: number
  readonly config: IterationState.ResolvedConfig
  /** The task's state: the JSON object it printed last, or the object it returned. */
  readonly state: Json.JsonObject | undefined
  /** What an in-process task returned. */
  readonly value: unknown
  /** The tail of an exec task's stdout. */
  readonly stdout: string
}

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

/** Resolves a task's config for an iteration as the runner reads it (`TaskSchedule.resolveWith`). */
export const resolveConfig = (
  learner: LearnerState,
  task: Task.TaskDef,
  iteration: number,
  kwargs?: { readonly [key: string]: Json.Json }
): Either.Either<TaskConfig.Resolved, TaskError.TaskFunctionError> =>
  Either.match(
    TaskSchedule.resolveWith(
      task.defaults,
      learner.config.get(task.name),
      { iteration, learner: learner.ref, maxIter: learner.def.maxIter, prev: learner.prev },
      { reading: "run", kwargs }
    ),
    {
      onLeft: (error) =>
        Either.left(
          new TaskError.TaskFunctionError({
            task: task.name,
            what: `the adaptive config at iteration ${iteration}`,
            reason: error.reason
          })
        ),
      onRight: (resolution) => Either.right(resolution.resolved)
    }
  )

export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e))

const toRecord = (resolved: TaskConfig.Resolved): IterationState.ResolvedConfig => ({
  args: resolved.args,
  kwargs: TaskConfig.kwargsRecord(resolved)
})

/**
 * The delay before retry `attempt + 1`: an Effect Schedule, exponential from the policy's base delay
 * with jitter, capped at 30 s. The delay is computed before sleeping so `task_retried` can say it.
 */
const backoffMillis = (policy: Task.RetryPolicy, attempt: number, now: number) =>
  Effect.map(
    Schedule.run(
      Schedule.delays(Schedule.jittered(Schedule.exponential(Duration.millis(policy.baseDelayMillis), 2))),
      now,
      Array.from({ length: attempt }, (_, i) => i)
    ),
    (delays) => Math.round(Math.min(30_000, Duration.toMillis(Chunk.unsafeLast(delays))))
  )

interface Prepared {
  readonly config: IterationState.ResolvedConfig
  readonly resolved: TaskConfig.Resolved
}

/**
 * Runs one task of one learner's iteration to an output, with its timeout and retry policy, emitting
 * `task_queued`, `task_started`, `task_finished`, `task_failed` and `task_retried`.
 */
export const runTask = (
  env: RunEnv,
  learner: LearnerState,
  task: Task.TaskDef,
  iteration: number,
  results: { readonly [task: string]: unknown },
  instance: Instance = {}
): Effect.Effect<TaskOutput, TaskAttemptError> =>
  Effect.suspend(() => {
    const name = instance.name ?? task.name
    const replayed =
      learner.replay !== undefined && learner.replay.iteration === iteration ? learner.replay.configs[name] : undefined
    // A resumed iteration runs again with the config it was journaled with (the instance's kwargs included).
    const resolved =
      replayed === undefined
        ? resolveConfig(learner, task, iteration, instance.kwargs)
        : Either.right(new TaskConfig.Merger().apply(replayed).apply({ kwargs: instance.kwargs }).result())
    if (Either.isLeft(resolved)) {
      return Effect.fail(
        new TaskAttemptError({
          task: name,
          iteration,
          attempt: 1,
          error: resolved.left,
          exitCode: null,
          stderrTail: ""
        })
      )
    }
    const prepared: Prepared = { resolved: resolved.right, config: toRecord(resolved.right) }
    const attemptFrom = (attempt: number): Effect.Effect<TaskOutput, TaskAttemptError> =>
      runAttempt(env, learner, task, iteration, attempt, prepared, results, name, instance).pipe(
        Effect.catchAll((failure) =>
          attempt > task.retry.times || !TaskError.isRetryable(failure.error, task.retry.on)
            ? Effect.fail(failure)
            : Effect.gen(function* () {
                const delayMs = yield* backoffMillis(task.retry, attempt, env.now())
                yield* env.post({
                  _tag: "task_retried",
                  learner: learner.ref,
                  iteration,
                  task: name,
                  ...instance.fields,
                  attempt,
                  nextAttempt: attempt + 1,
                  delayMs,
                  reason: failure.error.message
                })
                yield* Effect.sleep(Duration.millis(delayMs))
                return yield* attemptFrom(attempt + 1)
              })
        )
      )
    return attemptFrom(1)
  })

const failureOf = (error: TaskError.TaskError) => {
  const out: {
    tag: string
    message: string
    exitCode?: number | null
    signal?: string | null
    stderrTail?: string
  } = { tag: error._tag, message: error.message }
  if (error._tag === "TaskFailed") {
    out.exitCode = error.exitCode
    out.signal = error.signal
    out.stderrTail = error.stderrTail
  }
  return out
}

/** Records a failed attempt (`task_failed`, awaited) and fails with it. */
const failAttempt = (
  env: RunEnv,
  base: {
    readonly learner: Learner.LearnerRef
    readonly iteration: number
    readonly task: string
    readonly attempt: number
  },
  error: TaskError.TaskError,
  durationMs: number,
  placement: Backend.Placement = {}
): Effect.Effect<never, TaskAttemptError> =>
  Effect.zipRight(
    env.record({ _tag: "task_failed", ...base, ...placementFields(placement), durationMs, error: failureOf(error) }),
    Effect.fail(
      new TaskAttemptError({
        task: base.task,
        iteration: base.iteration,
        attempt: base.attempt,
        error,
        exitCode: error._tag === "TaskFailed" ? error.exitCode : null,
        stderrTail: error._tag === "TaskFailed" ? error.stderrTail : ""
      })
    )
  )

const runAttempt = (
  env: RunEnv,
  learner: LearnerState,
  task: Task.TaskDef,
  iteration: number,
  attempt: number,
  prepared: Prepared,
  results: { readonly [task: string]: unknown },
  name: string,
  instance: Instance
): Effect.Effect<TaskOutput, TaskAttemptError> =>
  task.binding._tag === "InProcess" && instance.before === undefined
    ? runInProcess(
        env,
        learner,
        task,
        iteration,
        attempt,
        prepared,
        results,
        name,
        instance,
        instance.context?.(attempt) ?? {}
      )
    : runExec(env, learner, task, iteration, attempt, prepared, results, name, instance)

const runExec = (
  env: RunEnv,
  learner: LearnerState,
  task: Task.TaskDef,
  iteration: number,
  attempt: number,
  prepared: Prepared,
  results: { readonly [task: string]: unknown },
  name: string,
  instance: Instance
): Effect.Effect<TaskOutput, TaskAttemptError> =>
  Effect.gen(function* () {
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
      return yield* runInProcess(env, learner, task, iteration, attempt, prepared, results, name, instance, extra)
    }
    const backend = env.backendFor(task)
    const workspace = backend.workspace(env.runDir, env.runId, learner.ref)
    const workdir = RunDir.learnerDir(workspace, learner.ref)
    const ctx = taskContext(
      env,
      learner,
      task,
      iteration,
      attempt,
      prepared,
      results,
      workspace,
      () => new AbortController().signal,
      extra
    )
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
      onStart: (placement) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          startedAt = now
          return env.record({
            _tag: "task_started",
            ...base,
            ...placementFields(placement),
            config: prepared.config,
            command: command._tag === "Argv" ? command.argv : command.script
          })
        })
    }
    const bounded =
      task.timeoutMillis === undefined ? backend.run(invocation) : runWithTimeout(backend, invocation, task)
    const outcome = yield* bounded.pipe(Effect.catchAll((error) => fail(error)))
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
    yield* env.record({
      _tag: "task_finished",
      ...base,
      ...placementFields(outcome),
      exitCode: 0,
      durationMs: yield* duration
    })
    return { attempt, config: prepared.config, state, value: undefined, stdout }
  })

/**
 * A task's timeout counts from its real start (`onStart`), not from its submission: time spent
 * waiting for a slot, a host or a scheduler's queue is not the task's. When it fires, the run is
 * interrupted, which makes the backend kill the task.
 */
const runWithTimeout = (backend: Backend.Service, invocation: Backend.Invocation, task: Task.TaskDef) =>
  Effect.suspend(() => {
    const started = Deferred.unsafeMake<void>(FiberId.none)
    const run = backend.run({
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

const placementFields = (p: Backend.Placement) => {
  const out: { pid?: number; pgid?: number; startStamp?: string; host?: string; jobId?: string } = {}
  if (p.pid !== undefined) out.pid = p.pid
  if (p.pgid !== undefined) out.pgid = p.pgid
  if (p.startStamp !== undefined) out.startStamp = p.startStamp
  if (p.host !== undefined) out.host = p.host
  if (p.jobId !== undefined) out.jobId = p.jobId
  return out
}

/** The last non-empty stdout line, if it is a JSON object. */
export const stateFromOutput = (stdout: string): Json.JsonObject | undefined => {
  const line = Metric.lastLine(stdout)
  if (line === undefined || !line.startsWith("{")) return undefined
  const parsed = Json.parse(line)
  return parsed.ok && Json.isObject(parsed.value) ? parsed.value : undefined
}

const taskContext = (
  env: RunEnv,
  learner: LearnerState,
  task: Task.TaskDef,
  iteration: number,
  attempt: number,
  prepared: Prepared,
  results: { readonly [task: string]: unknown },
  workspace: string,
  signal: () => AbortSignal,
  extra: Pick<Task.TaskContext, "model" | "prediction" | "experience">
): Task.TaskContext => ({
  ...extra,
  runId: env.runId,
  runDir: workspace,
  workdir: RunDir.learnerDir(workspace, learner.ref),
  learner: learner.ref,
  iteration,
  task: task.name,
  attempt,
  args: prepared.config.args,
  kwargs: prepared.config.kwargs,
  results,
  prev: learner.prev,
  get signal() {
    return signal()
  }
})

const buildCommand = (
  task: Task.TaskDef,
  prepared: Prepared,
  ctx: Task.TaskContext,
  workspace: string
): Effect.Effect<Backend.Command, TaskError.CommandError | TaskError.TaskFunctionError> => {
  const binding = task.binding
  switch (binding._tag) {
    case "Exec": {
      const argv = CommandLine.render(binding.template, prepared.resolved, {
        here: task.here,
        workdir: ctx.workdir,
        run_dir: workspace,
        iteration: ctx.iteration,
        learner: ctx.learner.index,
        learner_name: ctx.learner.name
      })
      return Either.isLeft(argv)
        ? Effect.fail(new TaskError.CommandError({ task: task.name, reason: argv.left.message }))
        : Effect.succeed({ _tag: "Argv", argv: argv.right })
    }
    case "Shell": {
      // Kwargs reach a shell script as its positional parameters ("$@"), rendered as flags.
      const rest: Array<string> = []
      for (const a of prepared.resolved.args) rest.push(CommandLine.valueText(a))
      for (const kw of prepared.resolved.kwargs) CommandLine.appendKwarg(rest, kw.key, kw.value)
      return Effect.succeed({ _tag: "Argv", argv: ["/bin/sh", "-c", binding.script, task.name, ...rest] })
    }
    case "CommandFunction":
      return Effect.tryPromise({
        try: async () => binding.fn(ctx.args, ctx.kwargs, ctx),
        catch: (e) =>
          new TaskError.TaskFunctionError({
            task: task.name,
            what: `the command function ${binding.name}`,
            reason: errorText(e)
          })
      }).pipe(
        Effect.flatMap((line): Effect.Effect<Backend.Command, TaskError.CommandError> => {
          if (typeof line === "string") {
            const words = CommandLine.split(line)
            if (Either.isLeft(words)) {
              return Effect.fail(
                new TaskError.CommandError({
                  task: task.name,
                  reason: `the command ${JSON.stringify(line)} cannot be split: ${words.left.message}`
                })
              )
            }
            return words.right.length === 0
              ? Effect.fail(
                  new TaskError.CommandError({
                    task: task.name,
                    reason: "the command function returned an empty command"
                  })
                )
              : Effect.succeed({ _tag: "Argv", argv: words.right })
          }
          if (Array.isArray(line) && line.length > 0 && line.every((w) => typeof w === "string")) {
            return Effect.succeed({ _tag: "Argv", argv: line })
          }
          return Effect.fail(
            new TaskError.CommandError({
              task: task.name,
              reason: "the command function must return a command line string or a non-empty array of strings"
            })
          )
        })
      )
    case "InProcess":
      return Effect.die("in-process tasks have no command")
  }
}

const isThenable = (u: unknown): u is PromiseLike<unknown> =>
  typeof u === "object" && u !== null && typeof (u as { then?: unknown }).then === "function"

/** Calls a user function, turning what it throws into a value (not Effect code: the caller is). */
const call = <A>(
  f: () => A
): { readonly ok: true; readonly value: A } | { readonly ok: false; readonly error: unknown } => {
  try {
    return { ok: true, value: f() }
  } catch (error) {
    return { ok: false, error }
  }
}

/**
 * An in-process task: the function runs in this process. This is the hot path of learners made of
 * in-process tasks, so a function that returns a plain value is called, timed and recorded without
 * any Effect in between; promises and Effects take the general route.
 */
const runInProcess = (
  env: RunEnv,
  learner: LearnerState,
  task: Task.TaskDef,
  iteration: number,
  attempt: number,
  prepared: Prepared,
  results: { readonly [task: string]: unknown },
  name: string,
  instance: Instance,
  extra: Pick<Task.TaskContext, "model" | "prediction" | "experience">
): Effect.Effect<TaskOutput, TaskAttemptError> =>
  Effect.suspend(() => {
    const binding = task.binding as Extract<Task.Binding, { _tag: "InProcess" }>
    // Literals with any spread last: a spread followed by more keys is several times slower in V8,
    // and this runs for every task.
    const base = { learner: learner.ref, iteration, task: name, attempt, ...instance.fields }
    const started = env.now()
    // Most functions never look at their abort signal: make one only when asked for.
    let controller: AbortController | undefined
    const ctx = taskContext(
      env,
      learner,
      task,
      iteration,
      attempt,
      prepared,
      results,
      env.runDir,
      () => {
        controller ??= new AbortController()
        return controller.signal
      },
      extra
    )
    const toError = (e: unknown) =>
      new TaskError.TaskFunctionError({ task: name, what: `the function ${binding.name}`, reason: errorText(e) })
    const fail = (error: TaskError.TaskError) => failAttempt(env, base, error, env.now() - started)
    const output = (value: unknown): TaskOutput => {
      const state = Json.isObject(value) ? toJsonObject(value) : undefined
      return { attempt, config: prepared.config, state, value, stdout: "" }
    }
    const result = call(() => binding.fn(ctx))
    if (!result.ok) return fail(toError(result.error))
    const value = result.value
    // A function that returned a plain value ran and ended within this call: nothing could have
    // watched it run, and its iteration's iteration_completed records its config and state. Only
    // functions that go on (a promise, an Effect) get task_started and task_finished; none of these
    // events is awaited (no process, no pid: nothing a resume needs).
    if (!binding.effect && !isThenable(value)) return Effect.succeed(output(value))
    env.postSync({
      _tag: "task_started",
      learner: learner.ref,
      iteration,
      task: name,
      attempt,
      config: prepared.config,
      ...instance.fields
    })
    const finish = (v: unknown): TaskOutput => {
      env.postSync({
        _tag: "task_finished",
        learner: learner.ref,
        iteration,
        task: name,
        attempt,
        exitCode: 0,
        durationMs: env.now() - started,
        ...instance.fields
      })
      return output(v)
    }
    let pending: Effect.Effect<unknown, TaskError.TaskFunctionError>
    if (binding.effect) {
      pending = (value as Effect.Effect<unknown, unknown>).pipe(
        Effect.mapError(toError),
        Effect.catchAllDefect((d) => Effect.fail(toError(d)))
      )
    } else {
      const promise = value as PromiseLike<unknown>
      pending = Effect.async<unknown, TaskError.TaskFunctionError>((resume) => {
        promise.then(
          (v) => resume(Effect.succeed(v)),
          (e: unknown) => resume(Effect.fail(toError(e)))
        )
        return Effect.sync(() => controller?.abort())
      })
    }
    const bounded =
      task.timeoutMillis === undefined
        ? pending
        : pending.pipe(
            Effect.timeoutFail({
              duration: Duration.millis(task.timeoutMillis),
              onTimeout: () => new TaskError.TaskTimedOut({ task: name, timeoutMillis: task.timeoutMillis! })
            })
          )
    return bounded.pipe(Effect.matchEffect({ onFailure: fail, onSuccess: (v) => Effect.sync(() => finish(v)) }))
  })

/** Keeps what survives JSON (functions, undefined and non-finite numbers are dropped). */
const toJsonObject = (value: object): Json.JsonObject | undefined => {
  const parsed = Json.parse(JSON.stringify(value) ?? "null")
  return parsed.ok && Json.isObject(parsed.value) ? parsed.value : undefined
}

/** Reads a criterion task's value from its output (DESIGN §4.4). */
export const criterionValue = (
  task: Task.TaskDef,
  metric: string,
  output: TaskOutput
): Either.Either<number, TaskError.CriterionParseError> => {
  const value =
    task.binding._tag === "InProcess"
      ? Metric.valueFromResult(metric, output.value)
      : Metric.valueFromOutput(metric, output.stdout)
  return Either.mapLeft(
    value,
    (p) => new TaskError.CriterionParseError({ task: task.name, metric, line: p.line, reason: p.reason })
  )
}
