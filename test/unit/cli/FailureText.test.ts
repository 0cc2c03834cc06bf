import { assert, describe, it } from "@effect/vitest"
import * as Display from "../../../cli/Display.ts"
import * as FailureText from "../../../cli/FailureText.ts"
import * as Progress from "../../../cli/Progress.ts"
import * as Summary from "../../../cli/Summary.ts"
import * as Term from "../../../cli/Term.ts"
import type * as Event from "../../../core/Event.ts"
import type * as Results from "../../../core/Results.ts"
import { journal, planOf } from "./fixtures.ts"

const cause = `python3: can't open file '/home/someone/projects/surrogates/${"deep/".repeat(30)}sim.py': [Errno 2] No such file or directory`
const stderrTail = `${Array.from({ length: 8 }, (_, i) => `warning ${i}`).join("\n")}\n${cause}\n\n`
const runDir = "/work/proj/runs/run-1"
const errFile = `${runDir}/learners/sweep-1/iter-2/training.err.2`
const outFile = `${runDir}/learners/sweep-1/iter-2/training.out.2`
// Only the .err file is there: the .out line is left out.
const context: FailureText.Context = { cwd: "/work/proj", exists: (path) => path === errFile }

const failedRun = () => {
  const j = journal()
  j.push({
    _tag: "run_started",
    runDir,
    pid: 4242,
    planHash: "abc",
    learners: [{ name: "sweep", kind: "active", parallel: 2, maxIter: 5 }]
  })
  j.push({
    _tag: "task_failed",
    learner: { name: "sweep", index: 1 },
    iteration: 2,
    task: "training",
    attempt: 2,
    durationMs: 950,
    error: { tag: "TaskFailed", message: 'task "training" exited with code 2', exitCode: 2, stderrTail }
  })
  const p = Progress.make(Progress.blocksOfPlan(planOf))
  for (const e of j.events) Progress.apply(p, e)
  return { p, failed: j.events[1] as Event.Event }
}

describe("FailureText", () => {
  it("keeps the last five stderr lines, each whole", () => {
    assert.deepStrictEqual(FailureText.lastLines(stderrTail), [
      "warning 4",
      "warning 5",
      "warning 6",
      "warning 7",
      cause
    ])
    assert.isAbove(cause.length, 200)
  })

  it("prints a failure with its whole stderr tail and the path of its .err file in plain mode", () => {
    const { p, failed } = failedRun()
    const lines = Display.plainLine(p, failed, context)!.split("\n")
    assert.match(lines[0]!, /^\d\d:\d\d:\d\d sweep\[1\] task training failed \(iteration 2, attempt 2\): exit 2$/)
    assert.deepStrictEqual(lines.slice(1), [
      "  warning 4",
      "  warning 5",
      "  warning 6",
      "  warning 7",
      `  ${cause}`,
      "  stderr: runs/run-1/learners/sweep-1/iter-2/training.err.2"
    ])
    const everywhere: FailureText.Context = { cwd: "/elsewhere", exists: () => true }
    const far = Display.plainLine(p, failed, everywhere)!.split("\n")
    // relative would be longer than absolute here
    assert.deepStrictEqual(far.slice(-2), [`  stderr: ${errFile}`, `  stdout: ${outFile}`])
  })

  it("wraps the failure above the live display instead of cutting it", () => {
    const { p, failed } = failedRun()
    const lines = Term.strip(Display.liveLogLine(p, failed, 80, true, context)!).split("\n")
    for (const l of lines) assert.isAtMost(Array.from(l).length, 79, l)
    // the continuation lines are indented: compare without spaces
    const joined = lines.join("").replaceAll(" ", "")
    assert.include(joined, cause.replaceAll(" ", ""))
    assert.include(joined, "stderr:runs/run-1/learners/sweep-1/iter-2/training.err.2")
  })

  it("lists each failed task under the summary table with its stderr and log file", () => {
    const results = {
      runId: "run-1",
      status: "failed",
      durationMs: 7000,
      learners: [
        {
          name: "sweep",
          index: 1,
          iterations: 2,
          stopReason: "error",
          metric: null,
          state: {},
          failure: {
            task: "training",
            iteration: 2,
            attempt: 2,
            exitCode: 2,
            stderrTail,
            message: 'task "training" exited with code 2',
            tag: "TaskFailed"
          }
        }
      ]
    } as unknown as Results.Results
    const text = Summary.render(results, runDir, { color: false, report: true, context })
    assert.include(
      text,
      `sweep[1] training @2 (attempt 2): exit 2\n  warning 4\n  warning 5\n  warning 6\n  warning 7\n  ${cause}\n  stderr: runs/run-1/learners/sweep-1/iter-2/training.err.2\n`
    )
  })
})
