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

function ruleResources(ctx: Ctx, config: Ast.ObjectLit, valueScope: Scope): Task.Resources {
  const out: { cores?: number; gpus?: number; memory?: string; time?: string } = {}
  const seen = new Set<string>()
  for (const entry of config.entries) {
    const key = entry.key.name
    if (!resourceKeys.includes(key)) {
      err(
        ctx,
        Diagnostic.Codes.InvalidResource,
        `unknown resource "${key}" (resources: ${resourceKeys.join(", ")})${didYouMean(key, resourceKeys)}`,
        entry.key.span
      )
      continue
    }
    if (seen.has(key)) {
      err(ctx, Diagnostic.Codes.DuplicateKey, `duplicate key "${key}"`, entry.key.span)
      continue
    }
    seen.add(key)
    const folded = fold(entry.value, valueScope)
    if (folded.value === undefined) continue
    const value = folded.value
    if (key === "cores" || key === "gpus") {
      const min = key === "cores" ? 1 : 0
      if (isInt(value) && value >= min) out[key] = value
      else
        err(
          ctx,
          Diagnostic.Codes.InvalidResource,
          `${key} must be an integer ≥ ${min}, got ${shown(value)}`,
          entry.value.span
        )
    } else if (typeof value === "string" && value.trim() !== "") out[key as "memory" | "time"] = value
    else {
      const example = key === "memory" ? '"4G"' : '"00:10:00"'
      err(
        ctx,
        Diagnostic.Codes.InvalidResource,
        `${key} must be a string such as ${example}, got ${shown(value)}`,
        entry.value.span
      )
    }
  }
  return out
}

const envName = /^[A-Za-z_][A-Za-z0-9_]*$/

function ruleEnv(ctx: Ctx, config: Ast.ObjectLit, valueScope: Scope): { readonly [name: string]: string } {
  const out: Record<string, string> = {}
  for (const entry of config.entries) {
    const key = entry.key.name
    if (!envName.test(key)) {
      err(
        ctx,
        Diagnostic.Codes.InvalidEnv,
        `"${key}" is not an environment variable name (letters, digits, _)`,
        entry.key.span
      )
      continue
    }
    if (Object.hasOwn(out, key)) {
      err(ctx, Diagnostic.Codes.DuplicateKey, `duplicate key "${key}"`, entry.key.span)
      continue
    }
    const folded = fold(entry.value, valueScope)
    if (folded.value === undefined) continue
    const value = folded.value
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
      out[key] = Expr.show(value)
    else
      err(
        ctx,
        Diagnostic.Codes.InvalidEnv,
        `the value of ${key} must be a string, got ${Expr.typeName(Expr.typeOf(value))}`,
        entry.value.span
      )
  }
  return out
}

export function ruleTaskOptions(
  ctx: Ctx,
  binding: Ast.TaskBinding,
  maxIter: number | null
): Omit<TaskModel, "name" | "node" | "binding"> {
  const seen = new Map<string, Ast.TaskOption>()
  let defaults: { args?: ReadonlyArray<Json.Json>; kwargs: Record<string, Json.Json> } | undefined
  let timeoutMillis: number | undefined
  let retry: TaskModel["retry"]
  let resources: Task.Resources = {}
  let backend: string | undefined
  let env: { readonly [name: string]: string } = {}
  const scopeOf = (where: string) => scope(ctx, { allowed: Dep.MaxIter, where, maxIter })
  for (const option of binding.options) {
    const first = seen.get(option._tag)
    if (first !== undefined) {
      err(
        ctx,
        Diagnostic.Codes.DuplicateTaskOption,
        `${option._tag.toLowerCase()} is already given at line ${first.span.start.line}`,
        option.span
      )
      continue
    }
    seen.set(option._tag, option)
    switch (option._tag) {
      case "With": {
        if (option.config === undefined) break
        const checked = configEntries(
          ctx,
          option.config,
          scopeOf(
            "with { … } (task defaults are constants; put values that change, or read `learner`, in a learners { … } or learner section)"
          )
        )
        defaults ??= { kwargs: {} }
        for (const entry of checked.entries) {
          if (entry.value === undefined) continue
          if (entry.isArgs) {
            if (defaults.args !== undefined)
              err(ctx, Diagnostic.Codes.DuplicateKey, "args is also given by the args option", option.span)
            else defaults.args = entry.value as ReadonlyArray<Json.Json>
          } else defaults.kwargs[entry.key] = entry.value
        }
        break
      }
      case "Args": {
        if (option.value === undefined) break
        const folded = fold(option.value, scopeOf("args"))
        if (folded.value === undefined) break
        defaults ??= { kwargs: {} }
        if (defaults.args !== undefined)
          err(ctx, Diagnostic.Codes.DuplicateKey, "args is also given in with { … }", option.span)
        else defaults.args = folded.value as ReadonlyArray<Json.Json>
        break
      }
      case "Resources":
        if (option.config !== undefined) resources = ruleResources(ctx, option.config, scopeOf("resources"))
        break
      case "Retry": {
        const times = constInt(ctx, option.times, scopeOf("retry"), Diagnostic.Codes.InvalidRetry, "retry", 0, 1000)
        let on: Task.RetryOn = "infrastructure"
        if (option.on !== undefined && option.on.text !== "") {
          if (option.on.text === "exit" || option.on.text === "infrastructure") on = option.on.text
          else {
            err(
              ctx,
              Diagnostic.Codes.InvalidRetry,
              `retry … on takes exit or infrastructure, got "${option.on.text}"${didYouMean(option.on.text, ["exit", "infrastructure"])}`,
              option.on.span
            )
          }
        }
        if (times !== undefined) retry = { times, on }
        break
      }
      case "Timeout": {
        const duration = option.duration
        if (duration === undefined || Number.isNaN(duration.millis)) break
        if (duration.millis <= 0)
          err(
            ctx,
            Diagnostic.Codes.InvalidTimeout,
            `a timeout must be longer than 0, got ${duration.raw}`,
            duration.span
          )
        else timeoutMillis = duration.millis
        break
      }
      case "Backend": {
        if (option.name === undefined) break
        const name = option.name.value
        if (!ctx.broken && !ctx.backendNames.has(name)) {
          const declared = [...ctx.backendNames]
          err(
            ctx,
            Diagnostic.Codes.UnknownBackendName,
            `unknown backend "${name}" (${declared.length === 0 ? 'no backend is declared: add backend KIND "name" { … }' : `declared: ${declared.join(", ")}`})${didYouMean(name, declared)}`,
            option.name.span
          )
        }
        backend = name
        break
      }
      case "Env":
        if (option.config !== undefined) env = ruleEnv(ctx, option.config, scopeOf("env"))
        break
    }
  }
  return { defaults, timeoutMillis, retry, resources, backend, env }
}
