// Helpers of the UQ example's task scripts.
import { readdirSync } from "node:fs"

/** Takes `--model_name NAME` (which the runner gives every per-model task) out of argv. */
export const modelFlag = (script, argv) => {
  const k = argv.indexOf("--model_name")
  if (k < 0 || argv[k + 1] === undefined) {
    process.stderr.write(`${script}: --model_name is missing (the UQ learner passes it)\n`)
    process.exit(2)
  }
  return [argv[k + 1], [...argv.slice(0, k), ...argv.slice(k + 2)]]
}

/** The prediction files of an iteration: pred-<model>-<p>-<i>.json, in name order. */
export const predictionFiles = (i) =>
  readdirSync(".")
    .filter((n) => n.startsWith("pred-") && n.endsWith(`-${i}.json`))
    .sort()
