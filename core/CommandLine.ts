/**
 * Command lines without a shell: splitting a string into argv the way a POSIX shell splits words
 * (quotes and backslashes, nothing expanded), `{placeholder}` substitution, and the rendering of
 * unconsumed kwargs as flags (DESIGN §4.1).
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import type * as Json from "./Json.ts"
import * as TaskConfig from "./TaskConfig.ts"

/**
 * @since 0.1.0
 * @category errors
 */
export interface SplitProblem {
  readonly offset: number
  readonly message: string
}

/**
 * Splits a command string into words: whitespace separates words; single quotes keep everything
 * literally; double quotes keep everything but `\"`, `\\`, `` \` ``, `\$` and `\<newline>`; a backslash
 * outside quotes escapes the next character. `$`, `~` and globs stay literal.
 *
 * @since 0.1.0
 * @category parsing
 */
export const split = (input: string): Either.Either<ReadonlyArray<string>, SplitProblem> => {
  const words: Array<string> = []
  let word = ""
  let inWord = false
  let i = 0
  const n = input.length
  while (i < n) {
    const c = input[i]!
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      if (inWord) {
        words.push(word)
        word = ""
        inWord = false
      }
      i++
    } else if (c === "'") {
      const end = input.indexOf("'", i + 1)
      if (end < 0) return Either.left({ offset: i, message: "unterminated single quote" })
      word += input.slice(i + 1, end)
      inWord = true
      i = end + 1
    } else if (c === '"') {
      const start = i
      i++
      inWord = true
      let closed = false
      while (i < n) {
        const d = input[i]!
        if (d === '"') {
          closed = true
          i++
          break
        }
        if (d === "\\" && i + 1 < n) {
          const e = input[i + 1]!
          if (e === '"' || e === "\\" || e === "`" || e === "$") {
            word += e
            i += 2
            continue
          }
          if (e === "\n") {
            i += 2
            continue
          }
        }
        word += d
        i++
      }
      if (!closed) return Either.left({ offset: start, message: "unterminated double quote" })
    } else if (c === "\\") {
      if (i + 1 >= n) return Either.left({ offset: i, message: "a backslash at the end escapes nothing" })
      const e = input[i + 1]!
      if (e !== "\n") {
        word += e
        inWord = true
      }
      i += 2
    } else {
      word += c
      inWord = true
      i++
    }
  }
  if (inWord) words.push(word)
  return Either.right(words)
}

/**
 * A piece of an argv token: literal text or a `{name}` placeholder.
 *
 * @since 0.1.0
 * @category models
 */
export type Piece = { readonly _tag: "Text"; readonly text: string } | { readonly _tag: "Hole"; readonly name: string }

/**
 * An argv token cut into literal text and placeholders.
 *
 * @since 0.1.0
 * @category models
 */
export type Token = ReadonlyArray<Piece>

const placeholderName = /^[A-Za-z_][A-Za-z0-9_-]*$/

/**
 * Cuts a token into text and `{name}` placeholders; `{{` and `}}` stand for literal braces.
 * A `{` that does not open a well-formed placeholder is an error.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseToken = (token: string): Either.Either<Token, SplitProblem> => {
  const pieces: Array<Piece> = []
  let text = ""
  let i = 0
  while (i < token.length) {
    const c = token[i]!
    if (c === "{") {
      if (token[i + 1] === "{") {
        text += "{"
        i += 2
        continue
      }
      const end = token.indexOf("}", i + 1)
      const name = end < 0 ? "" : token.slice(i + 1, end)
      if (end < 0 || !placeholderName.test(name)) {
        return Either.left({
          offset: i,
          message: `"{" does not start a placeholder such as {n_labeled}; write "{{" for a literal brace`
        })
      }
      if (text.length > 0) pieces.push({ _tag: "Text", text })
      text = ""
      pieces.push({ _tag: "Hole", name })
      i = end + 1
    } else if (c === "}" && token[i + 1] === "}") {
      text += "}"
      i += 2
    } else {
      text += c
      i++
    }
  }
  if (text.length > 0 || pieces.length === 0) pieces.push({ _tag: "Text", text })
  return Either.right(pieces)
}

/**
 * The placeholders of a template, in order.
 *
 * @since 0.1.0
 * @category parsing
 */
export const holes = (template: ReadonlyArray<Token>): ReadonlyArray<string> =>
  template.flatMap((t) => t.flatMap((p) => (p._tag === "Hole" ? [p.name] : [])))

/**
 * The built-in placeholders every task can use.
 *
 * @since 0.1.0
 * @category constants
 */
export const builtins: ReadonlyArray<string> = ["here", "workdir", "run_dir", "iteration", "learner", "learner_name"]

/**
 * How a value reads inside a placeholder: strings as written, numbers as JavaScript prints them,
 * `null` as nothing, arrays and objects as JSON.
 *
 * @since 0.1.0
 * @category rendering
 */
export const valueText = (value: Json.Json): string =>
  typeof value === "string"
    ? value
    : typeof value === "number" || typeof value === "boolean"
      ? String(value)
      : value === null
        ? ""
        : JSON.stringify(value)

/**
 * The flag for a kwarg: `--key` (or `-k` when it was written with one dash).
 *
 * @since 0.1.0
 * @category rendering
 */
export const flag = (key: string): string => {
  if (key.startsWith("--")) return key
  if (key.startsWith("-")) return key
  return `--${key}`
}

/**
 * Appends one kwarg as flags: `true` → the bare flag; `false`/`null` → nothing; an array → the flag
 * then each element; an object → its JSON; anything else → the flag and its text.
 *
 * @since 0.1.0
 * @category rendering
 */
export const appendKwarg = (argv: Array<string>, key: string, value: Json.Json): void => {
  if (value === false || value === null) return
  const f = flag(key)
  if (value === true) {
    argv.push(f)
  } else if (Array.isArray(value)) {
    argv.push(f)
    for (const v of value) argv.push(valueText(v))
  } else {
    argv.push(f, valueText(value))
  }
}

/**
 * The values the built-in placeholders stand for.
 *
 * @since 0.1.0
 * @category models
 */
export interface Builtins {
  readonly here: string
  readonly workdir: string
  readonly run_dir: string
  readonly iteration: number
  readonly learner: number
  readonly learner_name: string
}

/**
 * @since 0.1.0
 * @category errors
 */
export interface RenderProblem {
  readonly placeholder: string
  readonly message: string
}

/**
 * Renders a template: placeholders take a kwarg (by identity) or a built-in, `args` follow the
 * template, and the kwargs that no placeholder consumed are appended as flags in order.
 *
 * @since 0.1.0
 * @category rendering
 */
export const render = (
  template: ReadonlyArray<Token>,
  resolved: TaskConfig.Resolved,
  builtin: Builtins
): Either.Either<ReadonlyArray<string>, RenderProblem> => {
  const byId = new Map<string, TaskConfig.Kwarg>()
  for (const kw of resolved.kwargs) byId.set(TaskConfig.identity(kw.key), kw)
  const consumed = new Set<string>()
  const argv: Array<string> = []
  for (const token of template) {
    let out = ""
    for (const piece of token) {
      if (piece._tag === "Text") {
        out += piece.text
        continue
      }
      const kw = byId.get(piece.name)
      if (kw !== undefined) {
        consumed.add(piece.name)
        out += valueText(kw.value)
      } else if (piece.name in builtin) {
        out += valueText(builtin[piece.name as keyof Builtins])
      } else {
        return Either.left({
          placeholder: piece.name,
          message: `{${piece.name}} is neither a kwarg of this task nor a built-in (${builtins.join(", ")})`
        })
      }
    }
    argv.push(out)
  }
  for (const a of resolved.args) argv.push(valueText(a))
  for (const kw of resolved.kwargs) {
    if (!consumed.has(TaskConfig.identity(kw.key))) appendKwarg(argv, kw.key, kw.value)
  }
  return Either.right(argv)
}

/**
 * Whether a token is a relative path to resolve against the defining file's folder.
 *
 * @since 0.1.0
 * @category paths
 */
export const isRelativePath = (token: string): boolean => token.startsWith("./") || token.startsWith("../")

/**
 * Joins a POSIX folder and a relative path, folding `.` and `..` segments.
 *
 * @since 0.1.0
 * @category paths
 */
export const resolvePath = (folder: string, relative: string): string => {
  const parts = folder.split("/")
  for (const seg of relative.split("/")) {
    if (seg === "." || seg === "") continue
    if (seg === "..") {
      if (parts.length > 1) parts.pop()
    } else parts.push(seg)
  }
  const joined = parts.join("/")
  return joined === "" ? "/" : joined
}

/**
 * Compiles a command template from a string or an argv array: split (strings only), placeholders
 * parsed, `./` and `../` tokens resolved against `here`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const compile = (
  command: string | ReadonlyArray<string>,
  here: string
): Either.Either<ReadonlyArray<Token>, SplitProblem> => {
  const words = typeof command === "string" ? split(command) : Either.right(command)
  if (Either.isLeft(words)) return Either.left(words.left)
  const tokens: Array<Token> = []
  for (const word of words.right) {
    const token = parseToken(isRelativePath(word) ? resolvePath(here, word) : word)
    if (Either.isLeft(token)) return Either.left(token.left)
    tokens.push(token.right)
  }
  if (tokens.length === 0) return Either.left({ offset: 0, message: "the command is empty" })
  return Either.right(tokens)
}

/**
 * Shows a template as the user would write it, for plans and run.json.
 *
 * @since 0.1.0
 * @category rendering
 */
export const show = (template: ReadonlyArray<Token>): ReadonlyArray<string> =>
  template.map((t) =>
    t.map((p) => (p._tag === "Hole" ? `{${p.name}}` : p.text.replaceAll("{", "{{").replaceAll("}", "}}"))).join("")
  )
