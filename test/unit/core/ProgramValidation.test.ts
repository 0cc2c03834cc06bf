/**
 * Programs built in TypeScript are checked as a whole: every problem, with its learner and task.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Rose from "../../../core/ProgramBuilder.ts"

describe("Program validation", () => {
  it("says which learner, which task and what is wrong", () => {
    const r = Rose.make({
      learners: [
        Rose.active("sweep", {
          parallel: 2,
          maxIter: 3,
          tasks: { training: Rose.exec("t"), active_learn: Rose.exec("a"), simulation: Rose.exec("s") },
          configs: [null, { simulation: { kwargs: { n: Number.NaN } } }]
        })
      ]
    })
    assert.isTrue(Either.isLeft(r))
    const message = Either.isLeft(r) ? r.left.message : ""
    assert.include(message, 'learner "sweep"[1], task "simulation"')
  })

  it("needs a criterion when max_iter is absent, one config per learner, and the kind's tasks", () => {
    const r = Rose.make({
      learners: [Rose.active("a", { parallel: 2, tasks: { training: Rose.exec("t") }, configs: [null] })]
    })
    const message = Either.isLeft(r) ? r.left.message : ""
    assert.include(message, 'needs a "active_learn" task')
    assert.include(message, "needs one")
    assert.include(message, "1 learner configs for 2 parallel learners")
  })

  it("rejects duplicate learner names and a bad command", () => {
    const block = Rose.active("a", {
      maxIter: 1,
      tasks: { training: Rose.exec("t"), active_learn: Rose.exec("echo 'x") }
    })
    const r = Rose.make({ learners: [block, block] })
    const message = Either.isLeft(r) ? r.left.message : ""
    assert.include(message, "unterminated single quote")
  })
})
