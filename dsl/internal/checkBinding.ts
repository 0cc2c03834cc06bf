/**
 * Checks of a task's binding: `exec` (a command string or argv, compiled to a template), `shell` (a
 * script) or `call` (`"module#function"`).
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as CommandLine from "../../core/CommandLine.ts"
import type * as Ast from "../Ast.ts"
import type { BindingModel } from "../CheckedModel.ts"
import * as Diagnostic from "../Diagnostic.ts"
import * as Expr from "../Expr.ts"
import { Dep, fold } from "./analyze.ts"
import { type Ctx, err, scope, stringOffsetSpan } from "./checkContext.ts"

const callTarget = /^(.+)#([A-Za-z_$][A-Za-z0-9_$]*)$/

/**
 * The word of a command that names the file it runs: the program itself when it is a `./` path, or
 * else the first word after the program that is not an option (`python3 -u ./sim.py`). Later `./`
 * words may be files the tasks write, so only this one must exist before the run.
 */
const scriptIndex = (words: ReadonlyArray<string>): number => {
  const i = CommandLine.isRelativePath(words[0] ?? "") ? 0 : words.findIndex((w, k) => k > 0 && !w.startsWith("-"))
  return i >= 0 && CommandLine.isRelativePath(words[i]!) && !words[i]!.includes("{") ? i : -1
}

/** Warns when the program or script of an exec command is a `./` path to no file. */
const checkScript = (ctx: Ctx, value: Ast.Expr, command: string | ReadonlyArray<string>): void => {
  if (ctx.exists === undefined) return
  const words = typeof command === "string" ? CommandLine.split(command) : Either.right(command)
  if (Either.isLeft(words)) return
  const i = scriptIndex(words.right)
  if (i < 0) return
  const word = words.right[i]!
  const path = CommandLine.resolvePath(ctx.here, word)
  if (ctx.exists(path)) return
  const span =
    typeof command === "string"
      ? stringOffsetSpan(value, Math.max(0, command.indexOf(word)), word.length)
      : value._tag === "Array"
        ? (value.elements[i]?.span ?? value.span)
        : value.span
  ctx.report(
    Diagnostic.warning(
      Diagnostic.Codes.MissingFile,
      `${word} does not exist (${path}); create it, or correct the path: a ./ path is relative to the .rose file's folder`,
      span
    )
  )
}

export function ruleBinding(ctx: Ctx, binding: Ast.Binding, maxIter: number | null): BindingModel | undefined {
  const folded = fold(binding.value, scope(ctx, { allowed: Dep.MaxIter, where: `an ${binding.kind} binding`, maxIter }))
  if (folded.value === undefined) return undefined
  const value = folded.value
  if (binding.kind === "exec") {
    let command: string | ReadonlyArray<string>
    if (typeof value === "string") command = value
    else if (Array.isArray(value)) {
      const bad = value.findIndex((element) => typeof element !== "string")
      if (bad >= 0) {
        const at =
          binding.value._tag === "Array"
            ? (binding.value.elements[bad]?.span ?? binding.value.span)
            : binding.value.span
        err(
          ctx,
          Diagnostic.Codes.InvalidCommand,
          `exec takes an array of strings; element ${bad + 1} is ${Expr.typeName(Expr.typeOf(value[bad]!))} (quote it)`,
          at
        )
        return undefined
      }
      command = value as ReadonlyArray<string>
    } else {
      err(
        ctx,
        Diagnostic.Codes.InvalidCommand,
        `exec takes a command string or an array of strings, got ${Expr.typeName(Expr.typeOf(value))}`,
        binding.value.span
      )
      return undefined
    }
    const compiled = CommandLine.compile(command, ctx.here)
    if (Either.isLeft(compiled)) {
      const whole = typeof command !== "string" || compiled.left.message === "the command is empty"
      const span = whole ? binding.value.span : stringOffsetSpan(binding.value, compiled.left.offset, 1)
      err(ctx, Diagnostic.Codes.InvalidCommand, `invalid command: ${compiled.left.message}`, span)
      return undefined
    }
    checkScript(ctx, binding.value, command)
    return { _tag: "Exec", command, template: compiled.right }
  }
  if (typeof value !== "string") {
    err(
      ctx,
      binding.kind === "call" ? Diagnostic.Codes.InvalidCallTarget : Diagnostic.Codes.InvalidCommand,
      `${binding.kind} takes a string, got ${Expr.typeName(Expr.typeOf(value))}`,
      binding.value.span
    )
    return undefined
  }
  if (binding.kind === "shell") {
    if (value.trim() === "") {
      err(ctx, Diagnostic.Codes.InvalidCommand, "the shell script is empty", binding.value.span)
      return undefined
    }
    return { _tag: "Shell", script: value }
  }
  const match = callTarget.exec(value)
  if (match === null) {
    err(
      ctx,
      Diagnostic.Codes.InvalidCallTarget,
      `call takes "module#function", e.g. call "./tasks.ts#train", got ${JSON.stringify(value)}`,
      binding.value.span
    )
    return undefined
  }
  const modulePath = match[1]!
  const module = CommandLine.isRelativePath(modulePath) ? CommandLine.resolvePath(ctx.here, modulePath) : modulePath
  return { _tag: "Call", target: value, module, exportName: match[2]! }
}
