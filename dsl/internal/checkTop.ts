/**
 * Checks of the top level: `let` constants, backends, plugins.
 *
 * @since 0.1.0
 */
import * as CommandLine from "../../core/CommandLine.ts"
import type * as Json from "../../core/Json.ts"
import type * as Program from "../../core/Program.ts"
import type * as Ast from "../Ast.ts"
import * as Diagnostic from "../Diagnostic.ts"
import * as Expr from "../Expr.ts"
import { fold } from "./analyze.ts"
import { type Ctx, err, scope } from "./checkContext.ts"
import { didYouMean } from "./suggest.ts"

// ---------------------------------------------------------------------------------------------
// top level: lets, backends, plugins
// ---------------------------------------------------------------------------------------------

const reserved = new Set([...Expr.variables, ...Expr.functions.keys()])

export function checkLets(ctx: Ctx, file: Ast.File): void {
  const decls = file.items.filter((i): i is Ast.LetDecl => i._tag === "LetDecl")
  const later = new Set(decls.flatMap((decl) => (decl.name === undefined ? [] : [decl.name.text])))
  for (const decl of decls) {
    if (decl.name === undefined) continue
    const name = decl.name.text
    later.delete(name)
    const folded = fold(
      decl.value,
      scope(ctx, { allowed: 0, where: "a let (lets are constants)", laterLets: new Set(later) })
    )
    if (reserved.has(name)) {
      err(
        ctx,
        Diagnostic.Codes.DuplicateLet,
        `"${name}" is a built-in name; choose another name for the let`,
        decl.name.span
      )
      continue
    }
    if (ctx.lets.has(name)) {
      err(ctx, Diagnostic.Codes.DuplicateLet, `"${name}" is already defined by an earlier let`, decl.name.span)
      continue
    }
    ctx.lets.set(name, {
      type: folded.value === undefined ? folded.info.type : Expr.typeOf(folded.value),
      value: folded.value
    })
  }
}

export function checkBackends(ctx: Ctx, file: Ast.File): ReadonlyArray<Program.BackendChoice> {
  const out: Array<Program.BackendChoice> = []
  const seen = new Map<string, Ast.BackendDecl>()
  for (const decl of file.items) {
    if (decl._tag !== "BackendDecl" || decl.kind === undefined) continue
    const kind = decl.kind.text
    if (!ctx.backendKinds.includes(kind)) {
      err(
        ctx,
        Diagnostic.Codes.UnknownBackendKind,
        `unknown backend kind "${kind}" (known: ${ctx.backendKinds.join(", ")})${didYouMean(kind, ctx.backendKinds)}`,
        decl.kind.span
      )
    }
    const name = decl.name?.value ?? kind
    const first = seen.get(name)
    if (first !== undefined) {
      err(
        ctx,
        Diagnostic.Codes.DuplicateBackend,
        `a backend named "${name}" is already declared at line ${first.span.start.line}; give this one a name: backend ${kind} "other"`,
        decl.name?.span ?? decl.kind.span
      )
      continue
    }
    seen.set(name, decl)
    ctx.backendNames.add(name)
    let config: Json.JsonObject = {}
    if (decl.config !== undefined) {
      const folded = fold(decl.config, scope(ctx, { allowed: 0, where: "a backend's configuration" }))
      if (
        folded.value !== undefined &&
        typeof folded.value === "object" &&
        folded.value !== null &&
        !Array.isArray(folded.value)
      ) {
        config = folded.value as Json.JsonObject
      }
    }
    // Where the backend was declared: a configuration the plugin's schema refuses is reported there.
    out.push({
      kind,
      name,
      config,
      ...(ctx.file === undefined
        ? {}
        : { origin: { file: ctx.file, line: decl.span.start.line, column: decl.span.start.column } })
    })
  }
  return out
}

export function checkPlugins(ctx: Ctx, file: Ast.File): ReadonlyArray<string> {
  const out: Array<string> = []
  for (const decl of file.items) {
    if (decl._tag !== "PluginDecl" || decl.path === undefined) continue
    const path = decl.path.value
    const resolved = CommandLine.isRelativePath(path) ? CommandLine.resolvePath(ctx.here, path) : path
    const isPath = CommandLine.isRelativePath(path) || path.startsWith("/")
    if (isPath && ctx.exists !== undefined && !ctx.exists(resolved)) {
      err(ctx, Diagnostic.Codes.PluginNotFound, `plugin file not found: ${resolved}`, decl.path.span)
    }
    out.push(resolved)
  }
  return out
}
