/**
 * The runner: prepares a run directory and journal for a program, then runs every parallel learner
 * of every block as its own fiber, owned by the run's scope. One learner ending (its criterion met,
 * `max_iter`, a failure, `stop`) does not affect the others unless its block says `on_error abort`;
 * the run ends when all have ended, with `results.json` written and `run_finished` journaled.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberMap from "effect/FiberMap"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Backend from "./Backend.ts"
import * as Event from "./Event.ts"
import * as EventReplay from "./EventReplay.ts"
import type * as FileError from "./FileError.ts"
import * as Host from "./Host.ts"
import * as IterationState from "./IterationState.ts"
import type { TaskAttemptError } from "./internal/attempt.ts"
import * as Budget from "./internal/budget.ts"
import { type LearnerState, makeLearnerStates, type RunEnv } from "./internal/context.ts"
import { sha256 } from "./internal/hash.ts"
import type { LoopEnd } from "./internal/iteration.ts"
import * as Loops from "./internal/loops.ts"
import * as Outcome from "./internal/outcome.ts"
import * as Pacer from "./internal/pacer.ts"
import { reapSurvivors } from "./internal/reap.ts"
import * as Rungs from "./internal/rungs.ts"
import { stamper } from "./internal/stamp.ts"
import * as Takeover from "./internal/takeover.ts"
import * as Journal from "./Journal.ts"
import * as Learner from "./Learner.ts"
import * as LearnerConfig from "./LearnerConfig.ts"
import * as Program from "./Program.ts"
import * as Results from "./Results.ts"
import type * as Resume from "./Resume.ts"
import * as RunDir from "./RunDir.ts"
import * as RunManifest from "./RunManifest.ts"
import * as Version from "./Version.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface RunOptions {
  /** The run directory (must be missing or empty); `runs/<id>/` under the current directory by default. */
  readonly out?: string | undefined
  /** `fsync` the journal after each write. */
  readonly fsync?: boolean | undefined
  /** Continue the run a `Resume.load` read (its directory is reused and its journal appended). */
  readonly resume?: Resume.ResumePlan | undefined
  /**
   * Awaited by a learner after each `iteration_completed` it journals: an observer that takes the
   * iteration states slower than the learners make them holds the learners back, instead of
   * buffering every state (the facade's `for await`).
   */
  readonly pace?: Effect.Effect<void> | undefined
}

/**
 * @since 0.1.0
 * @category errors
 */
export class ConfigRejected extends Data.TaggedError("ConfigRejected")<{
  readonly learner: string
  readonly problems: ReadonlyArray<string>
}> {
  override get message(): string {
    return `setNextConfig for ${this.learner}: ${this.problems.join("; ")}`
  }
}

/**
 * @since 0.1.0
 * @category errors
 */
export class UnknownLearner extends Data.TaggedError("UnknownLearner")<{ readonly learner: string }> {
  override get message(): string {
    return `the run has no learner ${this.learner}`
  }
}

/**
 * A prepared run: take its events (`eventStream`, or a subscription to `events` made before
 * `start`), then `start` it.
 *
 * @since 0.1.0
 * @category models
 */
export interface RunHandle {
  /** The run's id: its first session's, which names its directory (a resume keeps it). */
  readonly runId: string
  /** This session's id (the events' `runId`, `ROSE_RUN_ID`): the run's, or a new one on a resume. */
  readonly sessionId: string
  readonly runDir: string
  readonly program: Program.Program
  /**
   * Every event of the run from the moment of a subscription on: subscribe before `start` to see
   * them all, or use `eventStream`, which cannot miss any.
   */
  readonly events: PubSub.PubSub<Event.Event>
  /**
   * Every event of the run in order, from `run_started` to `run_finished`, however late it is run
   * (before `start`, during the run, after its end): the events before the stream was run are read
   * back from the journal, the later ones come live. It fails with the journal's `FileError` when it
   * needs events a broken journal did not write. Each run of the stream starts from the first event.
   */
  readonly eventStream: Stream.Stream<Event.Event, FileError.FileError>
  /** Starts the learners (once; later calls do nothing). */
  readonly start: Effect.Effect<void>
  /** Waits for the end of the run. */
  readonly await: Effect.Effect<Results.Results>
  /** Stops one learner, or all of them: they end with `stopped`, their running tasks killed. */
  readonly stop: (learner?: Learner.LearnerRef) => Effect.Effect<void, UnknownLearner>
  /** Cancels the whole run as a signal does: every learner ends with `interrupted`. */
  readonly interrupt: Effect.Effect<void>
  /**
   * The file-system failures that stopped the run or kept its files from being written (the
   * journal, results.json), in the order they happened; empty when every file was written.
   */
  readonly fileErrors: () => ReadonlyArray<FileError.FileError>
  /**
   * A resumed run: the survivors of the earlier process that were left alone, because nothing
   * proved they were still the run's (one line each).
   */
  readonly spared: ReadonlyArray<string>
  /** Replaces the schedules of the tasks `config` names, from the learner's next iteration on. */
  readonly setNextConfig: (
    learner: Learner.LearnerRef,
    config: LearnerConfig.LearnerConfig | LearnerConfig.LearnerConfigInput
  ) => Effect.Effect<void, UnknownLearner | ConfigRejected>
}

const keyOf = (ref: Learner.LearnerRef) => Learner.label(ref)

const isoTime = (millis: number) => new Date(millis).toISOString()

/**
 * Prepares a run: the run directory, `run.json`, the journal and the event bus. Nothing runs until
 * `start`. Closing the scope before the run ended stops it (learners end with `stopped`) and writes
 * its results.
 *
 * @since 0.1.0
 * @category constructors
 */
export const prepare = (
  program: Program.Program,
  options: RunOptions = {}
): Effect.Effect<
  RunHandle,
  RunDir.RunDirError | FileError.FileError,
  Scope.Scope | Backend.Backend | FileSystem.FileSystem | Path.Path | Host.Host
> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const host = yield* Host.Host
    const scope = yield* Effect.scope
    const defaultBackend = yield* Backend.Backend
    const named = yield* Effect.serviceOption(Backend.Backends)
    const resume = options.resume
    // Each start or resume is a session with an id of its own (what tells its processes and events
    // apart from an earlier session's); the run keeps its first session's id, its directory's name.
    const sessionId = yield* RunDir.makeRunId
    const runId = resume === undefined ? sessionId : resume.runId
    const ids = runId === sessionId ? {} : { sessionId }
    const runDir = resume === undefined ? yield* RunDir.create(runId, options.out) : resume.runDir
    const createdAt = yield* Clock.currentTimeMillis
    const plan = Program.describe(program)
    const planHash = yield* sha256(Program.canonicalJson(plan))
    const allBackends = [defaultBackend, ...Option.getOrElse(named, () => new Map<string, Backend.Service>()).values()]
    const journalPath = `${runDir}/events.jsonl`
    const { journalStart, attach, spared } =
      resume === undefined
        ? { journalStart: 0, attach: [], spared: [] }
        : yield* Takeover.takeOver(fs, journalPath, resume, {
            program,
            backend: defaultBackend,
            named: Option.getOrElse(named, () => new Map()),
            all: allBackends
          })
    const backends = Option.getOrElse(named, () => new Map<string, Backend.Service>())
    const backendFor = (task: { readonly backend?: string | undefined }) =>
      task.backend === undefined ? defaultBackend : (backends.get(task.backend) ?? defaultBackend)
    // A run any of whose tasks make up their outputs says so in run.json and results.json.
    const dryRun = program.learners.some((l) =>
      Array.from(l.tasks.values()).some((t) => backendFor(t).capabilities.synthetic === true)
    )
    const sourceHash = program.source.text === undefined ? null : yield* sha256(program.source.text)
    yield* RunManifest.write(runDir, {
      runId,
      ...ids,
      createdAt: isoTime(createdAt),
      versions: { rose: Version.version, runtime: host.runtime },
      host: host.hostname,
      cwd: host.cwd,
      planHash,
      ...(resume === undefined ? {} : { resumedFrom: resume.previousRunId }),
      ...(dryRun ? { dryRun } : {}),
      plan,
      source: { file: program.source.file ?? null, hash: sourceHash, text: program.source.text ?? null }
    })

    const loaded = resume === undefined ? Rungs.fresh() : yield* Rungs.load(fs, journalPath, program)
    const rungs = loaded.rungs
    const budgets = yield* Budget.load(fs, journalPath, program.learners, resume !== undefined)
    const journal = yield* Journal.make(journalPath, { fsync: options.fsync === true })
    const events = yield* PubSub.unbounded<Event.Event>()
    // Events are published synchronously: an unbounded PubSub takes an offer without the fiber runtime.
    const clock = yield* Effect.clock
    const { stamp, nextSeq } = stamper(clock, sessionId, (event) => {
      budgets.observe(event)
      events.unsafeOffer(event)
    })
    const postSync = (draft: Event.Draft) => journal.postSync(Event.draftToJsonLine(draft, stamp(draft)))
    const post = (draft: Event.Draft) => Effect.sync(() => postSync(draft))
    const record = (draft: Event.Draft) =>
      Effect.suspend(() => journal.append(Event.draftToJsonLine(draft, stamp(draft))))

    const env: RunEnv = {
      runId: sessionId,
      runKey: runId,
      runDir,
      program,
      fs,
      post,
      record,
      postSync,
      now: () => clock.unsafeCurrentTimeMillis(),
      backendFor,
      rungs,
      budgets,
      pace: options.pace
    }

    const learners = makeLearnerStates(program, resume, attach)
    Rungs.restore(loaded, learners)
    const byKey = new Map(learners.map((l) => [l.key, l]))
    const fibers = yield* FiberMap.make<string, LoopEnd, TaskAttemptError>()
    const outcomes = new Map<string, Outcome.Outcome>()
    // Learners a resumed run found finished keep their ending and are not run again.
    for (const [key, at] of resume?.learners ?? []) {
      if (at.status === "done" && at.stopReason !== undefined) {
        outcomes.set(key, { reason: at.stopReason, failure: at.failure, attempt: undefined })
      }
    }
    const done = yield* Deferred.make<Results.Results>()
    const fileErrors: Array<FileError.FileError> = []
    let interrupted = false
    let aborted = false
    let started = false

    // Every learner is told to stop before any is awaited: FiberMap.clear interrupts one fiber after
    // another, so each learner's cancellations (an ssh round trip, an scancel) would wait for the
    // previous learner's, and a Ctrl-C of 16 learners over SSH took 16 round trips.
    const interruptLearners = (except?: string) =>
      Effect.suspend(() =>
        Fiber.interruptAll(Array.from(fibers).flatMap(([key, fiber]) => (key === except ? [] : [fiber])))
      )

    // One fiber per learner (10,000 learners are 10,000 fibers, not twice as many): its loop, and,
    // whatever ended it (its own end, a failure, an interruption), the record of how it ended.
    let remaining = 0
    const allSettled = yield* Deferred.make<void>()
    const settle = (learner: LearnerState, exit: Exit.Exit<LoopEnd, TaskAttemptError>) =>
      Effect.gen(function* () {
        const outcome = Outcome.classify(learner, exit, { journalFailure: journal.failure(), interrupted })
        outcomes.set(learner.key, outcome)
        // A broken journal interrupts the append: the learner's end is still counted.
        yield* record({
          _tag: "learner_stopped",
          learner: learner.ref,
          reason: outcome.reason,
          iterations: learner.nextIteration,
          ...(outcome.failure === undefined ? {} : { failure: outcome.failure }),
          ...Outcome.detail(learner, outcome)
        }).pipe(Effect.exit)
        if (outcome.reason === "error" && learner.def.onError === "abort" && !aborted) {
          aborted = true
          yield* interruptLearners(learner.key)
        }
        if (--remaining === 0) yield* Deferred.succeed(allSettled, undefined)
      })

    const launch = (learner: LearnerState) => {
      const loop = Loops.forKind(learner.def.kind)
      return FiberMap.run(
        fibers,
        learner.key,
        (loop === undefined
          ? Effect.dieMessage(`no loop for learner kind "${learner.def.kind}"`)
          : Budget.untilSpent(Rungs.unlessPruned(env, learner, loop(env, learner)))
        ).pipe(Effect.onExit((exit) => settle(learner, exit)))
      )
    }

    const finish = Effect.gen(function* () {
      // Tasks of the earlier process the run was to re-attach to and never reached (it was stopped
      // first): nobody waits for them any more.
      const unclaimed = attach.filter((s) => byKey.get(s.learner)?.resumed?.attach.has(s.task) === true)
      if (unclaimed.length > 0) yield* reapSurvivors(unclaimed, [], [], allBackends)
      const anyError = journal.failure() !== undefined || [...outcomes.values()].some((o) => o.reason === "error")
      const status: Event.RunStatus = interrupted ? "interrupted" : anyError ? "failed" : "completed"
      const now = yield* Clock.currentTimeMillis
      const learnerResults = learners.map((l) => Outcome.learnerResult(l, outcomes.get(l.key), budgets.tasksOf(l.key)))
      const selection = Outcome.selection(program, learnerResults)
      const lastConfigs = new Map(learners.map((l) => [l.key, l.lastConfig]))
      const results: Results.Results = {
        runId,
        ...ids,
        status,
        startedAt: isoTime(createdAt),
        finishedAt: isoTime(now),
        durationMs: now - createdAt,
        learners: learnerResults,
        ...(selection === undefined ? {} : { selection }),
        ...(dryRun ? { dryRun } : {}),
        ranking: Results.ranking(learnerResults, (r) => lastConfigs.get(`${r.name}[${r.index}]`) ?? {})
      }
      // A full disk must not keep the run from ending: what could not be written is told, not awaited.
      yield* RunDir.writeAtomic(`${runDir}/results.json`, `${JSON.stringify(results, null, 2)}\n`).pipe(
        Effect.provideService(FileSystem.FileSystem, fs),
        Effect.catchAll((e) => Effect.sync(() => fileErrors.push(e)))
      )
      yield* record({ _tag: "run_finished", status, durationMs: now - createdAt }).pipe(Effect.exit)
      yield* Deferred.succeed(done, results)
    })

    // A journal that cannot write stops the run: learners must not go on with work nobody records
    // (a resume could not know it was done), and every task is killed as on Ctrl-C.
    const watchJournal = Effect.gen(function* () {
      yield* journal.failed
      yield* interruptLearners()
    })

    const main = Effect.gen(function* () {
      yield* Effect.forkIn(watchJournal, scope)
      yield* record({
        _tag: "run_started",
        runDir,
        pid: host.pid,
        planHash,
        ...(resume === undefined ? {} : { resumedFrom: resume.previousRunId }),
        ...(dryRun ? { dryRun } : {}),
        learners: program.learners.map((l) => ({
          name: l.name,
          kind: l.kind,
          parallel: l.parallel,
          maxIter: l.maxIter ?? null
        }))
      })
      const toRun = learners.filter((learner) => !outcomes.has(learner.key))
      remaining = toRun.length
      if (remaining === 0) yield* Deferred.succeed(allSettled, undefined)
      for (const learner of toRun) yield* launch(learner)
      yield* Deferred.await(allSettled)
      yield* finish
    })

    const stopAll = Effect.suspend(() => {
      for (const l of learners) l.stopRequested = true
      return interruptLearners()
    })

    const start = Effect.suspend(() => {
      if (started) return Effect.void
      started = true
      return Effect.gen(function* () {
        const fiber = yield* Effect.forkIn(main, scope)
        // Runs before the scope interrupts `main`: a consumer that leaves early stops the run cleanly.
        yield* Scope.addFinalizer(
          scope,
          Effect.gen(function* () {
            if (yield* Deferred.isDone(done)) return
            yield* stopAll
            yield* Fiber.await(fiber)
          })
        )
      })
    })

    const eventStream = EventReplay.make({
      events,
      journal,
      fs,
      path: journalPath,
      start: journalStart,
      nextSeq
    })

    const handle: RunHandle = {
      runId,
      sessionId,
      runDir,
      program,
      events,
      eventStream,
      start,
      await: Deferred.await(done),
      stop: (ref) =>
        Effect.suspend(() => {
          if (ref === undefined) return stopAll
          const learner = byKey.get(keyOf(ref))
          if (learner === undefined) return Effect.fail(new UnknownLearner({ learner: keyOf(ref) }))
          learner.stopRequested = true
          return FiberMap.remove(fibers, learner.key)
        }),
      interrupt: Effect.suspend(() => {
        interrupted = true
        return interruptLearners()
      }),
      spared,
      fileErrors: () => {
        const broken = journal.failure()
        return broken === undefined ? [...fileErrors] : [broken, ...fileErrors]
      },
      setNextConfig: (ref, config) =>
        Effect.suspend((): Effect.Effect<void, UnknownLearner | ConfigRejected> => {
          const learner = byKey.get(keyOf(ref))
          if (learner === undefined) return Effect.fail(new UnknownLearner({ learner: keyOf(ref) }))
          const normalized = LearnerConfig.normalize(config, new Set(learner.def.tasks.keys()))
          if (Either.isLeft(normalized)) {
            return Effect.fail(
              new ConfigRejected({
                learner: learner.key,
                problems: normalized.left.map((p) => `task "${p.task}": ${p.message}`)
              })
            )
          }
          learner.pending =
            learner.pending === undefined ? normalized.right : LearnerConfig.patch(learner.pending, normalized.right)
          return Effect.void
        })
    }
    return handle
  })

/**
 * Runs a program to its results.
 *
 * @since 0.1.0
 * @category running
 */
export const run = (program: Program.Program, options: RunOptions = {}) =>
  Effect.scoped(
    Effect.gen(function* () {
      const handle = yield* prepare(program, options)
      yield* handle.start
      return yield* handle.await
    })
  )

/**
 * Runs a program as a stream of iteration states, in the order learners complete them. Ending the
 * stream early stops the run (its learners end with `stopped`, their tasks killed). A consumer
 * slower than the learners holds them back once it is 1,024 states behind.
 *
 * @since 0.1.0
 * @category running
 */
export const stream = (
  program: Program.Program,
  options: RunOptions = {}
): Stream.Stream<
  IterationState.IterationState,
  RunDir.RunDirError | FileError.FileError,
  Backend.Backend | FileSystem.FileSystem | Path.Path | Host.Host
> =>
  Stream.unwrapScoped(
    Effect.gen(function* () {
      const pacer = Pacer.make(1024)
      const pace = options.pace === undefined ? pacer.pace : Effect.zipRight(pacer.pace, options.pace)
      const handle = yield* prepare(program, { ...options, pace })
      const subscription = yield* PubSub.subscribe(handle.events)
      yield* handle.start
      const track = IterationState.makeTracker()
      return Stream.fromQueue(subscription, { maxChunkSize: 1 }).pipe(
        Stream.takeUntil((e) => e._tag === "run_finished"),
        Stream.filterMap((e) => (e._tag === "iteration_completed" ? Option.some(track(e)) : Option.none())),
        Stream.tap(() => Effect.sync(pacer.took))
      )
    })
  )
