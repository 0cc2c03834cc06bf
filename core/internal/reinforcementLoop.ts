import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Experience from "../Experience.ts"
import * as FileError from "../FileError.ts"
import type * as Json from "../Json.ts"
import * as Learner from "../Learner.ts"
import * as RunDir from "../RunDir.ts"
import * as TaskError from "../TaskError.ts"
import { type Instance, TaskAttemptError } from "./attempt.ts"
import type { LearnerState, RunEnv } from "./context.ts"
import { applyPending, checkCriterion, completeIteration, type Loop, newRecord, step } from "./iteration.ts"

/** The environment tasks of a reinforcement learner: `environment`, then `environment.<name>` in order. */
export const environments = (def: Learner.LearnerDef): ReadonlyArray<string> => [
  ...(def.tasks.has("environment") ? ["environment"] : []),
  ...Learner.variants(def.tasks.keys(), "environment")
]

/** The bank's folder as a task sees it (its backend's workspace). */
const taskBank = (env: RunEnv, learner: LearnerState, name: string) => {
  const backend = env.backendFor(learner.def.tasks.get(name)!)
  return Experience.bankDir(RunDir.learnerDir(backend.workspace(env.runDir, env.runId, learner.ref), learner.ref))
}

const bankInstance = (env: RunEnv, learner: LearnerState, name: string): Instance => {
  const bank = taskBank(env, learner, name)
  return {
    env: () => ({ ROSE_EXPERIENCE_BANK: bank }),
    context: () => ({ experience: { bank } })
  }
}

/** An environment task: its experience file per attempt, a stale one moved aside first. */
const environmentInstance = (env: RunEnv, learner: LearnerState, name: string, iteration: number): Instance => {
  const bank = taskBank(env, learner, name)
  const dir = RunDir.iterationDir(env.runDir, learner.ref, iteration)
  const out = (attempt: number) => Experience.outputFile(dir, name, attempt)
  return {
    env: (attempt) => ({ ROSE_EXPERIENCE_BANK: bank, ROSE_EXPERIENCE_OUT: out(attempt) }),
    context: (attempt) => ({ experience: { bank, out: out(attempt) } }),
    outputs: (attempt) => [out(attempt)],
    // The iteration's folder (an in-process task has no output files that would make it), and a stale file aside.
    before: (attempt) =>
      Effect.zipRight(env.fs.makeDirectory(dir, { recursive: true }), Experience.setAside(out(attempt))).pipe(
        Effect.provideService(FileSystem.FileSystem, env.fs),
        Effect.mapError(
          (e) =>
            new TaskError.ExperienceError({
              task: name,
              file: out(attempt),
              line: undefined,
              reason: FileError.reasonOf(e)
            })
        ),
        Effect.asVoid
      )
  }
}

const count = (state: LearnerState["lastState"]): number => {
  const n = state.experience?.records
  return typeof n === "number" ? n : 0
}

/**
 * Reinforcement learning: the environment tasks (`environment` and every `environment.<name>`, run
 * concurrently) → their experience merged into the learner's bank → update → criterion. Without an
 * environment task: update → criterion.
 */
export const reinforcement: Loop = (env, learner) =>
  Effect.gen(function* () {
    const envs = environments(learner.def)
    const bank = Experience.bankDir(RunDir.learnerDir(env.runDir, learner.ref))
    let total = count(learner.lastState)
    while (true) {
      const i = learner.nextIteration
      applyPending(learner)
      const record = newRecord()
      const outs = yield* Effect.forEach(
        envs,
        (name) =>
          Effect.map(
            step(env, learner, record, name, i, environmentInstance(env, learner, name, i)),
            (o) => [name, o] as const
          ),
        { concurrency: "unbounded" }
      )
      if (envs.length > 0) {
        const dir = RunDir.iterationDir(env.runDir, learner.ref, i)
        const merged = yield* Experience.merge({
          bank,
          iteration: i,
          inputs: outs.map(([name, out]) => ({ task: name, file: Experience.outputFile(dir, name, out.attempt) }))
        }).pipe(
          Effect.provideService(FileSystem.FileSystem, env.fs),
          Effect.mapError(
            (error) =>
              new TaskAttemptError({
                task: error.task,
                iteration: i,
                attempt: outs.find(([name]) => name === error.task)?.[1].attempt ?? 1,
                error,
                exitCode: null,
                stderrTail: ""
              })
          )
        )
        const added = merged.reduce((n, m) => n + m.records, 0)
        const perEnvironment: Record<string, Json.Json> = {}
        for (const m of merged) perEnvironment[m.task] = m.records
        total += added
        record.state.experience = { records: total, added, environments: perEnvironment, bank }
      }
      if (learner.def.tasks.has("update"))
        yield* step(env, learner, record, "update", i, bankInstance(env, learner, "update"))
      const metric =
        learner.def.criterion === undefined
          ? undefined
          : yield* checkCriterion(env, learner, record, i, bankInstance(env, learner, "criterion"))
      const end = yield* completeIteration(env, learner, i, record, metric)
      if (end !== undefined) return end
    }
  })
