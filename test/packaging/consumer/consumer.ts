/**
 * A project that installed rose-ts from its tarball and uses it through every public entry point:
 * `rose-ts` (the Promise facade), `rose-ts/core`, `rose-ts/dsl`, `rose-ts/backends`,
 * `rose-ts/plugins` and `rose-ts/runtime`. The packaging check type-checks it against the installed
 * declarations, then runs it on Node (compiled by tsc), Bun and Deno (as TypeScript, through the
 * package's `bun` and `deno` export conditions). It prints one JSON line and throws on any surprise.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import { localBackend, MEAN_SQUARED_ERROR_MSE, ParallelActiveLearner } from "rose-ts"
import { LocalBackend } from "rose-ts/backends"
import type { Program, Results } from "rose-ts/core"
import { Rose, Runner } from "rose-ts/core"
import { Check, Diagnostic, Dsl } from "rose-ts/dsl"
import { Builtin, type Plugin, Registry } from "rose-ts/plugins"
import { Platform } from "rose-ts/runtime"
import tagged from "./fixtures/plugin.ts"

// Run from the project folder (compiled, this module lives in build/; the fixtures stay here).
const fixtures = Path.resolve("fixtures")
const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node"
const scratch = Fs.mkdtempSync(Path.join(Os.tmpdir(), `rose-consumer-${runtime}-`))

const expect = (ok: boolean, what: string): void => {
  if (!ok) throw new Error(`consumer on ${runtime}: ${what}`)
}

const compile = (file: string, plugins: ReadonlyArray<Plugin.Plugin>): Program.Program => {
  const absolute = Path.join(fixtures, file)
  const text = Fs.readFileSync(absolute, "utf8")
  const compiled = Dsl.compile(text, {
    file,
    here: fixtures,
    exists: (p) => Fs.existsSync(Path.resolve(fixtures, p)),
    env: (name) => process.env[name],
    backendKinds: [...Check.defaultBackendKinds, ...plugins.flatMap((p) => Object.keys(p.backends ?? {}))]
  })
  if (Either.isLeft(compiled)) throw new Error(Diagnostic.formatAll(compiled.left, text, file, { color: false }))
  return compiled.right
}

const run = (program: Program.Program, out: string, plugins: ReadonlyArray<Plugin.Plugin>): Promise<Results.Results> =>
  Effect.runPromise(
    Runner.run(program, { out }).pipe(
      Effect.provide(
        Registry.backendsLayer(program.backends).pipe(
          Layer.provide(Registry.layer([Builtin.plugin, ...plugins])),
          Layer.provideMerge(Platform.layer)
        )
      )
    )
  )

// A .rose file compiled with the DSL and run by the runner on the local backend.
const countdown = await run(compile("countdown.rose", []), Path.join(scratch, "countdown"), [])
expect(countdown.status === "completed", `countdown.rose ended ${countdown.status}`)
expect(
  countdown.learners.every((l) => l.stopReason === "criterion_met" && l.iterations === 4),
  "countdown.rose: every learner meets its criterion at iteration 3"
)

// A third-party plugin's backend kind.
const plugged = await run(compile("plugged.rose", [tagged]), Path.join(scratch, "plugged"), [tagged])
const state = plugged.learners[0]?.state as { training?: { tag?: string } } | undefined
expect(state?.training?.tag === "from-the-plugin", "plugged.rose ran on the plugin's backend")

// The same learners built with the Effect API, on a layer built by hand.
const built = Rose.program({
  here: fixtures,
  learners: [
    Rose.active("api", {
      maxIter: 3,
      tasks: {
        training: Rose.exec("sh ./tasks/train.sh"),
        active_learn: Rose.exec("sh ./tasks/select.sh"),
        criterion: Rose.fn(({ iteration }) => 10 - iteration)
      },
      stopWhen: { metricName: "mse", threshold: 0 }
    })
  ]
})
const api = await Effect.runPromise(
  Runner.run(built, { out: Path.join(scratch, "api") }).pipe(
    Effect.provide(LocalBackend.layer({ concurrency: 1 }).pipe(Layer.provideMerge(Platform.layer)))
  )
)
expect(
  api.learners[0]?.stopReason === "max_iter" && api.learners[0]?.iterations === 3,
  "the API program ran 3 iterations"
)

// The Promise facade, with the Python toolkit's names.
const acl = new ParallelActiveLearner(localBackend({ concurrency: 2 }))
acl.trainingTask(async () => `sh ${fixtures}/tasks/train.sh`)
acl.activeLearnTask(async () => `sh ${fixtures}/tasks/select.sh`)
acl.asStopCriterion(
  { metricName: MEAN_SQUARED_ERROR_MSE, threshold: 2.5 },
  async () => `sh ${fixtures}/tasks/countdown.sh`
)
let states = 0
try {
  for await (const s of acl.start({ parallelLearners: 2, maxIter: 6, out: Path.join(scratch, "facade") })) {
    expect(typeof s.metricValue === "number", "an iteration state has its metric value")
    states += 1
  }
} finally {
  await acl.shutdown()
}
expect(states === 6, `the facade streamed 6 iteration states, got ${states}`)

console.log(JSON.stringify({ runtime, countdown: countdown.status, plugged: plugged.status, api: api.status, states }))
Fs.rmSync(scratch, { recursive: true, force: true })
