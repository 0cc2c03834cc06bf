/**
 * reinforcement.rose in TypeScript, with the Python toolkit's names: a `ParallelExperience` learner
 * (two named environments per iteration, their experience merged into the bank, then the update,
 * then the criterion), two of them in parallel, each with its own configuration.
 *
 *   npx tsx examples/reinforcement/reinforcement.ts
 *
 * The run directory is `runs/<timestamp>-<hex>/` under the current directory, or `$ROSE_OUT`.
 */
import { LearnerConfig, ParallelExperience } from "rose-ts"

const rl = new ParallelExperience(undefined, { name: "cliff", here: import.meta.dirname })
const node = process.execPath
const tasks = `${import.meta.dirname}/tasks`

// A command template: the kwargs of the config are appended as flags (--episodes 10 --epsilon 0.3).
rl.environmentTask("explore", [node, `${tasks}/env.mjs`], { with: { episodes: 10, epsilon: 0.3 } })
rl.environmentTask("exploit", [node, `${tasks}/env.mjs`], { with: { episodes: 10, epsilon: 0.05 } })
rl.updateTask([node, `${tasks}/update.mjs`], { with: { updates: 4000, batch: 64, lr: 0.5 } })
rl.asStopCriterion({ metricName: "reward", threshold: -9, operator: ">=" }, [node, `${tasks}/evaluate.mjs`])

// Learner 1 explores less and less: an adaptive schedule of the "explore" environment.
const decaying = rl.createAdaptiveSchedule("environment.explore", (i) => ({
  kwargs: { epsilon: Math.max(0.05, 0.5 * 0.7 ** i) }
}))

const run = rl.start({
  parallelLearners: 2,
  maxIter: 12,
  learnerConfigs: [null, new LearnerConfig({ tasks: { "environment.explore": decaying } })],
  out: process.env.ROSE_OUT
})

try {
  console.log(`run directory: ${(await run.info).runDir}`)
  for await (const state of run) {
    const experience = state.state.experience as { records: number; added: number }
    console.log(
      `learner ${state.learnerId} iteration ${state.iteration}: reward ${state.metricValue}, ` +
        `bank ${experience.records} records (+${experience.added})` +
        (state.shouldStop ? " (the learner stops)" : "")
    )
  }
  const results = await run
  for (const l of results.learners) {
    const history = l.metric?.history ?? []
    console.log(`learner ${l.index}: ${l.stopReason} after ${l.iterations} iteration(s), reward ${history.join(" → ")}`)
  }
} finally {
  await rl.shutdown()
}
