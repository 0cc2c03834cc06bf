/**
 * Checks of a task binding's options: `with`, `args`, `resources`, `retry`, `timeout`, `backend`
 * and `env`, each given at most once.
 *
 * @since 0.1.0
 */
import type * as Json from "../../core/Json.ts"
import type * as Task from "../../core/Task.ts"
import type * as Ast from "../Ast.ts"
import type { TaskModel } from "../CheckedModel.ts"
import * as Diagnostic from "../Diagnostic.ts"
import * as Expr from "../Expr.ts"
import { Dep, fold, type Scope } from "./analyze.ts"
import { configEntries } from "./checkConfig.ts"
import { type Ctx, constInt, err, isInt, scope, shown } from "./checkContext.ts"
import { didYouMean } from "./suggest.ts"

const resourceKeys = ["cores", "gpus", "memory", "time"]

function ruleResources(ctx: Ctx, o: Ast.ObjectLit, s: Scope): Task.Resources {
  const out: { cores?: number; gpus?: number; memory?: string; time?: string } = {}
  const seen = new Set<string>()
  for (const e of o.entries) {
    const k = e.key.name
    if (!resourceKeys.includes(k)) {
      err(
        ctx,
        Diagnostic.Codes.InvalidResource,
        `unknown resource "${k}" (resources: ${resourceKeys.join(", ")})${didYouMean(k, resourceKeys)}`,
        e.key.span
      )
      continue
    }
    if (seen.has(k)) {
      err(ctx, Diagnostic.Codes.DuplicateKey, `duplicate key "${k}"`, e.key.span)
      continue
    }
    seen.add(k)
    const r = fold(e.value, s)
    if (r.value === undefined) continue
    const v = r.value
    if (k === "cores" || k === "gpus") {
      const min = k === "cores" ? 1 : 0
      if (isInt(v) && v >= min) out[k] = v
      else err(ctx, Diagnostic.Codes.InvalidResource, `${k} must be an integer ≥ ${min}, got ${shown(v)}`, e.value.span)
    } else if (typeof v === "string" && v.trim() !== "") out[k as "memory" | "time"] = v
    else {
      const example = k === "memory" ? '"4G"' : '"00:10:00"'
      err(
        ctx,
        Diagnostic.Codes.InvalidResource,
        `${k} must be a string such as ${example}, got ${shown(v)}`,
        e.value.span
      )
    }
  }
  return out
}

const envName = /^[A-Za-z_][A-Za-z0-9_]*$/

function ruleEnv(ctx: Ctx, o: Ast.ObjectLit, s: Scope): { readonly [name: string]: string } {
  const out: Record<string, string> = {}
  for (const e of o.entries) {
    const k = e.key.name
    if (!envName.test(k)) {
      err(
        ctx,
        Diagnostic.Codes.InvalidEnv,
        `"${k}" is not an environment variable name (letters, digits, _)`,
        e.key.span
      )
      continue
    }
    if (Object.hasOwn(out, k)) {
      err(ctx, Diagnostic.Codes.DuplicateKey, `duplicate key "${k}"`, e.key.span)
      continue
    }
    const r = fold(e.value, s)
    if (r.value === undefined) continue
    const v = r.value
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") out[k] = Expr.show(v)
    else
      err(
        ctx,
        Diagnostic.Codes.InvalidEnv,
        `the value of ${k} must be a string, got ${Expr.typeName(Expr.typeOf(v))}`,
        e.value.span
      )
  }
  return out
}

export function ruleTaskOptions(
  ctx: Ctx,
  b: Ast.TaskBinding,
  maxIter: number | null
): Omit<TaskModel, "name" | "node" | "binding"> {
  const seen = new Map<string, Ast.TaskOption>()
  let defaults: { args?: ReadonlyArray<Json.Json>; kwargs: Record<string, Json.Json> } | undefined
  let timeoutMillis: number | undefined
  let retry: TaskModel["retry"]
  let resources: Task.Resources = {}
  let backend: string | undefined
  let env: { readonly [name: string]: string } = {}
  const s = (where: string) => scope(ctx, { allowed: Dep.MaxIter, where, maxIter })
  for (const o of b.options) {
    const first = seen.get(o._tag)
    if (first !== undefined) {
      err(
        ctx,
        Diagnostic.Codes.DuplicateTaskOption,
        `${o._tag.toLowerCase()} is already given at line ${first.span.start.line}`,
        o.span
      )
      continue
    }
    seen.set(o._tag, o)
    switch (o._tag) {
      case "With": {
        if (o.config === undefined) break
        const r = configEntries(
          ctx,
          o.config,
          s("with { … } (task defaults are constants; put values that change in learner sections)")
        )
        defaults ??= { kwargs: {} }
        for (const e of r.entries) {
          if (e.value === undefined) continue
          if (e.isArgs) {
            if (defaults.args !== undefined)
              err(ctx, Diagnostic.Codes.DuplicateKey, "args is also given by the args option", o.span)
            else defaults.args = e.value as ReadonlyArray<Json.Json>
          } else defaults.kwargs[e.key] = e.value
        }
        break
      }
      case "Args": {
        if (o.value === undefined) break
        const r = fold(o.value, s("args"))
        if (r.value === undefined) break
        defaults ??= { kwargs: {} }
        if (defaults.args !== undefined)
          err(ctx, Diagnostic.Codes.DuplicateKey, "args is also given in with { … }", o.span)
        else defaults.args = r.value as ReadonlyArray<Json.Json>
        break
      }
      case "Resources":
        if (o.config !== undefined) resources = ruleResources(ctx, o.config, s("resources"))
        break
      case "Retry": {
        const times = constInt(ctx, o.times, s("retry"), Diagnostic.Codes.InvalidRetry, "retry", 0, 1000)
        let on: Task.RetryOn = "infrastructure"
        if (o.on !== undefined && o.on.text !== "") {
          if (o.on.text === "exit" || o.on.text === "infrastructure") on = o.on.text
          else {
            err(
              ctx,
              Diagnostic.Codes.InvalidRetry,
              `retry … on takes exit or infrastructure, got "${o.on.text}"${didYouMean(o.on.text, ["exit", "infrastructure"])}`,
              o.on.span
            )
          }
        }
        if (times !== undefined) retry = { times, on }
        break
      }
      case "Timeout": {
        const d = o.duration
        if (d === undefined || Number.isNaN(d.millis)) break
        if (d.millis <= 0)
          err(ctx, Diagnostic.Codes.InvalidTimeout, `a timeout must be longer than 0, got ${d.raw}`, d.span)
        else timeoutMillis = d.millis
        break
      }
      case "Backend": {
        if (o.name === undefined) break
        const n = o.name.value
        if (!ctx.broken && !ctx.backendNames.has(n)) {
          const declared = [...ctx.backendNames]
          err(
            ctx,
            Diagnostic.Codes.UnknownBackendName,
            `unknown backend "${n}" (${declared.length === 0 ? 'no backend is declared: add backend KIND "name" { … }' : `declared: ${declared.join(", ")}`})${didYouMean(n, declared)}`,
            o.name.span
          )
        }
        backend = n
        break
      }
      case "Env":
        if (o.config !== undefined) env = ruleEnv(ctx, o.config, s("env"))
        break
    }
  }
  return { defaults, timeoutMillis, retry, resources, backend, env }
}
