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

export function ruleBinding(ctx: Ctx, b: Ast.Binding, maxIter: number | null): BindingModel | undefined {
  const r = fold(b.value, scope(ctx, { allowed: Dep.MaxIter, where: `an ${b.kind} binding`, maxIter }))
  if (r.value === undefined) return undefined
  const v = r.value
  if (b.kind === "exec") {
    let command: string | ReadonlyArray<string>
    if (typeof v === "string") command = v
    else if (Array.isArray(v)) {
      const bad = v.findIndex((x) => typeof x !== "string")
      if (bad >= 0) {
        const at = b.value._tag === "Array" ? (b.value.elements[bad]?.span ?? b.value.span) : b.value.span
        err(
          ctx,
          Diagnostic.Codes.InvalidCommand,
          `exec takes an array of strings; element ${bad + 1} is ${Expr.typeName(Expr.typeOf(v[bad]!))} (quote it)`,
          at
        )
        return undefined
      }
      command = v as ReadonlyArray<string>
    } else {
      err(
        ctx,
        Diagnostic.Codes.InvalidCommand,
        `exec takes a command string or an array of strings, got ${Expr.typeName(Expr.typeOf(v))}`,
        b.value.span
      )
      return undefined
    }
    const t = CommandLine.compile(command, ctx.here)
    if (Either.isLeft(t)) {
      const whole = typeof command !== "string" || t.left.message === "the command is empty"
      const span = whole ? b.value.span : stringOffsetSpan(b.value, t.left.offset, 1)
      err(ctx, Diagnostic.Codes.InvalidCommand, `invalid command: ${t.left.message}`, span)
      return undefined
    }
    return { _tag: "Exec", command, template: t.right }
  }
  if (typeof v !== "string") {
    err(
      ctx,
      b.kind === "call" ? Diagnostic.Codes.InvalidCallTarget : Diagnostic.Codes.InvalidCommand,
      `${b.kind} takes a string, got ${Expr.typeName(Expr.typeOf(v))}`,
      b.value.span
    )
    return undefined
  }
  if (b.kind === "shell") {
    if (v.trim() === "") {
      err(ctx, Diagnostic.Codes.InvalidCommand, "the shell script is empty", b.value.span)
      return undefined
    }
    return { _tag: "Shell", script: v }
  }
  const m = callTarget.exec(v)
  if (m === null) {
    err(
      ctx,
      Diagnostic.Codes.InvalidCallTarget,
      `call takes "module#function", e.g. call "./tasks.ts#train", got ${JSON.stringify(v)}`,
      b.value.span
    )
    return undefined
  }
  const mod = m[1]!
  const module = CommandLine.isRelativePath(mod) ? CommandLine.resolvePath(ctx.here, mod) : mod
  return { _tag: "Call", target: v, module, exportName: m[2]! }
}
