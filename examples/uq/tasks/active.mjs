#!/usr/bin/env node
// Active learning: queues the candidates the uncertainty task picked (uq-<i>.json) for labeling and
// writes state-<i>.json, which the simulation of the next iteration reads (the same format as the
// parallel-learners example, whose simulation this example reuses).
//
//   node active.mjs
import { iteration, parseFlags, readJson, writeJson } from "../../parallel-learners/tasks/lib.mjs"

const SCRIPT = "active.mjs"
parseFlags(SCRIPT, process.argv.slice(2), {})
const i = iteration()
const data = readJson(SCRIPT, `data-${i}.json`, "the simulation of this iteration")
const uq = readJson(SCRIPT, `uq-${i}.json`, "the uncertainty task of this iteration")
writeJson(`state-${i}.json`, {
  iteration: i,
  nFeatures: data.nFeatures,
  labeled: data.labeled,
  queued: uq.picked.map((k) => data.pool[k])
})
console.log(JSON.stringify({ labeled: data.labeled.X.length, queued: uq.picked.length }))
