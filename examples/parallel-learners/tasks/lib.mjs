// Shared helpers of the parallel-learners task scripts: flag parsing, a seeded PRNG, the target
// function, the surrogate (a bootstrap ensemble of RBF ridge regressions) and atomic JSON files.
// Plain JavaScript, Node >= 20, no dependencies.
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { join } from "node:path"

/** Exit with a usage error (exit code 2): bad or unknown flags. */
export const usage = (script, message, allowed) => {
  const flags = Object.keys(allowed).map((k) => `--${k}`)
  process.stderr.write(`${script}: ${message}\n${script}: accepted flags: ${flags.join(", ") || "none"}\n`)
  process.exit(2)
}

/** Exit with a runtime error (exit code 1): missing or inconsistent data. */
export const fail = (script, message) => {
  process.stderr.write(`${script}: ${message}\n`)
  process.exit(1)
}

const kinds = {
  int: (s) => (/^[+]?\d+(\.0*)?$/.test(s) ? Number(s) : undefined),
  number: (s) => {
    const n = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s) ? Number(s) : Number.NaN
    return Number.isFinite(n) ? n : undefined
  }
}

/**
 * Parses `--key value` and `--key=value` (one or two dashes) against `spec`:
 * `{ key: { kind: "int" | "number", min?, max?, default? } }`. Anything else exits with code 2.
 */
export const parseFlags = (script, argv, spec) => {
  const out = {}
  for (const [k, s] of Object.entries(spec)) if (s.default !== undefined) out[k] = s.default
  const seen = new Set()
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]
    const m = /^--?([A-Za-z][\w-]*)(?:=(.*))?$/s.exec(token)
    if (m === null) usage(script, `unexpected argument ${JSON.stringify(token)}`, spec)
    const key = m[1]
    const s = spec[key]
    if (s === undefined) usage(script, `unknown flag ${JSON.stringify(token.split("=")[0])}`, spec)
    if (seen.has(key)) usage(script, `the flag --${key} is given twice`, spec)
    seen.add(key)
    let raw = m[2]
    if (raw === undefined) {
      if (i + 1 >= argv.length) usage(script, `the flag --${key} needs a value`, spec)
      raw = argv[++i]
    }
    const v = kinds[s.kind](raw.trim())
    if (v === undefined)
      usage(
        script,
        `--${key} expects ${s.kind === "int" ? "an integer" : "a number"}, got ${JSON.stringify(raw)}`,
        spec
      )
    if (s.min !== undefined && v < s.min) usage(script, `--${key} must be >= ${s.min}, got ${raw}`, spec)
    if (s.max !== undefined && v > s.max) usage(script, `--${key} must be <= ${s.max}, got ${raw}`, spec)
    out[key] = v
  }
  return out
}

/** The iteration (ROSE_ITERATION, 0 when run by hand). */
export const iteration = () => {
  const raw = process.env.ROSE_ITERATION ?? "0"
  const i = Number(raw)
  if (!Number.isInteger(i) || i < 0) {
    process.stderr.write(`ROSE_ITERATION must be a non-negative integer, got ${JSON.stringify(raw)}\n`)
    process.exit(2)
  }
  return i
}

// 32-bit FNV-1a of a string: turns (seed, iteration, purpose) into a PRNG seed.
const fnv1a = (s) => {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}

/**
 * The base seed: `--seed`, else derived from the learner's index (ROSE_LEARNER). Not from its block
 * name, so that a `.rose` file and a TypeScript script running the same configuration under different
 * names get the same numbers.
 */
export const baseSeed = (flag) => (flag !== undefined ? flag : fnv1a(`learner/${process.env.ROSE_LEARNER ?? "0"}`))

/** A seeded PRNG (mulberry32) with uniform and normal draws; `parts` name the stream. */
export const rng = (...parts) => {
  let a = fnv1a(parts.join("|"))
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const normal = () => {
    const u = 1 - next()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next())
  }
  const point = (d) => Array.from({ length: d }, () => 2 * next() - 1)
  const int = (n) => Math.floor(next() * n)
  return { next, normal, point, int }
}

/**
 * The function the simulation "measures", on [-1, 1]^d:
 * f(x) = 12 d^(-2.2) sum_j (sin(4 x_j) + 0.5 x_j).
 * The factor d^(-2.2) shrinks its spread as d grows, so that a few hundred points can learn it in 3
 * dimensions too; 4 dimensions stay harder (the scale was tuned for the Full Example: see README).
 */
export const truth = (x) => {
  let s = 0
  for (const v of x) s += Math.sin(4 * v) + 0.5 * v
  return (12 * s) / x.length ** 2.2
}

/** The held-out test set of a dimension: fixed, the same for every learner and iteration. */
export const testSet = (d, n = 400) => {
  const r = rng("test-set", d)
  return Array.from({ length: n }, () => r.point(d))
}

// The surrogate: K ridge regressions on Gaussian RBF features (centred on the first labeled points,
// which stay the same from one iteration to the next), each fitted to a bootstrap resample.
export const ENSEMBLE = 5
const MAX_CENTERS = 120
const lengthScale = (d) => 0.4 * Math.sqrt(d)

const features = (x, centers, ell) => {
  const inv = 1 / (2 * ell * ell)
  const phi = new Float64Array(centers.length)
  for (let m = 0; m < centers.length; m++) {
    const c = centers[m]
    let s = 0
    for (let j = 0; j < x.length; j++) {
      const t = x[j] - c[j]
      s += t * t
    }
    phi[m] = Math.exp(-s * inv)
  }
  return phi
}

// Solves (A) w = b for a symmetric positive definite A (Cholesky, in place on a copy).
const solveSpd = (A, b, n) => {
  const L = Float64Array.from(A)
  for (let j = 0; j < n; j++) {
    let s = L[j * n + j]
    for (let k = 0; k < j; k++) s -= L[j * n + k] * L[j * n + k]
    if (s <= 0) throw new Error("the ridge system is not positive definite")
    const d = Math.sqrt(s)
    L[j * n + j] = d
    for (let i = j + 1; i < n; i++) {
      let t = L[i * n + j]
      for (let k = 0; k < j; k++) t -= L[i * n + k] * L[j * n + k]
      L[i * n + j] = t / d
    }
  }
  const y = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    let t = b[i]
    for (let k = 0; k < i; k++) t -= L[i * n + k] * y[k]
    y[i] = t / L[i * n + i]
  }
  const w = new Float64Array(n)
  for (let i = n - 1; i >= 0; i--) {
    let t = y[i]
    for (let k = i + 1; k < n; k++) t -= L[k * n + i] * w[k]
    w[i] = t / L[i * n + i]
  }
  return w
}

/**
 * Fits the ensemble: each member minimises |y - b - Phi w|^2 + lambda |w|^2 (ridge regression) on
 * its bootstrap resample of the labeled set.
 */
export const fitEnsemble = (X, y, { lambda, seedParts }) => {
  const n = X.length
  const d = X[0].length
  const centers = X.slice(0, Math.min(MAX_CENTERS, n))
  const ell = lengthScale(d)
  const M = centers.length
  const Phi = X.map((x) => features(x, centers, ell))
  const models = []
  for (let k = 0; k < ENSEMBLE; k++) {
    // A bootstrap resample, as how many times each labeled point was drawn.
    const rb = rng(...seedParts, "bootstrap", k)
    const count = new Float64Array(n)
    for (let j = 0; j < n; j++) count[rb.int(n)] += 1
    let mean = 0
    for (let i = 0; i < n; i++) mean += count[i] * y[i]
    mean /= n
    // The normal equations (Phi' C Phi + lambda I) w = Phi' C (y - mean), C = diag(count).
    const A = new Float64Array(M * M)
    const b = new Float64Array(M)
    for (let i = 0; i < n; i++) {
      const ci = count[i]
      if (ci === 0) continue
      const p = Phi[i]
      const t = ci * (y[i] - mean)
      for (let a = 0; a < M; a++) {
        const pa = p[a]
        if (pa < 1e-12) continue
        b[a] += pa * t
        const cpa = ci * pa
        for (let c = 0; c <= a; c++) A[a * M + c] += cpa * p[c]
      }
    }
    for (let a = 0; a < M; a++) {
      for (let c = 0; c < a; c++) A[c * M + a] = A[a * M + c]
      A[a * M + a] += lambda
    }
    models.push({ bias: mean, w: Array.from(solveSpd(A, b, M)) })
  }
  return { centers, lengthScale: ell, models }
}

/** Each member's prediction at x. */
export const predictAll = (model, x) => {
  const phi = features(x, model.centers, model.lengthScale)
  return model.models.map(({ bias, w }) => {
    let s = bias
    for (let m = 0; m < w.length; m++) s += w[m] * phi[m]
    return s
  })
}

export const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length
export const std = (xs) => {
  const m = mean(xs)
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) * (b - m), 0) / xs.length)
}

/** Reads a JSON file of the working directory, or exits 1 saying which task should have made it. */
export const readJson = (script, name, madeBy) => {
  const file = join(process.cwd(), name)
  if (!existsSync(file)) fail(script, `${name} is missing in ${process.cwd()} (${madeBy} writes it)`)
  return JSON.parse(readFileSync(file, "utf8"))
}

/** Writes a JSON file of the working directory atomically: a temporary file, then a rename. */
export const writeJson = (name, value) => {
  const file = join(process.cwd(), name)
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, `${JSON.stringify(value)}\n`)
  renameSync(tmp, file)
}

/** Rounds for printing and storing. */
export const round = (x, digits = 6) => Number(x.toFixed(digits))

/** k points of [-1, 1]^d in a Latin hypercube: each coordinate hits each of k equal slices once. */
export const latinHypercube = (r, k, d) => {
  const points = Array.from({ length: k }, () => new Array(d))
  for (let j = 0; j < d; j++) {
    const slots = Array.from({ length: k }, (_, s) => s)
    for (let s = k - 1; s > 0; s--) {
      const t = r.int(s + 1)
      ;[slots[s], slots[t]] = [slots[t], slots[s]]
    }
    for (let p = 0; p < k; p++) points[p][j] = -1 + (2 * (slots[p] + r.next())) / k
  }
  return points
}
