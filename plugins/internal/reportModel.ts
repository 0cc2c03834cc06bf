/**
 * What the HTML report shows, folded from a run's files: each learner (its kind, metric points,
 * ending, failure and resolved configs) and each task attempt as a span of time.
 *
 * @since 0.1.0
 */
import type * as Event from "../../core/Event.ts"
import type * as Json from "../../core/Json.ts"
import * as Ranking from "../../core/Ranking.ts"
import type * as Results from "../../core/Results.ts"
import type * as RunManifest from "../../core/RunManifest.ts"
import { TaskTally } from "../../core/TaskTally.ts"

/**
 * The parsed files of a run directory.
 *
 * @since 0.1.0
 * @category models
 */
export interface Input {
  /** `run.json`, when the run directory has one. */
  readonly run: RunManifest.RunManifest | undefined
  /** `events.jsonl`'s events. */
  readonly events: ReadonlyArray<Event.Event>
  /** `results.json`, if the run wrote it. */
  readonly results: Results.Results | undefined
  /** Whether the journal's last line was torn (a write in progress or a crash). */
  readonly tornLine: boolean
}

/** A parallel learner as the report shows it. */
export interface LearnerModel {
  readonly label: string
  /** A sweep learner's point (`n_labeled=200, learning_rate=0.1`). */
  point: string | undefined
  readonly name: string
  readonly index: number
  kind: string
  maxIter: number | undefined
  metric: { readonly name: string; readonly operator: string; readonly threshold: number } | undefined
  readonly points: Array<{ x: number; y: number }>
  iterations: number
  /** Task attempts that ended, finished or failed (retries included). */
  tasks: number
  stopReason: string | undefined
  failure:
    | {
        task: string
        iteration: number | undefined
        attempt: number | undefined
        message: string
        stderrTail: string
        exitCode: number | null | undefined
        tag: string
      }
    | undefined
  /** iteration → task → resolved config */
  readonly configs: Map<number, Map<string, { args: ReadonlyArray<Json.Json>; kwargs: Json.JsonObject }>>
}

/** One attempt of a task, from its start to its end (if it ended). */
export interface TaskSpanModel {
  readonly learner: string
  readonly iteration: number
  readonly task: string
  readonly attempt: number
  readonly start: number
  end: number | undefined
  failed: boolean
  exitCode: number | null | undefined
  pid: number | undefined
}

/** The whole report's data. */
export interface Model {
  readonly runId: string
  readonly status: string
  readonly startedAt: number | undefined
  readonly endedAt: number | undefined
  readonly learners: ReadonlyArray<LearnerModel>
  readonly spans: ReadonlyArray<TaskSpanModel>
  readonly taskNames: ReadonlyArray<string>
}

export const label = (ref: { readonly name: string; readonly index: number }) => `${ref.name}[${ref.index}]`

/** Folds the run's files into what the report shows: the plan's learners, then the journal, then the results. */
export const buildModel = (input: Input): Model => {
  const learners = new Map<string, LearnerModel>()
  const add = (name: string, index: number): LearnerModel => {
    const key = label({ name, index })
    let learner = learners.get(key)
    if (learner === undefined) {
      learner = {
        label: key,
        point: undefined,
        name,
        index,
        kind: "active",
        maxIter: undefined,
        metric: undefined,
        points: [],
        iterations: 0,
        tasks: 0,
        stopReason: undefined,
        failure: undefined,
        configs: new Map()
      }
      learners.set(key, learner)
    }
    return learner
  }
  for (const block of input.run?.plan.learners ?? []) {
    for (let index = 0; index < block.parallel; index++) {
      const learner = add(block.name, index)
      learner.kind = block.kind
      learner.maxIter = block.maxIter ?? undefined
      const criterion = block.criterion
      if (criterion !== null) {
        learner.metric = { name: criterion.metric, operator: criterion.operator, threshold: criterion.threshold }
      }
    }
  }
  const spans: Array<TaskSpanModel> = []
  const open = new Map<string, TaskSpanModel>()
  const tally = new TaskTally()
  let startedAt: number | undefined
  let endedAt: number | undefined
  let status: string | undefined
  let lastTs: number | undefined
  for (const e of input.events) {
    const at = Date.parse(e.ts)
    lastTs = at
    switch (e._tag) {
      case "run_started":
        startedAt = at
        if (learners.size === 0) {
          for (const block of e.learners) {
            for (let index = 0; index < block.parallel; index++) {
              const learner = add(block.name, index)
              learner.kind = block.kind
              learner.maxIter = block.maxIter ?? undefined
            }
          }
        }
        break
      case "task_started": {
        const learner = add(e.learner.name, e.learner.index)
        const span: TaskSpanModel = {
          learner: learner.label,
          iteration: e.iteration,
          task: e.task,
          attempt: e.attempt,
          start: at,
          end: undefined,
          failed: false,
          exitCode: undefined,
          pid: e.pid
        }
        spans.push(span)
        open.set(`${learner.label}/${e.iteration}/${e.task}/${e.attempt}`, span)
        const byTask = learner.configs.get(e.iteration) ?? new Map()
        if (!byTask.has(e.task)) byTask.set(e.task, { args: e.config.args, kwargs: e.config.kwargs })
        learner.configs.set(e.iteration, byTask)
        break
      }
      case "task_finished":
      case "task_failed": {
        add(e.learner.name, e.learner.index).tasks += tally.add(e)
        const key = `${label(e.learner)}/${e.iteration}/${e.task}/${e.attempt}`
        const span = open.get(key)
        if (span !== undefined) {
          span.end = at
          span.failed = e._tag === "task_failed"
          span.exitCode = e._tag === "task_failed" ? e.error.exitCode : e.exitCode
          open.delete(key)
        }
        break
      }
      case "iteration_completed": {
        const learner = add(e.learner.name, e.learner.index)
        learner.tasks += tally.add(e)
        if (e.metricValue !== null) learner.points.push({ x: e.iteration, y: e.metricValue })
        if (learner.metric === undefined && e.metricName !== null && e.metricThreshold !== null) {
          learner.metric = { name: e.metricName, operator: "", threshold: e.metricThreshold }
        }
        learner.iterations = Math.max(learner.iterations, e.iteration + 1)
        const byTask = new Map<string, { args: ReadonlyArray<Json.Json>; kwargs: Json.JsonObject }>()
        for (const [task, c] of Object.entries(e.config)) byTask.set(task, { args: c.args, kwargs: c.kwargs })
        learner.configs.set(e.iteration, byTask)
        break
      }
      case "learner_stopped": {
        const learner = add(e.learner.name, e.learner.index)
        learner.stopReason = e.reason
        learner.iterations = Math.max(learner.iterations, e.iterations)
        if (e.failure !== undefined) {
          learner.failure = {
            task: e.failure.task ?? "",
            iteration: e.failure.iteration,
            attempt: e.failure.attempt,
            message: e.failure.message,
            stderrTail: e.failure.stderrTail ?? "",
            exitCode: e.failure.exitCode,
            tag: e.failure.tag
          }
        }
        break
      }
      case "run_finished":
        endedAt = at
        status = e.status
        break
      default:
        break
    }
  }
  const results = input.results
  if (results !== undefined) {
    status = results.status
    startedAt ??= Date.parse(results.startedAt)
    endedAt ??= Date.parse(results.finishedAt)
    for (const learnerResult of results.learners) {
      const learner = add(learnerResult.name, learnerResult.index)
      learner.kind = learnerResult.kind
      learner.point = learnerResult.label
      learner.iterations = learnerResult.iterations
      learner.stopReason = learnerResult.stopReason
      if (learnerResult.metric !== null) {
        learner.metric = {
          name: learnerResult.metric.name,
          operator: learnerResult.metric.operator,
          threshold: learnerResult.metric.threshold
        }
        if (learner.points.length === 0)
          learnerResult.metric.history.forEach((y, x) => {
            learner.points.push({ x, y })
          })
      }
      if (learnerResult.failure !== null) {
        learner.failure = {
          task: learnerResult.failure.task,
          iteration: learnerResult.failure.iteration,
          attempt: learnerResult.failure.attempt,
          message: learnerResult.failure.message,
          stderrTail: learnerResult.failure.stderrTail,
          exitCode: learnerResult.failure.exitCode,
          tag: learnerResult.failure.tag
        }
      }
    }
  }
  const end = endedAt ?? lastTs
  const taskNames: Array<string> = []
  for (const span of spans) if (!taskNames.includes(span.task)) taskNames.push(span.task)
  return {
    runId: input.run?.runId ?? results?.runId ?? input.events[0]?.runId ?? "unknown",
    status: status ?? (input.events.length > 0 ? "running or ended abruptly" : "not started"),
    startedAt: startedAt ?? (input.run === undefined ? undefined : Date.parse(input.run.createdAt)),
    endedAt: end,
    learners: [...learners.values()],
    spans,
    taskNames
  }
}

/**
 * The learners best first: `results.json`'s ranking when it has one, else ranked from the journal
 * (each learner's last value and the configuration of its last iteration).
 */
export const rankingOf = (model: Model, results: Results.Results | undefined): ReadonlyArray<Ranking.Standing> => {
  if (results?.ranking !== undefined) return results.ranking
  return Ranking.rank(
    model.learners.map((l) => {
      const last = Math.max(-1, ...l.configs.keys())
      const config = Object.fromEntries(
        [...(l.configs.get(last)?.entries() ?? [])].map(([task, c]) => [task, { args: c.args, kwargs: c.kwargs }])
      )
      return {
        name: l.name,
        index: l.index,
        metric: l.metric,
        value: l.points.at(-1)?.y,
        failed: l.stopReason === "error" || l.failure !== undefined,
        iterations: l.iterations,
        tasks: l.tasks,
        config
      }
    })
  )
}
