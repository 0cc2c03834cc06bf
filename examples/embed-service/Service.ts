/**
 * rose-ts embedded in an Effect HTTP service (`@effect/platform`'s router and server).
 *
 * `POST /runs` takes the text of a `.rose` file as its body, compiles it with the DSL, starts the
 * run inside the service's own runtime and layers (the backends come from the service's plugin
 * registry and the runtime's platform services) and streams the run back as Server-Sent Events:
 *
 *   event: started     data: { runId, runDir }
 *   event: iteration   data: an iteration state (learner, iteration, metric, state, …), one per iteration
 *   event: finished    data: the run's results (what results.json holds)
 *   event: error       data: { message }  (the run could not start)
 *
 * The run lives in the response stream's scope. When the client disconnects, the server interrupts
 * the response, the stream's scope closes, and closing it stops the run: every learner ends with
 * `stopped` and every task's process group is killed; `results.json` is still written.
 *
 * Shutting the service down (SIGINT, SIGTERM) interrupts the runs in progress the same way; their
 * clients get the `finished` event with the status `interrupted`, then the server closes.
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
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Stream from "effect/Stream"
import { type Host, IterationState, type Program, Runner } from "rose-ts/core"
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
}

/**
 * The runs in progress. Closing the layer (the service shutting down) interrupts each of them,
 * killing their tasks, and waits for them to end, so their streams end and the server can close.
 *
 * @category services
 */
export class ActiveRuns extends Context.Tag("embed-service/ActiveRuns")<ActiveRuns, Set<Runner.RunHandle>>() {}

/**
 * @category layers
 */
export const activeRunsLayer: Layer.Layer<ActiveRuns> = Layer.scoped(
  ActiveRuns,
  Effect.acquireRelease(
    Effect.sync(() => new Set<Runner.RunHandle>()),
    (runs) =>
      Effect.forEach(runs, (handle) => Effect.zipRight(handle.interrupt, Effect.ignore(handle.await)), {
        concurrency: "unbounded",
        discard: true
      })
  )
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

/** One Server-Sent Event with a JSON payload. */
export const sse = (event: string, data: unknown): Uint8Array =>
  encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/**
 * The events of one run. The run starts when the stream is run and is stopped (its tasks killed)
 * when the stream's scope closes before the run ended: a client that disconnects.
 */
export const runEvents = (program: Program.Program, out: string): Stream.Stream<Uint8Array, never, Services> =>
  Stream.unwrapScoped(
    Effect.gen(function* () {
      const handle = yield* Runner.prepare(program, { out })
      const active = yield* ActiveRuns
      active.add(handle)
      yield* Effect.addFinalizer(() => Effect.sync(() => active.delete(handle)))
      const subscription = yield* PubSub.subscribe(handle.events)
      yield* handle.start
      const track = IterationState.makeTracker()
      const iterations = Stream.fromQueue(subscription).pipe(
        Stream.takeUntil((e) => e._tag === "run_finished"),
        Stream.filterMap((e) =>
          e._tag === "iteration_completed" ? Option.some(sse("iteration", track(e))) : Option.none()
        )
      )
      return Stream.make(sse("started", { runId: handle.runId, runDir: handle.runDir })).pipe(
        Stream.concat(iterations),
        Stream.concat(Stream.fromEffect(Effect.map(handle.await, (results) => sse("finished", results))))
      )
    })
  ).pipe(
    Stream.provideSomeLayer(Registry.backendsLayer(program.backends)),
    Stream.catchAllCause((cause) => Stream.make(sse("error", { message: messageOf(Cause.squash(cause)) })))
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
    return HttpServerResponse.stream(runEvents(program, out).pipe(Stream.provideContext(context)), {
      contentType: "text/event-stream",
      headers: { "cache-control": "no-cache", "x-accel-buffering": "no" }
    })
  })

/**
 * The service's routes: `POST /runs` and `GET /health`.
 *
 * @category constructors
 */
export const router = (config: Config) =>
  HttpRouter.empty.pipe(
    HttpRouter.post("/runs", postRun(config)),
    HttpRouter.get("/health", Effect.succeed(HttpServerResponse.text("ok\n")))
  )
