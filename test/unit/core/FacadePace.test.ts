/**
 * A `for await` over a facade run that reads slower than its learners work holds them back: the
 * learners wait for it once it is a bounded number of states behind, rather than the run buffering
 * every state; a loop left without ending it does not hold a run that is then awaited.
 */
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import { afterAll, assert, describe, it } from "@effect/vitest"
import type * as Task from "../../../core/Task.ts"
import { localBackend, SequentialActiveLearner } from "../../../index.ts"

const inProcess = { asExecutable: false } as const
type Fn = (args: ReadonlyArray<unknown>, kwargs: { readonly [k: string]: unknown }, ctx: Task.TaskContext) => unknown

// The bound the facade holds a loop's learners to (LearnerRun's MAX_AHEAD), with room for the
// iteration each learner is in when it is held.
const AHEAD = 1024
const ITERATIONS = 3 * AHEAD

const dir = NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "rose-facade-pace-"))
afterAll(() => NodeFs.rmSync(dir, { recursive: true, force: true }))

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** One learner of cheap in-process tasks that never meets its criterion; counts its iterations. */
const learner = () => {
  const made = { iterations: 0 }
  const acl = new SequentialActiveLearner(localBackend(), { name: "paced" })
  acl.simulationTask((() => ({})) as Fn, inProcess)
  acl.trainingTask((() => ({})) as Fn, inProcess)
  acl.activeLearnTask((() => ({})) as Fn, inProcess)
  acl.asStopCriterion(
    { metricName: "mse", threshold: 0 },
    (() => {
      made.iterations++
      return 0.5
    }) as Fn,
    inProcess
  )
  return { acl, made }
}

describe("a facade run read with for await", () => {
  it("holds its learners while the loop is behind, and gives every state", async () => {
    const { acl, made } = learner()
    const run = acl.start({ maxIter: ITERATIONS, out: NodePath.join(dir, "slow") })
    let states = 0
    let heldAt: number | undefined
    for await (const state of run) {
      assert.strictEqual(state.iteration, states)
      states++
      if (states === 1) {
        // The loop stops reading: the learner goes on until it is AHEAD states ahead, then waits.
        while (made.iterations <= AHEAD) await sleep(20)
        let last = -1
        while (made.iterations !== last && made.iterations < ITERATIONS) {
          last = made.iterations
          await sleep(200)
        }
        heldAt = made.iterations
      }
    }
    assert.isAtMost(heldAt!, AHEAD + 2, "the learner ran at most AHEAD iterations ahead of the loop")
    assert.strictEqual(states, ITERATIONS)
    assert.strictEqual((await run).status, "completed")
    await acl.shutdown()
  })

  it("a run awaited after a loop that read one state and left ends", async () => {
    const { acl, made } = learner()
    const run = acl.start({ maxIter: ITERATIONS, out: NodePath.join(dir, "left") })
    const first = await run[Symbol.asyncIterator]().next()
    assert.strictEqual(first.value?.iteration, 0)
    const results = await run
    assert.strictEqual(results.status, "completed")
    assert.strictEqual(made.iterations, ITERATIONS)
    await acl.shutdown()
  })
})
