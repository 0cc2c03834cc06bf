import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Ast from "../../../dsl/Ast.ts"
import * as Diagnostic from "../../../dsl/Diagnostic.ts"
import * as Dsl from "../../../dsl/Dsl.ts"
import * as Format from "../../../dsl/Format.ts"
import * as Lexer from "../../../dsl/Lexer.ts"
import { examples, invalid, valid } from "./fixtures.ts"

const tree = (text: string) => JSON.stringify(Ast.withoutSpans(Dsl.parse(text).ast))
const comments = (text: string) => Lexer.tokenize(text).comments.map((c) => c.image.trimEnd())

/** The formatter's two laws, plus: no comment is lost. */
const assertFormatterLaws = (text: string, name: string): boolean => {
  const once = Format.format(text)
  if (Either.isLeft(once)) {
    assert.isTrue(Diagnostic.hasErrors(Dsl.parse(text).diagnostics), `${name}: refused only with syntax errors`)
    return false
  }
  const twice = Format.format(once.right)
  assert.isTrue(Either.isRight(twice), `${name}: formatted text parses`)
  assert.strictEqual(Either.getOrThrow(twice), once.right, `${name}: fmt(fmt(x)) == fmt(x)`)
  assert.strictEqual(tree(once.right), tree(text), `${name}: parse(fmt(x)) == parse(x)`)
  assert.deepStrictEqual(comments(once.right), comments(text), `${name}: comments kept, in order`)
  return true
}

describe("formatter laws on every example and fixture", () => {
  for (const f of [...examples, ...valid, ...invalid]) it(f.name, () => void assertFormatterLaws(f.text, f.name))

  it("formats every file but those with lexical or syntax errors", () => {
    const all = [...examples, ...valid, ...invalid]
    for (const f of all) {
      const broken = Dsl.parse(f.text).diagnostics.some((d) => /^E[01]/.test(d.code))
      assert.strictEqual(Either.isLeft(Format.format(f.text)), broken, f.name)
    }
    assert.isAbove(all.filter((f) => Either.isRight(Format.format(f.text))).length, all.length / 2)
  })
})

describe("the canonical layout", () => {
  it("the examples are formatted", () => {
    for (const f of examples) assert.strictEqual(Either.getOrThrow(Format.format(f.text)), f.text, f.name)
  })

  it("normalises spacing, one statement per line, aligned bindings", () => {
    const input =
      'let   rate=0.5\nactive   "u"{max_iter    3\ntraining=exec"node ./t.mjs"with{lr:rate,n:1}timeout   1h\nactive_learn    =     exec   "node ./a.mjs"\nlearner 0{training{lr:rate*2}}}\n'
    assert.strictEqual(
      Either.getOrThrow(Format.format(input)),
      `let rate = 0.5
active "u" {
  max_iter 3
  training     = exec "node ./t.mjs" with { lr: rate, n: 1 } timeout 1h
  active_learn = exec "node ./a.mjs"
  learner 0 { training { lr: rate * 2 } }
}
`
    )
  })

  it("breaks long bindings into one option per line and long objects into one entry per line", () => {
    const long = `active "a" {
  max_iter 1
  training = exec "node ./a-rather-long-script-name.mjs" with { learning_rate: 0.1, batch_size: 32, momentum: 0.9 } timeout 10m
  active_learn = exec "x"
  learner 0 { training { alpha_parameter_one: 1, beta_parameter_two: 2, gamma_parameter_three: 3, delta_parameter: 4 } }
}
`
    assert.strictEqual(
      Either.getOrThrow(Format.format(long)),
      `active "a" {
  max_iter 1
  training     = exec "node ./a-rather-long-script-name.mjs"
    with { learning_rate: 0.1, batch_size: 32, momentum: 0.9 }
    timeout 10m
  active_learn = exec "x"
  learner 0 {
    training {
      alpha_parameter_one: 1,
      beta_parameter_two: 2,
      gamma_parameter_three: 3,
      delta_parameter: 4
    }
  }
}
`
    )
  })

  it("keeps comments where they belong and at most one blank line", () => {
    const input = "# head\n\n\n\nlet x = 1   # trailing\n# before y\nlet y = { a: 1, # inside\n b: 2 }\n"
    assert.strictEqual(
      Either.getOrThrow(Format.format(input)),
      "# head\n\nlet x = 1  # trailing\n# before y\n# inside\nlet y = { a: 1, b: 2 }\n"
    )
  })

  it("refuses a file with syntax errors and says why", () => {
    const r = Format.format('active "a" { max_iter }')
    assert.isTrue(Either.isLeft(r))
    if (Either.isLeft(r))
      assert.deepStrictEqual(
        r.left.map((d) => d.code),
        ["E101"]
      )
    assert.deepStrictEqual(Format.isFormatted("let x = 1\n"), Either.right(true))
    assert.deepStrictEqual(Format.isFormatted("let x=1\n"), Either.right(false))
  })
})
