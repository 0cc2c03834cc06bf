import * as cp from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Event from "../../../core/Event.ts"
import * as Rose from "../../../core/ProgramBuilder.ts"
import * as Resume from "../../../core/Resume.ts"
import * as Runner from "../../../core/Runner.ts"
import { layer, program } from "../fixtures/resume-program.ts"
import { collectPids, isAlive, waitForFile, waitGone } from "../support/processes.ts"

const fixture = `${import.meta.dirname}/../fixtures/resume-program.ts`

/** results.json without what legitimately differs between two runs of the same program. */
const comparable = (runDir: string) => {
  const r = JSON.parse(fs.readFileSync(`${runDir}/results.json`, "utf8"))
  delete r.runId
  delete r.sessionId
  delete r.startedAt
  delete r.finishedAt
  delete r.durationMs
  // The tasks spent differ by what the resume ran again: compared apart (`spent`).
  for (const l of [...r.learners, ...r.ranking]) delete l.tasks
  return r
}

/** Each learner's tasks spent, as results.json counts them. */
const spent = (runDir: string): Array<number> =>
  JSON.parse(fs.readFileSync(`${runDir}/results.json`, "utf8")).learners.map((l: { tasks: number }) => l.tasks)

const calls = (runDir: string, learner: number): Array<string> =>
  fs
    .readFileSync(`${runDir}/learners/resume-${learner}/calls.txt`, "utf8")
    .split("\n")
    .filter((l) => l.length > 0)

describe("resume after a crash", () => {
  it.live("a run killed with SIGKILL mid-way and resumed ends as an uninterrupted run", () =>
    Effect.gen(function* () {
      const base = fs.mkdtempSync(`${os.tmpdir()}/rose-resume-`)
      const reference = `${base}/reference`
      yield* Runner.run(program, { out: reference }).pipe(Effect.provide(layer))

      const crashed = `${base}/crashed`
      const child = cp.spawn(process.execPath, ["--import", "tsx", fixture, crashed], {
        env: { ...process.env, SLOW_AT: "2" },
        stdio: "ignore"
      })
      // Wait until every learner is inside its slow task, then kill the runner outright.
      yield* Effect.promise(() =>
        Promise.all(
          [0, 1, 2].map((k) => waitForFile(`${crashed}/learners/resume-${k}/slow.pid`, (t) => t.length > 0, 60))
        )
      )
      child.kill("SIGKILL")
      yield* Effect.promise(() => new Promise((r) => child.once("exit", r)))
      const orphans = collectPids(`${crashed}/learners`, "slow.pid")
      assert.strictEqual(orphans.length, 3)
      assert.isTrue(orphans.every(isAlive), "the killed runner left its tasks running")

      const before = Event.parseJournal(fs.readFileSync(`${crashed}/events.jsonl`, "utf8")).events
      const completedBefore = before.filter((e) => e._tag === "iteration_completed").length
      assert.strictEqual(completedBefore, 6, "iterations 0 and 1 of three learners were journaled")

      const plan = yield* Resume.load(crashed, program).pipe(Effect.provide(NodeContext.layer))
      assert.strictEqual(plan.survivors.length, 3)
      const explanation = Resume.explain(plan, { detail: true }).join("\n")
      assert.include(explanation, "resume[0]: reuses iterations 0-1; continues from iteration 2")
      // Iteration 2's simulation finished, but the training the kill interrupted appended to the
      // calls.txt it had left: it runs again rather than be kept with a file that changed.
      assert.include(
        explanation,
        `iteration 2 simulation: re-run (${crashed}/learners/resume-0/calls.txt changed since it finished)`
      )

      const results = yield* Effect.scoped(
        Effect.gen(function* () {
          const handle = yield* Runner.prepare(program, { resume: plan })
          // Survivors are killed before anything new runs (nothing starts while this polls).
          assert.deepStrictEqual(yield* Effect.promise(() => waitGone(orphans)), [])
          yield* handle.start
          return yield* handle.await
        })
      ).pipe(Effect.provide(layer))
      assert.strictEqual(results.status, "completed")
      assert.deepStrictEqual(comparable(crashed), comparable(reference))
      // One more task each: iteration 2's simulation, which finished before the kill, ran again.
      assert.deepStrictEqual(
        spent(crashed),
        spent(reference).map((n) => n + 1)
      )

      // No completed iteration ran twice; the interrupted iteration 2 ran again (once more).
      for (const k of [0, 1, 2]) {
        const lines = calls(crashed, k)
        for (const i of [0, 1]) {
          for (const t of ["simulation", "training", "active_learn", "criterion"]) {
            assert.strictEqual(lines.filter((l) => l === `${i} ${t}`).length, 1, `learner ${k} iteration ${i} ${t}`)
          }
        }
        assert.strictEqual(lines.filter((l) => l === "2 training").length, 2)
      }
      const after = Event.parseJournal(fs.readFileSync(`${crashed}/events.jsonl`, "utf8"))
      assert.strictEqual(after.invalid, 0)
      assert.strictEqual(after.events.filter((e) => e._tag === "run_started").length, 2)
    })
  )

  it.live("tolerates a torn last line, keeps finished learners finished, and refuses a changed plan", () =>
    Effect.gen(function* () {
      const dir = `${fs.mkdtempSync(`${os.tmpdir()}/rose-resume-`)}/run`
      yield* Runner.run(program, { out: dir }).pipe(Effect.provide(layer))
      const journal = fs.readFileSync(`${dir}/events.jsonl`, "utf8")
      // Cut the journal after learner 2 finished, mid-way through a later line.
      const lines = journal.split("\n")
      const cut = lines.findIndex((l) => l.includes('"learner_stopped"') && l.includes('"index":2'))
      fs.writeFileSync(`${dir}/events.jsonl`, `${lines.slice(0, cut + 2).join("\n")}\n${lines[cut + 2]!.slice(0, 20)}`)
      const plan = yield* Resume.load(dir, program).pipe(Effect.provide(NodeContext.layer))
      assert.isString(plan.tornLine)
      assert.strictEqual(plan.learners.get("resume[2]")!.status, "done")
      const results = yield* Effect.scoped(
        Effect.flatMap(Runner.prepare(program, { resume: plan }), (h) => Effect.zipRight(h.start, h.await))
      ).pipe(Effect.provide(layer))
      assert.deepStrictEqual(
        results.learners.map((l) => [l.stopReason, l.iterations]),
        [
          ["criterion_met", 6],
          ["criterion_met", 5],
          ["criterion_met", 4]
        ]
      )
      assert.strictEqual(calls(dir, 2).length, 16, "learner 2 did not run again")
      assert.strictEqual(Event.parseJournal(fs.readFileSync(`${dir}/events.jsonl`, "utf8")).invalid, 0)

      const changed = Rose.program({
        here: import.meta.dirname,
        learners: [
          Rose.active("resume", {
            parallel: 3,
            maxIter: 7,
            tasks: { training: Rose.exec("true"), active_learn: Rose.exec("true") }
          })
        ]
      })
      const refused = yield* Effect.either(Resume.load(dir, changed).pipe(Effect.provide(NodeContext.layer)))
      assert.isTrue(Either.isLeft(refused))
      assert.include(Either.isLeft(refused) ? refused.left.message : "", "no longer matches")
    })
  )
})
