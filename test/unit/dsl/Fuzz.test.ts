import { assert, describe, it } from "@effect/vitest"
import { exercise, prng, randomTokens } from "./fuzz.ts"

// 10,300 inputs per run (7,000 here, 3,300 in FuzzMutations.test.ts), in two files so that vitest runs them on two workers
const count = 7_000
const bound = 2_000

describe("fuzz: random token soups", () => {
  it(`${count} seeded inputs end in diagnostics or a program, never an exception or a hang`, () => {
    const r = prng(0x5eed_0001)
    let slowest = 0
    let withDiagnostics = 0
    for (let n = 0; n < count; n++) {
      const text = randomTokens(r)
      let outcome: ReturnType<typeof exercise>
      try {
        outcome = exercise(text)
      } catch (u) {
        throw new Error(`input ${n} failed: ${u instanceof Error ? u.message : String(u)}\n---\n${text}\n---`)
      }
      slowest = Math.max(slowest, outcome.millis)
      if (!outcome.compiled) withDiagnostics++
    }
    assert.isBelow(slowest, bound, "no input takes long")
    assert.isAbove(withDiagnostics, count * 0.9, "token soups are (almost always) reported")
  }, 180_000) // ~10 s on an idle 2-core machine; the bound is for a loaded CI runner
})
