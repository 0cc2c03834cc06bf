/**
 * A 64-learner run, as scientists sweep: the summary, `rose status`, `results.json` and the report
 * say who won (best first by the metric's direction, with the config that differs); the report,
 * opened in headless Chromium (Debian's `chromium`, driven by playwright-core), keeps 64 learners
 * apart (a colour each), draws a learner with one point, says why a failed learner has no values,
 * and keeps each threshold label off the data. A screenshot is kept in test-artifacts/.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import * as Url from "node:url"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { ensureCli, root, rose, tempDir, writeProgram } from "./helpers.ts"

const chromium = "/usr/bin/chromium"
// npm test's integration set-up installs it (as root); a missing browser is a failure, not a skip
if (!NodeFs.existsSync(chromium)) {
  throw new Error(`${chromium} is missing: install it with apt-get install -y chromium (npm test does, as root)`)
}

const count = 64
// Final values: learner k ends at 0.205 + ((k * 37) % 64) / 100, all distinct (and none the late
// failure's 0.7), so the order is known.
const finalOf = (k: number) => 0.205 + ((k * 37) % count) / 100
const lone = 5 // converges at its first iteration: one point, and the best value
const failedEarly = 9 // fails at iteration 0: no value, ranked last
const failedLate = 20 // fails at iteration 2: ranked by its last value, marked

let cli: string
let dir: string
let out: string
let run: { code: number | null; stdout: string; stderr: string }

beforeAll(async () => {
  cli = await ensureCli()
  dir = tempDir("rose-report-many-")
  const metrics: Record<string, ReadonlyArray<number>> = {}
  for (let k = 0; k < count; k++) metrics[`sweep[${k}]`] = [0.9, 0.7, 0.5, finalOf(k)]
  metrics[`sweep[${lone}]`] = [0.05]
  writeProgram(
    dir,
    "many.ts",
    `export default Rose.program({
  backends: [{ kind: "dry-run", name: "dry", config: {
    duration_ms: 1,
    concurrency: 16,
    metrics: ${JSON.stringify(metrics)},
    failures: [
      { learner: "sweep[${failedEarly}]", task: "training", iteration: 0, exit_code: 3 },
      { learner: "sweep[${failedLate}]", task: "training", iteration: 2, exit_code: 4 }
    ]
  } }],
  learners: [
    Rose.active("sweep", {
      parallel: ${count},
      maxIter: 4,
      tasks: {
        simulation: Rose.exec("node ./sim.mjs", { with: { n: 100 } }),
        training: Rose.exec("node ./train.mjs", { with: { learning_rate: 0.1 } }),
        active_learn: Rose.exec("node ./active.mjs"),
        criterion: Rose.exec("node ./check.mjs")
      },
      stopWhen: { metricName: "mse", threshold: 0.1 },
      configs: Array.from({ length: ${count} }, (_, k) => ({ training: { kwargs: { learning_rate: (k + 1) / 1000 } } }))
    })
  ]
})`
  )
  out = NodePath.join(dir, "run")
  run = await rose(cli, ["run", "many.ts", "--out", out], dir)
}, 120_000)

afterAll(() => {
  NodeFs.rmSync(dir, { recursive: true, force: true })
})

// Best first: the lone converged learner, then the others by their last value (the late failure's
// is its iteration 1's, 0.7), then the one without a value.
const expectedOrder = (): ReadonlyArray<number> => {
  const valued = Array.from({ length: count }, (_, k) => k).filter((k) => k !== lone && k !== failedEarly)
  const last = (k: number) => (k === failedLate ? 0.7 : finalOf(k))
  valued.sort((a, b) => last(a) - last(b))
  return [lone, ...valued, failedEarly]
}

describe("64 learners: who won", () => {
  it("results.json ranks every learner best first, failed ones marked, with the config that differs", () => {
    assert.strictEqual(run.code, 1, run.stderr)
    const results = JSON.parse(NodeFs.readFileSync(NodePath.join(out, "results.json"), "utf8"))
    const ranking: ReadonlyArray<{
      rank: number
      learner: string
      metric: string | null
      value: number | null
      failed: boolean
      config: Record<string, unknown>
    }> = results.ranking
    assert.deepStrictEqual(
      ranking.map((r) => r.learner),
      expectedOrder().map((k) => `sweep[${k}]`)
    )
    assert.deepStrictEqual(
      ranking.map((r) => r.rank),
      ranking.map((_, i) => i + 1)
    )
    const first = ranking[0]!
    assert.deepStrictEqual(
      { metric: first.metric, value: first.value, failed: first.failed, config: first.config },
      { metric: "mse", value: 0.05, failed: false, config: { "training.learning_rate": (lone + 1) / 1000 } }
    )
    const late = ranking.find((r) => r.learner === `sweep[${failedLate}]`)!
    assert.isTrue(late.failed)
    assert.strictEqual(late.value, 0.7)
    const last = ranking.at(-1)!
    assert.deepStrictEqual({ value: last.value, failed: last.failed }, { value: null, failed: true })
  })

  it("the summary and rose status list the learners best first and name the best", async () => {
    const summary = run.stdout + run.stderr
    assert.include(
      summary,
      `best sweep[${lone}]: mse 0.05 (lower is better); training.learning_rate=${(lone + 1) / 1000}`
    )
    const rows = (text: string) =>
      text
        .split("\n")
        .map((l) => /^\s*(\d+|–)\s+(sweep\[\d+\])/.exec(l))
        .flatMap((m) => (m === null ? [] : [m[2]!]))
    const order = expectedOrder().map((k) => `sweep[${k}]`)
    assert.deepStrictEqual(rows(summary), order)
    const status = await rose(cli, ["status", out], dir)
    assert.strictEqual(status.code, 0, status.stderr)
    assert.deepStrictEqual(rows(status.stdout), order)
    assert.include(status.stdout, `best sweep[${lone}]: mse 0.05 (lower is better)`)
  })
})

describe("64 learners: the report in a browser", () => {
  it("keeps the learners apart, draws a lone point, shows failures and keeps threshold labels off the data", async () => {
    const { chromium: browserType } = await import("playwright-core")
    const browser = await browserType.launch({
      executablePath: chromium,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync"
      ]
    })
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
      await page.goto(Url.pathToFileURL(NodePath.join(out, "report.html")).href, { waitUntil: "load" })

      // Who won: the learners' table best first, and the best named above it.
      const order = await page
        .locator("table.learners tbody tr")
        .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-learner")))
      assert.deepStrictEqual(
        order,
        expectedOrder().map((k) => `sweep[${k}]`)
      )
      assert.include((await page.locator("p.best").textContent()) ?? "", `sweep[${lone}], mse 0.05 (lower is better)`)

      // 64 series in the overlay, no two of the same colour.
      const overlay = page.locator("svg.chart.overlay")
      const colors = await overlay.locator("g.series").evaluateAll((gs) => gs.map((g) => g.getAttribute("data-color")))
      assert.strictEqual(colors.length, count - 1, "every learner with a value has a series")
      assert.strictEqual(new Set(colors).size, colors.length, "two learners share a colour")
      const cardColors = await page
        .locator("svg.chart.metric")
        .evaluateAll((svgs) => svgs.map((s) => s.querySelector("g.series")?.getAttribute("data-color")))
      assert.strictEqual(new Set(cardColors.filter((c) => c != null)).size, count - 1)

      // A learner with one point shows it.
      const lonePoints = page.locator(`svg.chart.metric[data-learner="sweep[${lone}]"] .point`)
      assert.strictEqual(await lonePoints.count(), 1)
      const loneBox = await lonePoints.first().boundingBox()
      assert.isNotNull(loneBox)
      assert.isAtLeast(loneBox!.width, 6)

      // A failed learner without values says why, and where.
      const failedCard = page.locator(`svg.chart.metric[data-learner="sweep[${failedEarly}]"]`)
      const failedText = (await failedCard.locator("text.empty").textContent()) ?? ""
      assert.include(failedText, "failed: training in iteration 0")
      assert.include(failedText, "exit 3")
      assert.notInclude(failedText, "no metric values yet")
      assert.include(
        (await page.locator(`div.chart-card[data-learner="sweep[${failedLate}]"] p.failure`).textContent()) ?? "",
        "failed: training in iteration 2: exit 4"
      )

      // No threshold label overlaps a point, in any chart: it sits beside the plot.
      const overlaps = await page.locator("svg.chart").evaluateAll((svgs) =>
        svgs.flatMap((svg) => {
          const label = svg.querySelector("text.threshold-label")
          if (label === null) return []
          const a = label.getBoundingClientRect()
          const plot = svg.querySelector("rect.plot-bg")!.getBoundingClientRect()
          const hits = [...svg.querySelectorAll(".point")].filter((p) => {
            const b = p.getBoundingClientRect()
            return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom
          })
          return [{ points: hits.length, inside: a.left < plot.right }]
        })
      )
      assert.strictEqual(overlaps.length, count + 1, "a threshold label per learner's chart and the overlay")
      assert.deepStrictEqual(
        overlaps.filter((o) => o.points > 0 || o.inside),
        [],
        "a threshold label overlaps the data"
      )

      const artifacts = NodePath.join(root, "test-artifacts")
      NodeFs.mkdirSync(artifacts, { recursive: true })
      const screenshot = NodePath.join(artifacts, "report-64.png")
      await page.screenshot({ path: screenshot, fullPage: true })
      process.stdout.write(`report screenshot: ${screenshot}\n`)
      assert.isAbove(NodeFs.statSync(screenshot).size, 50_000)
      const overlayShot = NodePath.join(artifacts, "report-64-overlay.png")
      await overlay.screenshot({ path: overlayShot })
      assert.isAbove(NodeFs.statSync(overlayShot).size, 10_000)
    } finally {
      await browser.close()
    }
  }, 120_000)
})
