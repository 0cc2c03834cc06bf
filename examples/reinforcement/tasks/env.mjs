#!/usr/bin/env node
// An environment task: plays --episodes episodes of the grid world with an epsilon-greedy policy
// from the learner's current Q-table, and appends every transition to its experience file
// (ROSE_EXPERIENCE_OUT) for the runner to merge into the learner's bank. Seeded by the learner, the
// iteration and the environment's name, so a re-run plays the same episodes.
//
//   node env.mjs [--episodes 10] [--epsilon 0.1]
import { append, experience, rng } from "../../../lib/experience.mjs"
import { ACTIONS, flags, greedy, loadQ, MAX_STEPS, START, step } from "./gridworld.mjs"

const f = flags("env.mjs", { episodes: 10, epsilon: 0.1 })
const r = rng(process.env.ROSE_LEARNER ?? "0", process.env.ROSE_ITERATION ?? "0", process.env.ROSE_TASK ?? "env")
const q = loadQ()

const returns = []
let transitions = 0
for (let e = 0; e < f.episodes; e++) {
  const records = []
  let s = START
  let total = 0
  for (let t = 0; t < MAX_STEPS; t++) {
    const a = r.next() < f.epsilon ? r.int(ACTIONS) : greedy(q, s, r.int)
    const { next, reward, done } = step(s, a)
    records.push(experience(s, a, reward, next, done))
    total += reward
    s = next
    if (done) break
  }
  transitions += append(records)
  returns.push(total)
}
const mean = returns.reduce((a, b) => a + b, 0) / returns.length
console.log(JSON.stringify({ episodes: f.episodes, epsilon: f.epsilon, transitions, mean_return: mean }))
