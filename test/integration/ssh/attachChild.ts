/**
 * A process that runs one task over the SSH backend and is killed by the test that started it (an
 * earlier process of a run): `node --import tsx attachChild.ts '<json>'`. It writes the ticket
 * (`onSubmit`) to `<dir>/ticket`, the placement (`onStart`) to `<dir>/start` and, if it lives that
 * long, the outcome to `<dir>/outcome`.
 */
import * as fs from "node:fs"
import * as Effect from "effect/Effect"
import * as SshBackend from "../../../backends/SshBackend.ts"
import * as Backend from "../../../core/Backend.ts"
import * as Platform from "../../../runtime/Platform.ts"

export interface ChildSpec {
  readonly config: SshBackend.Config
  readonly dir: string
  readonly runId: string
  readonly learner: string
  readonly cwd: string
  readonly script: string
}

const spec = JSON.parse(process.argv[2]!) as ChildSpec

const program = Effect.gen(function* () {
  const backend = yield* Backend.Backend
  const outcome = yield* backend.run({
    runId: spec.runId,
    learner: { name: spec.learner, index: 0 },
    iteration: 0,
    task: "simulation",
    attempt: 1,
    command: { _tag: "Shell", script: spec.script },
    cwd: spec.cwd,
    env: {},
    stdoutPath: `${spec.dir}/task.out`,
    stderrPath: `${spec.dir}/task.err`,
    resources: {},
    onSubmit: (ticket) => Effect.sync(() => fs.writeFileSync(`${spec.dir}/ticket`, ticket)),
    onStart: (placement) => Effect.sync(() => fs.writeFileSync(`${spec.dir}/start`, JSON.stringify(placement)))
  })
  fs.writeFileSync(`${spec.dir}/outcome`, JSON.stringify(outcome))
})

Effect.runPromise(
  program.pipe(Effect.provide(SshBackend.layer(spec.config)), Effect.provide(Platform.layer), Effect.scoped)
).then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`${e}\n`)
    process.exit(1)
  }
)
