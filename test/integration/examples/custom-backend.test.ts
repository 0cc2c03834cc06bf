/**
 * The example backend plugin (examples/custom-backend/pinned.ts), besides the conformance suite its
 * own test runs (examples/custom-backend/pinned.test.ts): its tasks really run pinned to CPUs of their
 * own and niced (read from inside them); and the example's `.rose` file and program module run
 * through the plugin loader and the registry, as `rose run` does.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Backend from "../../../core/Backend.ts"
import * as Event from "../../../core/Event.ts"
import * as ModuleLoader from "../../../core/ModuleLoader.ts"
import type * as Program from "../../../core/Program.ts"
import * as Runner from "../../../core/Runner.ts"
import * as Check from "../../../dsl/Check.ts"
import * as Dsl from "../../../dsl/Dsl.ts"
import pinnedPlugin, * as Pinned from "../../../examples/custom-backend/pinned.ts"
import * as Builtin from "../../../plugins/Builtin.ts"
import * as Loader from "../../../plugins/Loader.ts"
import * as Registry from "../../../plugins/Registry.ts"
import * as Platform from "../../../runtime/Platform.ts"

const example = path.resolve(import.meta.dirname, "../../../examples/custom-backend")

/**
 * The example imports `rose-ts` as a user would (the built package's types); these tests use the
 * sources'. They are the same service; the cast only bridges the two copies of its type.
 */
const pinned = (config: Pinned.PinnedConfig) =>
  Pinned.layer(config).pipe(Layer.provide(Platform.layer)) as unknown as Layer.Layer<Backend.Backend>

/** Runs a loaded program with the built-in plugin and the program's own plugins, as `rose run` does. */
const runWithPlugins = (program: Program.Program, here: string, out: string) =>
  Effect.gen(function* () {
    const plugins = yield* Loader.loadAll(program.plugins.map((specifier) => ({ specifier, relativeTo: here })))
    const registry = [Builtin.plugin, ...plugins]
    return yield* Runner.run(program, { out }).pipe(
      Effect.provide(Registry.backendsLayer(program.backends).pipe(Layer.provide(Registry.layer(registry))))
    )
  }).pipe(Effect.provide(Platform.layer))

describe("the pinned example plugin", () => {
  it.live("each task runs on a CPU of its own, at nice 10, and sees it in ROSE_CPUS", () =>
    Effect.gen(function* () {
      const dir = fs.mkdtempSync(`${os.tmpdir()}/rose-pinned-`)
      const backend = yield* Backend.Backend
      const report =
        "sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status; ps -o ni= -p $$; echo \"$ROSE_CPUS\"; sleep 1"
      const invs = [0, 1].map((k) => ({
        runId: "pinned",
        learner: { name: "p", index: k },
        iteration: 0,
        task: "t",
        attempt: 1,
        command: { _tag: "Argv" as const, argv: ["sh", "-c", report] },
        cwd: dir,
        env: {},
        stdoutPath: `${dir}/${k}.out`,
        stderrPath: `${dir}/${k}.err`,
        resources: {},
        onStart: () => Effect.void
      }))
      yield* Effect.forEach(invs, (i) => backend.run(i), { concurrency: "unbounded" })
      const seen = invs.map((i) =>
        fs
          .readFileSync(i.stdoutPath, "utf8")
          .trim()
          .split("\n")
          .map((s) => s.trim())
      )
      for (const [cpus, nice, env] of seen) {
        assert.strictEqual(nice, "10")
        assert.strictEqual(cpus, env, "pinned to the CPUs it was told of")
        assert.include(["0", "1"], cpus, "one CPU each")
      }
      assert.notStrictEqual(seen[0]![0], seen[1]![0], "two tasks at once never share a CPU")
    }).pipe(Effect.provide(pinned({ cpus: [0, 1], nice: 10 })))
  )

  it.live("pinned.rose runs through the plugin loader and the registry", () =>
    Effect.gen(function* () {
      const file = `${example}/pinned.rose`
      const compiled = Dsl.compile(fs.readFileSync(file, "utf8"), {
        file,
        here: example,
        exists: (p) => fs.existsSync(path.resolve(example, p)),
        // The plugin's kinds: what a loader that reads `plugin` lines before checking would pass.
        backendKinds: [...Check.defaultBackendKinds, ...Object.keys(pinnedPlugin.backends)]
      })
      if (Either.isLeft(compiled)) return assert.fail(JSON.stringify(compiled.left))
      assert.deepStrictEqual(compiled.right.plugins, [`${example}/pinned.ts`])
      const out = `${fs.mkdtempSync(`${os.tmpdir()}/rose-pinned-run-`)}/run`
      const results = yield* runWithPlugins(compiled.right, example, out)
      assert.notStrictEqual(results.status, "failed", JSON.stringify(results.learners.map((l) => l.failure)))
      const started = Event.parseJournal(fs.readFileSync(`${out}/events.jsonl`, "utf8")).events.filter(
        (e) => e._tag === "task_started"
      )
      assert.isAtLeast(started.length, 12)
    })
  )

  it.live("program.ts, a program module, names the plugin and runs the same way", () =>
    Effect.gen(function* () {
      const loader = yield* ModuleLoader.ModuleLoader
      const ns = yield* loader.load(`${example}/program.ts`)
      const program = ns.default as Program.Program
      assert.deepStrictEqual(program.plugins, ["./pinned.ts"])
      assert.deepStrictEqual(
        program.backends.map((b) => b.kind),
        ["pinned"]
      )
      const out = `${fs.mkdtempSync(`${os.tmpdir()}/rose-pinned-run-`)}/run`
      const results = yield* runWithPlugins(program, example, out)
      assert.notStrictEqual(results.status, "failed", JSON.stringify(results.learners.map((l) => l.failure)))
    }).pipe(Effect.provide(Platform.layer))
  )
})
