/**
 * A failed learner as the Promise facade and `Runner.run` tell it: both give the results, with the
 * failed learner in them next to the others; only `run.completed()` rejects, with a
 * `LearnerFailedError` carrying the same results.
 */
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { LearnerFailedError } from "../../../core/Facade.ts"
import type * as Results from "../../../core/Results.ts"
import * as Runner from "../../../core/Runner.ts"
import type * as Task from "../../../core/Task.ts"
import { localBackend, ParallelActiveLearner } from "../../../index.ts"

const inProcess = { asExecutable: false } as const
type Fn = (args: ReadonlyArray<unknown>, kwargs: { readonly [k: string]: unknown }, ctx: Task.TaskContext) => unknown

/** Two learners; the second one's training throws at iteration 1. */
const learner = () => {
  const acl = new ParallelActiveLearner(localBackend(), { name: "sweep" })
  acl.simulationTask((() => ({})) as Fn, inProcess)
  acl.trainingTask(
    ((_a, _k, ctx) => {
      if (ctx.learner.index === 1 && ctx.iteration === 1) throw new Error("the model diverged")
      return {}
    }) as Fn,
    inProcess
  )
  acl.activeLearnTask((() => ({})) as Fn, inProcess)
  return acl
}

const outcome = (r: Results.Results) => ({
  status: r.status,
  learners: r.learners.map((l) => [l.stopReason, l.iterations, l.failure?.task, l.failure?.iteration]),
  message: r.learners[1]!.failure?.message
})

describe("the Promise facade and Runner.run agree on a failed learner", () => {
  it("both give the results; completed() rejects with them", async () => {
    const dir = NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "rose-facade-outcome-"))
    const acl = learner()
    try {
      const options = { parallelLearners: 2, maxIter: 3 }
      const viaFacade = await acl.start({ ...options, out: NodePath.join(dir, "facade") })
      const viaRunner = await Effect.runPromise(
        Runner.run(acl.program({ ...options, out: NodePath.join(dir, "runner") }), {
          out: NodePath.join(dir, "runner")
        }).pipe(Effect.provide(localBackend()))
      )
      assert.deepStrictEqual(outcome(viaFacade), {
        status: "failed",
        learners: [
          ["max_iter", 3, undefined, undefined],
          ["error", 1, "training", 1]
        ],
        message: outcome(viaFacade).message
      })
      assert.match(outcome(viaFacade).message ?? "", /the model diverged/)
      assert.deepStrictEqual(outcome(viaRunner), outcome(viaFacade))
      const rejected = await acl
        .start({ ...options, out: NodePath.join(dir, "completed") })
        .completed()
        .then(
          () => undefined,
          (e: unknown) => e
        )
      assert.instanceOf(rejected, LearnerFailedError)
      assert.deepStrictEqual(outcome((rejected as LearnerFailedError).results), outcome(viaFacade))
    } finally {
      await acl.shutdown()
      NodeFs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
