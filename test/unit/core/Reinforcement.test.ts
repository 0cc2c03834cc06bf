/**
 * Reinforcement learners on the scripted backend: environment → update → criterion per iteration,
 * sequential and parallel, the three config forms, independent stops, failure isolation, and the
 * parallel-experience form (named environments run concurrently, their experience merged into the
 * learner's bank before the update).
 */
import * as fs from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as ScriptedBackend from "../../../backends/ScriptedBackend.ts"
import type * as Backend from "../../../core/Backend.ts"
import * as Experience from "../../../core/Experience.ts"
import * as Rose from "../../../core/ProgramBuilder.ts"
import * as Resume from "../../../core/Resume.ts"
import * as Runner from "../../../core/Runner.ts"
import * as TaskSchedule from "../../../core/TaskSchedule.ts"
import { criterionTable, finishedOrder, kwargsByIteration, readEvents, runIn, withBackend } from "./learnerKit.ts"

const rlTasks = {
  environment: Rose.exec("env --episodes {episodes}", { with: { episodes: 1 } }),
  update: Rose.exec("update", { with: { lr: 0.1 } }),
  criterion: Rose.exec("reward")
}

const rl = (spec: Partial<Rose.LearnerSpec>) =>
  Rose.program({
    here: "/proj",
    learners: [
      Rose.reinforcement("agent", {
        parallel: spec.parallel ?? 1,
        maxIter: spec.maxIter ?? 4,
        tasks: spec.tasks ?? rlTasks,
        stopWhen: "stopWhen" in spec ? spec.stopWhen : { metricName: "reward", threshold: 100 },
        configs: spec.configs,
        onError: spec.onError
      })
    ]
  })

/** Writes `n` records to the environment's experience file. */
const writeExperience = (inv: Backend.Invocation, n: number, extra: Record<string, unknown> = {}) => {
  const out = inv.env.ROSE_EXPERIENCE_OUT!
  const lines = Array.from({ length: n }, (_, k) =>
    JSON.stringify({ state: k, action: k % 2, reward: inv.iteration, next_state: k + 1, done: false, ...extra })
  )
  fs.appendFileSync(out, `${lines.join("\n")}\n`)
}

/** How many records the bank holds (what the update task sees). */
const bankRecords = (bank: string) =>
  fs.existsSync(bank)
    ? fs
        .readdirSync(bank)
        .filter(Experience.isSegment)
        .reduce(
          (n, f) =>
            n +
            fs
              .readFileSync(`${bank}/${f}`, "utf8")
              .split("\n")
              .filter((l) => l !== "").length,
          0
        )
    : 0

describe("reinforcement learners", () => {
  it.scoped("run environment → update → criterion each iteration and stop on the criterion", () =>
    withBackend(criterionTable({ "0:2": 150 }))((dir) =>
      Effect.gen(function* () {
        const results = yield* runIn(rl({}))(dir)
        assert.strictEqual(results.learners[0]!.stopReason, "criterion_met")
        assert.strictEqual(results.learners[0]!.iterations, 3)
        assert.deepStrictEqual(results.learners[0]!.metric!.history, [0.5, 0.5, 150])
        const events = yield* readEvents(`${dir}/run`)
        assert.deepStrictEqual(finishedOrder(events, 0), [
          "0:environment",
          "0:update",
          "0:criterion",
          "1:environment",
          "1:update",
          "1:criterion",
          "2:environment",
          "2:update",
          "2:criterion"
        ])
      })
    )
  )

  it.scoped("run without a criterion until max_iter (the Python toolkit crashes after one iteration)", () =>
    withBackend(criterionTable({}))((dir) =>
      Effect.gen(function* () {
        const { criterion: _, ...tasks } = rlTasks
        const results = yield* runIn(rl({ tasks, stopWhen: undefined, maxIter: 3 }))(dir)
        assert.strictEqual(results.learners[0]!.stopReason, "max_iter")
        assert.strictEqual(results.learners[0]!.iterations, 3)
        assert.isNull(results.learners[0]!.metric)
      })
    )
  )

  it.scoped("run parallel learners with static, per-iteration and adaptive configs, each stopping on its own", () => {
    const recorder = ScriptedBackend.makeRecorder()
    return withBackend(
      criterionTable({ "1:1": 120 }),
      recorder
    )((dir) =>
      Effect.gen(function* () {
        const results = yield* runIn(
          rl({
            parallel: 3,
            maxIter: 4,
            configs: [
              { environment: { kwargs: { episodes: 5 } }, update: { kwargs: { lr: 0.5 } } },
              {
                environment: {
                  0: { kwargs: { episodes: 2 } },
                  2: { kwargs: { episodes: 8 } },
                  [-1]: { kwargs: { episodes: 3 } }
                }
              },
              {
                environment: TaskSchedule.adaptive((i, ctx) => ({
                  kwargs: { episodes: 10 + i, last: ctx.prev?.metric ?? null }
                }))
              }
            ]
          })
        )(dir)
        assert.deepStrictEqual(
          results.learners.map((l) => [l.index, l.stopReason, l.iterations]),
          [
            [0, "max_iter", 4],
            [1, "criterion_met", 2],
            [2, "max_iter", 4]
          ]
        )
        const events = yield* readEvents(`${dir}/run`)
        assert.deepStrictEqual(kwargsByIteration(events, 0, "environment"), Array(4).fill({ episodes: 5 }))
        assert.deepStrictEqual(kwargsByIteration(events, 0, "update"), Array(4).fill({ lr: 0.5 }))
        assert.deepStrictEqual(kwargsByIteration(events, 1, "environment"), [{ episodes: 2 }, { episodes: 3 }])
        assert.deepStrictEqual(kwargsByIteration(events, 1, "update"), [{ lr: 0.1 }, { lr: 0.1 }])
        assert.deepStrictEqual(kwargsByIteration(events, 2, "environment"), [
          { episodes: 10 },
          { episodes: 11, last: 0.5 },
          { episodes: 12, last: 0.5 },
          { episodes: 13, last: 0.5 }
        ])
        const envArgv = recorder.invocations
          .filter((i) => i.learner.index === 0 && i.task === "environment")
          .map((i) => (i.command._tag === "Argv" ? i.command.argv : []))
        assert.deepStrictEqual(envArgv[0], ["env", "--episodes", "5"])
      })
    )
  })

  it.scoped("isolate a failing learner: the others run on", () =>
    withBackend((inv) =>
      inv.learner.index === 0 && inv.iteration === 1 && inv.task === "update"
        ? { exitCode: 4, stderr: "diverged\n" }
        : criterionTable({})(inv)
    )((dir) =>
      Effect.gen(function* () {
        const results = yield* runIn(rl({ parallel: 2, maxIter: 3 }))(dir)
        assert.strictEqual(results.status, "failed")
        assert.strictEqual(results.learners[0]!.stopReason, "error")
        assert.strictEqual(results.learners[0]!.failure!.task, "update")
        assert.strictEqual(results.learners[0]!.failure!.exitCode, 4)
        assert.strictEqual(results.learners[1]!.stopReason, "max_iter")
        assert.strictEqual(results.learners[1]!.iterations, 3)
      })
    )
  )
})

describe("parallel experience", () => {
  const experienceTasks = {
    "environment.cartpole": Rose.exec("env --name cartpole", { with: { episodes: 2 } }),
    "environment.pendulum": Rose.exec("env --name pendulum", { with: { episodes: 3 } }),
    update: Rose.exec("update"),
    criterion: Rose.exec("reward")
  }

  /** Environments write 2 records per episode; update reports the bank's size; the criterion 1.0. */
  const experienceScript = () => (inv: Backend.Invocation) => {
    if (inv.task.startsWith("environment.")) {
      const episodes = Number((inv.command._tag === "Argv" ? inv.command.argv : []).at(-1))
      writeExperience(inv, 2 * episodes, { env: inv.task })
      return { stdout: `{"episodes":${episodes}}\n` }
    }
    if (inv.task === "update") {
      return { stdout: `{"bank":${bankRecords(inv.env.ROSE_EXPERIENCE_BANK!)}}\n` }
    }
    return { stdout: "1.0\n" }
  }

  it.scoped("runs the named environments concurrently, merges every record, then update, then criterion", () => {
    const recorder = ScriptedBackend.makeRecorder()
    let waiting = 0
    let release!: () => void
    const bothStarted = new Promise<void>((r) => (release = r))
    const script: ScriptedBackend.Script = (inv) => {
      const answer = experienceScript()(inv)
      if (!inv.task.startsWith("environment.") || inv.iteration !== 0) return answer
      // Each environment of iteration 0 waits for the other: this ends only if they run at once.
      if (++waiting === 2) release()
      return Effect.as(
        Effect.promise(() => bothStarted),
        answer
      )
    }
    return withBackend(
      script,
      recorder
    )((dir) =>
      Effect.gen(function* () {
        const results = yield* runIn(
          rl({
            parallel: 2,
            maxIter: 3,
            tasks: experienceTasks,
            configs: [{ tasks: { "environment.cartpole": { 1: { kwargs: { episodes: 5 } } } } }, null]
          })
        )(dir)
        assert.strictEqual(results.status, "completed")
        const events = yield* readEvents(`${dir}/run`)
        const order = finishedOrder(events, 0)
        for (let i = 0; i < 3; i++) {
          const at = order.filter((t) => t.startsWith(`${i}:`)).map((t) => t.slice(2))
          assert.sameMembers(at.slice(0, 2), ["environment.cartpole", "environment.pendulum"])
          assert.deepStrictEqual(at.slice(2), ["update", "criterion"])
        }
        // Per-environment configuration: learner 0's cartpole runs 5 episodes at iteration 1.
        assert.deepStrictEqual(kwargsByIteration(events, 0, "environment.cartpole"), [
          { episodes: 2 },
          { episodes: 5 },
          { episodes: 2 }
        ])
        // Learner 0 adds 4 + 6, 10 + 6, 4 + 6 records; learner 1 10 per iteration: the update sees them all.
        const updates = (k: number) =>
          events.flatMap((e) =>
            e._tag === "iteration_completed" && e.learner.index === k ? [(e.state.update as { bank: number }).bank] : []
          )
        assert.deepStrictEqual(updates(0), [10, 26, 36])
        assert.deepStrictEqual(updates(1), [10, 20, 30])
        const l0 = results.learners[0]!.state.experience as { records: number; added: number }
        assert.deepStrictEqual({ records: l0.records, added: l0.added }, { records: 36, added: 10 })
        // One segment per iteration and environment; every environment's file is still there.
        const bank = `${dir}/run/learners/agent-0/experience`
        assert.deepStrictEqual(fs.readdirSync(bank).sort(), [
          "000000-environment.cartpole.jsonl",
          "000000-environment.pendulum.jsonl",
          "000001-environment.cartpole.jsonl",
          "000001-environment.pendulum.jsonl",
          "000002-environment.cartpole.jsonl",
          "000002-environment.pendulum.jsonl"
        ])
        for (let i = 0; i < 3; i++) {
          assert.isTrue(fs.existsSync(`${dir}/run/learners/agent-0/iter-${i}/environment.cartpole.experience.jsonl`))
        }
        const envInv = recorder.invocations.find((i) => i.task === "environment.pendulum" && i.learner.index === 1)!
        assert.strictEqual(
          envInv.env.ROSE_EXPERIENCE_OUT,
          `${dir}/run/learners/agent-1/iter-0/environment.pendulum.experience.jsonl`
        )
        assert.strictEqual(envInv.env.ROSE_EXPERIENCE_BANK, `${dir}/run/learners/agent-1/experience`)
      })
    )
  })

  it.scoped("a bad record is an error naming its file and line; the file is kept; other learners go on", () =>
    withBackend((inv) => {
      if (inv.learner.index === 0 && inv.iteration === 1 && inv.task === "environment.pendulum") {
        writeExperience(inv, 2)
        fs.appendFileSync(inv.env.ROSE_EXPERIENCE_OUT!, '{"state": 1, "action":\n')
        return { stdout: "{}\n" }
      }
      return experienceScript()(inv)
    })((dir) =>
      Effect.gen(function* () {
        const results = yield* runIn(rl({ parallel: 2, maxIter: 3, tasks: experienceTasks }))(dir)
        const failed = results.learners[0]!
        assert.strictEqual(failed.stopReason, "error")
        assert.strictEqual(failed.failure!.tag, "ExperienceError")
        assert.strictEqual(failed.failure!.task, "environment.pendulum")
        const file = `${dir}/run/learners/agent-0/iter-1/environment.pendulum.experience.jsonl`
        assert.include(failed.failure!.message, `${file}:3`)
        assert.isTrue(fs.existsSync(file))
        assert.strictEqual(fs.readFileSync(file, "utf8").split("\n").length, 4)
        // Iteration 0's segments are intact; nothing of iteration 1 reached the bank.
        assert.deepStrictEqual(fs.readdirSync(`${dir}/run/learners/agent-0/experience`).sort(), [
          "000000-environment.cartpole.jsonl",
          "000000-environment.pendulum.jsonl"
        ])
        assert.strictEqual(results.learners[1]!.stopReason, "max_iter")
      })
    )
  )

  it.scoped("a failing environment ends its learner with error (the Python toolkit ignores it)", () =>
    withBackend((inv) =>
      inv.learner.index === 1 && inv.task === "environment.cartpole" ? { exitCode: 1 } : experienceScript()(inv)
    )((dir) =>
      Effect.gen(function* () {
        const results = yield* runIn(rl({ parallel: 2, maxIter: 2, tasks: experienceTasks }))(dir)
        assert.strictEqual(results.learners[0]!.stopReason, "max_iter")
        assert.strictEqual(results.learners[1]!.stopReason, "error")
        assert.strictEqual(results.learners[1]!.failure!.task, "environment.cartpole")
      })
    )
  )

  it.scoped(
    "a resumed run keeps the bank's completed iterations, the interrupted one's finished environments, and sets aside its merge",
    () => {
      let hang = true
      return withBackend((inv) =>
        hang && inv.iteration === 2 && inv.task === "update" ? Effect.never : experienceScript()(inv)
      )((dir) =>
        Effect.gen(function* () {
          const p = rl({ maxIter: 4, tasks: experienceTasks })
          const out = `${dir}/run`
          yield* Effect.scoped(
            Effect.gen(function* () {
              const handle = yield* Runner.prepare(p, { out })
              const events = yield* handle.events.subscribe
              yield* handle.start
              yield* Stream.fromQueue(events).pipe(
                Stream.takeUntil((e) => e._tag === "task_started" && e.iteration === 2 && e.task === "update"),
                Stream.runDrain
              )
              yield* handle.interrupt
              const first = yield* handle.await
              assert.strictEqual(first.status, "interrupted")
            })
          )
          const bank = `${out}/learners/agent-0/experience`
          // The interrupted iteration had merged its experience already.
          assert.strictEqual(fs.readdirSync(bank).length, 6)
          const before = fs.readFileSync(`${bank}/000001-environment.pendulum.jsonl`, "utf8")
          hang = false
          const plan = yield* Resume.load(out, p)
          const results = yield* Effect.scoped(
            Effect.gen(function* () {
              const handle = yield* Runner.prepare(p, { resume: plan })
              yield* handle.start
              return yield* handle.await
            })
          )
          assert.strictEqual(results.status, "completed")
          assert.strictEqual(results.learners[0]!.iterations, 4)
          assert.deepStrictEqual(fs.readdirSync(bank).sort(), [
            "000000-environment.cartpole.jsonl",
            "000000-environment.pendulum.jsonl",
            "000001-environment.cartpole.jsonl",
            "000001-environment.pendulum.jsonl",
            "000002-environment.cartpole.jsonl",
            "000002-environment.cartpole.jsonl.stale-1",
            "000002-environment.pendulum.jsonl",
            "000002-environment.pendulum.jsonl.stale-1",
            "000003-environment.cartpole.jsonl",
            "000003-environment.pendulum.jsonl"
          ])
          assert.strictEqual(fs.readFileSync(`${bank}/000001-environment.pendulum.jsonl`, "utf8"), before)
          // The interrupted iteration's environments had finished: kept, not run again.
          assert.deepStrictEqual(
            fs.readdirSync(`${out}/learners/agent-0/iter-2`).filter((f) => f.includes("stale")),
            []
          )
          // Every record counted once: 10 per iteration.
          assert.strictEqual(bankRecords(bank), 40)
          assert.strictEqual((results.learners[0]!.state.experience as { records: number }).records, 40)
          assert.strictEqual((results.learners[0]!.state.update as { bank: number }).bank, 40)
        })
      )
    }
  )
})
