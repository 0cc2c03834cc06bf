/**
 * `Runner.stream` read slower than its learners work holds them back: they wait once the consumer
 * is a bounded number of states behind, rather than the run's subscription buffering every state.
 */
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { LocalBackend, Rose, Runner, Runtime } from "../../../index.ts"

// The bound Runner.stream holds its learners to, with room for the iteration each is in when held.
const AHEAD = 1024
const LEARNERS = 2
const ITERATIONS = 2 * AHEAD

const dir = NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "rose-stream-pace-"))
afterAll(() => NodeFs.rmSync(dir, { recursive: true, force: true }))

const sleep = (ms: number) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, ms)))

describe("Runner.stream read by a slow consumer", () => {
  it("holds the learners while the consumer is behind, and gives every state", async () => {
    const made = { iterations: 0 }
    const program = Rose.program({
      learners: [
        Rose.active("paced", {
          parallel: LEARNERS,
          maxIter: ITERATIONS,
          tasks: {
            training: Rose.fn(() => ({})),
            active_learn: Rose.fn(() => ({})),
            criterion: Rose.fn(() => {
              made.iterations++
              return 0.5
            })
          },
          stopWhen: { metricName: "mse", threshold: 0 }
        })
      ]
    })
    let states = 0
    let heldAt: number | undefined
    const consume = Stream.runForEach(Runner.stream(program, { out: NodePath.join(dir, "slow") }), () =>
      Effect.gen(function* () {
        states++
        if (states !== 1) return
        // The consumer stops taking states: the learners go on until they are AHEAD ahead, then wait.
        while (made.iterations <= AHEAD) yield* sleep(20)
        let last = -1
        while (made.iterations !== last && made.iterations < LEARNERS * ITERATIONS) {
          last = made.iterations
          yield* sleep(200)
        }
        heldAt = made.iterations
      })
    )
    const layer = LocalBackend.layer({ concurrency: 2 }).pipe(Layer.provideMerge(Runtime.Platform.layer))
    await Effect.runPromise(consume.pipe(Effect.provide(layer)))
    assert.isAtMost(heldAt!, AHEAD + LEARNERS + 1, "the learners ran at most AHEAD states ahead of the consumer")
    assert.strictEqual(states, LEARNERS * ITERATIONS)
    assert.strictEqual(made.iterations, LEARNERS * ITERATIONS)
  })
})
