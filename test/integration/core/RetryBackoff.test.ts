/**
 * Retries wait an exponential backoff with jitter between attempts (DESIGN §4.6, docs/dsl.md `retry`):
 * the wait before attempt k + 1 is 0.5 s × 2^(k-1), times a jitter factor in [0.8, 1.2] (at most
 * 30 s). Checked on real processes, from each attempt's own start mark (`date +%s%N` in the task):
 * - `retry 3 on exit` in a `.rose` file, through `rose run`: a task that always exits 3 runs 4 times,
 *   its outputs are `training.out`, `.out.2`, `.out.3`, `.out.4`, and the gaps between the attempts
 *   grow and stay within the bounds (the journal's `task_retried.delayMs` too);
 * - `retry 3` (infrastructure failures only), same file: the non-zero exit is not retried;
 * - `retry: 3` through the TypeScript API on the local backend wrapped so that the first attempts
 *   end as a lost connection after their process ran (an infrastructure failure): the same spacing.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as LocalBackend from "../../../backends/LocalBackend.ts"
import * as Backend from "../../../core/Backend.ts"
import * as Event from "../../../core/Event.ts"
import * as Rose from "../../../core/ProgramBuilder.ts"
import * as Runner from "../../../core/Runner.ts"
import * as TaskError from "../../../core/TaskError.ts"
import * as Platform from "../../../runtime/Platform.ts"
import { ensureCli, journal, rose, tempDir } from "../cli/helpers.ts"

const BASE_MS = 500
const RETRIES = 3
/** Room for the runner, process start-up and a loaded machine on top of the backoff itself. */
const SLACK_MS = 1500

let dir: string

/** Appends `<attempt> <start ns>` to `attempts` in the learner's folder, then runs `rest`. */
const attemptMark = (rest: string) =>
  `printf '%s %s\\n' "$ROSE_ATTEMPT" "$(date +%s%N)" >> attempts; echo "attempt $ROSE_ATTEMPT"; ${rest}`

beforeAll(() => {
  dir = tempDir("rose-retry-")
  NodeFs.writeFileSync(
    NodePath.join(dir, "retry.rose"),
    `backend local { concurrency: 2 }

active "onexit" {
  max_iter 1
  training     = shell ${JSON.stringify(attemptMark("echo boom >&2; exit 3"))} retry ${RETRIES} on exit
  active_learn = exec "true"
}

active "infra" {
  max_iter 1
  training     = shell ${JSON.stringify(attemptMark("exit 3"))} retry ${RETRIES}
  active_learn = exec "true"
}
`
  )
})

afterAll(() => NodeFs.rmSync(dir, { recursive: true, force: true }))

/** The attempts' own start times (ms), in attempt order. */
const attemptStarts = (learnerDir: string): Array<number> =>
  NodeFs.readFileSync(NodePath.join(learnerDir, "attempts"), "utf8")
    .trim()
    .split("\n")
    .map((l) => l.split(" ").map((w) => BigInt(w)))
    .sort((a, b) => Number(a[0]! - b[0]!))
    .map((p, i) => {
      assert.strictEqual(Number(p[0]), i + 1, "attempts numbered 1, 2, …")
      return Number(p[1]! / 1_000_000n)
    })

/** Checks the spacing of the attempts against the backoff's bounds and the journaled delays. */
const checkSpacing = (starts: ReadonlyArray<number>, delays: ReadonlyArray<number>) => {
  assert.strictEqual(starts.length, RETRIES + 1)
  assert.strictEqual(delays.length, RETRIES)
  const gaps = starts.slice(1).map((t, i) => t - starts[i]!)
  for (const [i, gap] of gaps.entries()) {
    const nominal = BASE_MS * 2 ** i
    const [low, high] = [0.8 * nominal, 1.2 * nominal]
    const what = `before attempt ${i + 2}: gap ${gap} ms, delay ${delays[i]} ms (bounds ${low}-${high} ms)`
    assert.isAtLeast(delays[i]!, Math.floor(low), what)
    assert.isAtMost(delays[i]!, Math.ceil(high), what)
    assert.isAtLeast(gap, delays[i]!, `the runner waited the delay it journaled; ${what}`)
    assert.isAtMost(gap, high + SLACK_MS, what)
    if (i > 0) assert.isAbove(gap, gaps[i - 1]!, `the spacing grows; gaps ${gaps.join(", ")} ms`)
  }
}

describe("retry backoff", () => {
  it("retry N on exit: N + 1 attempts of a failing task, spaced by the exponential backoff", async () => {
    const cli = await ensureCli()
    const r = await rose(cli, ["run", "retry.rose", "--out", "run"], dir)
    assert.strictEqual(r.code, 1, r.stderr)
    const runDir = NodePath.join(dir, "run")
    const events = journal(runDir)
    const retried = (name: string) =>
      events.filter((e) => e.type === "task_retried" && e.learner.name === name && e.task === "training")

    // on exit: every attempt ran, with an output file each, and the retries were journaled.
    const onexit = NodePath.join(runDir, "learners/onexit-0")
    const iter = NodePath.join(onexit, "iter-0")
    for (let a = 1; a <= RETRIES + 1; a++) {
      const suffix = a === 1 ? "" : `.${a}`
      assert.strictEqual(NodeFs.readFileSync(`${iter}/training.out${suffix}`, "utf8").trim(), `attempt ${a}`)
      assert.strictEqual(NodeFs.readFileSync(`${iter}/training.err${suffix}`, "utf8").trim(), "boom")
    }
    assert.isFalse(NodeFs.existsSync(`${iter}/training.out.${RETRIES + 2}`))
    const failedAttempts = events.filter((e) => e.type === "task_failed" && e.learner.name === "onexit")
    assert.deepStrictEqual(
      failedAttempts.map((e) => e.attempt),
      [1, 2, 3, 4]
    )
    const delays = retried("onexit").map((e) => e.delayMs as number)
    assert.deepStrictEqual(
      retried("onexit").map((e) => [e.attempt, e.nextAttempt]),
      [
        [1, 2],
        [2, 3],
        [3, 4]
      ]
    )
    checkSpacing(attemptStarts(onexit), delays)

    // retry N without "on exit": a non-zero exit is not an infrastructure failure, so no retry.
    assert.deepStrictEqual(attemptStarts(NodePath.join(runDir, "learners/infra-0")).length, 1)
    assert.deepStrictEqual(retried("infra"), [])
    const results = JSON.parse(NodeFs.readFileSync(NodePath.join(runDir, "results.json"), "utf8"))
    const failure = (name: string) => results.learners.find((l: any) => l.name === name).failure
    assert.strictEqual(failure("onexit").attempt, RETRIES + 1)
    assert.strictEqual(failure("onexit").exitCode, 3)
    assert.strictEqual(failure("infra").attempt, 1)
  })

  it.live("retry N: infrastructure failures are retried with the same backoff", () =>
    Effect.gen(function* () {
      const out = NodePath.join(dir, "api")
      // The real local backend; attempts before the last end as a lost connection once their
      // process has run (what a dropped SSH connection looks like to the runner).
      const flaky = Layer.effect(
        Backend.Backend,
        Effect.map(
          Backend.Backend,
          (inner): Backend.Service => ({
            ...inner,
            run: (inv) =>
              Effect.flatMap(inner.run(inv), (outcome) =>
                inv.task === "training" && inv.attempt <= RETRIES
                  ? Effect.fail(
                      new TaskError.ConnectionLost({ host: "test", reason: `dropped attempt ${inv.attempt}` })
                    )
                  : Effect.succeed(outcome)
              )
          })
        )
      ).pipe(Layer.provide(LocalBackend.layer({ concurrency: 2 })), Layer.provideMerge(Platform.layer))
      const program = Rose.program({
        learners: [
          Rose.active("api", {
            maxIter: 1,
            tasks: {
              training: Rose.shell(attemptMark("exit 0"), { retry: RETRIES }),
              active_learn: Rose.exec("true")
            }
          })
        ]
      })
      const results = yield* Runner.run(program, { out }).pipe(Effect.provide(flaky))
      assert.strictEqual(results.status, "completed", JSON.stringify(results.learners.map((l) => l.failure)))
      const events = Event.parseJournal(NodeFs.readFileSync(`${out}/events.jsonl`, "utf8")).events
      const retried = events.filter((e) => e._tag === "task_retried")
      assert.deepStrictEqual(
        retried.map((e) => (e._tag === "task_retried" ? e.reason : "")),
        [1, 2, 3].map((a) => `lost the connection to test: dropped attempt ${a}`)
      )
      const delays = retried.map((e) => (e._tag === "task_retried" ? e.delayMs : -1))
      checkSpacing(attemptStarts(`${out}/learners/api-0`), delays)
      for (let a = 2; a <= RETRIES + 1; a++) {
        assert.strictEqual(
          NodeFs.readFileSync(`${out}/learners/api-0/iter-0/training.out.${a}`, "utf8").trim(),
          `attempt ${a}`
        )
      }
    })
  )
})
