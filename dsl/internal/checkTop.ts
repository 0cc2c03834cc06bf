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
  const later = new Set(decls.flatMap((d) => (d.name === undefined ? [] : [d.name.text])))
  for (const d of decls) {
    if (d.name === undefined) continue
    const n = d.name.text
    later.delete(n)
    const r = fold(d.value, scope(ctx, { allowed: 0, where: "a let (lets are constants)", laterLets: new Set(later) }))
    if (reserved.has(n)) {
      err(ctx, Diagnostic.Codes.DuplicateLet, `"${n}" is a built-in name; choose another name for the let`, d.name.span)
      continue
    }
    if (ctx.lets.has(n)) {
      err(ctx, Diagnostic.Codes.DuplicateLet, `"${n}" is already defined by an earlier let`, d.name.span)
      continue
    }
    ctx.lets.set(n, { type: r.value === undefined ? r.info.type : Expr.typeOf(r.value), value: r.value })
  }
}

export function checkBackends(ctx: Ctx, file: Ast.File): ReadonlyArray<Program.BackendChoice> {
  const out: Array<Program.BackendChoice> = []
  const seen = new Map<string, Ast.BackendDecl>()
  for (const d of file.items) {
    if (d._tag !== "BackendDecl" || d.kind === undefined) continue
    const kind = d.kind.text
    if (!ctx.backendKinds.includes(kind)) {
      err(
        ctx,
        Diagnostic.Codes.UnknownBackendKind,
        `unknown backend kind "${kind}" (known: ${ctx.backendKinds.join(", ")})${didYouMean(kind, ctx.backendKinds)}`,
        d.kind.span
      )
    }
    const name = d.name?.value ?? kind
    const first = seen.get(name)
    if (first !== undefined) {
      err(
        ctx,
        Diagnostic.Codes.DuplicateBackend,
        `a backend named "${name}" is already declared at line ${first.span.start.line}; give this one a name: backend ${kind} "other"`,
        d.name?.span ?? d.kind.span
      )
      continue
    }
    seen.set(name, d)
    ctx.backendNames.add(name)
    let config: Json.JsonObject = {}
    if (d.config !== undefined) {
      const r = fold(d.config, scope(ctx, { allowed: 0, where: "a backend's configuration" }))
      if (r.value !== undefined && typeof r.value === "object" && r.value !== null && !Array.isArray(r.value)) {
        config = r.value as Json.JsonObject
      }
    }
    // Where the backend was declared: a configuration the plugin's schema refuses is reported there.
    out.push({
      kind,
      name,
      config,
      ...(ctx.file === undefined
        ? {}
        : { origin: { file: ctx.file, line: d.span.start.line, column: d.span.start.column } })
    })
  }
  return out
}

export function checkPlugins(ctx: Ctx, file: Ast.File): ReadonlyArray<string> {
  const out: Array<string> = []
  for (const d of file.items) {
    if (d._tag !== "PluginDecl" || d.path === undefined) continue
    const p = d.path.value
    const resolved = CommandLine.isRelativePath(p) ? CommandLine.resolvePath(ctx.here, p) : p
    const isPath = CommandLine.isRelativePath(p) || p.startsWith("/")
    if (isPath && ctx.exists !== undefined && !ctx.exists(resolved)) {
      err(ctx, Diagnostic.Codes.PluginNotFound, `plugin file not found: ${resolved}`, d.path.span)
    }
    out.push(resolved)
  }
  return out
}
