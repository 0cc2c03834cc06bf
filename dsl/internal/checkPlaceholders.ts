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
  for (const task of tasks) {
    if (task.binding?._tag !== "Exec") continue
    const holes = CommandLine.holes(task.binding.template)
    if (holes.length === 0) continue
    const known = new Set<string>(CommandLine.builtins)
    for (const key of Learner.injectedKwargs(kind, task.name, options)) known.add(key)
    for (const key of Object.keys(task.defaults?.kwargs ?? {})) known.add(TaskConfig.identity(key))
    for (const perTask of configs.values()) {
      for (const layer of perTask.get(task.name) ?? []) {
        for (const entry of layer.entries) if (!entry.isArgs) known.add(TaskConfig.identity(entry.key))
      }
    }
    const reported = new Set<string>()
    for (const hole of holes) {
      if (known.has(hole) || reported.has(hole)) continue
      reported.add(hole)
      const expression = task.node.binding!.value
      const offset = expression._tag === "String" ? expression.value.indexOf(`{${hole}}`) : -1
      err(
        ctx,
        Diagnostic.Codes.UnknownPlaceholder,
        `unknown placeholder {${hole}}: not a kwarg of task "${task.name}" (in with { … } or a learner section) nor a built-in (${CommandLine.builtins.join(", ")})${didYouMean(hole, known)}`,
        offset < 0 ? expression.span : stringOffsetSpan(expression, offset, hole.length + 2)
      )
    }
  }
}
