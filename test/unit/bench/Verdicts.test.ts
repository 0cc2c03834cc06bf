import { describe, expect, it } from "vitest"
import type { OptionRow, SpawnOptionsResult } from "../../../bench/spawnOptions.ts"
import { type Input, spawnCause, verdicts } from "../../../bench/verdicts.ts"

const option = (method: string, heapMb: number, msPerTask: number, blockedMs?: number): OptionRow => ({
  runtime: "node",
  method,
  heapMb,
  label: `${method}@${heapMb}`,
  concurrency: 1,
  tasks: 100,
  msPerTask,
  tasksPerSecond: 1000 / msPerTask,
  spread: 0.05,
  blockedMs
})

const spawn = (helperMs: number): SpawnOptionsResult => ({
  repeats: 3,
  rows: [
    option("spawn", 0, 2.1, 0.71),
    option("spawn", 100, 3.3, 1.93),
    option("helper", 100, helperMs),
    option("worker", 100, 3.9)
  ],
  fork: [
    { heapMb: 0, blockedMs: 0.72 },
    { heapMb: 400, blockedMs: 4.44 }
  ],
  skipped: []
})

const input = (s: SpawnOptionsResult): Input => ({
  exec: [
    {
      learners: 1,
      tasks: 40,
      floorMs: 100,
      roseMs: 180,
      ratio: 1.8,
      overheadMsPerTask: 2,
      floorSpread: 0.1,
      spread: 0.1,
      floorPeakRssMb: 80,
      peakRssMb: 90
    },
    {
      learners: 64,
      tasks: 2560,
      floorMs: 5000,
      roseMs: 9000,
      ratio: 1.8,
      overheadMsPerTask: 1.56,
      floorSpread: 0.07,
      spread: 0.61,
      floorPeakRssMb: 83,
      peakRssMb: 117
    }
  ],
  inProcess: [
    {
      learners: 10_000,
      warm: false,
      tasks: 400_000,
      wallMs: 12_000,
      tasksPerSecond: 33_333,
      peakRssMb: 700,
      gcMs: 6000,
      heapUsedMb: 111
    }
  ],
  facade: [],
  memory: [],
  dsl: { rows: [] },
  lsp: { learners: 1000, analysisMs: 150, analysisCpuMs: 140, freshMs: 300, roundTripMs: 210 },
  startup: [
    { command: "node -e 0 (floor)", wallMs: 120 },
    { command: "rose --version", wallMs: 190 }
  ],
  spawn: s,
  baseline: { bareMb: 41, libraryMb: 86 }
})

const why = (vs: ReturnType<typeof verdicts>, budget: string) => vs.find((v) => v.budget.startsWith(budget))!.why

describe("bench verdicts", () => {
  it("explains a missed budget with the figures of the run it is given", () => {
    const vs = verdicts(input(spawn(3.5)))
    expect(why(vs, "exec, 1 learner(s)")).toContain("2.50 ms a task, rose 4.50")
    expect(why(vs, "exec, 1 learner(s)")).toContain("1.93 ms with a 100 MB heap, 0.71 ms bare")
    expect(why(vs, "exec, 1 learner(s)")).toContain("400 MB 4.44 ms")
    expect(why(vs, "exec, 64 learners: spread")).toContain("61%")
    expect(why(vs, "exec, 64 learners: spread")).toContain("not the host's load")
    expect(why(vs, "exec, 64 learners: peak")).toContain("86 MB")
    expect(why(vs, "exec, 64 learners: peak")).toContain("adds 31 MB")
    expect(why(vs, "in-process, 10,000 learners × 10: < 10 s")).toContain("(50%)")
    expect(why(vs, "rose lsp")).toContain("50% of a fresh one (300 ms)")
    expect(why(vs, "`rose --version`")).toContain("takes 120 ms here (80% of the budget); rose adds 70 ms")
  })

  it("names the fastest way of spawning only when it is faster than the main thread", () => {
    expect(spawnCause(spawn(3.5))).toContain("none faster")
    const faster = spawnCause(spawn(2.2))
    expect(faster).toContain("helper 33% faster")
    expect(faster).not.toContain("none faster")
  })

  it("marks budgets met and missed from the figures alone", () => {
    const vs = verdicts(input(spawn(3.5)))
    expect(vs.find((v) => v.budget.startsWith("exec, 64 learners: peak"))!.met).toBe(false)
    expect(vs.find((v) => v.budget.startsWith("in-process, 10,000 learners × 10: < 1 GiB"))!.met).toBe(true)
    expect(vs.find((v) => v.budget.startsWith("`rose --version`"))!.met).toBe(false)
  })
})
