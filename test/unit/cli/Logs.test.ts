import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Help from "../../../cli/Help.ts"
import * as Logs from "../../../cli/Logs.ts"

const known = [
  { name: "sweep", index: 0 },
  { name: "sweep", index: 1 },
  { name: "uq-ens", index: 0 }
]

const file = (name: string, index: number, iteration: number, task: string, stream: "out" | "err", attempt = 1) => ({
  path: `/r/learners/${name}-${index}/iter-${iteration}/${task}.${stream}${attempt > 1 ? `.${attempt}` : ""}`,
  name,
  index,
  iteration,
  task,
  stream,
  attempt
})

describe("Logs", () => {
  it("reads a learner as name[k], name-k or name (the whole block)", () => {
    assert.deepStrictEqual(Logs.parseLearner("sweep[1]", known), Either.right({ name: "sweep", index: 1 }))
    assert.deepStrictEqual(Logs.parseLearner("sweep-1", known), Either.right({ name: "sweep", index: 1 }))
    assert.deepStrictEqual(Logs.parseLearner("uq-ens-0", known), Either.right({ name: "uq-ens", index: 0 }))
    assert.deepStrictEqual(Logs.parseLearner("uq-ens", known), Either.right({ name: "uq-ens" }))
    assert.deepStrictEqual(Logs.parseLearner("sweep", known), Either.right({ name: "sweep" }))
  })

  it("names an unknown learner with the closest one", () => {
    const left = (arg: string) =>
      Either.getLeft(Logs.parseLearner(arg, known)).pipe((o) => (o._tag === "Some" ? o.value : ""))
    assert.strictEqual(
      left("swep"),
      "no learner 'swep' in this run; did you mean 'sweep'? (its learners: sweep, uq-ens)"
    )
    assert.include(left("sweep[2]"), "no learner 'sweep[2]'")
    assert.include(left("swep[1]"), "did you mean 'sweep[1]'?")
  })

  it("selects and orders files: learner, iteration, the journal's order of tasks, stdout first", () => {
    const view = Logs.emptyJournal()
    view.names.push("sweep")
    view.order.set("sweep-0/0/simulation/1", 0)
    view.order.set("sweep-0/0/training/1", 1)
    const files = [
      file("sweep", 0, 1, "training", "err"),
      file("sweep", 0, 0, "training", "err"),
      file("sweep", 0, 0, "simulation", "out"),
      file("sweep", 0, 0, "training", "out"),
      file("sweep", 1, 0, "training", "err", 2)
    ]
    const sorted = Logs.sort(files, view).map((f) => f.path.replace("/r/learners/", ""))
    assert.deepStrictEqual(sorted, [
      "sweep-0/iter-0/simulation.out",
      "sweep-0/iter-0/training.out",
      "sweep-0/iter-0/training.err",
      "sweep-0/iter-1/training.err",
      "sweep-1/iter-0/training.err.2"
    ])
    const picked = files.filter((f) =>
      Logs.matches(f, { learner: { name: "sweep", index: 1 }, attempt: 2, stream: "err" })
    )
    assert.deepStrictEqual(picked, [files[4]])
    assert.strictEqual(files.filter((f) => Logs.matches(f, { iteration: 0, task: "training" })).length, 3)
  })

  it("takes a learner after the run directory and -f for --follow", () => {
    assert.strictEqual(Help.preflight(["logs", "runs/x", "sweep[1]", "-f", "--err"])._tag, "Parse")
    const extra = Help.preflight(["logs", "runs/x", "sweep", "more"])
    assert.strictEqual(extra._tag, "Refuse")
    assert.include((extra as { message: string }).message, "RUN_DIR [LEARNER] expected; unexpected 'more'")
    assert.include(Help.command(Help.commands.find((c) => c.name === "logs")!), "-f, --follow")
  })
})
