/**
 * Population based training: which learner of a period copies which, for a minimised and a
 * maximised metric; the values it takes (seeded: two runs decide alike); the working folder it gets
 * (the source's as it was at the period); the config its next iteration runs with; and that a run
 * resumed mid-way, or after a crash that lost a decision, decides as an uninterrupted one.
 */
import * as fs from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type * as ScriptedBackend from "../../../backends/ScriptedBackend.ts"
import type * as Criterion from "../../../core/Criterion.ts"
import type * as Event from "../../../core/Event.ts"
import * as Population from "../../../core/Population.ts"
import * as PopulationProblems from "../../../core/PopulationProblems.ts"
import * as Rose from "../../../core/ProgramBuilder.ts"
import * as Resume from "../../../core/Resume.ts"
import * as Runner from "../../../core/Runner.ts"
import { criterionTable, kwargsByIteration, readEvents, withBackend } from "./learnerKit.ts"

type Exploited = Extract<Event.Event, { _tag: "exploited" }>

const exploitedOf = (events: ReadonlyArray<Event.Event>) => events.filter((e): e is Exploited => e._tag === "exploited")

/** The fields of an `exploited` event that a decision makes (not its seq or time). */
const decisionOf = (e: Exploited) => ({
  learner: e.learner.index,
  iteration: e.iteration,
  source: e.source.index,
  rank: e.rank,
  of: e.of,
  from: e.from,
  to: e.to,
  reason: e.reason
})

const lowerIsBetter: Criterion.CriterionInput = { metricName: "mse", operator: "<", threshold: 0.001 }
const higherIsBetter: Criterion.CriterionInput = { metricName: "accuracy", operator: ">=", threshold: 0.999 }

/**
 * A block of eight learners, one per learning rate, with `pbt every 2 quantile 1/4` (one period, at
 * iteration 1 of 3): its training task appends `<learner>:<iteration> lr=<rate>` to
 * `history.txt` in its working folder.
 */
const pbtProgram = (stopWhen: Criterion.CriterionInput, seed = 7) =>
  Rose.program({
    here: "/proj",
    learners: [
      Rose.active("sweep", {
        sweep: Rose.grid({ training: { learning_rate: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8] } }),
        maxIter: 3,
        tasks: {
          simulation: Rose.exec("sim", { with: { n_labeled: 100 } }),
          training: Rose.exec("train"),
          active_learn: Rose.exec("select"),
          criterion: Rose.exec("check")
        },
        stopWhen,
        population: Rose.pbt({
          every: 2,
          quantile: 0.25,
          seed,
          perturb: { training: { learning_rate: [0.5, 2] }, simulation: { n_labeled: [0.8, 1.2] } }
        })
      })
    ]
  })

/** Criterion values at the first period (iteration 1), by learner; 0.5 elsewhere. */
const atPeriod = {
  "0:1": 0.4,
  "1:1": 0.2,
  "2:1": 0.3,
  "3:1": 0.5,
  "4:1": 0.1,
  "5:1": 0.6,
  "6:1": 0.35,
  "7:1": 0.7
}

const writing =
  (table: ScriptedBackend.Script): ScriptedBackend.Script =>
  (inv) => {
    if (inv.task !== "training") return table(inv)
    const lr = inv.command._tag === "Argv" ? inv.command.argv.join(" ") : ""
    return Effect.sync(() => {
      fs.mkdirSync(inv.cwd, { recursive: true })
      fs.appendFileSync(`${inv.cwd}/history.txt`, `${inv.learner.index}:${inv.iteration} ${lr}\n`)
      return { stdout: "{}\n" }
    })
  }

/** Runs the block with learners reaching iteration 1 in index order (each waits for the previous one's `rung_reached`). */
const runInOrder = (stopWhen: Criterion.CriterionInput, seed = 7) => {
  const gates = Array.from({ length: 8 }, () => Deferred.unsafeMake<void>(undefined as never))
  const table = criterionTable(atPeriod)
  const script: ScriptedBackend.Script = writing((inv) =>
    inv.task === "criterion" && inv.iteration === 1
      ? Effect.as(Deferred.await(gates[inv.learner.index]!), table(inv) as ScriptedBackend.Reply)
      : table(inv)
  )
  return withBackend(script)((dir) =>
    Effect.gen(function* () {
      const p = pbtProgram(stopWhen, seed)
      const out = `${dir}/run`
      const handle = yield* Runner.prepare(p, { out })
      yield* Deferred.succeed(gates[0]!, undefined)
      yield* handle.eventStream.pipe(
        Stream.runForEach((e) =>
          e._tag === "rung_reached" && e.iteration === 1 && e.learner.index < 7
            ? Deferred.succeed(gates[e.learner.index + 1]!, undefined)
            : Effect.void
        ),
        Effect.forkScoped
      )
      yield* handle.start
      const results = yield* handle.await
      const history = (k: number) => fs.readFileSync(`${out}/learners/sweep-${k}/history.txt`, "utf8")
      const snapshot = (k: number, i: number) =>
        fs.readFileSync(`${out}/learners/.pbt/sweep-${k}/${i}/history.txt`, "utf8")
      return { results, events: yield* readEvents(out), history, snapshot, out }
    })
  )
}

describe("Population: PBT in a run", () => {
  it.scoped("a minimised metric: the bottom quantile of each period so far copies a top learner", () =>
    Effect.gen(function* () {
      const { results, events, history, snapshot } = yield* runInOrder(lowerIsBetter)
      const first = exploitedOf(events).filter((e) => e.iteration === 1)
      // Arrivals 0 … 7: ⌊n/4⌋ is 1 from the fourth on. Learner 3 (0.5) is last of 4, copying the best
      // so far, learner 1 (0.2); learner 5 (0.6) last of 6, copying learner 4 (0.1); learner 7 (0.7)
      // is 8th of 8, the top 2 being learners 4 and 1.
      assert.deepStrictEqual(
        first.map((e) => [e.learner.index, e.rank, e.of, e.metricValue, e.source.index, e.sourceValue]),
        [
          [3, 4, 4, 0.5, 1, 0.2],
          [5, 6, 6, 0.6, 4, 0.1],
          [7, 8, 8, 0.7, first[2]!.source.index, first[2]!.sourceValue]
        ]
      )
      assert.include([1, 4], first[2]!.source.index)
      for (const e of first) {
        const lr = e.sourceConfig.training!.kwargs.learning_rate as number
        assert.include([lr * 0.5, lr * 2], e.to["training.learning_rate"])
        // n_labeled is an integer: its ×0.8 / ×1.2 stays one.
        assert.include([80, 120], e.to["simulation.n_labeled"])
        assert.strictEqual(e.from["training.learning_rate"], (e.learner.index + 1) / 10)
        assert.strictEqual(e.from["simulation.n_labeled"], 100)
        assert.match(
          e.reason,
          new RegExp(
            `^rank ${e.rank} of ${e.of} in the block at iteration 1, mse [0-9.]+: copied sweep\\[${e.source.index}\\] \\(mse`
          )
        )
      }
      // The copied folder: the source's history up to the period, then the learner's own iterations.
      const three = first[0]!
      assert.strictEqual(snapshot(1, 1), `${history(1).split("\n").slice(0, 2).join("\n")}\n`)
      const lines = history(3).trim().split("\n")
      assert.deepStrictEqual(lines.slice(0, 2), snapshot(1, 1).trim().split("\n"))
      assert.deepStrictEqual(
        lines.slice(2).map((l) => l.split(" ")[0]),
        ["3:2"]
      )
      // The next iteration runs with the new values.
      const kwargs = kwargsByIteration(events, 3, "simulation")
      assert.strictEqual(kwargs[1]!.n_labeled, 100)
      assert.strictEqual(kwargs[2]!.n_labeled, three.to["simulation.n_labeled"])
      const training = events.filter(
        (e): e is Extract<Event.Event, { _tag: "iteration_completed" }> =>
          e._tag === "iteration_completed" && e.learner.index === 3
      )
      assert.strictEqual(training[1]!.config.training!.kwargs.learning_rate, 0.4)
      assert.strictEqual(training[2]!.config.training!.kwargs.learning_rate, three.to["training.learning_rate"])
      // Nobody is pruned: every learner runs its three iterations.
      assert.deepStrictEqual(
        results.learners.map((l) => l.iterations),
        [3, 3, 3, 3, 3, 3, 3, 3]
      )
    })
  )

  it.scoped("a maximised metric ranks the other way round", () =>
    Effect.gen(function* () {
      const { events } = yield* runInOrder(higherIsBetter)
      // For accuracy learner 3 (0.5) is first of four; learner 4 (0.1) last of five, copying learner
      // 3; learner 6 (0.35) is 4th of 7, above the bottom one; learner 7 (0.7) is first of eight.
      assert.deepStrictEqual(
        exploitedOf(events).map((e) => [e.learner.index, e.iteration, e.rank, e.of, e.source.index]),
        [[4, 1, 5, 5, 3]]
      )
    })
  )

  it.scoped("the same seed makes the same decisions; another seed may not", () =>
    Effect.gen(function* () {
      const a = exploitedOf((yield* runInOrder(lowerIsBetter, 7)).events).map(decisionOf)
      const b = exploitedOf((yield* runInOrder(lowerIsBetter, 7)).events).map(decisionOf)
      assert.strictEqual(a.length, 3)
      assert.deepStrictEqual(a, b)
      const seeds = [1, 2, 3]
      const others: Array<ReadonlyArray<unknown>> = []
      for (const s of seeds) others.push(exploitedOf((yield* runInOrder(lowerIsBetter, s)).events).map(decisionOf))
      assert.isTrue(others.some((o) => JSON.stringify(o) !== JSON.stringify(a)))
    })
  )
})

describe("Population: PBT across a resume", () => {
  const byLearner = (events: ReadonlyArray<Event.Event>) =>
    exploitedOf(events)
      .map(decisionOf)
      .sort((x, y) => x.learner - y.learner)

  /**
   * Learners 0 … 4 reach the period in order, learner 3 copying learner 1 there; learners 5, 6, 7
   * hang before it, and learner 3 in its next iteration, when the run is interrupted. The resumed run
   * lets them on in order.
   */
  const resumed = (crash: "none" | "after copying" | "before copying") => {
    let hang = true
    const gates = Array.from({ length: 8 }, () => Deferred.unsafeMake<void>(undefined as never))
    const table = criterionTable(atPeriod)
    const script: ScriptedBackend.Script = writing((inv) => {
      if (inv.task !== "criterion") return table(inv)
      if (inv.iteration === 2 && inv.learner.index === 3 && hang) return Effect.never
      if (inv.iteration !== 1) return table(inv)
      if (inv.learner.index >= 5 && hang) return Effect.never
      return Effect.as(Deferred.await(gates[inv.learner.index]!), table(inv) as ScriptedBackend.Reply)
    })
    return withBackend(script)((dir) =>
      Effect.gen(function* () {
        const p = pbtProgram(lowerIsBetter)
        const out = `${dir}/run`
        const opening = (upTo: number) => (e: Event.Event) =>
          e._tag === "rung_reached" && e.iteration === 1 && e.learner.index < upTo
            ? Deferred.succeed(gates[e.learner.index + 1]!, undefined)
            : Effect.void
        yield* Effect.scoped(
          Effect.gen(function* () {
            const handle = yield* Runner.prepare(p, { out })
            yield* Deferred.succeed(gates[0]!, undefined)
            const events = yield* handle.events.subscribe
            yield* handle.start
            yield* Stream.fromQueue(events).pipe(
              Stream.takeUntil((e) => e._tag === "rung_reached" && e.learner.index === 4),
              Stream.runForEach(opening(4))
            )
            yield* handle.interrupt
            assert.strictEqual((yield* handle.await).status, "interrupted")
          })
        )
        const before = yield* readEvents(out)
        assert.deepStrictEqual(
          exploitedOf(before).map((e) => e.learner.index),
          [3]
        )
        hang = false
        if (crash !== "none") {
          // As if the process died after learner 3's `exploited` (its config is then restored from
          // it), or after its rung_reached, before it copied learner 1 (it copies at the resume).
          const lines = fs.readFileSync(`${out}/events.jsonl`, "utf8").split("\n")
          const lost = (l: string) =>
            l.includes('"learner":{"name":"sweep","index":3}') &&
            ((crash === "before copying" && l.includes('"type":"exploited"')) ||
              l.includes('"iteration":2') ||
              l.includes('"type":"learner_stopped"'))
          assert.isAbove(lines.filter(lost).length, 1)
          fs.writeFileSync(`${out}/events.jsonl`, lines.filter((l) => !lost(l)).join("\n"))
          if (crash === "before copying") fs.writeFileSync(`${out}/learners/sweep-3/history.txt`, "3:0\n3:1\n")
        }
        const plan = yield* Resume.load(out, p)
        yield* Effect.scoped(
          Effect.gen(function* () {
            const handle = yield* Runner.prepare(p, { resume: plan })
            yield* handle.eventStream.pipe(
              Stream.runForEach((e) =>
                e._tag === "rung_reached" && e.iteration === 1 && e.learner.index >= 4 && e.learner.index < 7
                  ? Deferred.succeed(gates[e.learner.index + 1]!, undefined)
                  : Effect.void
              ),
              Effect.forkScoped
            )
            // Learner 4 was judged before the interruption: learner 5 may go at once.
            yield* Deferred.succeed(gates[5]!, undefined)
            yield* handle.start
            return yield* handle.await
          })
        )
        const events = yield* readEvents(out)
        const history = fs.readFileSync(`${out}/learners/sweep-3/history.txt`, "utf8")
        return { events, history }
      })
    )
  }

  const checks = (crash: "none" | "after copying" | "before copying") =>
    Effect.gen(function* () {
      const straight = byLearner((yield* runInOrder(lowerIsBetter)).events)
      const { events, history } = yield* resumed(crash)
      assert.deepStrictEqual(byLearner(events), straight)
      // Learner 3's next iteration ran after the resume, with the values it copied, in the folder it copied.
      const three = straight.find((d) => d.learner === 3)!
      const completed = events.filter(
        (e): e is Extract<Event.Event, { _tag: "iteration_completed" }> =>
          e._tag === "iteration_completed" && e.learner.index === 3 && e.iteration === 2
      )
      assert.strictEqual(completed.length, 1)
      assert.strictEqual(completed[0]!.config.training!.kwargs.learning_rate, three.to["training.learning_rate"])
      assert.strictEqual(completed[0]!.config.simulation!.kwargs.n_labeled, three.to["simulation.n_labeled"])
      assert.deepStrictEqual(
        history
          .trim()
          .split("\n")
          .map((l) => l.split(" ")[0]),
        ["1:0", "1:1", "3:2"]
      )
    })

  it.scoped("a run resumed mid-way makes the decisions of an uninterrupted one", () => checks("none"))

  it.scoped("a learner that copied before a crash goes on with the config it copied", () => checks("after copying"))

  it.scoped("a copy lost in a crash is made when the run resumes, as it would have been", () =>
    checks("before copying")
  )
})

describe("Population: PBT policies", () => {
  const criterion = { metric: "mse", operator: "<", threshold: 0.01 } as Criterion.Criterion
  const block = { criterion, maxIter: 6, tasks: new Set(["simulation", "training"]) }

  it("reports every problem of a policy on its block", () => {
    const policy = Population.pbt({
      every: 6,
      quantile: 0.75,
      seed: 1.5,
      perturb: {
        training: { learning_rate: [], optimizer: [0.8] },
        simulation: { n_labeled: "resample" },
        other: { x: true }
      }
    })
    const found = PopulationProblems.problems(policy, { ...block, known: { training: { optimizer: ["adam"] } } })
    assert.deepStrictEqual(
      found.map((p) => [p.field, p.at?.task ?? null, p.at?.key ?? null]),
      [
        ["every", null, null],
        ["quantile", null, null],
        ["seed", null, null],
        ["perturb", "other", null],
        ["perturb", "training", "learning_rate"],
        ["perturb", "training", "optimizer"],
        ["perturb", "simulation", "n_labeled"]
      ]
    )
    assert.deepStrictEqual(
      PopulationProblems.problems(Population.pbt({ every: 2, perturb: {} }), { criterion: undefined, maxIter: 6 }).map(
        (p) => p.field
      ),
      ["criterion", "perturb"]
    )
    const fine = Population.pbt({ every: 2, perturb: { simulation: { n_labeled: "resample" } } })
    assert.deepStrictEqual(
      PopulationProblems.problems(fine, { ...block, space: { simulation: { n_labeled: [100, 200] } } }),
      []
    )
  })

  it("reads in plans and run.json", () => {
    const policy = Population.pbt({ every: 3, seed: 7, perturb: { training: { learning_rate: true, n: "resample" } } })
    assert.strictEqual(
      Population.describe(policy, 10),
      "pbt: the bottom 0.25 copies the top 0.25 at iterations 2, 5, 8; perturbs training.learning_rate ×0.8/×1.2, training.n resampled (seed 7)"
    )
    assert.deepStrictEqual(Population.toJson(policy), {
      pbt: { every: 3, quantile: 0.25, perturb: { training: { learning_rate: [0.8, 1.2], n: "resample" } }, seed: 7 }
    })
  })
})
