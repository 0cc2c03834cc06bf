/**
 * Renders what the runner would spawn for one task of one learner at one iteration, through the core
 * functions only (TaskSchedule.resolve + CommandLine.render, or the task's command function).
 */
import * as Either from "effect/Either"
import * as CommandLine from "../../../core/CommandLine.ts"
import type * as Program from "../../../core/Program.ts"
import type * as Task from "../../../core/Task.ts"
import * as TaskConfig from "../../../core/TaskConfig.ts"
import * as TaskSchedule from "../../../core/TaskSchedule.ts"

export const argv = async (
  program: Program.Program,
  block: number,
  index: number,
  iteration: number,
  task: string
): Promise<ReadonlyArray<string>> => {
  const def = program.learners[block]!
  const t = def.tasks.get(task)
  if (t === undefined) throw new Error(`no task ${task}`)
  const resolved = TaskSchedule.resolve(t.defaults, def.configs[index]?.get(task), {
    iteration,
    learner: { name: def.name, index },
    maxIter: def.maxIter,
    prev: undefined
  })
  const b = t.binding
  const workdir = `/run/learners/${def.name}-${index}`
  if (b._tag === "Exec") {
    const r = CommandLine.render(b.template, resolved, {
      here: t.here,
      workdir,
      run_dir: "/run",
      iteration,
      learner: index,
      learner_name: def.name
    })
    if (Either.isLeft(r)) throw new Error(r.left.message)
    return r.right
  }
  if (b._tag === "CommandFunction") {
    const ctx: Task.TaskContext = {
      runId: "test",
      runDir: "/run",
      workdir,
      learner: { name: def.name, index },
      iteration,
      task,
      attempt: 1,
      args: resolved.args,
      kwargs: TaskConfig.kwargsRecord(resolved),
      results: {},
      prev: undefined,
      signal: new AbortController().signal
    }
    const out = await b.fn(resolved.args, TaskConfig.kwargsRecord(resolved), ctx)
    return typeof out === "string" ? Either.getOrThrow(CommandLine.split(out)) : out
  }
  throw new Error(`task ${task} does not run a command (${b._tag})`)
}
