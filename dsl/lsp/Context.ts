/**
 * Where the cursor is, read from the tokens before it rather than from the tree: while a statement
 * is being typed the file rarely parses, but its brackets and the words before the cursor still
 * say whether it is at the top level, in a learner block, in a `learner K { … }` section, in an
 * entry's object or a backend's configuration, and what came just before.
 *
 * @since 0.1.0
 */
import type { IToken, TokenType } from "chevrotain"
import * as Lexer from "../Lexer.ts"
import * as Tokens from "../Tokens.ts"

/**
 * An open bracket around the cursor and what it belongs to.
 *
 * @since 0.1.0
 * @category models
 */
export type Frame =
  | { readonly _tag: "Block"; readonly offset: number }
  | { readonly _tag: "Section"; readonly offset: number }
  | { readonly _tag: "Entry"; readonly task: string }
  | { readonly _tag: "With"; readonly task: string | undefined }
  | { readonly _tag: "Resources" }
  | { readonly _tag: "Env" }
  | { readonly _tag: "BackendConfig"; readonly kind: string }
  | { readonly _tag: "Object" }
  | { readonly _tag: "Bracket" }

/**
 * @since 0.1.0
 * @category models
 */
export interface Context {
  /** Innermost last; empty at the top level. */
  readonly frames: ReadonlyArray<Frame>
  /** The tokens before the word under the cursor, last one last. */
  readonly before: ReadonlyArray<IToken>
  /** The part of the word under the cursor before it (what completion filters by). */
  readonly prefix: string
}

const isWord = (t: IToken): boolean =>
  t.tokenType === Tokens.Identifier || t.tokenType.CATEGORIES?.includes(Tokens.Keyword) === true

const is = (t: IToken | undefined, type: TokenType): boolean => t?.tokenType === type

const isKind = (t: IToken | undefined): boolean => t?.tokenType.CATEGORIES?.includes(Tokens.LearnerKind) === true

const isString = (t: IToken | undefined): boolean =>
  t?.tokenType === Tokens.StringToken || t?.tokenType === Tokens.UnterminatedString

const unquote = (image: string): string => image.replace(/^"/, "").replace(/"$/, "")

// The task of a `TASK ["qualifier"] = … with {` binding: the words before the `=` of its statement.
const bindingTask = (tokens: ReadonlyArray<IToken>, at: number): string | undefined => {
  let depth = 0
  for (let k = at - 1; k > 0; k--) {
    const t = tokens[k]!
    if (is(t, Tokens.RCurly) || is(t, Tokens.RBracket) || is(t, Tokens.RParen)) depth++
    else if (is(t, Tokens.LCurly) || is(t, Tokens.LBracket) || is(t, Tokens.LParen)) {
      if (depth === 0) return undefined
      depth--
    } else if (depth === 0 && t.image === "=") {
      const before = tokens[k - 1]
      if (isString(before) && tokens[k - 2] !== undefined && isWord(tokens[k - 2]!))
        return `${tokens[k - 2]!.image}.${unquote(before!.image)}`
      return before !== undefined && isWord(before) ? before.image : undefined
    }
  }
  return undefined
}

// The task of a section entry `TASK ["qualifier"] [at N | from N | default] {`.
const entryTask = (tokens: ReadonlyArray<IToken>, at: number): string | undefined => {
  let k = at - 1
  if (is(tokens[k], Tokens.Default)) k--
  else if (is(tokens[k - 1], Tokens.At) || is(tokens[k - 1], Tokens.From)) k -= 2
  else if (is(tokens[k - 2], Tokens.At) || is(tokens[k - 2], Tokens.From)) k -= 3
  const qualifier = isString(tokens[k]) ? unquote(tokens[k]!.image) : undefined
  if (qualifier !== undefined) k--
  const name = tokens[k]
  if (name === undefined || !isWord(name)) return undefined
  return qualifier === undefined ? name.image : `${name.image}.${qualifier}`
}

// The kind of a `backend KIND ["name"] {`: the words between `backend` and the name or `{`.
const backendKind = (tokens: ReadonlyArray<IToken>, at: number): string | undefined => {
  let k = at - 1
  if (isString(tokens[k])) k--
  const words: Array<string> = []
  for (; k >= 0 && at - k < 16; k--) {
    const t = tokens[k]!
    if (is(t, Tokens.Backend)) return words.reverse().join("")
    if (!isWord(t) && !is(t, Tokens.Minus)) return undefined
    words.push(t.image)
  }
  return undefined
}

const classify = (tokens: ReadonlyArray<IToken>, at: number, frames: ReadonlyArray<Frame>): Frame => {
  const prev = tokens[at - 1]
  const prev2 = tokens[at - 2]
  const top = frames[frames.length - 1]
  if (isKind(prev) || (isString(prev) && isKind(prev2))) return { _tag: "Block", offset: tokens[at]!.startOffset }
  if (top?._tag === "Block" && (is(prev, Tokens.NumberToken) || is(prev, Tokens.Identifier))) {
    const learner = is(prev2, Tokens.Minus) ? tokens[at - 3] : prev2
    if (is(learner, Tokens.Learner)) return { _tag: "Section", offset: tokens[at]!.startOffset }
  }
  if (is(prev, Tokens.With)) return { _tag: "With", task: bindingTask(tokens, at - 1) }
  if (is(prev, Tokens.Resources)) return { _tag: "Resources" }
  if (is(prev, Tokens.Env)) return { _tag: "Env" }
  if (top?._tag === "Section") {
    const task = entryTask(tokens, at)
    if (task !== undefined) return { _tag: "Entry", task }
  }
  if (top === undefined) {
    const kind = backendKind(tokens, at)
    if (kind !== undefined) return { _tag: "BackendConfig", kind }
  }
  return { _tag: "Object" }
}

/**
 * The context of an offset in a text.
 *
 * @since 0.1.0
 * @category constructors
 */
export const at = (text: string, offset: number): Context => {
  const tokens = Lexer.tokenize(text).tokens
  const frames: Array<Frame> = []
  let prefix = ""
  let end = 0
  for (; end < tokens.length; end++) {
    const t = tokens[end]!
    const last = t.endOffset ?? t.startOffset
    if (t.startOffset >= offset) break
    if (last + 1 >= offset && isWord(t)) {
      // the word under the cursor: what is typed so far
      prefix = text.slice(t.startOffset, offset)
      break
    }
    if (is(t, Tokens.LCurly)) frames.push(classify(tokens, end, frames))
    else if (is(t, Tokens.LBracket) || is(t, Tokens.LParen)) frames.push({ _tag: "Bracket" })
    else if (is(t, Tokens.RCurly) || is(t, Tokens.RBracket) || is(t, Tokens.RParen)) frames.pop()
  }
  return { frames, before: tokens.slice(0, end), prefix }
}

/**
 * The innermost frame that is not a bracket or a plain object (where a value sits in the file's
 * structure).
 *
 * @since 0.1.0
 * @category getters
 */
export const owner = (context: Context): Frame | undefined => {
  for (let k = context.frames.length - 1; k >= 0; k--) {
    const f = context.frames[k]!
    if (f._tag !== "Bracket" && f._tag !== "Object") return f
  }
  return undefined
}

/**
 * Whether the cursor is where an object key goes (right after `{` or `,` in an object).
 *
 * @since 0.1.0
 * @category getters
 */
export const atKey = (context: Context): boolean => {
  const top = context.frames[context.frames.length - 1]
  if (top === undefined || top._tag === "Bracket" || top._tag === "Block" || top._tag === "Section") return false
  const last = context.before[context.before.length - 1]
  return is(last, Tokens.LCurly) || is(last, Tokens.Comma)
}
