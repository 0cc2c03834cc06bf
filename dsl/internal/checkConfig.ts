/**
 * Checks of a configuration object, in a task's `with { … }` or a learner section: keys by
 * identity (`n` and `--n` are one key), each once, `args` an array.
 *
 * @since 0.1.0
 */
import * as TaskConfig from "../../core/TaskConfig.ts"
import type * as Ast from "../Ast.ts"
import type { EntryModel } from "../CheckedModel.ts"
import * as Diagnostic from "../Diagnostic.ts"
import * as Expr from "../Expr.ts"
import { fold, type Scope } from "./analyze.ts"
import { type Ctx, err } from "./checkContext.ts"

/** The kwargs (or `args`) of a configuration object: keys by identity, values analysed. */
export function configEntries(
  ctx: Ctx,
  body: Ast.ObjectLit,
  valueScope: Scope
): { readonly entries: ReadonlyArray<EntryModel>; readonly ok: boolean } {
  const entries: Array<EntryModel> = []
  let ok = true
  const seen = new Map<string, Ast.Key>()
  for (const entry of body.entries) {
    const isArgs = !entry.key.quoted && entry.key.name === "args"
    const id = isArgs ? "\u0000args" : TaskConfig.identity(entry.key.name)
    if (!isArgs && id === "") {
      err(
        ctx,
        Diagnostic.Codes.InvalidKey,
        `"${entry.key.name}" is not a usable key: it has no name after its dashes`,
        entry.key.span
      )
      ok = false
      continue
    }
    const first = seen.get(id)
    if (first !== undefined) {
      err(
        ctx,
        Diagnostic.Codes.DuplicateKey,
        `duplicate key "${entry.key.name}" (the same setting as "${first.name}" at line ${first.span.start.line})`,
        entry.key.span
      )
      ok = false
      continue
    }
    seen.set(id, entry.key)
    const folded = fold(entry.value, valueScope)
    if (!folded.info.ok) ok = false
    if (isArgs && folded.info.ok && !(folded.info.type & Expr.Type.Array)) {
      err(
        ctx,
        Diagnostic.Codes.InvalidArgs,
        `args must be an array, got ${Expr.typeName(folded.info.type)}`,
        entry.value.span
      )
      ok = false
      continue
    }
    entries.push({ key: entry.key.name, isArgs, expr: entry.value, value: folded.value, deps: folded.info.deps })
  }
  return { entries, ok }
}
