// The experience bank for task scripts: what a reinforcement learner's environment tasks append
// to, and what its update and criterion tasks read and sample from. Plain JavaScript (Node ≥ 20, Deno,
// Bun), no dependencies.
//
// The runner gives each environment task a file of its own, ROSE_EXPERIENCE_OUT, and every task of a
// reinforcement learner the bank's folder, ROSE_EXPERIENCE_BANK. A record is any JSON object, one per
// line (JSON Lines); `experience(...)` builds the Python toolkit's record: state, action, reward,
// next_state, done, info. After the environments of an iteration ran, the runner merges their files
// into the bank (one segment per iteration and environment; nothing is rewritten or deleted), so the
// update of iteration i sees every record of iterations 0 … i.
//
//   import { append, experience, readBank, sample } from "rose-ts/experience"
//   append(experience(s, a, r, s2, done))                 // in an environment task
//   const batch = sample(readBank(), 64, { seed: 7 })     // in the update task
import { appendFileSync, existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import process from "node:process"

/** The file this environment task appends to (ROSE_EXPERIENCE_OUT). */
export const outputPath = () => {
  const out = process.env.ROSE_EXPERIENCE_OUT
  if (out === undefined || out === "") {
    throw new Error("ROSE_EXPERIENCE_OUT is not set: only a reinforcement learner's environment tasks have one")
  }
  return out
}

/** The learner's bank (ROSE_EXPERIENCE_BANK). */
export const bankPath = () => {
  const bank = process.env.ROSE_EXPERIENCE_BANK
  if (bank === undefined || bank === "") {
    throw new Error("ROSE_EXPERIENCE_BANK is not set: only a reinforcement learner's tasks have one")
  }
  return bank
}

/** One transition, with the Python toolkit's field names. */
export const experience = (state, action, reward, nextState, done, info) => {
  const record = { state, action, reward, next_state: nextState, done: Boolean(done) }
  if (info !== undefined) record.info = info
  return record
}

const isRecord = (u) => typeof u === "object" && u !== null && !Array.isArray(u)

/** Checks that a record survives JSON as it is: an object of finite numbers, strings, booleans, null, arrays, objects. */
const check = (value, path) => {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`${path} is ${value}: JSON has no such number`)
  } else if (Array.isArray(value)) {
    for (const [k, v] of value.entries()) check(v, `${path}[${k}]`)
  } else if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) check(v, `${path}.${k}`)
  } else if (!(typeof value === "string" || typeof value === "boolean" || value === null)) {
    throw new Error(`${path} is ${typeof value}: a record holds JSON values only`)
  }
}

/**
 * Appends records (one object or an array of them) to the environment's experience file, in one
 * write. `file` defaults to ROSE_EXPERIENCE_OUT.
 */
export const append = (records, file = outputPath()) => {
  const list = Array.isArray(records) ? records : [records]
  for (const [k, r] of list.entries()) {
    if (!isRecord(r)) throw new Error(`record ${k} is not an object`)
    check(r, `record ${k}`)
  }
  if (list.length === 0) return 0
  appendFileSync(file, `${list.map((r) => JSON.stringify(r)).join("\n")}\n`)
  return list.length
}

const segmentPattern = /^\d{6,}-.+\.jsonl$/

/** The bank's segment files, in order (iteration, then environment). */
export const segments = (bank = bankPath()) =>
  existsSync(bank)
    ? readdirSync(bank)
        .filter((n) => segmentPattern.test(n))
        .sort()
        .map((n) => join(bank, n))
    : []

/** Parses JSON Lines text; a bad line throws an error naming `file:line`. */
export const parseLines = (text, file = "<text>") => {
  const out = []
  const lines = text.split("\n")
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k].endsWith("\r") ? lines[k].slice(0, -1) : lines[k]
    if (line.trim() === "") continue
    let value
    try {
      value = JSON.parse(line)
    } catch {
      throw new Error(`${file}:${k + 1}: not JSON: ${JSON.stringify(line.slice(0, 80))}`)
    }
    if (!isRecord(value)) throw new Error(`${file}:${k + 1}: a record must be a JSON object`)
    out.push(value)
  }
  return out
}

/** Every record of the bank, oldest first (an empty array when there is none yet). */
export const readBank = (bank = bankPath()) => segments(bank).flatMap((f) => parseLines(readFileSync(f, "utf8"), f))

/** The last `n` records (none for n ≤ 0; the Python toolkit's get_recent(0) returns them all). */
export const recent = (records, n) => (n <= 0 ? [] : records.slice(-n))

// 32-bit FNV-1a of a string, to turn any seed into a PRNG state.
const fnv1a = (s) => {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}

/**
 * A seeded PRNG (mulberry32): `next()` in [0, 1), `int(n)` in 0 … n-1. The same seed (a number or a
 * string; several parts are joined) gives the same draws on every runtime.
 */
export const rng = (...seed) => {
  let a = fnv1a(seed.map(String).join("|"))
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return { next, int: (n) => Math.floor(next() * n) }
}

/**
 * `n` records drawn from `records` with a seed: the same seed and records give the same sample.
 * With replacement by default (the Python toolkit's `sample(batch_size, replace=True)`); without
 * it, at most every record, each once.
 */
export const sample = (records, n, { seed, replace = true } = {}) => {
  if (seed === undefined) throw new Error("sample needs a seed ({ seed: … }) so that it is reproducible")
  const r = rng("sample", seed)
  if (records.length === 0 || n <= 0) return []
  if (replace) return Array.from({ length: n }, () => records[r.int(records.length)])
  const idx = records.map((_, k) => k)
  const m = Math.min(n, idx.length)
  for (let k = 0; k < m; k++) {
    const j = k + r.int(idx.length - k)
    ;[idx[k], idx[j]] = [idx[j], idx[k]]
  }
  return idx.slice(0, m).map((k) => records[k])
}

/**
 * The Python toolkit's ExperienceBank, over the same records: `add`, `addBatch`, `sample` (seeded),
 * `getRecent`, `length`, iteration; `ExperienceBank.load()` reads the learner's bank and `save()`
 * appends what was added since to the environment's experience file, for the runner to merge. There
 * is no `merge`: the runner merges, and keeps every record.
 */
export class ExperienceBank {
  #records
  #saved = 0
  constructor(records = []) {
    this.#records = [...records]
    this.#saved = this.#records.length
  }
  /** Every record of a bank folder (ROSE_EXPERIENCE_BANK by default). */
  static load(bank = bankPath()) {
    return new ExperienceBank(readBank(bank))
  }
  add(record) {
    if (!isRecord(record)) throw new Error("a record is an object")
    check(record, "record")
    this.#records.push(record)
    return this
  }
  addBatch(records) {
    for (const r of records) this.add(r)
    return this
  }
  sample(n, options) {
    return sample(this.#records, n, options)
  }
  getRecent(n) {
    return recent(this.#records, n)
  }
  get length() {
    return this.#records.length
  }
  get records() {
    return [...this.#records]
  }
  [Symbol.iterator]() {
    return this.#records[Symbol.iterator]()
  }
  /** Appends the records added since the last save (or load) to `file` (ROSE_EXPERIENCE_OUT by default). */
  save(file = outputPath()) {
    const fresh = this.#records.slice(this.#saved)
    append(fresh, file)
    this.#saved = this.#records.length
    return fresh.length
  }
}
