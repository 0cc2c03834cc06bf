/**
 * `learners { … }` and `sweep grid|zip|random { … }`: parsed, checked with located diagnostics,
 * compiled to one learner per point with the right configuration, and formatted back.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Learner from "../../../core/Learner.ts"
import type * as Program from "../../../core/Program.ts"
import * as TaskConfig from "../../../core/TaskConfig.ts"
import * as TaskSchedule from "../../../core/TaskSchedule.ts"
import type * as Ast from "../../../dsl/Ast.ts"
import * as Diagnostic from "../../../dsl/Diagnostic.ts"
import * as Dsl from "../../../dsl/Dsl.ts"
import * as Format from "../../../dsl/Format.ts"

const block = (body: string, head = 'active "s"') => `${head} {
  max_iter 3
  simulation   = exec "node ./sim.mjs"
  training     = exec "node ./train.mjs" with { lr: 1 }
  active_learn = exec "node ./active.mjs"
${body}
}
`

const options = { file: "t.rose", here: "/proj", exists: () => true, env: () => undefined }

const compile = (text: string): Program.Program => {
  const r = Dsl.compile(text, options)
  if (Either.isLeft(r)) assert.fail(Diagnostic.formatAll(r.left, text, "t.rose"))
  return r.right
}

const errors = (text: string): ReadonlyArray<string> =>
  Dsl.check(text, options)
    .diagnostics.filter(Diagnostic.isError)
    .map((d) => `${d.code} ${d.span.start.line}:${d.span.start.column} ${d.message}`)

const kwargs = (program: Program.Program, index: number, task: string, i = 0) => {
  const def = program.learners[0]!
  const r = TaskSchedule.resolve(def.tasks.get(task)!.defaults, def.configs[index]?.get(task), {
    iteration: i,
    learner: { name: def.name, index },
    maxIter: def.maxIter,
    prev: undefined
  })
  return TaskConfig.kwargsRecord(r)
}

describe("sweeps: parsing and formatting", () => {
  it("reads the generator, count, seed and the entries of each task", () => {
    const parsed = Dsl.parse(
      block("  sweep random 4 seed 9 { training { lr: uniform(0, 1) } simulation { n: [1, 2] } }")
    )
    assert.deepStrictEqual(parsed.diagnostics, [])
    const items = (parsed.ast.items[0] as Ast.LearnerBlock).items
    const sweep = items.find((i) => i._tag === "Sweep") as Ast.Sweep
    assert.strictEqual(sweep.generator?.text, "random")
    assert.strictEqual(sweep.count?.value, 4)
    assert.strictEqual(sweep.seedWord?.text, "seed")
    assert.strictEqual(sweep.seed?.value, 9)
    assert.deepStrictEqual(
      sweep.entries.map((e) => e.task.name.text),
      ["training", "simulation"]
    )
  })

  it("formats a sweep and a learners section canonically, and keeps them stable", () => {
    const text = block(
      "sweep   grid {simulation{n:[1,2]} training {lr:[0.1,0.2]}}\nlearners {training {noise: 0.1*learner}}"
    )
    const formatted = Either.getOrThrow(Format.format(text))
    assert.include(formatted, "  sweep grid {\n    simulation { n: [1, 2] }\n    training   { lr: [0.1, 0.2] }\n  }\n")
    assert.include(formatted, "  learners { training { noise: 0.1 * learner } }\n")
    assert.strictEqual(Either.getOrThrow(Format.format(formatted)), formatted)
  })
})

describe("sweeps: compiling", () => {
  it("a grid gives one learner per combination, the first key varying slowest, each named by its point", () => {
    const program = compile(
      block("  sweep grid { simulation { n_labeled: [100, 200, 400] } training { learning_rate: [0.1, 0.01] } }")
    )
    const def = program.learners[0]!
    assert.strictEqual(def.parallel, 6)
    assert.deepStrictEqual(
      Array.from({ length: 6 }, (_, k) => [kwargs(program, k, "simulation"), kwargs(program, k, "training")]),
      [
        [{ n_labeled: 100 }, { lr: 1, learning_rate: 0.1 }],
        [{ n_labeled: 100 }, { lr: 1, learning_rate: 0.01 }],
        [{ n_labeled: 200 }, { lr: 1, learning_rate: 0.1 }],
        [{ n_labeled: 200 }, { lr: 1, learning_rate: 0.01 }],
        [{ n_labeled: 400 }, { lr: 1, learning_rate: 0.1 }],
        [{ n_labeled: 400 }, { lr: 1, learning_rate: 0.01 }]
      ]
    )
    assert.strictEqual(Learner.pointLabel(def, 3), "n_labeled=200, learning_rate=0.01")
  })

  it("a zip pairs the k-th values", () => {
    const program = compile(block("  sweep zip { training { lr: [0.1, 0.2, 0.3], batch: [8, 16, 32] } }"))
    assert.strictEqual(program.learners[0]!.parallel, 3)
    assert.deepStrictEqual(kwargs(program, 2, "training"), { lr: 0.3, batch: 32 })
  })

  it("a random sweep draws the same points for a seed, within its bounds, and others for another seed", () => {
    const sweep = (seed: number) =>
      block(
        `  sweep random 6 seed ${seed} { training { lr: log_uniform(0.001, 0.1), batch: [8, 16], k: int_uniform(1, 3) } }`
      )
    const a = compile(sweep(7))
    const b = compile(sweep(7))
    const c = compile(sweep(8))
    const points = (p: Program.Program) => Array.from({ length: 6 }, (_, k) => kwargs(p, k, "training"))
    assert.strictEqual(a.learners[0]!.parallel, 6)
    assert.deepStrictEqual(points(a), points(b))
    assert.notDeepEqual(points(a), points(c))
    for (const p of points(a)) {
      assert.isAtLeast(p.lr as number, 0.001)
      assert.isAtMost(p.lr as number, 0.1)
      assert.include([8, 16], p.batch)
      assert.include([1, 2, 3], p.k)
    }
  })

  it("learners { … } reads the learner's index; a learner K section overrides it key by key", () => {
    const program = compile(
      block(`  parallel 3
  learners { training { learning_rate: 0.1 * 0.5 ** learner, noise: i } }
  learner 2 { training { learning_rate: 7 } }`)
    )
    assert.deepStrictEqual(kwargs(program, 0, "training", 4), { lr: 1, learning_rate: 0.1, noise: 4 })
    assert.deepStrictEqual(kwargs(program, 1, "training", 4), { lr: 1, learning_rate: 0.05, noise: 4 })
    assert.deepStrictEqual(kwargs(program, 2, "training", 4), { lr: 1, learning_rate: 7, noise: 4 })
  })

  it("layers a learner's point over learners { … }, and its own section over both", () => {
    const program = compile(
      block(`  sweep grid { training { learning_rate: [0.1, 0.2] } }
  learners { training { learning_rate: 9, tag: learner } }
  learner 1 { training { tag: "mine" } }`)
    )
    assert.deepStrictEqual(kwargs(program, 0, "training"), { lr: 1, learning_rate: 0.1, tag: 0 })
    assert.deepStrictEqual(kwargs(program, 1, "training"), { lr: 1, learning_rate: 0.2, tag: "mine" })
  })
})

describe("sweeps: diagnostics", () => {
  it("an empty list, at the list", () => {
    assert.deepStrictEqual(errors(block("  sweep grid { training { lr: [] } }")), [
      "E213 6:31 an empty list gives no learners: give at least one value"
    ])
  })

  it("a parallel that disagrees, at its value", () => {
    assert.deepStrictEqual(errors(block("  parallel 5\n  sweep grid { training { lr: [1, 2] } }")), [
      "E214 6:12 parallel 5 disagrees with the sweep, which gives 2 learners: leave parallel out"
    ])
  })

  it("a random sweep without a seed or a count", () => {
    const [seedless] = errors(block("  sweep random 3 { training { lr: uniform(0, 1) } }"))
    assert.match(seedless!, /^E215 6:9 a random sweep needs a seed/)
    const [countless] = errors(block("  sweep random seed 3 { training { lr: uniform(0, 1) } }"))
    assert.match(countless!, /^E215 6:9 a random sweep needs a count/)
  })

  it("an unknown task with a did-you-mean, an unknown generator, a zip of unequal lists", () => {
    assert.deepStrictEqual(errors(block("  sweep grid { trainnig { lr: [1, 2] } }")), [
      'E222 6:16 unknown task "trainnig" in the sweep; did you mean "training"?'
    ])
    assert.deepStrictEqual(errors(block("  sweep gird { training { lr: [1, 2] } }")), [
      'E216 6:9 unknown sweep "gird": a sweep is grid, zip or random; did you mean "grid"?'
    ])
    const [zip] = errors(block("  sweep zip { training { lr: [1, 2], n: [1, 2, 3] } }"))
    assert.match(zip!, /^E216 6:9 .*training\.lr has 2 values, training\.n has 3/)
  })

  it("a learner index beyond the sweep's learners, and learner in with { … } pointing at learners { … }", () => {
    assert.match(
      errors(block("  sweep grid { training { lr: [1, 2] } }\n  learner 2 { training { lr: 3 } }"))[0]!,
      /^E203 7:11/
    )
    const text = `active "s" {
  max_iter 3
  training     = exec "node ./train.mjs" with { k: learner }
  active_learn = exec "node ./active.mjs"
}
`
    const [e] = errors(text)
    assert.match(e!, /^E254 3:52 .*learners \{ … \}/)
  })

  it("a second sweep is a duplicate setting", () => {
    const [e] = errors(block("  sweep grid { training { lr: [1] } }\n  sweep zip { training { lr: [2] } }"))
    assert.match(e!, /^E207 7:3 sweep is already set at line 6/)
  })
})

describe("sweeps: an invalid sweep", () => {
  it("reports itself only, not the learner sections it leaves without a count", () => {
    assert.deepStrictEqual(
      errors(block("  sweep grid { training { lr: [] } }\n  learner 4 { training { lr: 3 } }")).map((e) =>
        e.slice(0, 9)
      ),
      ["E213 6:31"]
    )
  })
})
