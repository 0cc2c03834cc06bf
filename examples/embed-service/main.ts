/**
 * Starts the embed service (Service.ts) on `@effect/platform-node`'s HTTP server, with rose-ts's
 * runtime layer and plugin registry as the service's own layers.
 *
 *   npx tsx examples/embed-service/main.ts           (Node 20)
 *   deno run -A examples/embed-service/main.ts
 *   bun examples/embed-service/main.ts
 *
 *   curl -N --data-binary @examples/embed-service/demo.rose 'http://127.0.0.1:8080/runs?name=demo.rose'
 *
 * Environment: `PORT` (8080; 0 picks a free port), `HOST` (127.0.0.1), `ROSE_EMBED_RUNS` (the folder
 * of run directories, `runs/` under the current directory by default), `ROSE_EMBED_HERE` (what `./`
 * paths in posted programs resolve against; this folder by default, so `./tasks/…` are the scripts
 * next to this file), `ROSE_EMBED_RECONNECT_MS` (how long a run whose clients all left waits for
 * one to reconnect before it is stopped, 10000). It prints
 * `rose embed service listening on http://HOST:PORT` once it serves.
 */
import { createServer } from "node:http"
import * as NodePath from "node:path"
import * as Url from "node:url"
import * as HttpServer from "@effect/platform/HttpServer"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Builtin, Registry } from "rose-ts/plugins"
import { Platform } from "rose-ts/runtime"
import * as Service from "./Service.ts"

const config: Service.Config = {
  here: NodePath.resolve(process.env.ROSE_EMBED_HERE ?? NodePath.dirname(Url.fileURLToPath(import.meta.url))),
  runsDir: NodePath.resolve(process.env.ROSE_EMBED_RUNS ?? "runs"),
  reconnectMillis: Number(process.env.ROSE_EMBED_RECONNECT_MS ?? 10_000)
}

const serve = Layer.scopedDiscard(
  Effect.gen(function* () {
    yield* HttpServer.serveEffect(Service.router(config))
    yield* HttpServer.addressFormattedWith((address) => Console.log(`rose embed service listening on ${address}`))
  })
)

// Released in reverse: the routes go first, then the runs in progress are interrupted (their tasks
// killed, their streams ended), then the server closes.
const main = serve.pipe(
  Layer.provide(Service.activeRunsLayer),
  Layer.provide(Registry.layer([Builtin.plugin])),
  Layer.provide(Platform.layer),
  Layer.provide(
    NodeHttpServer.layer(createServer, {
      port: Number(process.env.PORT ?? 8080),
      host: process.env.HOST ?? "127.0.0.1"
    })
  )
)

NodeRuntime.runMain(Layer.launch(main))
