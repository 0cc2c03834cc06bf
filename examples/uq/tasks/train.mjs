#!/usr/bin/env node
// Training, once per model of the ensemble (the runner passes --model_name): model M is a bagged
// ridge regression on Gaussian RBF features (the parallel-learners surrogate): a few members, each
// fitted to its own bootstrap resample of this iteration's labeled set (data-<i>.json, written by
// the simulation), drawn from the model's own seed. Writes model-<M>-<i>.json.
//
//   node train.mjs --model_name M [--learning_rate 1]
import {
  baseSeed,
  fitEnsemble,
  iteration,
  mean,
  parseFlags,
  predictAll,
  readJson,
  round,
  writeJson
} from "../../parallel-learners/tasks/lib.mjs"
import { modelFlag } from "./common.mjs"

const SCRIPT = "train.mjs"
const STEPS = 100
const [model, rest] = modelFlag(SCRIPT, process.argv.slice(2))
const flags = parseFlags(SCRIPT, rest, { learning_rate: { kind: "number", min: 1e-9, max: 100, default: 1 } })
const i = iteration()
const data = readJson(SCRIPT, `data-${i}.json`, "the simulation of this iteration")
const { X, y } = data.labeled
const fit = fitEnsemble(X, y, { lambda: 1 / (STEPS * flags.learning_rate), seedParts: [baseSeed(), i, "model", model] })
writeJson(`model-${model}-${i}.json`, { iteration: i, model, nFeatures: data.nFeatures, ...fit })
const trainMse = mean(X.map((x, k) => (mean(predictAll(fit, x)) - y[k]) ** 2))
console.log(JSON.stringify({ model, labeled: X.length, members: fit.models.length, train_mse: round(trainMse) }))
