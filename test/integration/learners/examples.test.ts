/**
 * The reinforcement, UQ and selector examples run end to end as their READMEs say: the `.rose` file
 * with the `rose` command and the TypeScript port with tsx, each in its own process and run
 * directory. The checks read what the runs left (results.json, events.jsonl, the experience bank)
 * and compare the two forms, which must compute the same numbers.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Event from "../../../core/Event.ts"
import type * as Results from "../../../core/Results.ts"
import { ensureCli, root } from "../cli/helpers.ts"

interface Run {
  readonly stdout: string
  readonly runDir: string
  readonly results: Results.Results
  readonly events: ReadonlyArray<Event.Event>
}

const finish = async (command: ReadonlyArray<string>, runDir: string, env: NodeJS.ProcessEnv = {}): Promise<Run> => {
  const child = spawn(process.execPath, command, {
    cwd: root,
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (b) => (stdout += b))
  child.stderr.on("data", (b) => (stderr += b))
  const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)))
  assert.strictEqual(code, 0, `${command.join(" ")} exited with ${code}:\n${stderr}\n${stdout}`)
  return {
    stdout,
    runDir,
    results: JSON.parse(fs.readFileSync(path.join(runDir, "results.json"), "utf8")),
    events: Event.parseJournal(fs.readFileSync(path.join(runDir, "events.jsonl"), "utf8")).events
  }
}

const fresh = (name: string) => path.join(fs.mkdtempSync(path.join(os.tmpdir(), `rose-${name}-`)), "run")

/** `npx --no-install rose run examples/<x>/<x>.rose`. */
const runRose = async (example: string): Promise<Run> => {
  const runDir = fresh(example)
  return finish([await ensureCli(), "run", `examples/${example}/${example}.rose`, "--out", runDir], runDir)
}

/** `npx tsx examples/<x>/<x>.ts`, its run directory given by ROSE_OUT. */
const runTs = (example: string): Promise<Run> => {
  const runDir = fresh(`${example}-ts`)
  return finish(["--import", "tsx", `examples/${example}/${example}.ts`], runDir, { ROSE_OUT: runDir })
}

/** The `.rose` run of an example, made once and shared by its tests. */
const dslRuns = new Map<string, Promise<Run>>()
const dslRun = (example: string): Promise<Run> => {
  let run = dslRuns.get(example)
  if (run === undefined) dslRuns.set(example, (run = runRose(example)))
  return run
}

const histories = (run: Run) => run.results.learners.map((l) => l.metric?.history ?? [])

describe("examples/reinforcement", () => {
  const check = (run: Run) => {
    assert.strictEqual(run.results.status, "completed")
    for (const l of run.results.learners) {
      const rewards = l.metric!.history
      assert.isAbove(rewards.at(-1)!, rewards[0]!, `learner ${l.index}: the reward rises (${rewards.join(", ")})`)
      assert.strictEqual(l.stopReason, "criterion_met")
      assert.strictEqual(rewards.at(-1), -9, "the best return of the grid world")
      // The bank kept every record: the sum of what each iteration added, in one segment per
      // iteration and environment, each environment's file still in its iteration's folder.
      const bank = path.join(run.runDir, "learners", `cliff-${l.index}`, "experience")
      const segments = fs.readdirSync(bank).sort()
      assert.strictEqual(segments.length, 2 * l.iterations)
      const records = segments.reduce(
        (n, f) =>
          n +
          fs
            .readFileSync(path.join(bank, f), "utf8")
            .split("\n")
            .filter((x) => x !== "").length,
        0
      )
      const added = run.events.flatMap((e) =>
        e._tag === "iteration_completed" && e.learner.index === l.index
          ? [(e.state.experience as { added: number }).added]
          : []
      )
      assert.strictEqual(
        records,
        added.reduce((a, b) => a + b, 0)
      )
      assert.strictEqual((l.state.experience as { records: number }).records, records)
      for (let i = 0; i < l.iterations; i++) {
        for (const env of ["explore", "exploit"]) {
          assert.isTrue(
            fs.existsSync(
              path.join(run.runDir, "learners", `cliff-${l.index}`, `iter-${i}`, `environment.${env}.experience.jsonl`)
            )
          )
        }
      }
    }
  }

  it("rose run: the greedy reward rises to the best return and the bank keeps every record", async () => {
    check(await dslRun("reinforcement"))
  })

  it("the TypeScript port computes the same", async () => {
    const [dsl, ts] = [await dslRun("reinforcement"), await runTs("reinforcement")]
    check(ts)
    assert.deepStrictEqual(histories(ts), histories(dsl))
    assert.match(ts.stdout, /learner 0: criterion_met after \d+ iteration\(s\), reward -60 → .* → -9/)
  })
})

describe("examples/uq", () => {
  const check = (run: Run) => {
    assert.strictEqual(run.results.status, "completed")
    const l = run.results.learners[0]!
    assert.strictEqual(l.stopReason, "criterion_met")
    const states = run.events.flatMap((e) => (e._tag === "iteration_completed" ? [e] : []))
    const uq = (e: (typeof states)[number]) =>
      e.state.uq as {
        models: Record<string, { training: boolean; value: number | null }>
        uncertainty: number
        uncertaintyMet: boolean
      }
    // Some model stopped training while another went on, and the uncertainty threshold ended it.
    assert.isTrue(
      states.some((e) => {
        const m = Object.values(uq(e).models)
        return m.some((x) => !x.training) && m.some((x) => x.training)
      })
    )
    assert.isTrue(uq(states.at(-1)!).uncertaintyMet)
    assert.isBelow(uq(states.at(-1)!).uncertainty, 0.002)
    // The error fell while labels were added.
    const mse = l.metric!.history
    assert.isBelow(mse.at(-1)!, mse[0]! / 5)
    // Every per-model task ran under its own name with its model's kwargs.
    const started = run.events.flatMap((e) => (e._tag === "task_started" ? [e] : []))
    const p = started.find((e) => e.task === "prediction@b.1")!
    assert.strictEqual(p.model, "b")
    assert.strictEqual(p.config.kwargs["--prediction"], 1)
    assert.isTrue(fs.existsSync(path.join(run.runDir, "learners/ensemble-0/iter-0/training@c.out")))
  }

  it("rose run: models stop on their own criterion, the learner on the uncertainty threshold", async () => {
    check(await dslRun("uq"))
  })

  it("the TypeScript port computes the same", async () => {
    const [dsl, ts] = [await dslRun("uq"), await runTs("uq")]
    check(ts)
    assert.deepStrictEqual(histories(ts), histories(dsl))
  })
})

describe("examples/selector", () => {
  const check = (run: Run) => {
    assert.strictEqual(run.results.status, "completed")
    const s = run.results.selection!.strategies!
    assert.strictEqual(s.winner!.algorithm, "uncertainty")
    assert.deepStrictEqual(
      s.ranking.map((r) => [r.algorithm, r.converged]),
      [
        ["uncertainty", true],
        ["random", false]
      ]
    )
    assert.isTrue(fs.existsSync(path.join(run.runDir, "learners/strategies-1/iter-0/active_learn.random.out")))
  }

  it("rose run: uncertainty sampling beats random sampling", async () => {
    const run = await dslRun("selector")
    check(run)
    assert.include(run.stdout, "selector strategies: winner uncertainty (strategies[0])")
  })

  it("the TypeScript port computes the same", async () => {
    const [dsl, ts] = [await dslRun("selector"), await runTs("selector")]
    check(ts)
    assert.deepStrictEqual(histories(ts), histories(dsl))
    assert.include(ts.stdout, "best algorithm: uncertainty")
  })
})
