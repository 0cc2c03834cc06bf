// Uncertainty metrics for task scripts (the Python toolkit's UQScorer), each knowing which way is
// "more uncertain", and a top-k selection that respects it. Plain JavaScript, no dependencies.
//
// Inputs are nested arrays of samples (an ensemble's members, MC-dropout passes, a UQ learner's
// predictions from every model):
//   classification  probs[s][i][c]  (sample s, instance i, class c; each row sums to 1)
//   regression      preds[s][i]     (sample s, instance i)
// Each metric returns one score per instance.
//
//   import { score, selectTopUncertain } from "rose-ts/uq"
//   const { indices } = selectTopUncertain(preds, 10, { metric: "predictive_variance" })
//
// `higher` says whether a higher score means a more uncertain instance: true for every metric but
// `margin` (a small gap between the two likeliest classes is the uncertain case). The Python
// toolkit's select_top_uncertain always takes the highest scores, so with margin it selects the
// most certain instances; this one does not.

const EPS = 1e-12

const check = (samples, kind) => {
  if (!Array.isArray(samples) || samples.length === 0) throw new Error("expected a non-empty array of samples")
  const n = samples[0].length
  for (const [s, rows] of samples.entries()) {
    if (!Array.isArray(rows) || rows.length !== n)
      throw new Error(`sample ${s} has ${rows?.length} instances, not ${n}`)
    if (kind === "classification") {
      for (const [i, p] of rows.entries()) {
        if (!Array.isArray(p) || p.length < 2)
          throw new Error(`sample ${s}, instance ${i}: expected class probabilities`)
      }
    } else {
      for (const [i, v] of rows.entries()) {
        if (typeof v !== "number" || !Number.isFinite(v))
          throw new Error(`sample ${s}, instance ${i}: ${v} is not a number`)
      }
    }
  }
  return n
}

const meanProbs = (probs, i) => {
  const c = probs[0][i].length
  const m = new Array(c).fill(0)
  for (const p of probs) for (let k = 0; k < c; k++) m[k] += p[i][k] / probs.length
  return m
}

const entropy = (p) => -p.reduce((a, q) => a + (q > 0 ? q * Math.log(q + EPS) : 0), 0)

/** Classification: the entropy of the mean class probabilities. */
export const predictiveEntropy = (probs) => {
  const n = check(probs, "classification")
  return Array.from({ length: n }, (_, i) => entropy(meanProbs(probs, i)))
}

/** Classification (BALD): predictive entropy minus the mean entropy of each sample. */
export const mutualInformation = (probs) => {
  const n = check(probs, "classification")
  return Array.from({ length: n }, (_, i) => {
    const expected = probs.reduce((a, p) => a + entropy(p[i]), 0) / probs.length
    return Math.max(0, entropy(meanProbs(probs, i)) - expected)
  })
}

const argmax = (p) => p.reduce((best, q, k) => (q > p[best] ? k : best), 0)

/** Classification: 1 minus the fraction of samples voting for the most voted class. */
export const variationRatio = (probs) => {
  const n = check(probs, "classification")
  return Array.from({ length: n }, (_, i) => {
    const votes = new Map()
    for (const p of probs) {
      const k = argmax(p[i])
      votes.set(k, (votes.get(k) ?? 0) + 1)
    }
    return 1 - Math.max(...votes.values()) / probs.length
  })
}

/** Classification: the mean probability of the likeliest class minus the second's (small = uncertain). */
export const margin = (probs) => {
  const n = check(probs, "classification")
  return Array.from({ length: n }, (_, i) => {
    const sorted = [...meanProbs(probs, i)].sort((a, b) => b - a)
    return sorted[0] - sorted[1]
  })
}

/** Regression: the variance of the samples' predictions. */
export const predictiveVariance = (preds) => {
  const n = check(preds, "regression")
  return Array.from({ length: n }, (_, i) => {
    const m = preds.reduce((a, p) => a + p[i], 0) / preds.length
    return preds.reduce((a, p) => a + (p[i] - m) ** 2, 0) / preds.length
  })
}

const quantileOf = (sorted, q) => {
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo)
}

/** Regression: the width of the central `quantile` interval of the samples (0.95 by default). */
export const predictiveIntervalWidth = (preds, quantile = 0.95) => {
  if (!(quantile > 0 && quantile < 1)) throw new Error(`quantile must be in (0, 1), got ${quantile}`)
  const n = check(preds, "regression")
  const a = (1 - quantile) / 2
  return Array.from({ length: n }, (_, i) => {
    const v = preds.map((p) => p[i]).sort((x, y) => x - y)
    return quantileOf(v, 1 - a) - quantileOf(v, a)
  })
}

/**
 * The negative log-likelihood of the true values: classification, `-log` of the mean probability of
 * the true class; regression, under a normal with the samples' mean and variance.
 */
export const negativeLogLikelihood = (samples, yTrue) => {
  if (!Array.isArray(yTrue)) throw new Error("negative_log_likelihood needs the true values (yTrue)")
  const classification = Array.isArray(samples[0]?.[0])
  const n = check(samples, classification ? "classification" : "regression")
  if (yTrue.length !== n) throw new Error(`${yTrue.length} true values for ${n} instances`)
  return Array.from({ length: n }, (_, i) => {
    if (classification) return -Math.log(meanProbs(samples, i)[yTrue[i]] + EPS)
    const m = samples.reduce((a, p) => a + p[i], 0) / samples.length
    const v = Math.max(samples.reduce((a, p) => a + (p[i] - m) ** 2, 0) / samples.length, EPS)
    return 0.5 * Math.log(2 * Math.PI * v) + (yTrue[i] - m) ** 2 / (2 * v)
  })
}

/**
 * The metrics by their names (the metric table's), with the task type they need and which way is
 * more uncertain. `stop` is the operator of a stop criterion on the metric ("certain enough").
 */
export const metrics = {
  predictive_entropy: { fn: predictiveEntropy, task: "classification", higher: true, stop: "<" },
  mutual_information: { fn: mutualInformation, task: "classification", higher: true, stop: "<" },
  variation_ratio: { fn: variationRatio, task: "classification", higher: true, stop: "<" },
  margin: { fn: margin, task: "classification", higher: false, stop: ">" },
  predictive_variance: { fn: predictiveVariance, task: "regression", higher: true, stop: "<" },
  predictive_interval_width: { fn: predictiveIntervalWidth, task: "regression", higher: true, stop: "<" },
  negative_log_likelihood: { fn: negativeLogLikelihood, task: "any", higher: true, stop: "<", needsTruth: true }
}

/** Whether a higher score of `metric` means a more uncertain instance. */
export const higherIsMoreUncertain = (metric) => {
  const m = metrics[metric]
  if (m === undefined)
    throw new Error(`unknown uncertainty metric ${JSON.stringify(metric)} (${Object.keys(metrics).join(", ")})`)
  return m.higher
}

/** The scores of a metric by name: `{ yTrue }` for negative_log_likelihood, `{ quantile }` for the interval width. */
export const score = (metric, samples, options = {}) => {
  const m = metrics[metric]
  if (m === undefined)
    throw new Error(`unknown uncertainty metric ${JSON.stringify(metric)} (${Object.keys(metrics).join(", ")})`)
  if (m.needsTruth) return m.fn(samples, options.yTrue)
  if (metric === "predictive_interval_width") return m.fn(samples, options.quantile)
  return m.fn(samples)
}

/**
 * The indices of the `k` most uncertain scores, most uncertain first (ties by index): the highest,
 * or the lowest when `higher` is false.
 */
export const topK = (scores, k, higher = true) =>
  scores
    .map((s, i) => [s, i])
    .sort((a, b) => (higher ? b[0] - a[0] : a[0] - b[0]) || a[1] - b[1])
    .slice(0, Math.max(0, k))
    .map(([, i]) => i)

/**
 * The `k` most uncertain instances by a metric (default: predictive_entropy for classification,
 * predictive_variance for regression): `{ indices, scores }`, most uncertain first.
 */
export const selectTopUncertain = (samples, k = 10, options = {}) => {
  const classification = Array.isArray(samples[0]?.[0])
  const metric = options.metric ?? (classification ? "predictive_entropy" : "predictive_variance")
  const scores = score(metric, samples, options)
  const indices = topK(scores, k, higherIsMoreUncertain(metric))
  return { metric, indices, scores: indices.map((i) => scores[i]) }
}

/** The mean of the scores: a single uncertainty value for a criterion or an uncertainty task. */
export const mean = (xs) => (xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length)

/**
 * The Python toolkit's UQScorer for one task type, with metrics of your own: `register(name, fn,
 * { higher })` adds one to this scorer only (not to a process-wide registry).
 */
export class UQScorer {
  #own = new Map()
  constructor(taskType) {
    if (taskType !== "classification" && taskType !== "regression") {
      throw new Error(`task type is "classification" or "regression", got ${JSON.stringify(taskType)}`)
    }
    this.taskType = taskType
  }
  register(name, fn, { higher = true } = {}) {
    this.#own.set(name, { fn, higher })
    return this
  }
  get names() {
    return [
      ...Object.entries(metrics)
        .filter(([, m]) => m.task === this.taskType || m.task === "any")
        .map(([n]) => n),
      ...this.#own.keys()
    ]
  }
  score(metric, samples, options = {}) {
    const own = this.#own.get(metric)
    return own === undefined ? score(metric, samples, options) : own.fn(samples, options)
  }
  /** Every metric of the task type: `{ name: scores }` (or `{ name: { error } }` when one cannot be computed). */
  computeUncertainty(samples, options = {}) {
    const out = {}
    for (const name of this.names) {
      if (metrics[name]?.needsTruth && options.yTrue === undefined) continue
      try {
        out[name] = this.score(name, samples, options)
      } catch (e) {
        out[name] = { error: e instanceof Error ? e.message : String(e) }
      }
    }
    return out
  }
  selectTopUncertain(samples, k = 10, options = {}) {
    const metric = options.metric ?? (this.taskType === "classification" ? "predictive_entropy" : "predictive_variance")
    const own = this.#own.get(metric)
    const scores = this.score(metric, samples, options)
    const indices = topK(scores, k, own === undefined ? higherIsMoreUncertain(metric) : own.higher)
    return { metric, indices, scores: indices.map((i) => scores[i]) }
  }
}
