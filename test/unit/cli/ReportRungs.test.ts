import { assert, describe, it } from "@effect/vitest"
import type * as RunManifest from "../../../core/RunManifest.ts"
import * as Report from "../../../plugins/Report.ts"
import { journal, manifestOf, planOf } from "./fixtures.ts"

const ref = (index: number) => ({ name: "sweep", index })

/** Who reaches which rung, in arrival order: [learner, iteration, mse, rank, of, pruned]. */
const arrivals: ReadonlyArray<readonly [number, number, number, number, number, boolean]> = [
  [2, 1, 0.3, 1, 1, false],
  [0, 1, 0.2, 1, 2, false],
  [3, 1, 0.5, 3, 3, true],
  [1, 1, 0.25, 2, 4, false],
  [0, 3, 0.1, 1, 1, false],
  [1, 3, 0.15, 2, 2, true],
  [2, 3, 0.05, 1, 3, false]
]

/** Four ASHA learners (rungs after iterations 1, 3 and 5 of 6): sweep[3] pruned at 1, sweep[1] at 3. */
const ashaRun = () => {
  const j = journal()
  j.push({
    _tag: "run_started",
    runDir: "/runs/run-1",
    pid: 4242,
    planHash: "abc",
    learners: [
      { name: "sweep", kind: "active", parallel: 4, maxIter: 6 },
      { name: "plain", kind: "active", parallel: 1, maxIter: 6 }
    ]
  })
  for (const [k, iteration, mse, rank, of, pruned] of arrivals) {
    const reason = `rank ${rank} of ${of} at iteration ${iteration}, mse ${mse}`
    j.push({
      _tag: "rung_reached",
      learner: ref(k),
      iteration,
      metricName: "mse",
      metricValue: mse,
      rank,
      of,
      pruned,
      reason
    })
    if (pruned)
      j.push({ _tag: "learner_stopped", learner: ref(k), reason: "pruned", iterations: iteration + 1, detail: reason })
  }
  for (const k of [0, 2]) j.push({ _tag: "learner_stopped", learner: ref(k), reason: "criterion_met", iterations: 4 })
  j.push({ _tag: "run_finished", status: "completed", durationMs: 9000 })
  return j.events
}

const sweepBlock = planOf.learners[0]!
const ashaManifest: RunManifest.RunManifest = {
  ...manifestOf,
  plan: {
    ...planOf,
    learners: [
      { ...sweepBlock, parallel: 4, maxIter: 6, population: { asha: { every: 2, keep: 0.5 } } },
      { ...sweepBlock, name: "plain", parallel: 1, maxIter: 6 }
    ]
  }
}

const render = (run: RunManifest.RunManifest | undefined) =>
  Report.render({ run, events: ashaRun(), results: undefined, tornLine: false })

/** The rung cells of the report: learner, iteration, rank, of, pruned. */
const cells = (html: string) =>
  [
    ...html.matchAll(
      /<td class="rung[^"]*" data-learner="([^"]+)" data-iteration="(\d+)" data-rank="(\d+)" data-of="(\d+)" data-pruned="(true|false)"/g
    )
  ].map((m) => ({
    learner: m[1]!,
    iteration: Number(m[2]),
    rank: Number(m[3]),
    of: Number(m[4]),
    pruned: m[5] === "true"
  }))

describe("Report: rungs", () => {
  it("lists each rung with the learners that reached it, their rank and metric", () => {
    const html = render(ashaManifest)
    assert.include(html, "<h2>Rungs</h2>")
    assert.include(html, "asha: keep 0.5 of each rung at iterations 1, 3, 5")
    const heads = [...html.matchAll(/<th data-iteration="(\d+)">iteration \d+<br><span class="muted">([^<]+)</g)]
    assert.deepStrictEqual(
      heads.map((m) => [Number(m[1]), m[2]]),
      [
        [1, "4 reached, 1 pruned"],
        [3, "3 reached, 1 pruned"],
        [5, "0 reached, 0 pruned"]
      ]
    )
    const found = cells(html)
    const at = (iteration: number) =>
      found
        .filter((c) => c.iteration === iteration)
        .map((c) => `${c.learner} ${c.rank}/${c.of}`)
        .sort()
    assert.deepStrictEqual(at(1), ["sweep[0] 1/2", "sweep[1] 2/4", "sweep[2] 1/1", "sweep[3] 3/3"])
    assert.deepStrictEqual(at(3), ["sweep[0] 1/1", "sweep[1] 2/2", "sweep[2] 1/3"])
    assert.deepStrictEqual(at(5), [])
    assert.include(html, '<b>1/3</b><br><span class="muted">mse 0.05</span>')
    assert.include(html, "mse: lower is better")
  })

  it("marks who was pruned where, with the reason, and orders survivors first", () => {
    const html = render(ashaManifest)
    const pruned = cells(html)
      .filter((c) => c.pruned)
      .map((c) => `${c.learner}@${c.iteration}`)
    assert.deepStrictEqual(pruned, ["sweep[1]@3", "sweep[3]@1"])
    assert.include(html, 'title="rank 3 of 3 at iteration 1, mse 0.5"><b>3/3</b> <span class="cut">✗ pruned</span>')
    assert.strictEqual((html.match(/<td class="rung pruned"/g) ?? []).length, 2)
    const table = html.slice(
      html.indexOf('<table class="rungs"'),
      html.indexOf("</table>", html.indexOf('<table class="rungs"'))
    )
    const rows = [...table.matchAll(/<tr data-learner="([^"]+)"( class="pruned")?>/g)].map(
      (m) => `${m[1]}${m[2] ? " ✗" : ""}`
    )
    assert.deepStrictEqual(rows, ["sweep[0]", "sweep[2]", "sweep[1] ✗", "sweep[3] ✗"])
    assert.match(table, /<tr data-learner="sweep\[3\]" class="pruned">.*<span class="badge r-pruned">pruned<\/span>/)
  })

  it("charts only the blocks with a policy, and nothing without one", () => {
    const html = render(ashaManifest)
    assert.deepStrictEqual(
      [...html.matchAll(/<div class="card rungs" data-block="([^"]+)"/g)].map((m) => m[1]),
      ["sweep"]
    )
    const noPolicy: RunManifest.RunManifest = { ...manifestOf, plan: { ...planOf, learners: [sweepBlock] } }
    const plain = Report.render({ run: noPolicy, events: [], results: undefined, tornLine: false })
    assert.notInclude(plain, "<h2>Rungs</h2>")
    assert.notInclude(plain, 'class="card rungs"')
  })

  it("draws the rungs from the journal alone when run.json is missing", () => {
    const html = render(undefined)
    assert.include(html, "<h2>Rungs</h2>")
    assert.strictEqual(cells(html).length, arrivals.length)
    assert.deepStrictEqual(
      [...html.matchAll(/<th data-iteration="(\d+)">/g)].map((m) => Number(m[1])),
      [1, 3]
    )
  })

  it("says no learner has reached a rung yet before the first one", () => {
    const html = Report.render({
      run: ashaManifest,
      events: ashaRun().slice(0, 1),
      results: undefined,
      tornLine: false
    })
    assert.include(html, "No learner has reached a rung yet.")
  })
})
