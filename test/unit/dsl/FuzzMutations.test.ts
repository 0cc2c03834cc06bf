import { assert, describe, it } from "@effect/vitest"
import { exercise, mutate, prng } from "./fuzz.ts"

const count = 3_300
const bound = 2_000

describe("fuzz: mutated examples and fixtures (deleted, duplicated, swapped, replaced tokens and characters)", () => {
  it(`${count} seeded inputs end in diagnostics or a program, never an exception or a hang`, () => {
    const r = prng(0x5eed_0002)
    let slowest = 0
    let compiled = 0
    for (let n = 0; n < count; n++) {
      const text = mutate(r)
      let outcome: ReturnType<typeof exercise>
      try {
        outcome = exercise(text)
      } catch (u) {
        throw new Error(`input ${n} failed: ${u instanceof Error ? u.message : String(u)}\n---\n${text}\n---`)
      }
      slowest = Math.max(slowest, outcome.millis)
      if (outcome.compiled) compiled++
    }
    assert.isBelow(slowest, bound, "no input takes long")
    assert.isAbove(compiled, count / 40, "mutations still reach the compiler")
  }, 180_000) // ~10 s on an idle 2-core machine; the bound is for a loaded CI runner
})
