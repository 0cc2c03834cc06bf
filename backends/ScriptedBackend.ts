/**
 * A scripted in-memory backend for tests: no processes; each invocation is answered by a function
 * (exit code, stdout, stderr, how long it takes on Effect's clock), its output written to the
 * invocation's files so the runner reads it as it reads a real task's. It records every invocation
 * and how many run at once.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Backend from "../core/Backend.ts"
import * as Slots from "../core/Slots.ts"
import type * as TaskError from "../core/TaskError.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface Reply {
  readonly exitCode?: number | undefined
  readonly signal?: string | undefined
  readonly stdout?: string | undefined
  readonly stderr?: string | undefined
  readonly durationMillis?: number | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export type Script = (invocation: Backend.Invocation) => Reply | Effect.Effect<Reply, TaskError.BackendError>

/**
 * What the backend saw.
 *
 * @since 0.1.0
 * @category models
 */
export interface Recorder {
  readonly invocations: Array<Backend.Invocation>
  running: number
  maxRunning: number
  interrupted: number
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const makeRecorder = (): Recorder => ({ invocations: [], running: 0, maxRunning: 0, interrupted: 0 })

/**
 * @since 0.1.0
 * @category layers
 */
export const layerTest = (
  script: Script,
  options: { readonly recorder?: Recorder; readonly concurrency?: number } = {}
): Layer.Layer<Backend.Backend, never, FileSystem.FileSystem> =>
  Layer.effect(
    Backend.Backend,
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const rec = options.recorder ?? makeRecorder()
      const slots = Slots.make(options.concurrency ?? 1_000_000)
      let pid = 1000
      const service: Backend.Service = {
        name: "scripted",
        kind: "scripted",
        capabilities: { concurrency: slots.capacity, remote: false },
        workspace: (runDir) => runDir,
        reap: () => Effect.succeed(Backend.nothingReaped),
        run: (invocation) =>
          slots.withSlots(invocation.resources.cores ?? 1)(
            Effect.gen(function* () {
              rec.invocations.push(invocation)
              const myPid = pid++
              rec.running++
              rec.maxRunning = Math.max(rec.maxRunning, rec.running)
              yield* invocation.onStart({ pid: myPid, pgid: myPid })
              const answer = script(invocation)
              const reply = Effect.isEffect(answer) ? yield* answer : answer
              if (reply.durationMillis !== undefined) yield* Effect.sleep(Duration.millis(reply.durationMillis))
              yield* fs.writeFileString(invocation.stdoutPath, reply.stdout ?? "").pipe(Effect.orDie)
              yield* fs.writeFileString(invocation.stderrPath, reply.stderr ?? "").pipe(Effect.orDie)
              return {
                exitCode: reply.signal === undefined ? (reply.exitCode ?? 0) : null,
                signal: reply.signal ?? null,
                pid: myPid,
                pgid: myPid
              }
            }).pipe(
              Effect.onInterrupt(() => Effect.sync(() => rec.interrupted++)),
              Effect.ensuring(Effect.sync(() => rec.running--))
            )
          )
      }
      return service
    })
  )
