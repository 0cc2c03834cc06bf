/**
 * The experience bank: the runner's merge (core/Experience.ts: append-only segments, atomic writes,
 * bad records named by file and line, inputs never deleted) and the task scripts' library
 * (lib/experience.mjs: append, read, seeded sampling).
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Experience from "../../../core/Experience.ts"
// @ts-expect-error: a plain JavaScript module without types
import * as Lib from "../../../lib/experience.mjs"

interface LibApi {
  append: (records: unknown, file?: string) => number
  readBank: (bank?: string) => Array<Record<string, unknown>>
  sample: (
    records: ReadonlyArray<unknown>,
    n: number,
    options?: { seed?: unknown; replace?: boolean }
  ) => Array<Record<string, unknown>>
  recent: (records: ReadonlyArray<unknown>, n: number) => Array<unknown>
  experience: (s: unknown, a: unknown, r: number, s2: unknown, done: boolean, info?: unknown) => Record<string, unknown>
  parseLines: (text: string, file?: string) => Array<unknown>
  ExperienceBank: {
    new (
      records?: ReadonlyArray<unknown>
    ): {
      add: (r: unknown) => unknown
      addBatch: (r: ReadonlyArray<unknown>) => unknown
      sample: (n: number, o?: { seed?: unknown; replace?: boolean }) => Array<unknown>
      getRecent: (n: number) => Array<unknown>
      save: (file?: string) => number
      length: number
    }
    load: (bank?: string) => { length: number; sample: (n: number, o?: { seed?: unknown }) => Array<unknown> }
  }
}
const lib = Lib as LibApi

const fresh = () => fs.mkdtempSync(path.join(os.tmpdir(), "rose-experience-"))
const write = (file: string, text: string) => {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, text)
}
const lines = (n: number, from = 0) =>
  `${Array.from({ length: n }, (_, k) => JSON.stringify({ state: from + k, reward: 1 })).join("\n")}\n`

const run = <A, E>(effect: Effect.Effect<A, E, any>) => Effect.provide(effect, NodeContext.layer)

describe("Experience (the runner's merge)", () => {
  it("parses JSON Lines: blank lines skipped, CRLF accepted, a bad line numbered", () => {
    assert.deepStrictEqual(Experience.parseLines('{"a":1}\r\n\n{"b":2}\n'), Either.right([{ a: 1 }, { b: 2 }]))
    assert.deepStrictEqual(
      Experience.parseLines('{"a":1}\n[1,2]\n'),
      Either.left({ line: 2, reason: "a record must be a JSON object" })
    )
    const bad = Experience.parseLines('{"a":1}\n{"a":2}\n{"a":\n')
    assert.isTrue(Either.isLeft(bad) && bad.left.line === 3)
  })

  it.effect("keeps every record across iterations, one segment per iteration and environment", () =>
    run(
      Effect.gen(function* () {
        const dir = fresh()
        const bank = `${dir}/experience`
        for (let i = 0; i < 3; i++) {
          write(`${dir}/iter-${i}/environment.a.experience.jsonl`, lines(2, 10 * i))
          write(`${dir}/iter-${i}/environment.b.experience.jsonl`, lines(3, 10 * i + 5))
          const merged = yield* Experience.merge({
            bank,
            iteration: i,
            inputs: ["environment.a", "environment.b"].map((task) => ({
              task,
              file: Experience.outputFile(`${dir}/iter-${i}`, task, 1)
            }))
          })
          assert.deepStrictEqual(
            merged.map((m) => m.records),
            [2, 3]
          )
        }
        const all = yield* Experience.read(bank)
        assert.strictEqual(all.length, 15)
        assert.deepStrictEqual(
          all.map((r) => r.state),
          [0, 1, 5, 6, 7, 10, 11, 15, 16, 17, 20, 21, 25, 26, 27]
        )
        // The inputs are all still there, untouched.
        for (let i = 0; i < 3; i++) {
          assert.strictEqual(
            fs.readFileSync(`${dir}/iter-${i}/environment.b.experience.jsonl`, "utf8"),
            lines(3, 10 * i + 5)
          )
        }
        assert.deepStrictEqual(
          fs.readdirSync(bank).filter((n) => n.endsWith(".tmp")),
          []
        )
        // What the library reads is what the runner wrote.
        assert.deepStrictEqual(lib.readBank(bank), [...all])
      })
    )
  )

  it.effect("a bad record is an ExperienceError naming file:line; the input is kept and the bank unchanged", () =>
    run(
      Effect.gen(function* () {
        const dir = fresh()
        const bank = `${dir}/experience`
        const good = `${dir}/iter-0/environment.a.experience.jsonl`
        const bad = `${dir}/iter-0/environment.b.experience.jsonl`
        write(good, lines(2))
        write(bad, `${lines(4)}not json\n`)
        const result = yield* Effect.either(
          Experience.merge({
            bank,
            iteration: 0,
            inputs: [
              { task: "environment.a", file: good },
              { task: "environment.b", file: bad }
            ]
          })
        )
        if (Either.isRight(result)) return assert.fail("the merge should fail")
        const e = result.left
        assert.strictEqual(e._tag, "ExperienceError")
        assert.strictEqual(e.task, "environment.b")
        assert.strictEqual(e.line, 5)
        assert.include(e.message, `${bad}:5`)
        assert.strictEqual(fs.readFileSync(bad, "utf8"), `${lines(4)}not json\n`)
        assert.isFalse(fs.existsSync(bank), "nothing was merged: not even the good file")
      })
    )
  )

  it.effect(
    "a missing file is no experience; a segment left by an incomplete run is moved aside, not overwritten",
    () =>
      run(
        Effect.gen(function* () {
          const dir = fresh()
          const bank = `${dir}/experience`
          const none = yield* Experience.merge({
            bank,
            iteration: 0,
            inputs: [{ task: "environment", file: `${dir}/nothing.jsonl` }]
          })
          assert.deepStrictEqual(none, [{ task: "environment", records: 0, segment: undefined }])
          write(`${bank}/000001-environment.jsonl`, lines(7))
          write(`${dir}/iter-1/environment.experience.jsonl`, lines(2))
          yield* Experience.merge({
            bank,
            iteration: 1,
            inputs: [{ task: "environment", file: `${dir}/iter-1/environment.experience.jsonl` }]
          })
          assert.deepStrictEqual(fs.readdirSync(bank).sort(), [
            "000001-environment.jsonl",
            "000001-environment.jsonl.stale-1"
          ])
          assert.strictEqual((yield* Experience.read(bank)).length, 2)
          assert.strictEqual(fs.readFileSync(`${bank}/000001-environment.jsonl.stale-1`, "utf8"), lines(7))
          // An environment's stale output is moved aside the same way.
          const out = `${dir}/iter-1/environment.experience.jsonl`
          assert.strictEqual(yield* Experience.setAside(out), `${out}.stale-1`)
          assert.isFalse(fs.existsSync(out))
          assert.isUndefined(yield* Experience.setAside(out))
        })
      )
  )

  it("names the files: per attempt outputs, sortable segments", () => {
    assert.strictEqual(
      Experience.outputFile("/r/iter-2", "environment.a", 1),
      "/r/iter-2/environment.a.experience.jsonl"
    )
    assert.strictEqual(
      Experience.outputFile("/r/iter-2", "environment.a", 3),
      "/r/iter-2/environment.a.experience.jsonl.3"
    )
    assert.strictEqual(Experience.segmentName(12, "environment.a"), "000012-environment.a.jsonl")
    assert.isTrue(Experience.isSegment("000012-environment.a.jsonl"))
    assert.isFalse(Experience.isSegment("000012-environment.a.jsonl.tmp"))
    assert.isFalse(Experience.isSegment("000012-environment.a.jsonl.stale-1"))
  })
})

describe("lib/experience.mjs (for task scripts)", () => {
  it("appends records in one write, refusing what JSON cannot hold", () => {
    const file = path.join(fresh(), "out.jsonl")
    assert.strictEqual(lib.append(lib.experience([0, 1], 2, -1, [0, 2], false), file), 1)
    assert.strictEqual(lib.append([{ a: 1 }, { a: 2 }], file), 2)
    assert.deepStrictEqual(lib.parseLines(fs.readFileSync(file, "utf8")), [
      { state: [0, 1], action: 2, reward: -1, next_state: [0, 2], done: false },
      { a: 1 },
      { a: 2 }
    ])
    assert.throws(() => lib.append({ reward: Number.NaN }, file), /record 0.reward is NaN/)
    assert.throws(() => lib.append([1], file), /not an object/)
    assert.throws(() => lib.parseLines('{"a":1}\n{oops\n', "x.jsonl"), /x\.jsonl:2/)
  })

  it("samples reproducibly from a seed, with or without replacement", () => {
    const records = Array.from({ length: 100 }, (_, k) => ({ k }))
    const a = lib.sample(records, 20, { seed: 7 })
    assert.deepStrictEqual(lib.sample(records, 20, { seed: 7 }), a)
    assert.notDeepEqual(lib.sample(records, 20, { seed: 8 }), a)
    assert.deepStrictEqual(lib.sample(records, 20, { seed: "agent/3" }), lib.sample(records, 20, { seed: "agent/3" }))
    const once = lib.sample(records, 100, { seed: 1, replace: false })
    assert.strictEqual(new Set(once.map((r) => r.k)).size, 100)
    assert.strictEqual(lib.sample(records, 500, { seed: 1, replace: false }).length, 100)
    assert.strictEqual(lib.sample(records, 500, { seed: 1 }).length, 500)
    assert.deepStrictEqual(lib.sample([], 5, { seed: 1 }), [])
    assert.throws(() => lib.sample(records, 5), /needs a seed/)
  })

  it("recent(0) is nothing (the Python toolkit returns everything)", () => {
    assert.deepStrictEqual(lib.recent([1, 2, 3], 0), [])
    assert.deepStrictEqual(lib.recent([1, 2, 3], 2), [2, 3])
  })

  it("reads an absent bank as empty", () => {
    assert.deepStrictEqual(lib.readBank(path.join(fresh(), "nope")), [])
  })

  it("ExperienceBank, the Python toolkit's class: add, sample with a seed, recent, save what is new", () => {
    const dir = fresh()
    const out = path.join(dir, "out.jsonl")
    const bank = new lib.ExperienceBank()
    bank.add(lib.experience(0, 1, -1, 1, false))
    bank.addBatch([{ a: 1 }, { a: 2 }])
    assert.strictEqual(bank.length, 3)
    assert.deepStrictEqual(bank.getRecent(0), [])
    assert.deepStrictEqual(bank.getRecent(1), [{ a: 2 }])
    assert.deepStrictEqual(bank.sample(5, { seed: 3 }), bank.sample(5, { seed: 3 }))
    assert.strictEqual(bank.save(out), 3)
    bank.add({ a: 3 })
    assert.strictEqual(bank.save(out), 1, "only what was added since")
    assert.strictEqual(lib.parseLines(fs.readFileSync(out, "utf8")).length, 4)
    write(path.join(dir, "experience", "000000-environment.jsonl"), lines(4))
    const loaded = lib.ExperienceBank.load(path.join(dir, "experience"))
    assert.strictEqual(loaded.length, 4)
    assert.throws(() => bank.add([1]), /object/)
  })
})
