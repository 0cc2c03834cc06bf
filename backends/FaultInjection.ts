/**
 * Fault injection: wraps a backend so that a chosen share of task attempts fail as infrastructure
 * failures, hang, or are killed by a signal, reproducibly from a seed. Tests use it to exercise
 * retries, timeouts and failure policies on real backends; users can use it to rehearse a campaign's
 * failure handling before spending compute (`backend faulty { … }` wraps the default backend).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Backend from "../core/Backend.ts"
import * as TaskError from "../core/TaskError.ts"

/**
 * Shares are probabilities per attempt, in [0, 1]; their sum must not exceed 1.
 *
 * @since 0.1.0
 * @category models
 */
export interface Config {
  /** Attempts that fail before starting, as a lost connection would (retried by default). */
  readonly failRate?: number | undefined
  /** Attempts that start and never end (until a timeout or interruption kills them). */
  readonly hangRate?: number | undefined
  /** Attempts whose process is reported killed by SIGKILL (a non-zero exit: retried only `on exit`). */
  readonly killRate?: number | undefined
  /** Only these tasks are affected (all when absent). */
  readonly tasks?: ReadonlyArray<string> | undefined
  readonly seed?: number | undefined
}

/**
 * A number in [0, 1) drawn from the seed and the attempt's identity, so an attempt meets the same
 * fault whatever order concurrent learners reach it in.
 *
 * @since 0.1.0
 * @category constructors
 */
export const draw = (seed: number, key: string): number => {
  let h = 0x811c9dc5 ^ seed
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193)
  // One round of mulberry32 to spread FNV's low-entropy bits.
  let t = (h + 0x6d2b79f5) >>> 0
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

/**
 * What an attempt will suffer.
 *
 * @since 0.1.0
 * @category models
 */
export type Fault = "none" | "fail" | "hang" | "kill"

/**
 * @since 0.1.0
 * @category constructors
 */
export const wrap = (inner: Backend.Service, config: Config): Backend.Service => {
  const seed = config.seed ?? 1
  const fail = config.failRate ?? 0
  const hang = config.hangRate ?? 0
  const kill = config.killRate ?? 0
  const pick = (invocation: Backend.Invocation): Fault => {
    if (config.tasks !== undefined && !config.tasks.includes(invocation.task)) return "none"
    const x = draw(
      seed,
      `${invocation.learner.name}/${invocation.learner.index}/${invocation.iteration}/${invocation.task}/${invocation.attempt}`
    )
    return x < fail ? "fail" : x < fail + hang ? "hang" : x < fail + hang + kill ? "kill" : "none"
  }
  return {
    ...inner,
    name: `${inner.name}+faults`,
    run: (invocation) =>
      Effect.suspend(() => {
        switch (pick(invocation)) {
          case "fail":
            return Effect.fail(new TaskError.ConnectionLost({ host: "fault-injection", reason: "injected failure" }))
          case "hang":
            return inner.run({
              ...invocation,
              command: {
                _tag: "Argv",
                argv: ["sh", "-c", "echo $$ > .hung-$ROSE_TASK-$ROSE_ITERATION; exec sleep 86400"]
              }
            })
          case "kill":
            return inner.run({ ...invocation, command: { _tag: "Argv", argv: ["sh", "-c", "kill -9 $$"] } })
          case "none":
            return inner.run(invocation)
        }
      })
  }
}

/**
 * Replaces the default `Backend` with a faulty version of itself.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (config: Config): Layer.Layer<Backend.Backend, never, Backend.Backend> =>
  Layer.effect(
    Backend.Backend,
    Effect.map(Backend.Backend, (inner) => wrap(inner, config))
  )
