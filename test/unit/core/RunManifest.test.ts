import * as FileSystem from "@effect/platform/FileSystem"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Program from "../../../core/Program.ts"
import * as RunManifest from "../../../core/RunManifest.ts"
import * as Dsl from "../../../dsl/Dsl.ts"

// Every part of a plan Program.describe writes: static, adaptive and per-iteration configs, task
// options, a second block, backends and a plugin.
const source = `
backend local { concurrency: 2 }
backend ssh "cluster" { hosts: ["a"] }
plugin "./plugin.ts"

active "sweep" {
  parallel 2
  max_iter 5
  on_error abort
  simulation   = exec "node ./sim.mjs --n {n}" with { n: 1 } resources { cores: 2 } retry 2 on exit timeout 10m env { SEED: 3 }
  training     = exec ["train", "--fast"] backend "cluster"
  active_learn = shell "select > out"
  criterion    = exec "check"
  stop when mse < 0.1
  learner 0 { simulation { n: 10 + i, noise: prev.metric ?? 1 } }
  learner 1 {
    simulation at 0    { n: 5 }
    simulation from 3  { n: 7 }
    simulation default { n: 6 }
  }
}

reinforcement "agent" {
  max_iter 3
  environment = exec "env"
  update      = exec "update"
}
`

const program = (): Program.Program => {
  const compiled = Dsl.compile(source, { file: "/proj/x.rose", here: "/proj", exists: () => true })
  if (Either.isLeft(compiled)) throw new Error(compiled.left.map((d) => d.message).join("\n"))
  return compiled.right
}

const fieldsOf = (plan: RunManifest.Fields["plan"]): RunManifest.Fields => ({
  runId: "20261128-120000-beef",
  createdAt: "2026-11-28T12:00:00.000Z",
  versions: { rose: "0.1.0", runtime: "node 20" },
  host: "box",
  cwd: "/proj",
  planHash: "f00d",
  resumedFrom: "20261128-110000-cafe",
  plan,
  source: { file: "/proj/x.rose", hash: "beef", text: source }
})

describe("RunManifest", () => {
  it.effect("writes every field the runner gives it, the plan as Program.describe made it, and reads it back", () =>
    Effect.gen(function* () {
      const plan = Program.describe(program())
      const fields = fieldsOf(plan)
      const text = yield* RunManifest.encode(fields)
      assert.deepStrictEqual(JSON.parse(text), JSON.parse(JSON.stringify(fields)))
      assert.isTrue(text.endsWith("}\n"))
      const back = RunManifest.decode(text, "/runs/x/run.json")
      assert.isTrue(Either.isRight(back))
      if (Either.isRight(back)) assert.deepStrictEqual(back.right.plan as unknown, plan)
    })
  )

  it.effect("writes values as JSON holds them: an undefined option is left out, as JSON.stringify leaves it", () =>
    Effect.gen(function* () {
      const plan = Program.describe(program()) as { learners: Array<{ options: Record<string, unknown> }> }
      plan.learners[0]!.options.unset = undefined
      const text = yield* RunManifest.encode(fieldsOf(plan as never))
      assert.notProperty(JSON.parse(text).plan.learners[0].options, "unset")
    })
  )

  it.effect("a plan with a field the schema does not describe is a defect, not a quietly shorter file", () =>
    Effect.gen(function* () {
      const plan = Program.describe(program()) as { learners: Array<Record<string, unknown>> }
      plan.learners[0]!.extra = 1
      const exit = yield* Effect.exit(RunManifest.encode(fieldsOf(plan as never)))
      assert.isTrue(Exit.isFailure(exit) && !Exit.isInterrupted(exit))
    })
  )

  it("names the file and the field of a damaged run.json", () => {
    const good = JSON.parse(JSON.stringify(fieldsOf(Program.describe(program()))))
    const message = (value: unknown) =>
      Either.match(RunManifest.decode(typeof value === "string" ? value : JSON.stringify(value), "/r/run.json"), {
        onLeft: (e) => e.message,
        onRight: () => "decoded"
      })
    assert.strictEqual(message(good), "decoded")
    assert.strictEqual(message({ ...good, planHash: undefined }), "/r/run.json: field planHash: is missing")
    const badName = structuredClone(good)
    badName.plan.learners[1].name = 3
    assert.match(message(badName), /^\/r\/run\.json: field plan\.learners\[1\]\.name: .*string.*3/)
    assert.strictEqual(message("{ not json"), "/r/run.json: is not valid JSON")
    assert.match(message([]), /^\/r\/run\.json: is not a run manifest/)
  })

  it.scoped("says when a folder has no run.json, and reads one that is there", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped({ prefix: "rose-manifest-" })
      const missing = yield* Effect.flip(RunManifest.load(dir))
      assert.isTrue(missing.missing)
      assert.strictEqual(missing.message, `${dir}/run.json: does not exist`)
      yield* RunManifest.write(dir, fieldsOf(Program.describe(program())))
      const read = yield* RunManifest.load(dir)
      assert.strictEqual(read.runId, "20261128-120000-beef")
      assert.deepStrictEqual(
        read.plan.learners.map((l) => [l.name, l.kind, l.parallel]),
        [
          ["sweep", "active", 2],
          ["agent", "reinforcement", 1]
        ]
      )
    }).pipe(Effect.provide(NodeContext.layer))
  )
})
