import { readFileSync } from "node:fs"
import * as Path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Expr from "../../../dsl/Expr.ts"
import * as Tokens from "../../../dsl/Tokens.ts"
import { root } from "./fixtures.ts"

interface Rule {
  readonly match?: string
  readonly begin?: string
  readonly end?: string
  readonly patterns?: ReadonlyArray<Rule>
}

const grammar = JSON.parse(readFileSync(Path.join(root, "editors/rose.tmLanguage.json"), "utf8")) as {
  readonly scopeName: string
  readonly fileTypes: ReadonlyArray<string>
  readonly patterns: ReadonlyArray<Rule>
  readonly repository: { readonly [name: string]: Rule }
}

const rules = (r: Rule): ReadonlyArray<Rule> => [r, ...(r.patterns ?? []).flatMap(rules)]
const all = [...grammar.patterns, ...Object.values(grammar.repository)].flatMap(rules)
const regexes = all.flatMap((r) => [r.match, r.begin, r.end].filter((x): x is string => x !== undefined))

describe("editors/rose.tmLanguage.json", () => {
  it("is a TextMate grammar for .rose files", () => {
    assert.strictEqual(grammar.scopeName, "source.rose")
    assert.deepStrictEqual(grammar.fileTypes, ["rose"])
  })

  it("has regexes that compile (the features used are common to Oniguruma and JavaScript)", () => {
    assert.isAbove(regexes.length, 15)
    for (const r of regexes) assert.doesNotThrow(() => new RegExp(r), r)
  })

  it("resolves every include", () => {
    for (const r of all) {
      const include = (r as { include?: string }).include
      if (include !== undefined) assert.property(grammar.repository, include.slice(1), include)
    }
  })

  it("knows every keyword and built-in function of the language", () => {
    const text = regexes.join("\n")
    for (const word of [...Tokens.keywordWords, ...Expr.functions.keys()]) {
      assert.match(text, new RegExp(`[(|]${word}[|)]`), word)
    }
  })

  it("highlights the first line of a binding and of a configuration entry", () => {
    const binding = new RegExp(grammar.repository["task-binding-head"]!.match!)
    assert.strictEqual(binding.exec('  simulation = exec "node ./sim.mjs"')?.[1], "simulation")
    assert.isNull(binding.exec("  a == b"))
    const entry = new RegExp(grammar.repository["config-entry-head"]!.match!)
    const m = entry.exec("  learner 1 { simulation at 7 { n: 1 } }")
    assert.deepStrictEqual([m?.[1], m?.[3], m?.[4]], ["simulation", "at", "7"])
    assert.isNull(entry.exec("  with { n: 1 }"))
  })
})
