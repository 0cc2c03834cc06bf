/**
 * Checks of the placeholders of `exec` commands: each `{name}` is a kwarg of its task (in its
 * defaults or a learner section), one the learner's kind injects, or a built-in.
 *
 * @since 0.1.0
 */
import * as CommandLine from "../../core/CommandLine.ts"
import type * as Json from "../../core/Json.ts"
import * as Learner from "../../core/Learner.ts"
import * as TaskConfig from "../../core/TaskConfig.ts"
import type { LearnerModel, TaskModel } from "../CheckedModel.ts"
import * as Diagnostic from "../Diagnostic.ts"
import { type Ctx, err, stringOffsetSpan } from "./checkContext.ts"
import { didYouMean } from "./suggest.ts"

export function rulePlaceholders(
  ctx: Ctx,
  kind: Learner.Kind,
  options: { readonly [key: string]: Json.Json },
  tasks: ReadonlyArray<TaskModel>,
  configs: LearnerModel["configs"]
): void {
  if (ctx.broken) return
  for (const t of tasks) {
    if (t.binding?._tag !== "Exec") continue
    const holes = CommandLine.holes(t.binding.template)
    if (holes.length === 0) continue
    const known = new Set<string>(CommandLine.builtins)
    for (const k of Learner.injectedKwargs(kind, t.name, options)) known.add(k)
    for (const k of Object.keys(t.defaults?.kwargs ?? {})) known.add(TaskConfig.identity(k))
    for (const perTask of configs.values()) {
      for (const layer of perTask.get(t.name) ?? []) {
        for (const e of layer.entries) if (!e.isArgs) known.add(TaskConfig.identity(e.key))
      }
    }
    const reported = new Set<string>()
    for (const h of holes) {
      if (known.has(h) || reported.has(h)) continue
      reported.add(h)
      const v = t.node.binding!.value
      const offset = v._tag === "String" ? v.value.indexOf(`{${h}}`) : -1
      err(
        ctx,
        Diagnostic.Codes.UnknownPlaceholder,
        `unknown placeholder {${h}}: not a kwarg of task "${t.name}" (in with { … } or a learner section) nor a built-in (${CommandLine.builtins.join(", ")})${didYouMean(h, known)}`,
        offset < 0 ? v.span : stringOffsetSpan(v, offset, h.length + 2)
      )
    }
  }
}
