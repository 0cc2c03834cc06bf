import { readFileSync } from "node:fs"
import * as Path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Diagnostic from "../../../dsl/Diagnostic.ts"
import * as Dsl from "../../../dsl/Dsl.ts"
import { root } from "./fixtures.ts"

const doc = readFileSync(Path.join(root, "docs/dsl.md"), "utf8")
const blocks = [...doc.matchAll(/^```rose\n([\s\S]*?)^```$/gm)].map((m) => m[1]!)

describe("docs/dsl.md", () => {
  it("lists every diagnostic code", () => {
    for (const code of Object.values(Diagnostic.Codes)) assert.include(doc, `| \`${code}\` |`, code)
    const listed = [...doc.matchAll(/^\| `([EW]\d{3})` \|/gm)].map((m) => m[1])
    assert.deepStrictEqual(listed.sort(), Object.values(Diagnostic.Codes).sort(), "and no other")
  })

  it("has complete examples", () => assert.isAtLeast(blocks.length, 8))

  blocks.forEach((text, k) => {
    it(`example ${k + 1} checks without errors`, () => {
      const { diagnostics } = Dsl.check(text, { file: "docs.rose", exists: () => true, env: () => undefined })
      assert.deepStrictEqual(
        diagnostics.filter(Diagnostic.isError).map((d) => Diagnostic.format(d, text, "docs.rose")),
        []
      )
    })
  })
})
