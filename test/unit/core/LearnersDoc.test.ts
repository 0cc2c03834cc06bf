/**
 * docs/learners.md in step with the code: its `.rose` examples compile, and its table of the task
 * scripts' uncertainty metrics says what lib/uq.mjs does.
 */
import { readFileSync } from "node:fs"
import * as Path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Dsl from "../../../dsl/Dsl.ts"
// @ts-expect-error: a plain JavaScript module without types
import * as Uq from "../../../lib/uq.mjs"

const root = Path.resolve(import.meta.dirname, "../../..")
const doc = readFileSync(Path.join(root, "docs/learners.md"), "utf8")
const blocks = [...doc.matchAll(/^```rose\n([\s\S]*?)^```$/gm)].map((m) => m[1]!)
const metrics = (Uq as { metrics: Record<string, { higher: boolean; stop: string }> }).metrics

describe("docs/learners.md", () => {
  it("has an example of each new kind", () => {
    for (const kind of ["reinforcement", "uq", "selector"]) {
      assert.isTrue(
        blocks.some((b) => b.startsWith(`${kind} `)),
        kind
      )
    }
  })

  blocks.forEach((text, k) => {
    it(`example ${k + 1} compiles`, () => {
      const program = Dsl.compile(text, {
        file: "learners.rose",
        here: "/docs",
        exists: () => true,
        env: () => undefined
      })
      assert.isTrue(Either.isRight(program), JSON.stringify(Either.isLeft(program) ? program.left : undefined))
    })
  })

  it("lists every metric of lib/uq.mjs with its direction and stop operator", () => {
    for (const [name, m] of Object.entries(metrics)) {
      const row = doc.split("\n").find((l) => l.startsWith(`| \`${name}\``))
      assert.isDefined(row, name)
      assert.include(row!, m.higher ? "| higher |" : "| **lower** |", name)
      assert.include(row!, `| \`${m.stop}\` |`, name)
    }
  })
})
