#!/usr/bin/env node
// The stop criterion: the mean squared error of the ensemble's mean prediction (model-<i>.json)
// against the noise-free target function on a fixed held-out set of 400 points. The last stdout
// line is the MSE, a plain decimal number.
//
//   node check_mse.mjs
import { iteration, mean, parseFlags, predictAll, readJson, testSet, truth } from "./lib.mjs"

const SCRIPT = "check_mse.mjs"

parseFlags(SCRIPT, process.argv.slice(2), {})
const i = iteration()
const model = readJson(SCRIPT, `model-${i}.json`, "train.mjs of this iteration")
const test = testSet(model.nFeatures)
const mse = mean(test.map((x) => (mean(predictAll(model, x)) - truth(x)) ** 2))
process.stderr.write(`${SCRIPT}: held-out MSE over ${test.length} points, iteration ${i}\n`)
console.log(mse.toFixed(6))
