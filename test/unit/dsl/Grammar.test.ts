import { readFileSync, writeFileSync } from "node:fs"
import * as Path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { cstTypes, unusedTokens } from "../../../dsl/internal/grammarSelfCheck.ts"
import * as Lexer from "../../../dsl/Lexer.ts"
import { RoseParser } from "../../../dsl/Parser.ts"
import * as Tokens from "../../../dsl/Tokens.ts"
import { root } from "./fixtures.ts"

describe("grammar self-checks", () => {
  it("the parser passes Chevrotain's grammar validations (skipped in production)", () => {
    // throws on ambiguities, left recursion, unresolved rules …
    assert.doesNotThrow(() => new RoseParser({ validate: true }))
  })

  it("the lexer passes its validations and its first-character optimisation holds", () => {
    const lexer = Lexer.makeLexer({ validate: true })
    assert.isEmpty(lexer.lexerDefinitionErrors)
  })

  it("dsl/generated/cst.ts matches the grammar", () => {
    const path = Path.join(root, "dsl/generated/cst.ts")
    const expected = cstTypes()
    if (process.env.UPDATE_CST === "1") writeFileSync(path, expected)
    assert.strictEqual(readFileSync(path, "utf8"), expected, "regenerate with UPDATE_CST=1")
  })

  it("every token is used by the grammar", () => {
    assert.deepStrictEqual(unusedTokens(), [])
  })

  it("every keyword has a label and falls back to an identifier when longer", () => {
    for (const k of Tokens.keywords) {
      assert.match(k.LABEL ?? "", /^'[a-z_]+'$/)
      assert.strictEqual(k.LONGER_ALT, Tokens.Identifier)
    }
  })
})
