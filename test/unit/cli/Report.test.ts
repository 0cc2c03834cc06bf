import * as FileSystem from "@effect/platform/FileSystem"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Event from "../../../core/Event.ts"
import type * as Results from "../../../core/Results.ts"
import { colorAt } from "../../../plugins/internal/svg.ts"
import * as Report from "../../../plugins/Report.ts"
import { manifestOf, resultsOf, smallRun } from "./fixtures.ts"

const input = (overrides: Partial<Report.Input> = {}): Report.Input => ({
  run: manifestOf,
  events: smallRun().events,
  results: resultsOf,
  tornLine: false,
  ...overrides
})

const count = (html: string, pattern: RegExp) => (html.match(pattern) ?? []).length

describe("Report", () => {
  it("has an SVG plot per learner with its threshold line, an overlay, a timeline and the configs", () => {
    const html = Report.render(input())
    assert.strictEqual(count(html, /<svg class="chart metric" data-learner="sweep\[\d\]"/g), 2)
    assert.strictEqual(count(html, /<svg class="chart overlay"/g), 1)
    assert.strictEqual(count(html, /<svg class="chart timeline"/g), 1)
    assert.strictEqual(count(html, /<line class="threshold"/g), 3)
    assert.strictEqual(count(html, /<table class="configs" data-learner=/g), 2)
    assert.include(html, "n=10")
    assert.include(html, "failed")
    assert.include(html, "exited with code 3")
  })

  it("links a failed task to its .err and .out files, relative to report.html", () => {
    const html = Report.render(input())
    assert.include(html, 'href="learners/sweep-1/iter-1/training.err"')
    assert.include(html, 'href="learners/sweep-1/iter-1/training.out"')
    const second = {
      ...resultsOf,
      learners: resultsOf.learners.map((l) =>
        l.failure === null ? l : { ...l, failure: { ...l.failure, attempt: 2 } }
      )
    }
    assert.include(Report.render(input({ results: second })), 'href="learners/sweep-1/iter-1/training.err.2"')
    const inProcess = {
      ...resultsOf,
      learners: resultsOf.learners.map((l) =>
        l.failure === null ? l : { ...l, failure: { ...l.failure, tag: "TaskFunctionError" } }
      )
    }
    assert.notInclude(Report.render(input({ results: inProcess, events: [] })), "href=")
  })

  it("is self-contained: no script, no stylesheet or image fetched, text escaped", () => {
    const html = Report.render(input())
    assert.notMatch(html, /<script/i)
    assert.notMatch(html, /<link /i)
    assert.notMatch(html, /\bsrc=/i)
    // the only links lead to a failed task's log files, in the run directory beside the report
    for (const href of html.match(/\bhref="[^"]*"/gi) ?? []) assert.match(href, /^href="learners\//)
    assert.notMatch(html, /url\(/i)
    assert.include(html, "&lt;script&gt;alert(1)&lt;/script&gt;")
    const urls = html.match(/https?:\/\/[^"'\s<]+/g) ?? []
    assert.deepStrictEqual([...new Set(urls)], ["http://www.w3.org/2000/svg"])
  })

  it("ranks a selector's algorithms, marking the winner", () => {
    const selection = {
      pick: {
        metric: "mse",
        operator: "<",
        direction: "minimize" as const,
        ranking: [
          {
            rank: 1,
            learner: "pick",
            index: 0,
            algorithm: "uncertainty",
            task: "active_learn.uncertainty",
            stopReason: "criterion_met" as const,
            converged: true,
            iterations: 6,
            final: 0.019,
            eligible: true
          },
          {
            rank: 2,
            learner: "pick",
            index: 1,
            algorithm: "random",
            task: "active_learn.random",
            stopReason: "max_iter" as const,
            converged: false,
            iterations: 10,
            final: 0.027,
            eligible: true
          }
        ],
        winner: { learner: "pick", index: 0, algorithm: "uncertainty" }
      }
    }
    const html = Report.render(input({ results: { ...resultsOf, selection } }))
    assert.include(html, "<h2>Algorithm selection</h2>")
    assert.include(html, "winner: <b>uncertainty</b>")
    assert.strictEqual(count(html, /<tr class="winner">/g), 1)
    assert.notInclude(Report.render(input()), "Algorithm selection")
  })

  it("draws a run that is still going (no results.json, a torn journal)", () => {
    const events = smallRun({ finished: false }).events.slice(0, 6)
    const html = Report.render(input({ events, results: undefined, tornLine: true }))
    assert.include(html, "no results.json yet")
    assert.include(html, "last line was incomplete")
    assert.strictEqual(count(html, /<svg class="chart metric"/g), 2)
    assert.include(html, "did not finish")
  })

  it("lists the learners best first with the config that differs, and names the best", () => {
    const ranking: Results.Results["ranking"] = [
      {
        rank: 1,
        learner: "sweep[1]",
        name: "sweep",
        index: 1,
        metric: "mse",
        operator: "<",
        value: 0.5,
        failed: true,
        iterations: 1,
        tasks: 6,
        config: { "training.n": 20 }
      },
      {
        rank: 2,
        learner: "sweep[0]",
        name: "sweep",
        index: 0,
        metric: "mse",
        operator: "<",
        value: 0.9,
        failed: false,
        config: { "training.n": 10 }
      }
    ]
    const html = Report.render(input({ results: { ...resultsOf, ranking } }))
    const rows = [...html.matchAll(/<tr data-learner="([^"]+)"( class="failed")?><td class="num">(\d+)<\/td>/g)].map(
      (m) => [m[1], m[3], m[2] !== undefined]
    )
    assert.deepStrictEqual(rows, [
      ["sweep[1]", "1", true],
      ["sweep[0]", "2", false]
    ])
    assert.include(html, "<code>training.n=20</code>")
    // Iterations and tasks spent: the ranking's when it has them, else counted from the journal.
    const spent = [
      ...html.matchAll(
        /<tr data-learner="([^"]+)"[^>]*>(?:<td[^>]*>.*?<\/td>){3}<td class="num">(\d+)[^<]*<\/td><td class="num">(\d+)<\/td>/g
      )
    ].map((m) => [m[1], m[2], m[3]])
    assert.deepStrictEqual(spent[0], ["sweep[1]", "1", "6"])
    assert.strictEqual(spent[1]![0], "sweep[0]")
    assert.match(
      html,
      /Best: <b>sweep\[1\]<\/b>, mse 0\.5 <span class="muted">\(lower is better\)<\/span> <span class="badge r-error">failed<\/span>/
    )
  })

  it("says why a failed learner has no values, where the empty message was", () => {
    const learners = resultsOf.learners.map((l) =>
      l.index === 1 ? { ...l, metric: { ...l.metric!, history: [] } } : l
    )
    const html = Report.render(input({ events: [], results: { ...resultsOf, learners } }))
    const card = /<svg class="chart metric" data-learner="sweep\[1\]".*?<\/svg>/s.exec(html)![0]
    assert.include(card, "failed: training in iteration 1")
    assert.include(card, "exit 3: boom")
    assert.notInclude(card, "no metric values yet")
  })

  it("keeps the threshold label beside the plot, a lone point large, and up to 64 colours apart", () => {
    const learners = resultsOf.learners.map((l) =>
      l.index === 0 ? { ...l, metric: { ...l.metric!, history: [0.4] } } : l
    )
    const html = Report.render(input({ events: [], results: { ...resultsOf, learners } }))
    const card = /<svg class="chart metric" data-learner="sweep\[0\]".*?<\/svg>/s.exec(html)![0]
    const plot = /<rect class="plot-bg" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/.exec(card)!
    const label = /<text class="threshold-label" x="([\d.]+)"/.exec(card)!
    assert.isAbove(Number(label[1]), Number(plot[1]) + Number(plot[2]), "the label starts inside the plot")
    assert.match(card, /<circle class="point" data-shape="circle" fill="[^"]+" cx="[\d.]+" cy="[\d.]+" r="5">/)
    const colors = Array.from({ length: 64 }, (_, i) => colorAt(i, 64))
    assert.strictEqual(new Set(colors).size, 64)
    for (const c of colors) assert.match(c, /^#[0-9a-f]{6}$/)
  })

  it.scoped("writes report.html from a run directory, and says what is missing", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped({ prefix: "rose-report-" })
      yield* fs.writeFileString(`${dir}/run.json`, JSON.stringify(input().run))
      yield* fs.writeFileString(`${dir}/events.jsonl`, `${smallRun().events.map(Event.toJsonLine).join("\n")}\n`)
      yield* fs.writeFileString(`${dir}/results.json`, JSON.stringify(resultsOf))
      const path = yield* Report.write(dir)
      assert.strictEqual(path, `${dir}/report.html`)
      const html = yield* fs.readFileString(path)
      assert.include(html, "<title>rose run run-1</title>")
      const missing = yield* Effect.flip(Report.write(`${dir}/nope`))
      assert.include(missing.message, "no such directory")
      yield* fs.writeFileString(`${dir}/run.json`, JSON.stringify({ ...manifestOf, runId: 7 }))
      const damaged = yield* Effect.flip(Report.write(dir))
      assert.strictEqual(
        damaged.message,
        `cannot make the report of ${dir}: ${dir}/run.json: field runId: Expected string, actual 7`
      )
      yield* fs.remove(`${dir}/run.json`)
      assert.strictEqual(yield* Report.write(dir), `${dir}/report.html`, "a run without run.json has a report")
    }).pipe(Effect.provide(NodeContext.layer))
  )
})
