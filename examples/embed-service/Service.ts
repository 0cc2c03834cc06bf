/**
 * rose-ts embedded in an Effect HTTP service (`@effect/platform`'s router and server).
 *
 * `POST /runs` takes the text of a `.rose` file as its body, compiles it with the DSL, starts the
 * run inside the service's own runtime and layers (the backends come from the service's plugin
 * registry and the runtime's platform services) and streams the run back as Server-Sent Events,
 * each with the `seq` of the run's event it comes from as its `id:`:
 *
 *   event: started     data: { runId, runDir }
 *   event: iteration   data: an iteration state (learner, iteration, metric, state, …), one per iteration
 *   event: finished    data: the run's results (what results.json holds)
 *   event: error       data: { message }  (the run could not start; no id)
 *
 * A client that lost the stream reconnects with `GET /runs/<runId>/events` and the `Last-Event-ID`
 * header (the last `id:` it got; what a browser's `EventSource` sends by itself): the stream goes on
 * from the next event, replayed from the run's journal when it happened in between, so nothing is
 * lost and nothing repeats. Without the header the stream starts from `started`.
 *
 * The run belongs to the service, not to a connection. When its last client disconnects, it waits
 * `reconnectMillis` for one to come back; then it is stopped: every learner ends with `stopped` and
 * every task's process group is killed; `results.json` is still written. A finished run can be
 * read again for `reconnectMillis` after its end.
 *
 * Shutting the service down (SIGINT, SIGTERM) interrupts the runs in progress; their clients get the
 * `finished` event with the status `interrupted`, then the server closes.
 *
 * An invalid text gets `400` with its diagnostics (`{ error, message, diagnostics }`) and runs
 * nothing. The service offers the backend kinds of its registry; a program naming a `plugin` module
 * is refused (the service decides which plugins exist, not its clients). `env("NAME", default)`
 * in a posted program sees only `ROSE_*` variables of the service's environment.
 *
 * The service runs whatever commands a posted program names, as the service's user: keep it on a
 * trusted network.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import type * as FileSystem from "@effect/platform/FileSystem"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import type * as Path from "@effect/platform/Path"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { type Event, type Host, IterationState, type Program, Runner } from "rose-ts/core"
import { Diagnostic, Dsl } from "rose-ts/dsl"
import { type Plugin, Registry } from "rose-ts/plugins"

/**
 * @category models
 */
export interface Config {
  /** The folder `./` paths of posted programs resolve against (their `{here}`). */
  readonly here: string
  /** Where run directories are made, one per request. */
  readonly runsDir: string
  /** How long a run without clients waits for one to reconnect before it is stopped. */
  readonly reconnectMillis: number
}

/** A run of the service: its handle, its own scope, and how many clients read it now. */
interface ActiveRun {
  readonly handle: Runner.RunHandle
  readonly scope: Scope.CloseableScope
  clients: number
}

/**
 * The runs of the service by run id, and the scope of the fibers that look after them. Closing the
 * layer (the service shutting down) interrupts each run still going, killing its tasks, waits for
 * them to end, so their streams end and the server can close, and then releases them.
 *
 * @category services
 */
export class ActiveRuns extends Context.Tag("embed-service/ActiveRuns")<
  ActiveRuns,
  { readonly runs: Map<string, ActiveRun>; readonly scope: Scope.Scope }
>() {}

/**
 * @category layers
 */
export const activeRunsLayer: Layer.Layer<ActiveRuns> = Layer.scoped(
  ActiveRuns,
  Effect.gen(function* () {
    const runs = new Map<string, ActiveRun>()
    // Added before any run's fiber is forked into this scope, so it runs after they are interrupted.
    // Each run has a scope of its own, not one forked from this one: closing it first would stop
    // the run (`stopped`) where a shutdown interrupts it (`interrupted`).
    yield* Effect.addFinalizer(() =>
      Effect.forEach(
        runs.values(),
        ({ handle, scope }) =>
          handle.interrupt.pipe(
            Effect.zipRight(Effect.ignore(handle.await)),
            Effect.zipRight(Scope.close(scope, Exit.void))
          ),
        { concurrency: "unbounded", discard: true }
      )
    )
    return { runs, scope: yield* Effect.scope }
  })
)

/** What the service's layers provide to every run. */
export type Services =
  | ActiveRuns
  | Registry.Registry
  | Plugin.PlatformServices
  | FileSystem.FileSystem
  | Path.Path
  | Host.Host

const encoder = new TextEncoder()

/** One Server-Sent Event with a JSON payload, and the id a client reconnects with. */
export const sse = (event: string, data: unknown, id?: number): Uint8Array =>
  encoder.encode(`${id === undefined ? "" : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/**
 * Starts a run in a scope of its own, owned by the service: a client going away does not end it. A
 * finished run stays readable for `reconnectMillis`, then is released.
 */
const launch = (program: Program.Program, out: string, config: Config) =>
  Effect.gen(function* () {
    const active = yield* ActiveRuns
    const scope = yield* Scope.make()
    const handle = yield* Effect.gen(function* () {
      const backends = yield* Layer.build(Registry.backendsLayer(program.backends))
      return yield* Runner.prepare(program, { out }).pipe(Effect.provide(backends))
    }).pipe(
      Scope.extend(scope),
      Effect.onError(() => Scope.close(scope, Exit.void))
    )
    const run: ActiveRun = { handle, scope, clients: 0 }
    active.runs.set(handle.runId, run)
    yield* handle.start
    yield* Effect.forkIn(
      handle.await.pipe(
        Effect.zipRight(Effect.sleep(Duration.millis(config.reconnectMillis))),
        Effect.zipRight(
          Effect.suspend(() => (active.runs.delete(handle.runId) ? Scope.close(scope, Exit.void) : Effect.void))
        )
      ),
      active.scope
    )
    return run
  })

/** Stops a run nobody reads any more, unless a client comes back within `reconnectMillis`. */
const stopUnlessReconnected = (run: ActiveRun, config: Config) =>
  Effect.gen(function* () {
    const active = yield* ActiveRuns
    yield* Effect.forkIn(
      Effect.sleep(Duration.millis(config.reconnectMillis)).pipe(
        Effect.zipRight(Effect.suspend(() => (run.clients === 0 ? run.handle.stop() : Effect.void)))
      ),
      active.scope
    )
  })

/**
 * The events of a run after the one numbered `after` (-1: all of them), as Server-Sent Events. Every
 * iteration event before it is still read, as an iteration state holds the metric's history.
 */
export const watch = (run: ActiveRun, after: number, config: Config): Stream.Stream<Uint8Array, never, ActiveRuns> =>
  Stream.unwrapScoped(
    Effect.gen(function* () {
      run.clients += 1
      yield* Effect.addFinalizer(() =>
        Effect.suspend(() => (--run.clients === 0 ? stopUnlessReconnected(run, config) : Effect.void))
      )
      const { handle } = run
      const track = IterationState.makeTracker()
      const toSse = (e: Event.Event): Effect.Effect<Option.Option<Uint8Array>> => {
        const state = e._tag === "iteration_completed" ? track(e) : undefined
        if (e.seq <= after) return Effect.succeed(Option.none())
        if (e._tag === "run_started") {
          return Effect.succeed(Option.some(sse("started", { runId: handle.runId, runDir: handle.runDir }, e.seq)))
        }
        if (state !== undefined) return Effect.succeed(Option.some(sse("iteration", state, e.seq)))
        if (e._tag === "run_finished")
          return Effect.map(handle.await, (results) => Option.some(sse("finished", results, e.seq)))
        return Effect.succeed(Option.none())
      }
      return handle.eventStream.pipe(
        Stream.mapEffect(toSse),
        Stream.filterMap((o) => o),
        Stream.catchAllCause((cause) => Stream.make(sse("error", { message: messageOf(Cause.squash(cause)) })))
      )
    })
  )

let runCount = 0

/** `POST /runs?name=sweep.rose`: compile the body, then stream the run. */
const postRun = (config: Config) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const registry = yield* Registry.Registry
    const text = yield* request.text
    const name = new URL(request.url, "http://service").searchParams.get("name") ?? "posted.rose"
    const compiled = Dsl.compile(text, {
      file: name,
      here: config.here,
      exists: (path) => NodeFs.existsSync(NodePath.resolve(config.here, path)),
      env: (variable) => (variable.startsWith("ROSE_") ? process.env[variable] : undefined),
      backendKinds: [...registry.backends.keys()]
    })
    if (Either.isLeft(compiled)) {
      return HttpServerResponse.unsafeJson(
        {
          error: "invalid program",
          message: Diagnostic.formatAll(compiled.left, text, name, { color: false }),
          diagnostics: compiled.left
        },
        { status: 400 }
      )
    }
    const program = compiled.right
    if (program.plugins.length > 0) {
      return HttpServerResponse.unsafeJson(
        {
          error: "invalid program",
          message: `${name}: this service loads no plugin modules; its backend kinds are ${[...registry.backends.keys()].join(", ")}`
        },
        { status: 400 }
      )
    }
    runCount += 1
    const out = NodePath.join(config.runsDir, `${Date.now()}-${process.pid}-${runCount}`)
    const context = yield* Effect.context<Services>()
    const started = yield* Effect.either(launch(program, out, config))
    const events = Either.match(started, {
      onLeft: (e) => Stream.make(sse("error", { message: messageOf(e) })),
      onRight: (run) => watch(run, -1, config)
    })
    return eventStream(events.pipe(Stream.provideContext(context)))
  })

const eventStream = (events: Stream.Stream<Uint8Array>) =>
  HttpServerResponse.stream(events, {
    contentType: "text/event-stream",
    headers: { "cache-control": "no-cache", "x-accel-buffering": "no" }
  })

/** `GET /runs/<runId>/events`, with `Last-Event-ID`: the run's events after that one. */
const getEvents = (config: Config) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const { runId } = yield* HttpRouter.params
    const active = yield* ActiveRuns
    const run = runId === undefined ? undefined : active.runs.get(runId)
    if (run === undefined) {
      return HttpServerResponse.unsafeJson(
        { error: "unknown run", message: `no run ${runId} here: it never was, or it ended a while ago` },
        { status: 404 }
      )
    }
    const last = request.headers["last-event-id"]
    const after = last === undefined || !/^\d+$/.test(last.trim()) ? -1 : Number(last)
    const context = yield* Effect.context<ActiveRuns>()
    return eventStream(watch(run, after, config).pipe(Stream.provideContext(context)))
  })

/**
 * The service's routes: `POST /runs`, `GET /runs/<runId>/events` and `GET /health`.
 *
 * @category constructors
 */
export const router = (config: Config) =>
  HttpRouter.empty.pipe(
    HttpRouter.post("/runs", postRun(config)),
    HttpRouter.get("/runs/:runId/events", getEvents(config)),
    HttpRouter.get("/health", Effect.succeed(HttpServerResponse.text("ok\n")))
  )
