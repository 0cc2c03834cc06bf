/** Journal fixtures: the events of small runs, as the runner writes them. */
import type * as Event from "../../../core/Event.ts"
import type * as Results from "../../../core/Results.ts"
import type * as RunManifest from "../../../core/RunManifest.ts"

const t0 = Date.parse("2026-11-28T12:00:00.000Z")

/** Builds events with increasing `seq` and `ts` (one second apart unless told). */
export const journal = () => {
  const events: Array<Event.Event> = []
  let at = t0
  const push = (draft: Event.Draft, advance = 1000) => {
    at += advance
    events.push({ ...draft, v: 1, seq: events.length, ts: new Date(at).toISOString(), runId: "run-1" } as Event.Event)
  }
  return { events, push, now: () => at }
}

const ref = (index: number) => ({ name: "sweep", index })

/** Two learners: sweep[0] converges after 2 iterations; sweep[1] fails in training at iteration 1. */
export const smallRun = (options: { readonly finished?: boolean } = {}) => {
  const j = journal()
  j.push({
    _tag: "run_started",
    runDir: "/runs/run-1",
    pid: 4242,
    planHash: "abc",
    learners: [{ name: "sweep", kind: "active", parallel: 2, maxIter: 5 }]
  })
  const config = { args: [], kwargs: { n: 10 } }
  for (const i of [0, 1]) {
    for (const k of [0, 1]) {
      j.push({ _tag: "task_queued", learner: ref(k), iteration: i, task: "training", attempt: 1 }, 10)
      j.push(
        {
          _tag: "task_started",
          learner: ref(k),
          iteration: i,
          task: "training",
          attempt: 1,
          pid: 100 + k,
          pgid: 100 + k,
          config
        },
        10
      )
    }
    j.push({
      _tag: "task_finished",
      learner: ref(0),
      iteration: i,
      task: "training",
      attempt: 1,
      exitCode: 0,
      durationMs: 900
    })
    if (i === 1) {
      j.push({
        _tag: "task_failed",
        learner: ref(1),
        iteration: 1,
        task: "training",
        attempt: 1,
        durationMs: 950,
        error: { tag: "TaskFailed", message: 'task "training" exited with code 3', exitCode: 3, stderrTail: "boom\n" }
      })
      j.push({
        _tag: "learner_stopped",
        learner: ref(1),
        reason: "error",
        iterations: 1,
        failure: {
          tag: "TaskFailed",
          message: 'task "training" exited with code 3',
          task: "training",
          iteration: 1,
          exitCode: 3,
          stderrTail: "boom\n"
        }
      })
    } else {
      j.push({
        _tag: "task_finished",
        learner: ref(1),
        iteration: i,
        task: "training",
        attempt: 1,
        exitCode: 0,
        durationMs: 900
      })
      j.push({
        _tag: "iteration_completed",
        learner: ref(1),
        iteration: i,
        metricName: "mse",
        metricValue: 0.5,
        metricThreshold: 0.1,
        shouldStop: false,
        state: {},
        config: { training: config }
      })
    }
    j.push({
      _tag: "iteration_completed",
      learner: ref(0),
      iteration: i,
      metricName: "mse",
      metricValue: i === 0 ? 0.4 : 0.05,
      metricThreshold: 0.1,
      shouldStop: i === 1,
      state: {},
      config: { training: config }
    })
  }
  j.push({ _tag: "learner_stopped", learner: ref(0), reason: "criterion_met", iterations: 2 })
  if (options.finished !== false) j.push({ _tag: "run_finished", status: "failed", durationMs: 7000 })
  return j
}

export const planOf: RunManifest.Plan = {
  learners: [
    {
      kind: "active",
      name: "sweep",
      parallel: 2,
      maxIter: 5,
      criterion: { metric: "mse", operator: "<", threshold: 0.1 },
      onError: "continue",
      tasks: { training: { binding: { exec: "node train.mjs" } } },
      configs: [],
      options: {}
    }
  ],
  backends: [],
  plugins: []
}

/** A `run.json` as the runner writes it. */
export const manifestOf: RunManifest.RunManifest = {
  runId: "run-1",
  createdAt: "2026-11-28T12:00:00.500Z",
  versions: { rose: "0.1.0", runtime: "node 20" },
  host: "box",
  cwd: "/proj",
  planHash: "f00d",
  plan: planOf,
  source: { file: "/proj/sweep.rose", hash: "beef", text: 'active "sweep" { }\n# <script>alert(1)</script>' }
}

export const resultsOf: Results.Results = {
  runId: "run-1",
  status: "failed",
  startedAt: "2026-11-28T12:00:01.000Z",
  finishedAt: "2026-11-28T12:00:08.000Z",
  durationMs: 7000,
  learners: [
    {
      name: "sweep",
      index: 0,
      kind: "active",
      iterations: 2,
      stopReason: "criterion_met",
      metric: { name: "mse", operator: "<", threshold: 0.1, history: [0.4, 0.05] },
      state: {},
      failure: null
    },
    {
      name: "sweep",
      index: 1,
      kind: "active",
      iterations: 1,
      stopReason: "error",
      metric: { name: "mse", operator: "<", threshold: 0.1, history: [0.5] },
      state: {},
      failure: {
        task: "training",
        iteration: 1,
        attempt: 1,
        exitCode: 3,
        stderrTail: "boom\n",
        message: 'task "training" exited with code 3',
        tag: "TaskFailed"
      }
    }
  ]
}
