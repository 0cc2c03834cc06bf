/**
 * The report of a real run, opened in headless Chromium (Debian's `chromium`, driven by
 * playwright-core): its plots render, one SVG per learner plus the overlay and the timeline, and the
 * page fetches nothing from the network. A screenshot is kept as a CI artifact.
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

let cli: string
let dir: string

beforeAll(async () => {
  cli = await ensureCli()
  dir = tempDir("rose-report-")
  writeProgram(
    dir,
    "report.ts",
    `export default Rose.program({
  backends: [{ kind: "dry-run", name: "dry", config: {
    duration_ms: 30,
    metrics: { "sweep[0]": [0.9, 0.6, 0.4, 0.25, 0.12, 0.08], "sweep[1]": [0.8, 0.7, 0.65, 0.6, 0.55, 0.5, 0.45, 0.4] },
    failures: [{ learner: "sweep[2]", task: "training", iteration: 3, exit_code: 2 }]
  } }],
  learners: [
    Rose.active("sweep", {
      parallel: 3,
      maxIter: 8,
      tasks: {
        simulation: Rose.exec("node ./sim.mjs --n_labeled {n}", { with: { n: 100 } }),
        training: Rose.exec("node ./train.mjs", { with: { learning_rate: 0.1 } }),
        active_learn: Rose.exec("node ./active.mjs"),
        criterion: Rose.exec("node ./check.mjs")
      },
      stopWhen: { metricName: "mse", threshold: 0.1 },
      configs: [{ simulation: { kwargs: { n: 200 } } }, null, { training: { 0: { kwargs: { learning_rate: 0.5 } } } }]
    })
  ]
})`
  )
})

afterAll(() => {
  NodeFs.rmSync(dir, { recursive: true, force: true })
})

describe("report.html in a browser", () => {
  it("renders a plot per learner, the overlay and the timeline, offline", async () => {
    const out = NodePath.join(dir, "run")
    const r = await rose(cli, ["run", "report.ts", "--out", out], dir)
    assert.strictEqual(r.code, 1, r.stderr)
    const report = NodePath.join(out, "report.html")
    // playwright-core starts it with a new empty profile of its own (its --user-data-dir).
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
      const requests: Array<string> = []
      page.on("request", (req) => requests.push(req.url()))
      await page.goto(Url.pathToFileURL(report).href, { waitUntil: "load" })
      for (const k of [0, 1, 2]) {
        const svg = page.locator(`svg.chart.metric[data-learner="sweep[${k}]"]`)
        assert.strictEqual(await svg.count(), 1, `no plot for sweep[${k}]`)
        const box = await svg.boundingBox()
        assert.isNotNull(box)
        assert.isAbove(box!.width, 200)
        assert.isAbove(box!.height, 100)
        assert.strictEqual(await svg.locator("path.line").count(), 1)
        assert.strictEqual(await svg.locator("line.threshold").count(), 1)
        assert.isAbove(await svg.locator("circle.point").count(), 1)
      }
      const overlay = page.locator("svg.chart.overlay")
      assert.strictEqual(await overlay.count(), 1)
      assert.strictEqual(await overlay.locator("g.series").count(), 3)
      assert.isAbove(await page.locator("svg.chart.timeline rect.bar").count(), 20)
      assert.strictEqual(await page.locator("svg.chart.timeline rect.bar.failed").count(), 1)
      assert.strictEqual(await page.locator("table.configs").count(), 3)
      assert.include((await page.locator("table.configs").first().textContent()) ?? "", "n=200")
      assert.include((await page.locator("h1").textContent()) ?? "", "failed")
      assert.deepStrictEqual(
        requests.filter((u) => !u.startsWith("file:")),
        [],
        "the report fetched something from the network"
      )
      const artifacts = NodePath.join(root, "test-artifacts")
      NodeFs.mkdirSync(artifacts, { recursive: true })
      const screenshot = NodePath.join(artifacts, "report.png")
      await page.screenshot({ path: screenshot, fullPage: true })
      process.stdout.write(`report screenshot: ${screenshot}\n`)
      assert.isAbove(NodeFs.statSync(screenshot).size, 10_000)
    } finally {
      await browser.close()
    }
  })
})
