import { assert, describe, it } from "@effect/vitest"
import * as Ast from "../../../dsl/Ast.ts"
import * as Dsl from "../../../dsl/Dsl.ts"
import * as Format from "../../../dsl/Format.ts"
import { parseText, parseWhole } from "../../../dsl/internal/parse.ts"
import { examples, invalid, valid } from "./fixtures.ts"

const strip = (node: unknown) => Ast.withoutSpans(node)
const firstBlock = (text: string): Ast.LearnerBlock => {
  const r = Dsl.parse(text)
  assert.deepStrictEqual(r.diagnostics, [])
  return r.ast.items.find((i): i is Ast.LearnerBlock => i._tag === "LearnerBlock")!
}
const letValue = (expr: string): Ast.Expr => {
  const r = Dsl.parse(`let x = ${expr}`)
  assert.deepStrictEqual(r.diagnostics, [], expr)
  return (r.ast.items[0] as Ast.LetDecl).value
}
const shape = (e: Ast.Expr): string => {
  switch (e._tag) {
    case "Binary":
      return `(${shape(e.left)} ${e.op} ${shape(e.right)})`
    case "Unary":
      return `(${e.op} ${shape(e.operand)})`
    case "Number":
      return e.raw
    case "Ident":
      return e.name
    case "Paren":
      return `[${shape(e.expr)}]`
    case "Member":
      return `${shape(e.object)}.${e.name.text}`
    case "If":
      return `(if ${shape(e.condition)} ${shape(e.consequent)} ${shape(e.alternative)})`
    case "Call":
      return `${e.callee.text}(${e.args.map(shape).join(",")})`
    default:
      return e._tag
  }
}

describe("expression precedence", () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ["1 + 2 * 3", "(1 + (2 * 3))"],
    ["1 - 2 - 3", "((1 - 2) - 3)"],
    ["2 ** 3 ** 2", "(2 ** (3 ** 2))"],
    ["-2 ** 2", "(- (2 ** 2))"],
    ["2 ** -1", "(2 ** (- 1))"],
    ["0.1 * 0.95 ** i", "(0.1 * (0.95 ** i))"],
    ["a ?? b or c", "(a ?? (b or c))"],
    ["not a and b", "((not a) and b)"],
    ["a < b + 1", "(a < (b + 1))"],
    ["if a then b else c ?? d", "(if a b (c ?? d))"],
    ["prev.state.sim.loss * 2", "(prev.state.sim.loss * 2)"],
    ["min(1, 2) + (3)", "(min(1,2) + [3])"],
    ["learner + max_iter", "(learner + max_iter)"],
    ["not a == b", "(not (a == b))"],
    ["not not a or b", "((not (not a)) or b)"],
    ["a < b < c", "((a < b) < c)"],
    ["x + if a then b else c + 1", "(x + (if a b (c + 1)))"],
    ["a ?? b ?? c", "((a ?? b) ?? c)"],
    ["a or b and c", "(a or (b and c))"],
    ["1 - -2 * 3 % 4", "(1 - (((- 2) * 3) % 4))"]
  ]
  for (const [input, expected] of cases) it(input, () => assert.strictEqual(shape(letValue(input)), expected))
})

describe("declarations", () => {
  it("reads a learner block with bindings, options and sections", () => {
    const b = firstBlock(`
      active "sweep" {
        parallel 2
        max_iter 3
        training = exec "python t.py" with { lr: 0.1 } timeout 90s retry 2 on exit
        active_learn = call "./t.ts#pick"
        environment "cart" = shell "echo hi"
        stop when mse 0.5
        on_error abort
        learner 1 { training at 2 { lr: 1 } training from 3 { "--lr": 2 } training default { args: ["x"] } }
      }`)
    assert.strictEqual(b.kind, "active")
    assert.strictEqual(b.name?.value, "sweep")
    assert.deepStrictEqual(
      b.items.map((i) => i._tag),
      ["Parallel", "MaxIter", "TaskBinding", "TaskBinding", "TaskBinding", "StopWhen", "OnError", "LearnerSection"]
    )
    const training = b.items[2] as Ast.TaskBinding
    assert.deepStrictEqual(
      training.options.map((o) => o._tag),
      ["With", "Timeout", "Retry"]
    )
    assert.strictEqual((training.options[1] as { duration: Ast.Duration }).duration.millis, 90_000)
    const env = b.items[4] as Ast.TaskBinding
    assert.strictEqual(Ast.taskName(env.task), "environment.cart")
    const stop = b.items[5] as Ast.StopWhen
    assert.strictEqual(stop.operator, undefined)
    const section = b.items[7] as Ast.LearnerSection
    assert.deepStrictEqual(
      section.entries.map((e) => e.when._tag),
      ["At", "From", "Default"]
    )
    assert.deepStrictEqual(strip(section.entries[1]!.body!.entries[0]!.key), {
      _tag: "Key",
      name: "--lr",
      quoted: true,
      raw: '"--lr"'
    })
  })

  it("reads backends with dashed kinds, plugins and lets", () => {
    const r = Dsl.parse('backend dry-run "rehearsal" { a: [1, { b: 2 }] }\nplugin "./p.ts"\nlet n = 3')
    assert.deepStrictEqual(r.diagnostics, [])
    const [b, p, l] = r.ast.items as [Ast.BackendDecl, Ast.PluginDecl, Ast.LetDecl]
    assert.strictEqual(b.kind?.text, "dry-run")
    assert.strictEqual(b.name?.value, "rehearsal")
    assert.strictEqual(p.path?.value, "./p.ts")
    assert.strictEqual(l.name?.text, "n")
  })

  it("lets keys and member names be keywords", () => {
    assert.deepStrictEqual(Dsl.parse("let x = { timeout: 1, default: 2, from: 3 }.default").diagnostics, [])
  })

  it("gives every node a span inside the text", () => {
    const text = 'active "a" {\n  max_iter 2\n  training = exec "t"\n}\n'
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) {
        for (const n of node) walk(n)
        return
      }
      if (typeof node !== "object" || node === null) return
      const span = (node as { span?: Ast.Name["span"] }).span
      if (span !== undefined) {
        assert.isAtLeast(span.start.offset, 0)
        assert.isAtMost(span.end.offset, text.length)
        assert.isAtMost(span.start.offset, span.end.offset)
      }
      for (const v of Object.values(node)) walk(v)
    }
    walk(Dsl.parse(text).ast)
  })
})

describe("recovery", () => {
  it("reports several syntax errors and keeps the intact blocks", () => {
    const r = Dsl.parse('active "a" { max_iter = }\nactive "b" { max_iter 3 }\nactive "c" { training = exec }\n')
    assert.isAtLeast(r.diagnostics.length, 2)
    const names = r.ast.items.map((i) => (i._tag === "LearnerBlock" ? i.name?.value : i._tag))
    assert.include(names, "b")
  })

  it("anchors an error at end of input after the last token", () => {
    const r = Dsl.parse('active "a" {\n  max_iter 3\n')
    assert.strictEqual(r.diagnostics.length, 1)
    const d = r.diagnostics[0]!
    assert.deepStrictEqual([d.code, d.span.start.line, d.span.start.column], ["E100", 2, 13])
  })

  it("suggests the keyword a misspelt word was meant to be", () => {
    const r = Dsl.parse('actve "a" { }')
    assert.include(r.diagnostics[0]!.message, "did you mean 'active'")
    const s = Dsl.parse('active "a" { stop wen mse < 1 }')
    assert.include(s.diagnostics[0]!.message, "did you mean 'when'")
  })

  it("never throws on an empty or blank input", () => {
    assert.deepStrictEqual(Dsl.parse("").diagnostics, [])
    assert.deepStrictEqual(Dsl.parse("  \n# only a comment\n").ast.items, [])
  })
})

describe("the fast path (a correct file parsed piece by piece)", () => {
  for (const f of [...examples, ...valid, ...invalid]) {
    it(`${f.name}: same tree as a whole-file parse, spans included`, () => {
      const fast = parseText(f.text)
      if (fast.broken) return
      assert.deepStrictEqual(fast.ast, parseWhole(f.text).ast)
    })
  }

  it("falls back to the whole file, with every error, when a piece does not parse", () => {
    const text = 'let a = 1\nactive "x" {\n  learner 0 { training { a: } }\n  max_iter\n}\nlet b = \n'
    const r = parseText(text)
    const w = parseWhole(text)
    assert.deepStrictEqual([r.ast, r.diagnostics], [w.ast, w.diagnostics])
    assert.isAtLeast(r.diagnostics.length, 3)
  })
})

describe("inputs nested past what recursion can follow", () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ["brackets", `let x = ${"(".repeat(5000)}1${")".repeat(5000)}`],
    ["arrays", `let x = ${"[".repeat(300)}${"]".repeat(300)}`],
    ["unary minus", `let x = ${"-".repeat(20000)}1`],
    ["powers", `let x = ${"2 ** ".repeat(20000)}1`],
    ["conditionals", `let x = ${"if true then 1 else ".repeat(5000)}1`]
  ]
  for (const [name, text] of cases) {
    it(`${name}: an E104 diagnostic, no exception, from every entry point`, () => {
      assert.include(
        Dsl.parse(text).diagnostics.map((d) => d.code),
        "E104"
      )
      assert.include(
        Dsl.check(text).diagnostics.map((d) => d.code),
        "E104"
      )
      const compiled = Dsl.compile(text, { here: "/p" })
      assert.isTrue(compiled._tag === "Left" && compiled.left.some((d) => d.code === "E104"))
      assert.isTrue(Format.format(text)._tag === "Left")
    })
  }

  it("accepts reasonable nesting", () => {
    assert.notInclude(
      Dsl.check(`let x = ${"(".repeat(200)}1${")".repeat(200)}`).diagnostics.map((d) => d.code),
      "E104"
    )
  })
})
