import * as os from "node:os"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as LocalBackend from "../../../backends/LocalBackend.ts"
import * as Platform from "../../../runtime/Platform.ts"
import { isAlive } from "../support/processes.ts"
import { suite } from "./BackendSuite.ts"

const root = `${os.tmpdir()}/rose-suite-local`

suite("local", LocalBackend.layer({ concurrency: 2, graceMillis: 500 }).pipe(Layer.provide(Platform.layer)), {
  root,
  concurrency: 2,
  killSeconds: 5,
  alive: (pid) => Effect.sync(() => isAlive(pid))
})
