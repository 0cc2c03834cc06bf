import { readFileSync } from "node:fs"
import * as Path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import type * as Program from "../../../core/Program.ts"
import type * as Task from "../../../core/Task.ts"
import * as TaskConfig from "../../../core/TaskConfig.ts"
import * as TaskSchedule from "../../../core/TaskSchedule.ts"
import * as Check from "../../../dsl/Check.ts"
import * as Compile from "../../../dsl/Compile.ts"
import * as Diagnostic from "../../../dsl/Diagnostic.ts"
import * as Dsl from "../../../dsl/Dsl.ts"
import * as DslError from "../../../dsl/DslError.ts"
import { here } from "./fixtures.ts"
import { argv } from "./render.ts"

const fixture = (name: string) => readFileSync(Path.join(here, "fixtures/valid", name), "utf8")

const compile = (text: string, options: Partial<Dsl.CompileOptions> = {}): Program.Program => {
  const r = Dsl.compile(text, { file: "t.rose", here: "/proj", exists: () => true, ...options })
  if (Either.isLeft(r)) assert.fail(Diagnostic.formatAll(r.left, text, "t.rose"))
  return r.right
}

const resolve = (
  program: Program.Program,
  index: number,
  task: string,
  i: number,
  prev?: TaskSchedule.PreviousIteration
) => {
  const def = program.learners[0]!
  const r = TaskSchedule.resolve(def.tasks.get(task)!.defaults, def.configs[index]?.get(task), {
    iteration: i,
    learner: { name: def.name, index },
    maxIter: def.maxIter,
    prev
  })
  return TaskConfig.kwargsRecord(r)
}

describe("Compile: the program", () => {
  const text = fixture("kitchen-sink.rose")
  const program = compile(text, { env: (n) => (n === "PYTHON" ? "/usr/bin/python3" : undefined) })
  const sweep = program.learners[0]!

  it("keeps the source and lists backends and plugins", () => {
    assert.deepStrictEqual(program.source, { file: "t.rose", text })
    assert.deepStrictEqual(program.backends, [
      { kind: "local", name: "local", config: { concurrency: 4 }, origin: { file: "t.rose", line: 2, column: 1 } },
      {
        kind: "ssh",
        name: "cluster",
        config: { hosts: ["node1", "node2"], user: "rose", slots: { node1: 8, node2: 4 } },
        origin: { file: "t.rose", line: 3, column: 1 }
      },
      { kind: "dry-run", name: "rehearsal", config: {}, origin: { file: "t.rose", line: 4, column: 1 } }
    ])
    assert.deepStrictEqual(program.plugins, ["/proj/plugins/extra.ts"])
  })

  it("builds each learner block with its settings", () => {
    assert.deepStrictEqual(
      [sweep.kind, sweep.name, sweep.parallel, sweep.maxIter, sweep.onError, sweep.here],
      ["active", "sweep", 3, 15, "abort", "/proj"]
    )
    assert.deepStrictEqual(sweep.criterion, {
      metric: "mean_squared_error_mse",
      threshold: 0.1,
      operator: "<",
      direction: "minimize"
    })
    const pick = program.learners[1]!
    assert.strictEqual(pick.maxIter, undefined, "max_iter 0 means until the criterion")
    assert.strictEqual(pick.criterion?.operator, ">=", "the operator comes from the metric table")
  })

  it("compiles task options into the task definition", () => {
    const t = sweep.tasks.get("training")!
    assert.deepStrictEqual(t.defaults, { args: ["--fast"], kwargs: { learning_rate: 0.1, "-v": true } })
    assert.deepStrictEqual([t.timeoutMillis, t.retry.times, t.retry.on, t.backend], [600_000, 3, "exit", "cluster"])
    assert.deepStrictEqual(t.resources, { cores: 2, gpus: 1, memory: "4G", time: "00:10:00" })
    assert.deepStrictEqual(t.env, { OMP_NUM_THREADS: "2", SEED: "7" })
    assert.deepStrictEqual(t.binding._tag === "Exec" && t.binding.command, [
      "/usr/bin/python3",
      "./train.py",
      "--seed",
      "{learner}"
    ])
    assert.strictEqual(sweep.tasks.get("criterion")!.timeoutMillis, 30_000)
    assert.deepStrictEqual(sweep.tasks.get("report")!.binding, {
      _tag: "Shell",
      script: "tail -n 1 train.log >> summary.txt"
    })
  })

  it("renders exec argv: ./ paths resolved, placeholders filled, kwargs appended in order", async () => {
    assert.deepStrictEqual(await argv(program, 0, 1, 2, "training"), [
      "/usr/bin/python3",
      "/proj/train.py",
      "--seed",
      "1",
      "--slow",
      "1",
      "--learning_rate",
      "0.05",
      "-v"
    ])
    assert.deepStrictEqual(await argv(program, 0, 2, 0, "simulation"), [
      "node",
      "/proj/tasks/sim.mjs",
      "--out",
      "/run/learners/sweep-2/data",
      "--n_labeled",
      "302",
      "--n_features",
      "4"
    ])
  })

  // A call binding's function returns an Effect: the runner runs it in the learner's fiber.
  const runCall = (b: Task.Binding, ctx: Partial<Task.TaskContext>) => {
    if (b._tag !== "InProcess" || !b.effect) return Promise.reject(new Error("not an Effect binding"))
    return Effect.runPromise(b.fn(ctx as Task.TaskContext) as Effect.Effect<unknown, unknown>)
  }

  it("binds call targets to an in-process function that loads the module lazily through the loader", async () => {
    const calls: Array<string> = []
    const loaded = compile(text, {
      loadFunction: (path, name) =>
        Effect.sync(() => {
          calls.push(`${path}#${name}`)
          return (ctx: Task.TaskContext) => Promise.resolve(`picked ${ctx.iteration}`)
        })
    })
    const b = loaded.learners[0]!.tasks.get("active_learn")!.binding
    assert.strictEqual(b._tag, "InProcess")
    assert.deepStrictEqual(calls, [], "nothing is loaded when compiling")
    assert.strictEqual(await runCall(b, { iteration: 4 }), "picked 4")
    assert.strictEqual(await runCall(b, { iteration: 4 }), "picked 4")
    assert.deepStrictEqual(calls, ["/proj/tasks.ts#select"], "loaded once")
  })

  it("loads once when learners call at the same time, and shares a failed load", async () => {
    let loads = 0
    const loaded = compile(text, {
      loadFunction: () =>
        Effect.suspend(() => {
          loads++
          return Effect.fail(new Error("boom"))
        }).pipe(Effect.delay("10 millis"))
    })
    const b = loaded.learners[0]!.tasks.get("active_learn")!.binding
    const outcomes = await Promise.allSettled([runCall(b, {}), runCall(b, {}), runCall(b, {})])
    assert.deepStrictEqual(
      outcomes.map((o) => o.status),
      ["rejected", "rejected", "rejected"]
    )
    assert.strictEqual(loads, 1)
  })

  it("aborts the function's signal when its task is interrupted", async () => {
    let seen: AbortSignal | undefined
    const loaded = compile(text, {
      loadFunction: () =>
        Effect.succeed((ctx: Task.TaskContext) => {
          seen = ctx.signal
          return new Promise(() => {})
        })
    })
    const b = loaded.learners[0]!.tasks.get("active_learn")!.binding
    if (b._tag !== "InProcess") return assert.fail("not in-process")
    await Effect.runPromise(
      Effect.gen(function* () {
        const fiber = yield* Effect.fork(b.fn({ iteration: 0 } as Task.TaskContext) as Effect.Effect<unknown, unknown>)
        yield* Effect.sleep("10 millis")
        assert.isFalse(seen?.aborted)
        yield* Fiber.interrupt(fiber)
      })
    )
    assert.isTrue(seen?.aborted)
  })

  it("rejects a call when no loader was given", async () => {
    const b = sweep.tasks.get("active_learn")!.binding
    if (b._tag !== "InProcess" || !b.effect) return assert.fail("not an Effect binding")
    const e = await Effect.runPromise(Effect.flip(b.fn({} as Task.TaskContext) as Effect.Effect<unknown, unknown>))
    assert.instanceOf(e, Compile.CallError)
  })
})

describe("Compile: schedules", () => {
  it("follows DESIGN §4.2's worked example", () => {
    const p = compile(fixture("worked-example.rose"))
    const noise = (i: number) => 0.1 * 0.95 ** i
    assert.deepStrictEqual(resolve(p, 0, "training", 0), { n: 50, lr: 0.1, noise: noise(0) })
    assert.deepStrictEqual(resolve(p, 0, "training", 4), { n: 50, lr: 0.1, noise: noise(4) })
    assert.deepStrictEqual(resolve(p, 0, "training", 5), { n: 200, lr: 0.1, noise: noise(5) })
    assert.deepStrictEqual(resolve(p, 0, "training", 7), { n: 200, lr: 0.05, noise: noise(7) })
    assert.deepStrictEqual(resolve(p, 0, "training", 8), { n: 200, lr: 0.1, noise: noise(8) })
  })

  it("makes one schedule per task with layers in source order, static when constant", () => {
    const p = compile(fixture("worked-example.rose"))
    const s = p.learners[0]!.configs[0]!.get("training")!
    assert.deepStrictEqual(
      s.layers.map((l) => [l._tag, TaskSchedule.isAdaptive(l.source)]),
      [
        ["Always", true],
        ["From", false],
        ["At", false],
        ["Default", false]
      ]
    )
    assert.strictEqual(s.task, "training")
    assert.deepStrictEqual(s.layers[1]!.source, { kwargs: { n: 200 } })
  })

  it("removes a key whose value is null", () => {
    const p = compile(fixture("kitchen-sink.rose"))
    // learner 1: `simulation default { n_labeled: 400, n_features: null }` applies at iteration 1
    assert.deepStrictEqual(resolve(p, 1, "simulation", 1), { n_labeled: 400 })
    assert.deepStrictEqual(resolve(p, 1, "simulation", 0), { n_labeled: 150, n_features: 3 })
  })

  it("folds learner and max_iter, which are known when compiling", () => {
    const p = compile(fixture("kitchen-sink.rose"))
    const s = p.learners[0]!.configs[2]!.get("simulation")!
    assert.deepStrictEqual(s.layers[0]!.source, { kwargs: { n_labeled: 302, n_features: 4 } })
  })

  it("evaluates adaptive values lazily for any iteration", () => {
    const p = compile(fixture("kitchen-sink.rose"))
    assert.strictEqual(resolve(p, 0, "simulation", 150).n_labeled, "7600")
    // values that read only i are known for any iteration: no symbolic form, plans call fn
    const source = p.learners[0]!.configs[0]!.get("simulation")!.layers[0]!.source
    assert.isTrue(TaskSchedule.isAdaptive(source) && source.symbolic === undefined)
  })

  it("reads prev, describes itself with the expressions' text and plans symbolically", () => {
    const p = compile(`active "a" {
      max_iter 9
      training = exec "t"
      active_learn = exec "a"
      learner 0 { training { lr: (prev.metric ?? 1) * 0.5, n: 10 + i, fixed: "x" } }
    }`)
    const prev = { iteration: 2, metric: 0.4, metricHistory: [0.8, 0.4], state: {} }
    assert.deepStrictEqual(resolve(p, 0, "training", 3, prev), { lr: 0.2, n: 13, fixed: "x" })
    const source = p.learners[0]!.configs[0]!.get("training")!.layers[0]!.source
    assert.isTrue(TaskSchedule.isAdaptive(source))
    if (!TaskSchedule.isAdaptive(source)) return
    assert.deepStrictEqual(source.describe?.(), {
      adaptive: true,
      kwargs: { lr: { expr: "(prev.metric ?? 1) * 0.5" }, n: { expr: "10 + i" }, fixed: "x" }
    })
    const ctx = { iteration: 3, learner: { name: "a", index: 0 }, maxIter: 9, prev: undefined }
    assert.deepStrictEqual(source.symbolic?.(3, ctx), {
      kwargs: { lr: "<(prev.metric ?? 1) * 0.5>", n: 13, fixed: "x" }
    })
    // at iteration 0 there is no previous iteration: the value is known
    assert.deepStrictEqual(source.symbolic?.(0, { ...ctx, iteration: 0 }), { kwargs: { lr: 0.5, n: 10, fixed: "x" } })
  })

  it("throws a ConfigEvalError naming the file, position, learner, task and key when a value fails", () => {
    const p = compile(`active "a" {
  max_iter 9
  training = exec "t"
  active_learn = exec "a"
  learner 0 { training { lr: prev.metric * 2 } }
}`)
    const err = (() => {
      try {
        resolve(p, 0, "training", 0)
      } catch (u) {
        return u
      }
    })()
    assert.instanceOf(err, Compile.ConfigEvalError)
    assert.include((err as Error).message, "t.rose:5:30: ")
    assert.include((err as Error).message, 'learner "a"[0], task "training", key "lr", iteration 0')
  })
})

describe("Compile: failures", () => {
  it("returns every diagnostic, sorted, when the text has errors", () => {
    const r = Dsl.compile('active "a" {\n  paralel 2\n  training = exec "x" timeout 0s\n}\n', { here: "/p" })
    assert.isTrue(Either.isLeft(r))
    // sorted by position: the block-level ones anchor at its header
    if (Either.isLeft(r)) {
      assert.deepStrictEqual(
        r.left.map((d) => `${d.code} ${d.span.start.line}:${d.span.start.column}`),
        ["E206 1:1", "E220 1:1", "E209 2:3", "E233 3:31"]
      )
    }
  })

  it.effect("compileEffect fails with a DslError that renders code frames", () =>
    Effect.gen(function* () {
      const e = yield* Effect.flip(Dsl.compileEffect("let = 1", { file: "x.rose", here: "/p" }))
      assert.isTrue(DslError.isDslError(e))
      assert.include(e.message, "x.rose:1:5 error[E100]")
      assert.include(e.message, "^")
    })
  )

  it("turns a program the core model refuses into E299 diagnostics (a checker gap)", () => {
    const checked = Check.check(Dsl.parse('active "a" { max_iter 2 }').ast, { here: "/p", broken: true })
    const r = Compile.compile(checked.model)
    assert.isTrue(Either.isLeft(r))
    if (Either.isLeft(r)) assert.deepStrictEqual([...new Set(r.left.map((d) => d.code))], ["E299"])
  })

  it("warnings alone do not stop compilation", () => {
    const text =
      'active "a" {\n  max_iter 2\n  training = exec "t"\n  active_learn = exec "a"\n  learner 0 { training { lr: prev.metric * 2 } }\n}\n'
    assert.deepStrictEqual(
      Dsl.check(text).diagnostics.map((d) => d.code),
      ["W001"]
    )
    assert.isTrue(Either.isRight(Dsl.compile(text, { here: "/p" })))
  })
})

describe("Dsl helpers for the CLI", () => {
  it("compileWithDiagnostics returns the warnings of a program that compiles", () => {
    const text =
      'active "a" {\n  max_iter 2\n  training = exec "t"\n  active_learn = exec "a"\n  learner 0 { training { lr: prev.metric * 2 } }\n}\n'
    const r = Dsl.compileWithDiagnostics(text, { here: "/p" })
    assert.isDefined(r.program)
    assert.deepStrictEqual(
      r.diagnostics.map((d) => d.code),
      ["W001"]
    )
    const bad = Dsl.compileWithDiagnostics("let x = ", { here: "/p" })
    assert.isUndefined(bad.program)
    assert.deepStrictEqual(
      bad.diagnostics.map((d) => d.code),
      ["E101"]
    )
  })

  it("pluginPaths lists the declared plugins, resolved, even in a broken file", () => {
    assert.deepStrictEqual(Dsl.pluginPaths('plugin "./a.ts"\nplugin "pkg-b"\nactive {', { here: "/proj/x" }), [
      "/proj/x/a.ts",
      "pkg-b"
    ])
  })
})

describe("suggestions for names", () => {
  const hint = (expr: string) =>
    Dsl.check(
      `let base = 1\nactive "a" {\n  max_iter 2\n  training = exec "t"\n  active_learn = exec "a"\n  learner 0 { training { x: ${expr} } }\n}\n`
    )
      .diagnostics.map((d) => d.message)
      .join("\n")
  it("suggests the built-in variable other tools name differently, and near names", () => {
    assert.include(hint("iteration * 2"), 'did you mean "i"?')
    assert.include(hint("index"), 'did you mean "learner"?')
    assert.include(hint("bse + 1"), 'did you mean "base"?')
    assert.include(hint("lerner"), 'did you mean "learner"?')
    assert.include(hint("prev.metrik"), 'did you mean "metric"?')
    assert.include(hint("mx(1, 2)"), 'did you mean "max"?')
  })
})

describe("Compile: a population budget", () => {
  const program = compile(fixture("population-budget.rose"))

  it("compiles a budget beside a policy, and alone on a block without a criterion", () => {
    const [sweep, plain] = program.learners
    assert.deepStrictEqual(sweep!.budget, { tasks: 40, taskSeconds: undefined })
    assert.strictEqual(sweep!.population?._tag, "Asha")
    assert.deepStrictEqual(plain!.budget, { tasks: undefined, taskSeconds: 600 })
    assert.isUndefined(plain!.population)
  })

  it("says what is wrong, at the field, with a did-you-mean", () => {
    const messages = (text: string) => Dsl.check(text, { file: "t.rose", here: "/proj" }).diagnostics
    const block = (population: string) =>
      `active "a" {\n  max_iter 3\n  training = exec "t"\n  active_learn = exec "s"\n  population ${population}\n}\n`
    const [field] = messages(block("{ budget: { task_second: 60 } }"))
    assert.strictEqual(field!.code, "E284")
    assert.match(field!.message, /unknown budget field "task_second".*did you mean "task_seconds"/)
    const [key] = messages(block("{ budgte: { tasks: 3 } }"))
    assert.strictEqual(key!.code, "E280")
    assert.match(key!.message, /did you mean "budget"/)
    const [amount] = messages(block("{ budget: { tasks: 0 } }"))
    assert.deepStrictEqual(
      [amount!.code, amount!.message, amount!.span.start.line, amount!.span.start.column],
      ["E285", "a task budget is an integer ≥ 1, got 0", 5, 33]
    )
  })
})
