import { assert, describe, it } from "@effect/vitest"
import type * as RunManifest from "../../../core/RunManifest.ts"
import * as Report from "../../../plugins/Report.ts"
import { journal, manifestOf, planOf } from "./fixtures.ts"

const ref = (index: number) => ({ name: "sweep", index })

/** [learner, period iteration, source, its mse, the source's, learning_rate before, after]. */
const copies: ReadonlyArray<readonly [number, number, number, number, number, number, number]> = [
  [3, 1, 0, 0.5, 0.2, 0.001, 0.08],
  [2, 1, 0, 0.4, 0.2, 0.01, 0.12],
  [1, 3, 3, 0.3, 0.1, 0.1, 0.064]
]

/** Four PBT learners over 6 iterations: sweep[3] and sweep[2] copy sweep[0] after iteration 1, sweep[1] copies sweep[3] after 3. */
const pbtRun = (made: typeof copies = copies) => {
  const j = journal()
  j.push({
    _tag: "run_started",
    runDir: "/runs/run-1",
    pid: 4242,
    planHash: "abc",
    learners: [{ name: "sweep", kind: "active", parallel: 4, maxIter: 6 }]
  })
  for (const [k, iteration, source, mse, sourceMse, before, after] of made) {
    const reason = `rank 4 of 4 at iteration ${iteration}, mse ${mse}: copied sweep[${source}] (mse ${sourceMse}), learning_rate ${before} → ${after}`
    j.push({
      _tag: "exploited",
      learner: ref(k),
      iteration,
      source: ref(source),
      rank: 4,
      of: 4,
      metricName: "mse",
      metricValue: mse,
      sourceValue: sourceMse,
      from: { "training.learning_rate": before },
      to: { "training.learning_rate": after },
      sourceConfig: { training: { args: [], kwargs: { learning_rate: after } } },
      reason
    })
  }
  for (const k of [0, 1, 2, 3]) j.push({ _tag: "learner_stopped", learner: ref(k), reason: "max_iter", iterations: 6 })
  j.push({ _tag: "run_finished", status: "completed", durationMs: 9000 })
  return j.events
}

const sweepBlock = planOf.learners[0]!
const pbtManifest: RunManifest.RunManifest = {
  ...manifestOf,
  plan: { ...planOf, learners: [{ ...sweepBlock, parallel: 4, maxIter: 6 }] }
}

const render = (events = pbtRun()) => Report.render({ run: pbtManifest, events, results: undefined, tornLine: false })

describe("Report: lineage", () => {
  it("draws an arrow from the source to the learner for every copy", () => {
    const html = render()
    assert.include(html, "<h2>Lineage</h2>")
    const arrows = [
      ...html.matchAll(/<path class="copy" data-learner="([^"]+)" data-source="([^"]+)" data-iteration="(\d+)"/g)
    ].map((m) => `${m[2]} → ${m[1]} after ${m[3]}`)
    assert.deepStrictEqual(arrows, [
      "sweep[0] → sweep[3] after 1",
      "sweep[0] → sweep[2] after 1",
      "sweep[3] → sweep[1] after 3"
    ])
    // a lane per learner of the block
    assert.strictEqual((html.match(/<line class="lane-line"/g) ?? []).length, 4)
  })

  it("lists every copy with both metrics and the values it changed", () => {
    const html = render()
    const rows = [
      ...html.matchAll(
        /<tr data-learner="([^"]+)" data-source="([^"]+)" data-iteration="(\d+)"><td>\d+<\/td><td><b>[^<]+<\/b><\/td><td>[^<]+<\/td><td>([^<]+)<br><span class="muted">([^<]+)<\/span><\/td><td><code>([^<]+)<\/code>/g
      )
    ].map((m) => [m[1], m[2], Number(m[3]), m[4], m[5], m[6]])
    assert.deepStrictEqual(rows, [
      ["sweep[3]", "sweep[0]", 1, "mse 0.5 → 0.2", "rank 4 of 4", "training.learning_rate 0.001 → 0.08"],
      ["sweep[2]", "sweep[0]", 1, "mse 0.4 → 0.2", "rank 4 of 4", "training.learning_rate 0.01 → 0.12"],
      ["sweep[1]", "sweep[3]", 3, "mse 0.3 → 0.1", "rank 4 of 4", "training.learning_rate 0.1 → 0.064"]
    ])
  })

  it("traces each learner's state to the learner it descends from, through every copy", () => {
    const html = render()
    const origins = Object.fromEntries(
      [...html.matchAll(/<tr data-learner="([^"]+)" data-origin="([^"]+)">/g)].map((m) => [m[1], m[2]])
    )
    // sweep[1] took sweep[3]'s state after 3, which sweep[3] had taken from sweep[0] after 1.
    assert.deepStrictEqual(origins, {
      "sweep[0]": "sweep[0]",
      "sweep[1]": "sweep[0]",
      "sweep[2]": "sweep[0]",
      "sweep[3]": "sweep[0]"
    })
    assert.match(
      html,
      /<b>sweep\[1\]<\/b>[\s\S]*?← sweep\[3\] <span class="muted">at 3<\/span> ← sweep\[0\] <span class="muted">at 1<\/span>/
    )
  })

  it("a copy made before the source's own does not pass on what the source took later", () => {
    // sweep[1] copies sweep[3] after 1, before sweep[3] copies sweep[0] after 3.
    const html = render(
      pbtRun([
        [1, 1, 3, 0.5, 0.2, 0.01, 0.012],
        [3, 3, 0, 0.4, 0.1, 0.001, 0.08]
      ])
    )
    const origins = Object.fromEntries(
      [...html.matchAll(/<tr data-learner="([^"]+)" data-origin="([^"]+)">/g)].map((m) => [m[1], m[2]])
    )
    assert.deepStrictEqual(origins, {
      "sweep[0]": "sweep[0]",
      "sweep[1]": "sweep[3]",
      "sweep[2]": "sweep[2]",
      "sweep[3]": "sweep[0]"
    })
  })

  it("has no lineage section in a run without copies", () => {
    const html = render(pbtRun().filter((e) => e._tag !== "exploited"))
    assert.notInclude(html, "<h2>Lineage</h2>")
    assert.notInclude(html, 'class="card lineage"')
  })
})
