#!/usr/bin/env node
// Prediction P of model M (the runner passes --model_name and --prediction): what the model's
// bootstrap member P (modulo their number) predicts on this iteration's pool of candidates: a draw
// from the model's spread of fits. Writes pred-<M>-<P>-<i>.json.
//
//   node predict.mjs --model_name M --prediction P
import { iteration, parseFlags, predictAll, readJson, round, writeJson } from "../../parallel-learners/tasks/lib.mjs"
import { modelFlag } from "./common.mjs"

const SCRIPT = "predict.mjs"
const [model, rest] = modelFlag(SCRIPT, process.argv.slice(2))
const flags = parseFlags(SCRIPT, rest, { prediction: { kind: "int", min: 0, default: 0 } })
const p = flags.prediction
const i = iteration()
const data = readJson(SCRIPT, `data-${i}.json`, "the simulation of this iteration")
const fit = readJson(SCRIPT, `model-${model}-${i}.json`, `the training of model ${model}`)
const member = p % fit.models.length
const preds = data.pool.map((x) => predictAll(fit, x)[member])
writeJson(`pred-${model}-${p}-${i}.json`, { iteration: i, model, prediction: p, member, preds })
console.log(
  JSON.stringify({
    model,
    prediction: p,
    member,
    pool: preds.length,
    mean: round(preds.reduce((a, b) => a + b, 0) / preds.length)
  })
)
