/**
 * Feeds a run's events to trackers (the Python toolkit's MLflow/ClearML hook): each tracker is told
 * of the run's start with its resolved plan, of every iteration state, of every learner's stop with
 * its reason, and of the run's end. A tracker never stalls a learner: each reads from its own
 * bounded queue, filled by one dispatcher from the run's event bus; when a queue is full the event is
 * dropped for that tracker and counted. A tracker that fails is counted too, and keeps receiving.
 *
 * ```ts
 * const handle = yield* Runner.prepare(program)
 * const attached = yield* Trackers.attach(handle, [{ name: "csv", tracker }]) // before start
 * yield* handle.start
 * yield* handle.await
 * yield* attached.flushed.pipe(Effect.timeout("10 seconds"))
 * ```
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type * as Event from "../core/Event.ts"
import * as IterationState from "../core/IterationState.ts"
import * as Program from "../core/Program.ts"
import type * as Plugin from "./Plugin.ts"
import * as Registry from "./Registry.ts"

/**
 * A tracker with the name its counts are reported under.
 *
 * @since 0.1.0
 * @category models
 */
export interface Named {
  readonly name: string
  readonly tracker: Plugin.Tracker
}

/**
 * What a tracker saw.
 *
 * @since 0.1.0
 * @category models
 */
export interface Stats {
  readonly name: string
  /** Calls made (start, iterations, stops, finish). */
  readonly handled: number
  /** Events dropped because the tracker's queue was full. */
  readonly dropped: number
  /** Calls that failed or threw. */
  readonly failures: number
  readonly lastFailure: string | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Attached {
  /** Completes once every tracker has handled the run's end (bound it with a timeout). */
  readonly flushed: Effect.Effect<void>
  readonly stats: () => ReadonlyArray<Stats>
}

/**
 * What `attach` needs of a run (a `Runner.RunHandle` has it).
 *
 * @since 0.1.0
 * @category models
 */
export interface RunInfo {
  readonly runId: string
  readonly runDir: string
  readonly program: Program.Program
  readonly events: PubSub.PubSub<Event.Event>
}

type Item =
  | { readonly _tag: "start"; readonly plan: ReturnType<typeof Program.describe> }
  | { readonly _tag: "iteration"; readonly state: IterationState.IterationState }
  | { readonly _tag: "stop"; readonly event: Extract<Event.Event, { _tag: "learner_stopped" }> }
  | { readonly _tag: "finish"; readonly event: Extract<Event.Event, { _tag: "run_finished" }> }

/**
 * Subscribes the trackers to a run's events. Call it after `Runner.prepare` and before `start`, or
 * the first events are missed. The dispatcher and the trackers' fibers live in the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const attach = (
  run: RunInfo,
  trackers: ReadonlyArray<Named>,
  options: { readonly capacity?: number | undefined } = {}
): Effect.Effect<Attached, never, Scope.Scope> =>
  Effect.gen(function* () {
    const capacity = Math.max(1, options.capacity ?? 1024)
    const subscription = yield* PubSub.subscribe(run.events)
    const states = IterationState.makeTracker()
    const lanes = yield* Effect.forEach(trackers, (t) =>
      Effect.gen(function* () {
        // One spare place: the run's end is never dropped.
        const queue = yield* Queue.bounded<Item>(capacity + 1)
        const done = yield* Deferred.make<void>()
        const stats = {
          name: t.name,
          handled: 0,
          dropped: 0,
          failures: 0,
          lastFailure: undefined as string | undefined
        }
        const call = (item: Item): Effect.Effect<void, unknown> => {
          switch (item._tag) {
            case "start":
              return t.tracker.onStart({ runId: run.runId, runDir: run.runDir, plan: item.plan })
            case "iteration":
              return t.tracker.onIteration(item.state)
            case "stop":
              return t.tracker.onStop(item.event)
            case "finish":
              return t.tracker.onFinish === undefined ? Effect.void : t.tracker.onFinish(item.event)
          }
        }
        const worker = Effect.gen(function* () {
          while (true) {
            const item = yield* Queue.take(queue)
            yield* Effect.suspend(() => call(item)).pipe(
              Effect.catchAllCause((cause) =>
                Effect.sync(() => {
                  stats.failures++
                  stats.lastFailure = Cause.pretty(cause).split("\n")[0]
                })
              )
            )
            stats.handled++
            if (item._tag === "finish") return
          }
        }).pipe(Effect.ensuring(Deferred.succeed(done, undefined)))
        yield* Effect.forkScoped(worker)
        const offer = (item: Item) =>
          Effect.gen(function* () {
            if (item._tag !== "finish" && (yield* Queue.size(queue)) >= capacity) {
              stats.dropped++
              return
            }
            yield* Queue.offer(queue, item)
          })
        return { offer, done, stats }
      })
    )
    const plan = Program.describe(run.program)
    const dispatch = Effect.gen(function* () {
      while (true) {
        const event = yield* Queue.take(subscription)
        let item: Item | undefined
        switch (event._tag) {
          case "run_started":
            item = { _tag: "start", plan }
            break
          case "iteration_completed":
            item = { _tag: "iteration", state: states(event) }
            break
          case "learner_stopped":
            item = { _tag: "stop", event }
            break
          case "run_finished":
            item = { _tag: "finish", event }
            break
        }
        if (item !== undefined) {
          const current = item
          yield* Effect.forEach(lanes, (l) => l.offer(current), { discard: true })
        }
        if (event._tag === "run_finished") return
      }
    })
    yield* Effect.forkScoped(dispatch)
    return {
      flushed: Effect.forEach(lanes, (l) => Deferred.await(l.done), { discard: true }),
      stats: () => lanes.map((l) => ({ ...l.stats }))
    }
  })

/**
 * A tracker to build: a tracker kind of a plugin and its configuration.
 *
 * @since 0.1.0
 * @category models
 */
export interface Choice {
  readonly kind: string
  /** The name its counts are reported under; the kind by default. */
  readonly name?: string | undefined
  readonly config: unknown
}

/**
 * Builds trackers from the registry's tracker kinds, decoding each configuration with its schema.
 *
 * @since 0.1.0
 * @category constructors
 */
export const build = (
  choices: ReadonlyArray<Choice>,
  run: { readonly runDir: string }
): Effect.Effect<
  ReadonlyArray<Named>,
  Registry.PluginError,
  Registry.Registry | Plugin.PlatformServices | Scope.Scope
> =>
  Effect.gen(function* () {
    const registry = yield* Registry.Registry
    const out: Array<Named> = []
    for (const choice of choices) {
      const entry = registry.trackers.get(choice.kind)
      if (entry === undefined) {
        return yield* new Registry.PluginError({
          reason: `unknown tracker kind "${choice.kind}" (known: ${[...registry.trackers.keys()].join(", ") || "none"}); a plugin may add it`
        })
      }
      const decoded = Schema.decodeUnknownEither(entry.kind.config, { onExcessProperty: "error" })(choice.config ?? {})
      if (Either.isLeft(decoded)) {
        return yield* new Registry.PluginError({
          reason: `tracker ${choice.kind}: ${ParseResult.TreeFormatter.formatErrorSync(decoded.left)}`
        })
      }
      const tracker = yield* entry.kind.make(decoded.right, run).pipe(
        Effect.mapError(
          (e) =>
            new Registry.PluginError({
              reason: `tracker ${choice.kind} could not start: ${e instanceof Error ? e.message : String(e)}`
            })
        )
      )
      out.push({ name: choice.name ?? choice.kind, tracker })
    }
    return out
  })
