/**
 * The plugin's own test, as its author would write it in the plugin's repository: the backend
 * conformance suite that rose's built-in backends pass, from `rose-ts/testing`, on the plugin's
 * layer (its tasks: exit codes and signals, output files, cwd and environment, argv passed
 * literally, kills of whole process groups, the concurrency limit, a clear error for a missing
 * executable or a task larger than the CPUs it has, and reaping what a crashed run left).
 */
import * as fs from "node:fs"
import * as os from "node:os"
import { afterAll } from "@effect/vitest"
import * as Layer from "effect/Layer"
import { Platform } from "rose-ts/runtime"
import { BackendSuite } from "rose-ts/testing"
import * as Pinned from "./pinned.ts"

const root = fs.mkdtempSync(`${os.tmpdir()}/rose-suite-pinned-`)
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

BackendSuite.suite("pinned", Pinned.layer({ cpus: [0, 1], nice: 10, grace: 0.5 }).pipe(Layer.provide(Platform.layer)), {
  root,
  concurrency: 2,
  killSeconds: 5
})
