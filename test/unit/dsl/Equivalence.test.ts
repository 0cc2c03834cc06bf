/**
 * Each seed example written in `.rose` (examples/parallel-learners/*.rose) renders the same argv as
 * the same example written with the TypeScript API (the ports in examples/parallel-learners/*.ts),
 * and as programs built here with the core constructors from exactly the seed's kwargs, for every
 * learner, iteration and task.
 */
import { readFileSync } from "node:fs"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as CommandLine from "../../../core/CommandLine.ts"
import * as LearnerConfig from "../../../core/LearnerConfig.ts"
import * as Program from "../../../core/Program.ts"
import * as Task from "../../../core/Task.ts"
import * as TaskConfig from "../../../core/TaskConfig.ts"
import * as TaskSchedule from "../../../core/TaskSchedule.ts"
import * as Diagnostic from "../../../dsl/Diagnostic.ts"
import * as Dsl from "../../../dsl/Dsl.ts"
import { examplesDir } from "./fixtures.ts"
import { argv } from "./render.ts"

const here = examplesDir

const fromRose = (name: string): Program.Program => {
  const file = Path.join(here, `${name}.rose`)
  const text = readFileSync(file, "utf8")
  const r = Dsl.compile(text, { file, here })
  if (Either.isLeft(r)) return assert.fail(Diagnostic.formatAll(r.left, text, file))
  return r.right
}

// the seed's four task functions, as exec templates with the defaults the functions use
const exec = (name: string, command: string, kwargs?: { readonly [k: string]: number }) =>
  Task.make(
    name,
    { _tag: "Exec", command, template: Either.getOrThrow(CommandLine.compile(command, here)) },
    { here, defaults: kwargs === undefined ? undefined : { kwargs } }
  )

const seedTasks = () => [
  exec("simulation", "node ./tasks/sim.mjs", { "--n_labeled": 100, "--n_features": 2 }),
  exec("training", "node ./tasks/train.mjs", { "--learning_rate": 0.1 }),
  exec("active_learn", "node ./tasks/active.mjs"),
  exec("criterion", "node ./tasks/check_mse.mjs")
]

const criterion = { metricName: "mean_squared_error_mse", threshold: 0.1 }
const kw = (kwargs: { readonly [k: string]: string | number }) => new TaskConfig.TaskConfig({ kwargs })

const program = (
  name: string,
  parallel: number,
  maxIter: number,
  configs: LearnerConfig.LearnerConfig[] | Array<LearnerConfig.LearnerConfig | null>
) =>
  Either.getOrThrow(
    Program.make({
      learners: [{ kind: "active", name, parallel, maxIter, tasks: seedTasks(), criterion, configs }]
    })
  )

const reference: { readonly [example: string]: () => Program.Program } = {
  // Approach 1
  static: () =>
    program("static", 2, 10, [
      new LearnerConfig.LearnerConfig({
        simulation: kw({ "--n_labeled": "200", "--n_features": 2 }),
        training: kw({ "--learning_rate": "0.01" })
      }),
      new LearnerConfig.LearnerConfig({
        simulation: kw({ "--n_labeled": "300", "--n_features": 4 }),
        training: kw({ "--learning_rate": "0.005" })
      })
    ]),
  // Approach 2
  "per-iteration": () =>
    program("per-iteration", 3, 15, [
      new LearnerConfig.LearnerConfig({ simulation: kw({ "--n_labeled": "200", "--n_features": 2 }) }),
      new LearnerConfig.LearnerConfig({
        simulation: {
          0: kw({ "--n_labeled": "100" }),
          5: kw({ "--n_labeled": "200" }),
          10: kw({ "--n_labeled": "400" }),
          [-1]: kw({ "--n_labeled": "500" })
        },
        training: {
          0: kw({ "--learning_rate": "0.01" }),
          5: kw({ "--learning_rate": "0.005" }),
          [-1]: kw({ "--learning_rate": "0.001" })
        }
      }),
      null
    ]),
  // Approach 3
  adaptive: () =>
    program("adaptive", 2, 20, [
      new LearnerConfig.LearnerConfig({
        simulation: TaskSchedule.adaptive((i) => ({
          kwargs: {
            "--n_labeled": String(100 + i * 50),
            "--n_features": 2,
            "--noise_level": String(0.1 * 0.95 ** i)
          }
        })),
        training: TaskSchedule.adaptive((i) => ({
          kwargs: { "--learning_rate": String(0.01 * 0.9 ** i), "--batch_size": String(Math.min(64, 32 + i * 4)) }
        }))
      }),
      new LearnerConfig.LearnerConfig({
        simulation: kw({ "--n_labeled": "300", "--n_features": 4 }),
        training: kw({ "--learning_rate": "0.005" })
      })
    ]),
  // Full example
  full: () =>
    program("full", 3, 15, [
      new LearnerConfig.LearnerConfig({
        simulation: TaskSchedule.adaptive((i) => ({
          kwargs: { "--n_labeled": String(100 + i * 50), "--n_features": 2 }
        }))
      }),
      new LearnerConfig.LearnerConfig({
        simulation: {
          0: kw({ "--n_labeled": "150", "--n_features": 3 }),
          7: kw({ "--n_labeled": "250", "--n_features": 3 }),
          [-1]: kw({ "--n_labeled": "400", "--n_features": 3 })
        }
      }),
      new LearnerConfig.LearnerConfig({ simulation: kw({ "--n_labeled": "300", "--n_features": 4 }) })
    ])
}

/** `process.execPath` (what TypeScript scripts spawn) and `node` (what a .rose file says) are the same program. */
const nodeAsNode = (words: ReadonlyArray<string>): ReadonlyArray<string> =>
  words.length > 0 && /(^|\/)node$/.test(words[0]!) ? ["node", ...words.slice(1)] : words

/** Compares every learner × iteration (0 … max_iter - 1) × task; returns how many argv were compared. */
const compare = async (rose: Program.Program, ts: Program.Program): Promise<number> => {
  assert.strictEqual(rose.learners.length, ts.learners.length)
  let n = 0
  for (let b = 0; b < rose.learners.length; b++) {
    const r = rose.learners[b]!
    const t = ts.learners[b]!
    assert.deepStrictEqual([r.kind, r.parallel, r.maxIter], [t.kind, t.parallel, t.maxIter])
    assert.deepStrictEqual(r.criterion, t.criterion)
    assert.deepStrictEqual([...r.tasks.keys()].sort(), [...t.tasks.keys()].sort())
    for (let k = 0; k < r.parallel; k++) {
      for (let i = 0; i < (r.maxIter ?? 0); i++) {
        for (const task of r.tasks.keys()) {
          const a = nodeAsNode(await argv(rose, b, k, i, task))
          const e = nodeAsNode(await argv(ts, b, k, i, task))
          assert.deepStrictEqual(a, e, `${r.name}[${k}] iteration ${i} ${task}`)
          n++
        }
      }
    }
  }
  return n
}

describe("seed examples: .rose and TypeScript render the same argv", () => {
  for (const [name, build] of Object.entries(reference)) {
    it(`${name}.rose matches the program built with the core constructors`, async () => {
      const n = await compare(fromRose(name), build())
      assert.isAbove(n, 0)
    })
  }

  it("spot checks: the seed's values reach argv as the seed wrote them", async () => {
    const adaptive = fromRose("adaptive")
    assert.deepStrictEqual(await argv(adaptive, 0, 0, 3, "simulation"), [
      "node",
      Path.join(here, "tasks/sim.mjs"),
      "--n_labeled",
      "250",
      "--n_features",
      "2",
      "--noise_level",
      String(0.1 * 0.95 ** 3)
    ])
    const perIteration = fromRose("per-iteration")
    const labeled = async (i: number) => (await argv(perIteration, 0, 1, i, "simulation"))[3]
    assert.deepStrictEqual(await Promise.all([0, 1, 4, 5, 6, 10, 14].map(labeled)), [
      "100",
      "500",
      "500",
      "200",
      "500",
      "400",
      "500"
    ])
    assert.deepStrictEqual(await argv(perIteration, 0, 2, 0, "training"), [
      "node",
      Path.join(here, "tasks/train.mjs"),
      "--learning_rate",
      "0.1"
    ])
  })

  // The TypeScript ports (examples/parallel-learners/<name>.ts) are facade scripts that also
  // export their program (`export default acl.program(options)`), as `rose run x.ts` loads them;
  // importing one runs nothing.
  for (const name of Object.keys(reference)) {
    const port = Path.join(here, `${name}.ts`)
    it(`${name}.rose matches the TypeScript port ${name}.ts`, async () => {
      const mod = (await import(pathToFileURL(port).href)) as { default?: unknown }
      const value = mod.default
      const ts = Either.isEither(value) ? Either.getOrThrow(value as Either.Either<Program.Program, unknown>) : value
      assert.isTrue(typeof ts === "object" && ts !== null && "learners" in ts, `${name}.ts default-exports a program`)
      await compare(fromRose(name), ts as Program.Program)
    })
  }
})
