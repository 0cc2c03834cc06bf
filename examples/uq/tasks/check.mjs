#!/usr/bin/env node
// The criterion, once per model (the runner passes --model_name): the mean squared error of model
// M (the mean of its members) against the noise-free target on the fixed held-out set. The last
// stdout line is the MSE.
//
//   node check.mjs --model_name M
import {
  iteration,
  mean,
  parseFlags,
  predictAll,
  readJson,
  testSet,
  truth
} from "../../parallel-learners/tasks/lib.mjs"
import { modelFlag } from "./common.mjs"

const SCRIPT = "check.mjs"
const [model, rest] = modelFlag(SCRIPT, process.argv.slice(2))
parseFlags(SCRIPT, rest, {})
const i = iteration()
const fit = readJson(SCRIPT, `model-${model}-${i}.json`, `the training of model ${model}`)
const test = testSet(fit.nFeatures)
console.log(mean(test.map((x) => (mean(predictAll(fit, x)) - truth(x)) ** 2)).toFixed(6))
