/**
 * The command an exec, shell or command-function task runs, built from its resolved config.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Backend from "../Backend.ts"
import * as CommandLine from "../CommandLine.ts"
import type * as Task from "../Task.ts"
import type * as TaskConfig from "../TaskConfig.ts"
import * as TaskError from "../TaskError.ts"
import { errorText, type Prepared } from "./attempt.ts"

/** A shell task's argv: kwargs reach the script as its positional parameters ("$@"), rendered as flags. */
export const shellArgv = (script: string, task: string, resolved: TaskConfig.Resolved): Array<string> => {
  const rest: Array<string> = []
  for (const a of resolved.args) rest.push(CommandLine.valueText(a))
  for (const kw of resolved.kwargs) CommandLine.appendKwarg(rest, kw.key, kw.value)
  return ["/bin/sh", "-c", script, task, ...rest]
}

/** Builds the command; a command function is called here. */
export const buildCommand = (
  task: Task.TaskDef,
  prepared: Prepared,
  ctx: Task.TaskContext,
  workspace: string
): Effect.Effect<Backend.Command, TaskError.CommandError | TaskError.TaskFunctionError> => {
  const binding = task.binding
  switch (binding._tag) {
    case "Exec": {
      const argv = CommandLine.render(binding.template, prepared.resolved, {
        here: task.here,
        workdir: ctx.workdir,
        run_dir: workspace,
        iteration: ctx.iteration,
        learner: ctx.learner.index,
        learner_name: ctx.learner.name
      })
      return Either.isLeft(argv)
        ? Effect.fail(new TaskError.CommandError({ task: task.name, reason: argv.left.message }))
        : Effect.succeed({ _tag: "Argv", argv: argv.right })
    }
    case "Shell":
      return Effect.succeed({ _tag: "Argv", argv: shellArgv(binding.script, task.name, prepared.resolved) })
    case "CommandFunction":
      return Effect.tryPromise({
        try: async () => binding.fn(ctx.args, ctx.kwargs, ctx),
        catch: (e) =>
          new TaskError.TaskFunctionError({
            task: task.name,
            what: `the command function ${binding.name}`,
            reason: errorText(e)
          })
      }).pipe(
        Effect.flatMap((line): Effect.Effect<Backend.Command, TaskError.CommandError> => {
          if (typeof line === "string") {
            const words = CommandLine.split(line)
            if (Either.isLeft(words)) {
              return Effect.fail(
                new TaskError.CommandError({
                  task: task.name,
                  reason: `the command ${JSON.stringify(line)} cannot be split: ${words.left.message}`
                })
              )
            }
            return words.right.length === 0
              ? Effect.fail(
                  new TaskError.CommandError({
                    task: task.name,
                    reason: "the command function returned an empty command"
                  })
                )
              : Effect.succeed({ _tag: "Argv", argv: words.right })
          }
          if (Array.isArray(line) && line.length > 0 && line.every((w) => typeof w === "string")) {
            return Effect.succeed({ _tag: "Argv", argv: line })
          }
          return Effect.fail(
            new TaskError.CommandError({
              task: task.name,
              reason: "the command function must return a command line string or a non-empty array of strings"
            })
          )
        })
      )
    case "InProcess":
      return Effect.die("in-process tasks have no command")
  }
}
