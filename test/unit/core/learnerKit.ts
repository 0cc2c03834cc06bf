/**
 * Shared helpers of the learner-kind tests (Reinforcement, Uq, Selector): a scripted backend over
 * a temporary folder, the journal read back, and what ran in which order.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { assert } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ScriptedBackend from "../../../backends/ScriptedBackend.ts"
import type * as Backend from "../../../core/Backend.ts"
import * as Event from "../../../core/Event.ts"
import * as Host from "../../../core/Host.ts"
import type * as Program from "../../../core/Program.ts"
import * as Runner from "../../../core/Runner.ts"

export const tmpDir = Effect.flatMap(FileSystem.FileSystem, (fs) =>
  fs.makeTempDirectoryScoped({ prefix: "rose-learners-" })
)

/** Runs `effect` in a fresh folder with the scripted backend answering every task. */
export const withBackend =
  (script: ScriptedBackend.Script, recorder = ScriptedBackend.makeRecorder(), concurrency?: number) =>
  <A, E>(effect: (dir: string) => Effect.Effect<A, E, any>) =>
    Effect.gen(function* () {
      const dir = yield* tmpDir
      return yield* effect(dir).pipe(
        Effect.provide(
          Layer.mergeAll(
            ScriptedBackend.layerTest(script, concurrency === undefined ? { recorder } : { recorder, concurrency }),
            Host.layerTest({ cwd: dir })
          )
        )
      )
    }).pipe(Effect.provide(NodeContext.layer))

export const runIn = (p: Program.Program) => (dir: string) => Runner.run(p, { out: `${dir}/run` })

export const readEvents = (runDir: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const parsed = Event.parseJournal(yield* fs.readFileString(`${runDir}/events.jsonl`))
    assert.strictEqual(parsed.invalid, 0)
    assert.isUndefined(parsed.tornLine)
    return parsed.events
  })

type TaskEvent = Extract<Event.Event, { _tag: "task_started" }>

/** The `task_started` events of one learner, in journal order. */
export const started = (events: ReadonlyArray<Event.Event>, index: number, name?: string): ReadonlyArray<TaskEvent> =>
  events.filter(
    (e): e is TaskEvent =>
      e._tag === "task_started" && e.learner.index === index && (name === undefined || e.learner.name === name)
  )

/** `"<iteration>:<task>"` for each task a learner finished, in journal order. */
export const finishedOrder = (events: ReadonlyArray<Event.Event>, index: number): ReadonlyArray<string> =>
  events.flatMap((e) => (e._tag === "task_finished" && e.learner.index === index ? [`${e.iteration}:${e.task}`] : []))

/** Each iteration's resolved kwargs of a task, for one learner. */
export const kwargsByIteration = (events: ReadonlyArray<Event.Event>, index: number, task: string) =>
  started(events, index)
    .filter((e) => e.task === task)
    .map((e) => e.config.kwargs)

/** A script answering the criterion from a table keyed "learner:iteration" (default 0.5). */
export const criterionTable =
  (values: Record<string, number>, fallback = 0.5): ScriptedBackend.Script =>
  (inv) =>
    inv.task.startsWith("criterion")
      ? { stdout: `${values[`${inv.learner.index}:${inv.iteration}`] ?? fallback}\n` }
      : { stdout: `{"task":"${inv.task}","iteration":${inv.iteration}}\n` }

/** An invocation's command line as one string. */
export const argv = (inv: Backend.Invocation): string => (inv.command._tag === "Argv" ? inv.command.argv.join(" ") : "")
