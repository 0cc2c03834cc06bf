#!/usr/bin/env node
// The simulation task: labels points by "measuring" the target function with noise.
//
// Iteration i reads the learner's state of iteration i-1 (state-<i-1>.json, written by active.mjs):
// its labeled points and the points active learning queued for labeling. It labels the queued
// points, tops the labeled set up to --n_labeled with new points (a Latin hypercube), draws a fresh
// pool of candidates for active learning, and writes data-<i>.json. Files of earlier iterations are
// never changed, and the draws are seeded by (--seed, iteration), so running iteration i again gives
// the same data-<i>.json.
//
//   node sim.mjs [--n_labeled 100] [--n_features 2] [--noise_level 0.1] [--seed S]
import { baseSeed, iteration, latinHypercube, parseFlags, readJson, rng, truth, writeJson } from "./lib.mjs"

const SCRIPT = "sim.mjs"
const POOL = 300

const flags = parseFlags(SCRIPT, process.argv.slice(2), {
  n_labeled: { kind: "int", min: 1, max: 5000, default: 100 },
  n_features: { kind: "int", min: 1, max: 8, default: 2 },
  noise_level: { kind: "number", min: 0, default: 0.1 },
  seed: { kind: "int", min: 0 }
})
const i = iteration()
const seed = baseSeed(flags.seed)
const d = flags.n_features
const r = rng(seed, i, "sim")

let X = []
let y = []
let queued = []
if (i > 0) {
  const prev = readJson(SCRIPT, `state-${i - 1}.json`, "active.mjs of the previous iteration")
  if (prev.nFeatures === d) {
    X = prev.labeled.X
    y = prev.labeled.y
    queued = prev.queued
  } else {
    // A schedule changed the dimension: the old points do not fit the new problem.
    process.stderr.write(`${SCRIPT}: n_features changed from ${prev.nFeatures} to ${d}: starting a new labeled set\n`)
  }
}

const label = (x) => truth(x) + flags.noise_level * r.normal()
// The queued points, then a Latin hypercube of new points up to --n_labeled.
const fresh = [...queued, ...latinHypercube(r, Math.max(0, flags.n_labeled - X.length - queued.length), d)]
X = [...X, ...fresh]
y = [...y, ...fresh.map(label)]
const pool = Array.from({ length: POOL }, () => r.point(d))

writeJson(`data-${i}.json`, {
  iteration: i,
  nFeatures: d,
  noiseLevel: flags.noise_level,
  labeled: { X, y },
  pool
})
console.log(JSON.stringify({ labeled: X.length, new: fresh.length, n_features: d, noise_level: flags.noise_level }))
