#!/usr/bin/env node
// The training task: fits the surrogate to the labeled set of this iteration (data-<i>.json) and
// writes model-<i>.json. The surrogate is an ensemble of regressions on Gaussian RBF features, each
// fitted to a bootstrap resample, so its members disagree where data is scarce.
//
//   --learning_rate  the step size of a training budget of 100 gradient-descent steps from zero.
//                    Early-stopped gradient descent on least squares behaves like ridge regression
//                    with penalty 1 / (steps * step size), which is what is solved, in closed form:
//                    a small learning rate under-fits (the budget runs out first).
//   --batch_size     how many points active learning labels per iteration (recorded for active.mjs)
//
//   node train.mjs [--learning_rate 0.1] [--batch_size 10] [--seed S]
import { baseSeed, fitEnsemble, iteration, mean, parseFlags, predictAll, readJson, round, writeJson } from "./lib.mjs"

const SCRIPT = "train.mjs"
const STEPS = 100

const flags = parseFlags(SCRIPT, process.argv.slice(2), {
  learning_rate: { kind: "number", min: 1e-9, max: 100, default: 0.1 },
  batch_size: { kind: "int", min: 1, max: 1000, default: 10 },
  seed: { kind: "int", min: 0 }
})
const i = iteration()
const seed = baseSeed(flags.seed)
const data = readJson(SCRIPT, `data-${i}.json`, "sim.mjs of this iteration")
const { X, y } = data.labeled

const lambda = 1 / (STEPS * flags.learning_rate)
const fit = fitEnsemble(X, y, { lambda, seedParts: [seed, i, "train"] })
const trainMse = mean(X.map((x, k) => (mean(predictAll(fit, x)) - y[k]) ** 2))

writeJson(`model-${i}.json`, {
  iteration: i,
  nFeatures: data.nFeatures,
  learningRate: flags.learning_rate,
  ridge: lambda,
  batchSize: flags.batch_size,
  ...fit
})
console.log(
  JSON.stringify({
    models: fit.models.length,
    train_mse: round(trainMse),
    learning_rate: flags.learning_rate,
    batch_size: flags.batch_size
  })
)
