/**
 * Seeded fuzz inputs: random token soups and token/character mutations of the examples and fixtures.
 */
import * as Lexer from "../../../dsl/Lexer.ts"
import { examples, invalid, valid } from "./fixtures.ts"

/** mulberry32: small, fast, seeded. */
export const prng = (seed: number) => {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <A>(xs: ReadonlyArray<A>): A => xs[Math.floor(next() * xs.length)]!
  }
}

export const corpus: ReadonlyArray<string> = [...examples, ...valid, ...invalid].map((f) => f.text)
const validCorpus: ReadonlyArray<string> = [...examples, ...valid].map((f) => f.text)

const extras = [
  '"',
  "#",
  "@",
  "\\",
  "{",
  "}",
  "[",
  "]",
  "(",
  ")",
  "10min",
  '"open',
  "é",
  "\t",
  "-",
  "=",
  ":",
  ",",
  ".",
  "??",
  "**",
  "1e999",
  "0",
  "-1",
  "learner",
  "prev",
  "i",
  "\u0000"
]

export const vocabulary: ReadonlyArray<string> = [
  ...new Set([...corpus.flatMap((t) => Lexer.tokenize(t).tokens.map((k) => k.image)), ...extras])
]

interface Piece {
  readonly gap: string
  readonly image: string
}

const pieces = (text: string): Array<Piece> => {
  const lexed = Lexer.tokenize(text)
  const all = [...lexed.tokens, ...lexed.comments].sort((a, b) => a.startOffset - b.startOffset)
  let at = 0
  return all.map((t) => {
    const p = { gap: text.slice(at, t.startOffset), image: t.image }
    at = (t.endOffset ?? t.startOffset) + 1
    return p
  })
}

export const randomTokens = (r: ReturnType<typeof prng>): string => {
  const n = 1 + r.int(80)
  let out = ""
  for (let k = 0; k < n; k++) out += r.pick(vocabulary) + r.pick([" ", " ", " ", "\n", ""])
  return out
}

export const mutate = (r: ReturnType<typeof prng>): string => {
  // mostly valid files, so that many mutants get past the parser to the checker and the compiler
  const text = r.next() < 0.7 ? r.pick(validCorpus) : r.pick(corpus)
  if (r.next() < 0.2) {
    // character level: delete, insert or replace a few characters
    let s = text
    for (let k = 1 + r.int(3); k > 0; k--) {
      const at = r.int(s.length + 1)
      const op = r.int(3)
      const c = r.pick(['"', "{", "}", "#", "\n", " ", "x", "1", "-", "\\", "="])
      s =
        op === 0
          ? s.slice(0, at) + s.slice(at + 1)
          : op === 1
            ? s.slice(0, at) + c + s.slice(at)
            : s.slice(0, at) + c + s.slice(at + 1)
    }
    return s
  }
  const ps = pieces(text)
  if (ps.length === 0) return text
  for (let k = 1 + r.int(4); k > 0; k--) {
    const at = r.int(ps.length)
    switch (r.int(5)) {
      case 0:
        ps.splice(at, 1)
        break
      case 1:
        ps.splice(at, 0, ps[at]!)
        break
      case 2: {
        const b = Math.min(ps.length - 1, at + 1)
        const t = ps[at]!
        ps[at] = { gap: t.gap, image: ps[b]!.image }
        ps[b] = { gap: ps[b]!.gap, image: t.image }
        break
      }
      case 3:
        ps[at] = { gap: ps[at]!.gap, image: r.pick(vocabulary) }
        break
      default:
        ps.splice(at, 0, { gap: " ", image: r.pick(vocabulary) })
    }
    if (ps.length === 0) break
  }
  return ps.map((p) => p.gap + p.image).join("")
}
