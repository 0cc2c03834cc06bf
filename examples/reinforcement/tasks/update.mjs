#!/usr/bin/env node
// The update task: Q-learning by experience replay. Reads every record of the learner's bank
// (ROSE_EXPERIENCE_BANK: all iterations, all environments), draws --updates transitions from it with
// a seed, in minibatches of --batch, and applies q[s][a] += lr * (r + gamma * max q[s'] - q[s][a]) to
// each. Writes the Q-table (q.json) for the next iteration's environments and the criterion.
//
//   node update.mjs [--updates 4000] [--batch 64] [--lr 0.5] [--gamma 0.95]
import { readBank, sample } from "../../../lib/experience.mjs"
import { flags, loadQ, saveQ } from "./gridworld.mjs"

const f = flags("update.mjs", { updates: 4000, batch: 64, lr: 0.5, gamma: 0.95 })
const bank = readBank()
const q = loadQ()
const iteration = process.env.ROSE_ITERATION ?? "0"
let td = 0
let n = 0
for (let b = 0; n < f.updates && bank.length > 0; b++) {
  for (const x of sample(bank, Math.min(f.batch, f.updates - n), { seed: `${iteration}/${b}` })) {
    const target = x.reward + (x.done ? 0 : f.gamma * Math.max(...q[x.next_state]))
    const delta = target - q[x.state][x.action]
    q[x.state][x.action] += f.lr * delta
    td += Math.abs(delta)
    n++
  }
}
saveQ(q, { iteration: Number(iteration) })
console.log(JSON.stringify({ bank: bank.length, updates: n, mean_td_error: n === 0 ? 0 : Number((td / n).toFixed(4)) }))
