#!/usr/bin/env node
// The active-learning task: scores every candidate of this iteration's pool by the disagreement of
// the ensemble (the standard deviation of its members' predictions), queues the --batch_size most
// uncertain ones for labeling, and writes state-<i>.json: the labeled set and the queued points,
// which sim.mjs of the next iteration reads.
//
//   --batch_size  default: what train.mjs was given (itself 10 by default)
//
//   node active.mjs [--batch_size N]
import { iteration, parseFlags, predictAll, readJson, round, std, writeJson } from "./lib.mjs"

const SCRIPT = "active.mjs"

const flags = parseFlags(SCRIPT, process.argv.slice(2), {
  batch_size: { kind: "int", min: 1, max: 1000 },
  seed: { kind: "int", min: 0 }
})
const i = iteration()
const data = readJson(SCRIPT, `data-${i}.json`, "sim.mjs of this iteration")
const model = readJson(SCRIPT, `model-${i}.json`, "train.mjs of this iteration")
const batch = Math.min(flags.batch_size ?? model.batchSize ?? 10, data.pool.length)

const scored = data.pool.map((x, k) => ({ k, s: std(predictAll(model, x)) }))
// Highest disagreement first; ties by pool position, so the choice is deterministic.
scored.sort((a, b) => b.s - a.s || a.k - b.k)
const picked = scored.slice(0, batch)

writeJson(`state-${i}.json`, {
  iteration: i,
  nFeatures: data.nFeatures,
  labeled: data.labeled,
  queued: picked.map(({ k }) => data.pool[k])
})
console.log(
  JSON.stringify({
    labeled: data.labeled.X.length,
    picked: picked.length,
    max_std: round(picked[0]?.s ?? 0),
    mean_std: round(scored.reduce((a, b) => a + b.s, 0) / scored.length)
  })
)
