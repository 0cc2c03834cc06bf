/**
 * A run of a learner object, as the Promise facade hands it out: `await` it for the results, or
 * iterate it for the iteration states as they arrive.
 *
 * @since 0.1.0
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import type * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import type * as Backend from "../Backend.ts"
import type * as Host from "../Host.ts"
import * as IterationState from "../IterationState.ts"
import type * as Learner from "../Learner.ts"
import type * as LearnerConfig from "../LearnerConfig.ts"
import type * as Program from "../Program.ts"
import type * as Results from "../Results.ts"
import * as Runner from "../Runner.ts"
import * as Signals from "../Signals.ts"

/**
 * The services a learner object runs with: a backend and the platform services.
 *
 * @since 0.1.0
 * @category models
 */
export type Services = Backend.Backend | FileSystem.FileSystem | Path.Path | Host.Host | Signals.Signals

/**
 * The run ended with at least one learner in error; `results` says which and why. Only
 * `run.completed()` rejects with it: `await run` gives these results, as `Runner.run` does.
 *
 * @since 0.1.0
 * @category errors
 */
export class LearnerFailedError extends Data.TaggedError("LearnerFailedError")<{
  readonly results: Results.Results
}> {
  override get message(): string {
    const failed = this.results.learners.filter((l) => l.stopReason === "error")
    return `${failed.length} learner(s) failed:\n${failed
      .map((l) => `  ${l.name}[${l.index}]: ${l.failure?.message ?? "unknown error"}`)
      .join("\n")}`
  }
}

/**
 * The run was interrupted by a signal. Only `run.completed()` rejects with it.
 *
 * @since 0.1.0
 * @category errors
 */
export class RunInterruptedError extends Data.TaggedError("RunInterruptedError")<{
  readonly results: Results.Results
}> {
  override get message(): string {
    return `the run ${this.results.runId} was interrupted; see its results.json`
  }
}

/**
 * How many iteration states a `for await` may fall behind the learners before they wait for it
 * (each learner also completes the iteration it is in): the states a slow loop has not read yet are
 * held in memory, 100,000 of them for 10,000 learners of 10 iterations without this bound.
 */
const MAX_AHEAD = 1024

/**
 * A running (or finished) run of a learner object: `await` it for the results, or iterate it for the
 * iteration states as they arrive; leaving the loop early stops the run and kills its tasks.
 *
 * A learner that failed does not reject the run: as with `Runner.run`, the results say so
 * (`status: "failed"`, the learner's `stopReason: "error"` and its `failure`), with the other
 * learners' results next to it. `completed()` is the run that rejects instead. `await run` rejects
 * only when the run could not be made (a run directory that cannot be created, a bad config).
 *
 * @since 0.1.0
 * @category models
 */
export class LearnerRun implements PromiseLike<Results.Results>, AsyncIterable<IterationState.IterationState> {
  readonly #buffer: Array<IterationState.IterationState> = []
  #waiter: (() => void) | undefined
  /** Iteration states the learners made (passed `pace`) that `push` has not received yet. */
  #inFlight = 0
  /** Learners held in `pace` until the loop takes a state, first come first served. */
  readonly #held: Array<() => void> = []
  /** No more holding: the loop left, or the run is awaited for its results. */
  #released = false
  #iterated = false
  #awaited = false
  #finished: Exit.Exit<Results.Results, unknown> | undefined
  readonly #result: Promise<Results.Results>
  readonly #handle: Promise<Runner.RunHandle>
  readonly #runtime: ManagedRuntime.ManagedRuntime<any, any>

  /** @internal */
  constructor(
    runtime: ManagedRuntime.ManagedRuntime<any, any>,
    handle: Promise<Runner.RunHandle>,
    result: Promise<Results.Results>
  ) {
    this.#runtime = runtime
    this.#handle = handle
    this.#result = result
    result.then(
      () => this.#wake(),
      () => this.#wake()
    )
  }

  /** @internal */
  push(state: IterationState.IterationState): void {
    this.#inFlight--
    if (this.#awaited && !this.#iterated) return
    this.#buffer.push(state)
    this.#wake()
  }

  /**
   * @internal
   * Awaited by each learner after each iteration it completes (`Runner.RunOptions.pace`): while a
   * `for await` is MAX_AHEAD states behind, the learners wait for it instead of filling a buffer.
   */
  readonly pace: Effect.Effect<void> = Effect.async<void>((resume) => {
    this.#inFlight++
    if (this.#released || !this.#iterated || this.#buffer.length + this.#inFlight <= MAX_AHEAD) {
      resume(Effect.void)
      return
    }
    const go = () => resume(Effect.void)
    this.#held.push(go)
    return Effect.sync(() => {
      const at = this.#held.indexOf(go)
      if (at >= 0) this.#held.splice(at, 1)
    })
  })

  /** Lets every held learner go on, and the ones to come through. */
  #release() {
    this.#released = true
    for (const go of this.#held.splice(0)) go()
  }

  /** @internal */
  end(exit: Exit.Exit<Results.Results, unknown>): void {
    this.#finished = exit
    this.#release()
    this.#wake()
  }

  #wake() {
    const w = this.#waiter
    this.#waiter = undefined
    w?.()
  }

  /** The run's id and directory, once it is prepared. */
  get info(): Promise<{ readonly runId: string; readonly runDir: string }> {
    return this.#handle.then((handle) => ({ runId: handle.runId, runDir: handle.runDir }))
  }

  // biome-ignore lint/suspicious/noThenProperty: a run is awaited for its results, like a promise.
  then<A = Results.Results, B = never>(
    onfulfilled?: ((value: Results.Results) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null
  ): PromiseLike<A | B> {
    this.#awaited = true
    if (!this.#iterated) this.#buffer.length = 0
    // Whoever awaits the results may have left a loop without ending it (read a first state, then
    // awaited the run): holding the learners for it would never end.
    this.#release()
    return this.#result.then(onfulfilled, onrejected)
  }

  [Symbol.asyncIterator](): AsyncIterator<IterationState.IterationState> {
    this.#iterated = true
    return {
      next: async () => {
        while (true) {
          const next = this.#buffer.shift()
          if (next !== undefined) {
            this.#held.shift()?.()
            return { done: false, value: next }
          }
          if (this.#finished !== undefined) {
            await this.#result
            return { done: true, value: undefined }
          }
          await new Promise<void>((resolve) => {
            this.#waiter = resolve
          })
        }
      },
      return: async () => {
        this.#release()
        await this.stop()
        await this.#result.catch(() => undefined)
        return { done: true, value: undefined }
      }
    }
  }

  /**
   * The results of a run every learner of which ended without error; rejects with a
   * `LearnerFailedError` (a learner failed) or a `RunInterruptedError` (a signal), which carry them.
   */
  completed(): Promise<Results.Results> {
    return Promise.resolve(
      this.then((results) => {
        if (results.status === "failed") throw new LearnerFailedError({ results })
        if (results.status === "interrupted") throw new RunInterruptedError({ results })
        return results
      })
    )
  }

  /** Stops the run, or one learner of it (by index, or `{ name, index }`): it ends with `stopped`. */
  async stop(learner?: number | Learner.LearnerRef): Promise<void> {
    if (this.#finished !== undefined) return
    const handle = await this.#handle
    const ref = typeof learner === "number" ? { name: handle.program.learners[0]!.name, index: learner } : learner
    await this.#runtime.runPromise(handle.stop(ref))
  }

  /** Replaces the config of the tasks `config` names for a learner, from its next iteration on. */
  async setNextConfig(
    learner: number | Learner.LearnerRef,
    config: LearnerConfig.LearnerConfig | LearnerConfig.LearnerConfigInput
  ): Promise<void> {
    const handle = await this.#handle
    const ref = typeof learner === "number" ? { name: handle.program.learners[0]!.name, index: learner } : learner
    await this.#runtime.runPromise(handle.setNextConfig(ref, config))
  }
}

/**
 * Runs a program on a learner object's runtime: the returned `LearnerRun` receives its iteration
 * states and settles with its results, whatever their status; the fiber is the run's.
 *
 * @since 0.1.0
 * @category constructors
 */
export const start = (
  runtime: ManagedRuntime.ManagedRuntime<Services, unknown>,
  program: Program.Program,
  options: { readonly out?: string | undefined }
): { readonly run: LearnerRun; readonly fiber: Fiber.RuntimeFiber<Results.Results, unknown> } => {
  const handle = settleable<Runner.RunHandle>()
  const result = settleable<Results.Results>()
  const run = new LearnerRun(runtime, handle.promise, result.promise)
  const fiber = runtime.runFork(
    Effect.scoped(
      Effect.gen(function* () {
        const prepared = yield* Runner.prepare(program, { out: options.out, pace: run.pace })
        handle.resolve(prepared)
        const subscription = yield* PubSub.subscribe(prepared.events)
        yield* cancelOnSignal(prepared)
        yield* prepared.start
        const track = IterationState.makeTracker()
        while (true) {
          const event = yield* Queue.take(subscription)
          if (event._tag === "iteration_completed") run.push(track(event))
          if (event._tag === "run_finished") break
        }
        return yield* prepared.await
      })
    )
  )
  fiber.addObserver((exit) => {
    run.end(exit)
    if (Exit.isSuccess(exit)) result.resolve(exit.value)
    else {
      const error = Option.getOrElse(Cause.failureOption(exit.cause), () => new Error(Cause.pretty(exit.cause)))
      handle.reject(error)
      result.reject(error)
    }
  })
  return { run, fiber }
}

/** A promise and its settling functions; a rejection nobody awaits is not reported as unhandled. */
const settleable = <A>() => {
  let resolve!: (value: A) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<A>((res, rej) => {
    resolve = res
    reject = rej
  })
  promise.catch(() => undefined)
  return { promise, resolve, reject }
}

/**
 * The first signal interrupts the run; once it is cleaned up (the scope closed), the process ends
 * as that signal would have ended it without us.
 */
const cancelOnSignal = (handle: Runner.RunHandle) =>
  Effect.gen(function* () {
    const signals = yield* Effect.serviceOption(Signals.Signals)
    if (Option.isNone(signals)) return
    const service = signals.value
    const caught = yield* Ref.make(Option.none<Signals.Signal>())
    // Added before the signals are taken over, so it runs after they are given back.
    yield* Effect.addFinalizer(() =>
      Effect.flatMap(Ref.get(caught), Option.match({ onNone: () => Effect.void, onSome: service.reraise }))
    )
    yield* Signals.cancelOnSignal({
      onFirst: (signal) => Effect.zipRight(Ref.set(caught, Option.some(signal)), handle.interrupt),
      onAgain: (signal) => service.reraise(signal)
    }).pipe(Effect.provideService(Signals.Signals, service))
  })
