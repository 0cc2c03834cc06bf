#!/usr/bin/env node
import { mean, selectTopUncertain } from "../../../lib/uq.mjs"
// The uncertainty task: gathers every prediction of this iteration (each model's, each dropout
// pass), scores each candidate of the pool by the predictive variance across them (lib/uq.mjs),
// picks the --query_size most uncertain for labeling (uq-<i>.json, read by active.mjs) and prints
// the pool's mean variance: the value the learner's uncertainty threshold is compared with.
//
//   node uncertainty.mjs [--query_size 10]
import { iteration, parseFlags, readJson, round, writeJson } from "../../parallel-learners/tasks/lib.mjs"
import { predictionFiles } from "./common.mjs"

const SCRIPT = "uncertainty.mjs"
const flags = parseFlags(SCRIPT, process.argv.slice(2), { query_size: { kind: "int", min: 1, default: 10 } })
const i = iteration()
const files = predictionFiles(i)
if (files.length === 0) {
  process.stderr.write(`${SCRIPT}: no predictions for iteration ${i}\n`)
  process.exit(1)
}
const samples = files.map((f) => readJson(SCRIPT, f, "a prediction task").preds)
const all = selectTopUncertain(samples, samples[0].length, { metric: "predictive_variance" })
const picked = all.indices.slice(0, flags.query_size)
writeJson(`uq-${i}.json`, { iteration: i, metric: all.metric, picked })
console.log(
  JSON.stringify({
    value: round(mean(all.scores), 8),
    max: round(all.scores[0], 8),
    samples: samples.length,
    picked: picked.length
  })
)
