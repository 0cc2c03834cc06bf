import { assert, describe, it } from "@effect/vitest"
import * as Lexer from "../../../dsl/Lexer.ts"
import * as Tokens from "../../../dsl/Tokens.ts"

const types = (text: string) => Lexer.tokenize(text).tokens.map((t) => t.tokenType.name)

describe("Lexer", () => {
  it("tells keywords from identifiers that start like them", () => {
    assert.deepStrictEqual(types("parallel parallelism on on_error on_errors max_iter max_iters"), [
      "Kw_parallel",
      "Identifier",
      "Kw_on",
      "Kw_on_error",
      "Identifier",
      "Kw_max_iter",
      "Identifier"
    ])
  })

  it("reads durations before numbers and numbers with exponents", () => {
    assert.deepStrictEqual(types("10m 1.5h 250ms 30s 1e-3 42 0.5"), [
      "Duration",
      "Duration",
      "Duration",
      "Duration",
      "NumberToken",
      "NumberToken",
      "NumberToken"
    ])
  })

  it("reads two-character operators whole", () => {
    assert.deepStrictEqual(types("** * <= < == = != >= ?? -"), [
      "StarStar",
      "Star",
      "LtEq",
      "Lt",
      "EqEq",
      "Equals",
      "NotEq",
      "GtEq",
      "Coalesce",
      "Minus"
    ])
  })

  it("keeps comments apart, with their positions", () => {
    const r = Lexer.tokenize("let x = 1 # one\n# two\n")
    assert.deepStrictEqual(
      r.comments.map((c) => {
        const { start } = Lexer.tokenSpan(c, r.lines)
        return [c.image, start.line, start.column]
      }),
      [
        ["# one", 1, 11],
        ["# two", 2, 1]
      ]
    )
    assert.strictEqual(r.tokens.length, 4)
  })

  it("tracks 1-based lines and columns with exclusive ends", () => {
    const r = Lexer.tokenize('\n  simulation = exec "x"')
    const t = r.tokens[2]!
    assert.strictEqual(t.tokenType, Tokens.Exec)
    const span = Lexer.tokenSpan(t, r.lines)
    assert.deepStrictEqual([span.start.line, span.start.column, span.end.column, span.end.offset], [2, 16, 20, 20])
  })

  it("decodes escapes and reports bad ones", () => {
    assert.strictEqual(Lexer.decodeString(String.raw`"a\"b\\c\n\t\u0041\u{1F600}"`).value, 'a"b\\c\n\tA😀')
    assert.deepStrictEqual(Lexer.decodeString(String.raw`"x\qy"`).problems, [{ offset: 2, length: 2 }])
    assert.strictEqual(Lexer.decodeString('"open').value, "open")
  })

  it("reports every lexical problem and goes on", () => {
    const r = Lexer.tokenize('let a = @ 1\nlet b = "open\nlet c = 3x\nlet d = "\\z"')
    assert.deepStrictEqual(
      r.diagnostics.map((d) => `${d.code} ${d.span.start.line}:${d.span.start.column}`),
      ["E001 1:9", "E002 2:9", "E004 3:9", "E003 4:10"]
    )
    // the unterminated string and the bad number still reach the parser as a string and a number
    assert.include(
      r.tokens.map((t) => t.tokenType.name),
      "UnterminatedString"
    )
  })

  it("gives every token and comment its end offset", () => {
    const r = Lexer.tokenize('let  abc = "x y" # c')
    assert.deepStrictEqual(
      [...r.tokens, ...r.comments].map((t) => [t.startOffset, t.endOffset]),
      [
        [0, 2],
        [5, 7],
        [9, 9],
        [11, 15],
        [17, 19]
      ]
    )
  })

  it("reads CRLF line ends and skips a byte-order mark", () => {
    const r = Lexer.tokenize("\uFEFFlet a = 1\r\nlet b = @\r\n")
    assert.deepStrictEqual(
      r.diagnostics.map((d) => `${d.code} ${d.span.start.line}:${d.span.start.column}`),
      ["E001 2:9"]
    )
  })
})
