#!/usr/bin/env node
// Active learning with a choice of acquisition strategy, for the algorithm selector to compare:
//
//   --strategy uncertainty  the --batch_size candidates of the pool on which the surrogate's
//                           bootstrap members disagree most (the largest standard deviation)
//   --strategy random       --batch_size candidates drawn at random (seeded by the iteration)
//
// Like the parallel-learners active.mjs, it writes state-<i>.json (the labeled set and the queued
// points), which the simulation of the next iteration reads.
//
//   node active.mjs --strategy uncertainty|random [--batch_size 10] [--seed S]
import {
  baseSeed,
  iteration,
  parseFlags,
  predictAll,
  readJson,
  rng,
  round,
  std,
  usage,
  writeJson
} from "../../parallel-learners/tasks/lib.mjs"

const SCRIPT = "active.mjs"
const argv = process.argv.slice(2)
const k = argv.indexOf("--strategy")
const strategy = k < 0 ? undefined : argv[k + 1]
if (strategy !== "uncertainty" && strategy !== "random") {
  usage(SCRIPT, `--strategy must be uncertainty or random, got ${JSON.stringify(strategy)}`, { strategy: {} })
}
const flags = parseFlags(SCRIPT, [...argv.slice(0, k), ...argv.slice(k + 2)], {
  batch_size: { kind: "int", min: 1, max: 1000, default: 10 },
  seed: { kind: "int", min: 0 }
})
const i = iteration()
const data = readJson(SCRIPT, `data-${i}.json`, "sim.mjs of this iteration")
const model = readJson(SCRIPT, `model-${i}.json`, "train.mjs of this iteration")
const batch = Math.min(flags.batch_size, data.pool.length)

let picked
if (strategy === "uncertainty") {
  const scored = data.pool.map((x, j) => ({ j, s: std(predictAll(model, x)) }))
  scored.sort((a, b) => b.s - a.s || a.j - b.j)
  picked = scored.slice(0, batch).map(({ j }) => j)
} else {
  const r = rng(baseSeed(flags.seed), i, "random-acquisition")
  const order = data.pool.map((_, j) => j)
  for (let s = 0; s < batch; s++) {
    const t = s + r.int(order.length - s)
    ;[order[s], order[t]] = [order[t], order[s]]
  }
  picked = order.slice(0, batch)
}

writeJson(`state-${i}.json`, {
  iteration: i,
  nFeatures: data.nFeatures,
  labeled: data.labeled,
  queued: picked.map((j) => data.pool[j])
})
const spread = picked.map((j) => std(predictAll(model, data.pool[j])))
console.log(
  JSON.stringify({
    strategy,
    labeled: data.labeled.X.length,
    picked: picked.length,
    mean_std_picked: round(spread.reduce((a, b) => a + b, 0) / spread.length)
  })
)
