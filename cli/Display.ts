/**
 * What `rose run` shows while a run goes on. On a terminal: a frame that fits the terminal (see
 * `LiveFrame`: counts by state, the run's ETA, then the most relevant learners, one line each),
 * redrawn in place a few times a second at the terminal's current size; failures are printed above
 * it and stay in the scrollback. Elsewhere: plain timestamped lines. With `--json`: every event as
 * a JSON line on stdout.
 *
 * The display reads events from its own subscription to the run's (unbounded) event bus and folds
 * them into a `Progress`; rendering is driven by a timer, not by events, so a burst of events costs a
 * fold each and never holds up a learner.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Queue from "effect/Queue"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as DryRunBackend from "../backends/DryRunBackend.ts"
import * as Event from "../core/Event.ts"
import * as Learner from "../core/Learner.ts"
import * as FailureText from "./FailureText.ts"
import * as Format from "./Format.ts"
import * as LiveFrame from "./LiveFrame.ts"
import * as Progress from "./Progress.ts"
import * as Term from "./Term.ts"

/**
 * @since 0.1.0
 * @category models
 */
export type Mode = "live" | "plain" | "json"

/**
 * The metric part of a learner's line: `mse 0.231 (< 0.1)`.
 *
 * @since 0.1.0
 * @category rendering
 */
export const metricText = (l: Progress.LearnerView): string => {
  const c = l.criterion
  const last = l.history.at(-1)
  if (c === undefined) return last === undefined ? "" : Format.number(last)
  const value = last === undefined ? "–" : Format.number(last)
  return `${c.metric} ${value} (${c.operator} ${Format.number(c.threshold)})`
}

/**
 * The whole live frame for a terminal of the given size (see `LiveFrame`).
 *
 * @since 0.1.0
 * @category rendering
 */
export const frame = LiveFrame.frame

/**
 * Iterations done as a count, against `max_iter` when there is one: `2 of 3 iterations`.
 * (An iteration's index is 0-based, as in schedules: a learner with 2 done runs iteration 2.)
 *
 * @since 0.1.0
 * @category rendering
 */
export const doneText = (done: number, maxIter: number | undefined): string =>
  maxIter === undefined ? Format.plural(done, "iteration") : `${done} of ${Format.plural(maxIter, "iteration")}`

const stopText = (e: Extract<Event.Event, { _tag: "learner_stopped" }>, l: Progress.LearnerView | undefined) => {
  const metric = l === undefined ? "" : metricText(l)
  const iters = doneText(e.iterations, l?.maxIter)
  switch (e.reason) {
    case "criterion_met":
      return `converged after ${iters}${metric === "" ? "" : `: ${metric}`}`
    case "max_iter":
      return `reached max_iter after ${iters}${metric === "" ? "" : `: ${metric}`}`
    case "error": {
      const f = e.failure
      const at = f?.iteration === undefined ? "" : `in iteration ${f.iteration} `
      return `failed ${at}after ${iters}: ${f === undefined ? "unknown error" : `${f.task === undefined ? "" : `${f.task} `}${Format.failure(f)}`}`
    }
    case "stopped":
      return `stopped after ${iters}`
    case "interrupted":
      return `interrupted after ${iters}`
    case "pruned":
      return `pruned after ${iters}${e.detail === undefined ? "" : `: ${e.detail}`}`
    case "budget":
      return `out of budget after ${iters}${e.detail === undefined ? "" : `: ${e.detail}`}`
  }
}

type TaskFailedEvent = Extract<Event.Event, { _tag: "task_failed" }>

const failedHead = (e: TaskFailedEvent, time: string, who: string): string =>
  `${time} ${who} task ${e.task} failed (iteration ${e.iteration}, attempt ${e.attempt}): ${Format.failureHead(e.error)}`

// The cause is in the stderr lines under the head, each whole, and the files say the rest.
const failedDetail = (p: Progress.Progress, e: TaskFailedEvent, context: FailureText.Context) =>
  FailureText.detail(p.runDir, e, e.error.stderrTail, context)

/**
 * The plain line for an event, or `undefined` for events plain output leaves out (task starts and
 * ends: the iteration lines say what matters).
 *
 * @since 0.1.0
 * @category rendering
 */
export const plainLine = (
  p: Progress.Progress,
  e: Event.Event,
  context: FailureText.Context = FailureText.local()
): string | undefined => {
  const time = Format.clock(Date.parse(e.ts))
  const who = "learner" in e && e.learner !== undefined ? Learner.label(e.learner) : ""
  switch (e._tag) {
    case "run_started":
      return `${time} run ${p.runId ?? e.runId} ${p.runId === undefined || p.runId === e.runId ? "started" : `resumed (session ${e.runId})`}: ${e.learners
        .map((l) => `${l.name} ×${l.parallel}${l.maxIter === null ? "" : ` (max_iter ${l.maxIter})`}`)
        .join(", ")}; run directory ${e.runDir}${e.dryRun === true ? ` ${DryRunBackend.mark}` : ""}`
    case "iteration_completed": {
      const l = p.byLabel.get(who)
      // The index, then the count done: `iteration 1 done (2 of 3)`.
      const done =
        l === undefined
          ? ""
          : ` (${l.maxIter === undefined ? `${l.iterations} done` : `${l.iterations} of ${l.maxIter}`})`
      const metric =
        e.metricName === null || e.metricValue === null
          ? ""
          : `: ${e.metricName} ${Format.number(e.metricValue)}${
              l?.criterion === undefined ? "" : ` (${l.criterion.operator} ${Format.number(l.criterion.threshold)})`
            }`
      return `${time} ${who} iteration ${e.iteration} done${done}${metric}`
    }
    case "task_failed":
      return [failedHead(e, time, who), ...failedDetail(p, e, context)].join("\n")
    case "task_retried":
      return `${time} ${who} retrying ${e.task} in ${Format.duration(e.delayMs)} (attempt ${e.nextAttempt}): ${e.reason.split("\n")[0]}`
    case "learner_stopped":
      return `${time} ${who} ${stopText(e, p.byLabel.get(who))}`
    case "run_finished":
      return `${time} run ${p.runId ?? e.runId} ${e.status} in ${Format.duration(e.durationMs)}${p.dryRun ? ` ${DryRunBackend.mark}` : ""}`
    default:
      return undefined
  }
}

/**
 * The plain line listing long-running tasks (every half minute in plain mode).
 *
 * @since 0.1.0
 * @category rendering
 */
export const heartbeatLine = (p: Progress.Progress, now: number, longerThan = 10_000): string | undefined => {
  const long = Progress.unfinished(p).filter((t) => t.startedAt !== undefined && now - t.startedAt >= longerThan)
  if (long.length === 0) return undefined
  const list = long
    .slice(0, 8)
    .map((t) => `${Learner.label(t.learner)} ${t.task} ${Format.elapsed(now - t.startedAt!)}`)
    .join(", ")
  const more = long.length > 8 ? ` and ${long.length - 8} more` : ""
  return `${Format.clock(now)} still running: ${list}${more}; ${p.queued.size} queued`
}

/**
 * Messages the live display prints above its frame (they stay in the scrollback).
 *
 * @since 0.1.0
 * @category rendering
 */
export const liveLogLine = (
  p: Progress.Progress,
  e: Event.Event,
  width: number,
  color: boolean,
  context: FailureText.Context = FailureText.local()
): string | undefined => {
  switch (e._tag) {
    case "task_failed":
      return [
        ...FailureText.wrap(failedHead(e, Format.clock(Date.parse(e.ts)), Learner.label(e.learner)), width - 1).map(
          (l) => Term.paint(color, "red", l)
        ),
        ...failedDetail(p, e, context).flatMap((l) => FailureText.wrap(l, width - 1))
      ].join("\n")
    case "task_retried":
      return Term.line([{ text: plainLine(p, e) ?? "", style: "yellow" }], width - 1, color)
    case "learner_stopped":
      return e.reason === "error"
        ? Term.line([{ text: plainLine(p, e) ?? "", style: "red" }], width - 1, color)
        : undefined
    default:
      return undefined
  }
}

/**
 * A running display.
 *
 * @since 0.1.0
 * @category models
 */
export interface Display {
  readonly progress: Progress.Progress
  /** Prints a message (above the live frame on a terminal). */
  readonly message: (text: string) => Effect.Effect<void>
  /** Waits until the display has seen `run_finished`, draws the final state and stops. */
  readonly finish: Effect.Effect<void>
  /** Stops at once (a second signal), restoring the cursor. */
  readonly stopNow: () => void
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly mode: Mode
  /** Where the display goes (stdout). */
  readonly out: Term.Sink
  /** Where messages go in `--json` mode (stderr). */
  readonly err: Term.Sink
  /** Redraws per second on a terminal. */
  readonly fps?: number | undefined
}

/**
 * Starts a display on a subscription to the run's events (made before the run started). It runs
 * in the current scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const start = (
  subscription: Queue.Dequeue<Event.Event>,
  progress: Progress.Progress,
  options: Options
): Effect.Effect<Display, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { mode, out, err } = options
    // The visible widths of the lines last drawn: after the window narrows, the terminal wraps each
    // of them over more rows, and the cursor has to go up over all of those.
    let drawn: ReadonlyArray<number> = []
    let stopped = false
    const up = () => {
      const columns = Math.max(1, out.columns())
      return Term.escapes.up(drawn.reduce((n, w) => n + Math.max(1, Math.ceil(w / columns)), 0))
    }
    const draw = () => {
      if (stopped) return
      const lines = frame(progress, Date.now(), { columns: out.columns(), rows: out.rows() }, out.color)
      let text = `${up()}${Term.escapes.column0}`
      for (const l of lines) text += `${Term.escapes.clearLine}${l}\n`
      text += Term.escapes.clearDown
      out.write(text)
      drawn = lines.map(Term.visibleLength)
    }
    const above = (line: string) => {
      if (mode === "live") {
        // Line by line, not "clear to the end of the screen": from the top-left corner that clears the
        // whole screen, and tmux (`scroll-on-clear`) then pushes the whole screen into its scrollback.
        const text = line
          .split("\n")
          .map((l) => `${Term.escapes.clearLine}${l}\n`)
          .join("")
        out.write(`${up()}${Term.escapes.column0}${text}`)
        drawn = []
        draw()
      } else if (mode === "plain") out.write(`${line}\n`)
      else err.write(`${Term.strip(line)}\n`)
    }
    const restore = () => {
      if (mode === "live") out.write(Term.escapes.showCursor)
    }

    const onEvent = (e: Event.Event) => {
      Progress.apply(progress, e)
      if (mode === "json") {
        out.write(`${Event.toJsonLine(e)}\n`)
      } else if (mode === "plain") {
        const line = plainLine(progress, e)
        if (line !== undefined) out.write(`${line}\n`)
      } else {
        const line = liveLogLine(progress, e, out.columns(), out.color)
        if (line !== undefined) above(line)
      }
    }

    const consume = Effect.gen(function* () {
      while (progress.finished === undefined) {
        const batch = yield* Queue.takeBetween(subscription, 1, Number.POSITIVE_INFINITY)
        for (const e of batch) onEvent(e)
      }
    })
    const consumer = yield* Effect.forkScoped(consume)

    let ticker: Fiber.RuntimeFiber<unknown> | undefined
    if (mode === "live") {
      out.write(Term.escapes.hideCursor)
      // The terminal gets its cursor back whatever ends the process.
      process.once("exit", restore)
      draw()
      const every = Math.max(20, Math.round(1000 / (options.fps ?? 5)))
      ticker = yield* Effect.forkScoped(
        Effect.sync(draw).pipe(Effect.repeat(Schedule.spaced(`${every} millis`)), Effect.delay(`${every} millis`))
      )
    } else if (mode === "plain") {
      ticker = yield* Effect.forkScoped(
        Effect.sync(() => {
          const line = heartbeatLine(progress, Date.now())
          if (line !== undefined) out.write(`${line}\n`)
        }).pipe(Effect.repeat(Schedule.spaced("30 seconds")), Effect.delay("30 seconds"))
      )
    }

    const finish = Effect.gen(function* () {
      yield* Fiber.await(consumer)
      if (ticker !== undefined) yield* Fiber.interrupt(ticker)
      if (mode === "live") {
        draw()
        restore()
        process.removeListener("exit", restore)
      }
      stopped = true
      // The last frame stays: a message from now on goes below it, not over it.
      drawn = []
    })
    return {
      progress,
      message: (text) => Effect.sync(() => above(text)),
      finish,
      stopNow: () => {
        stopped = true
        drawn = []
        restore()
      }
    }
  })
