/**
 * How long the editor waits for diagnostics after a one-character change to a 1,000-learner file
 * (the `sections` shape of `dsl.ts`: one block, a section per learner, 6,000 lines). Two figures:
 * `analysis`, the language service's work per change (parse, check, diagnostics as the protocol
 * has them; the built modules), median of warm runs; and `round trip`, from writing a
 * `didChange` to `rose lsp` (the built CLI) until its `publishDiagnostics` for that version arrives,
 * which adds the server's debounce and the protocol. The changes type a digit into a value of
 * learner 500's section and delete it again, in turn: every text differs from the last, and
 * everything after the edit moves by one offset. Goal (issue 18):
 * under 100 ms. Run: `node --import tsx bench/lsp.ts [learners] [runs]`.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as Path from "node:path"
import * as Url from "node:url"
import type * as LanguageServiceModule from "../dsl/LanguageService.ts"
import { start } from "../test/integration/support/lspClient.ts"
import { generate } from "./dsl.ts"

const root = Path.resolve(Path.dirname(Url.fileURLToPath(import.meta.url)), "..")

const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

/** Successive one-character edits: a digit typed into learner 500's section, then deleted. */
const edits = (text: string, runs: number) => {
  const anchor = text.indexOf(`learner ${Math.floor(text.split("learner ").length / 2)} {`)
  const at = text.indexOf("learning_rate: ", anchor) + "learning_rate: ".length
  const line = text.slice(0, at).split("\n").length - 1
  const character = at - (text.lastIndexOf("\n", at - 1) + 1)
  const typed = `${text.slice(0, at)}5${text.slice(at)}`
  return Array.from({ length: runs }, (_, k) =>
    k % 2 === 0
      ? { text: typed, insert: "5", line, character, length: 0 }
      : { text, insert: "", line, character, length: 1 }
  )
}

export const runLspBench = async (learners = 1000, runs = 15) => {
  const LanguageService = (await import(
    Url.pathToFileURL(Path.join(root, "dist/dsl/LanguageService.js")).href
  )) as typeof LanguageServiceModule
  const text = generate("sections", learners)
  const changes = edits(text, runs + 1)

  // the language service alone
  const environment = { file: "/bench/sweep.rose" }
  let last = LanguageService.analyze(text, environment)
  const analysis: Array<number> = []
  const analysisCpu: Array<number> = []
  const fresh: Array<number> = []
  const freshCpu: Array<number> = []
  const cpuMs = (since: NodeJS.CpuUsage) => {
    const used = process.cpuUsage(since)
    return (used.user + used.system) / 1000
  }
  for (const change of changes) {
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    last = LanguageService.analyze(change.text, environment, last)
    const d = LanguageService.diagnostics(last)
    analysis.push(performance.now() - t0)
    analysisCpu.push(cpuMs(c0))
    const c1 = process.cpuUsage()
    const t1 = performance.now()
    LanguageService.diagnostics(LanguageService.analyze(change.text, environment))
    fresh.push(performance.now() - t1)
    freshCpu.push(cpuMs(c1))
    if (d.length > 0) throw new Error(`the generated file has diagnostics: ${JSON.stringify(d[0])}`)
  }
  for (const xs of [analysis, analysisCpu, fresh, freshCpu]) xs.shift() // warm-up

  // through rose lsp
  const cli = Path.join(root, "dist/bin/rose.js")
  if (!fs.existsSync(cli)) throw new Error("dist/bin/rose.js is missing: run npm run build")
  const dir = fs.mkdtempSync(Path.join(os.tmpdir(), "rose-lsp-bench-"))
  fs.mkdirSync(Path.join(dir, "tasks"))
  for (const script of ["sim", "train", "active", "check_mse"])
    fs.writeFileSync(Path.join(dir, "tasks", `${script}.mjs`), "")
  const uri = Url.pathToFileURL(Path.join(dir, "sweep.rose")).href
  const client = start(process.execPath, [cli, "lsp"], { cwd: dir })
  const roundTrip: Array<number> = []
  try {
    await client.request("initialize", { processId: process.pid, rootUri: null, capabilities: {} })
    client.notify("initialized", {})
    client.notify("textDocument/didOpen", { textDocument: { uri, languageId: "rose", version: 1, text } })
    await client.waitFor("textDocument/publishDiagnostics", (p) => p.version === 1, 120_000)
    let version = 1
    for (const change of changes) {
      version++
      const v = version
      const range = {
        start: { line: change.line, character: change.character },
        end: { line: change.line, character: change.character + change.length }
      }
      const t0 = performance.now()
      client.notify("textDocument/didChange", {
        textDocument: { uri, version: v },
        contentChanges: [{ range, text: change.insert }]
      })
      const published = await client.waitFor("textDocument/publishDiagnostics", (p) => p.version === v, 120_000)
      roundTrip.push(performance.now() - t0)
      if (published.diagnostics.length > 0) throw new Error(`diagnostics after a change: ${JSON.stringify(published)}`)
    }
    roundTrip.shift()
    await client.request("shutdown", null)
    client.notify("exit", null)
    await client.exited
  } finally {
    if (client.child.exitCode === null) client.child.kill("SIGKILL")
    fs.rmSync(dir, { recursive: true, force: true })
  }
  return {
    learners,
    lines: text.split("\n").length - 1,
    runs,
    analysisMs: median(analysis),
    analysisBestMs: Math.min(...analysis),
    analysisCpuMs: median(analysisCpu),
    freshMs: median(fresh),
    freshBestMs: Math.min(...fresh),
    freshCpuMs: median(freshCpu),
    roundTripMs: median(roundTrip),
    roundTripBestMs: Math.min(...roundTrip)
  }
}

export const formatLspBench = (r: Awaited<ReturnType<typeof runLspBench>>): string => {
  const f = (x: number) => x.toFixed(1)
  return [
    "| learners | lines | changes | what | wall ms (median) | wall ms (best) | CPU ms (median) |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    `| ${r.learners} | ${r.lines} | ${r.runs} | analysis, incremental (after the previous version) | ${f(r.analysisMs)} | ${f(r.analysisBestMs)} | ${f(r.analysisCpuMs)} |`,
    `| ${r.learners} | ${r.lines} | ${r.runs} | analysis from scratch (for comparison) | ${f(r.freshMs)} | ${f(r.freshBestMs)} | ${f(r.freshCpuMs)} |`,
    `| ${r.learners} | ${r.lines} | ${r.runs} | round trip through rose lsp (didChange → publishDiagnostics, 50 ms debounce included) | ${f(r.roundTripMs)} | ${f(r.roundTripBestMs)} | |`,
    "",
    `machine: ${os.cpus().length} CPUs, load average ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}, node ${process.version}`
  ].join("\n")
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [learners, runs] = process.argv.slice(2).map(Number)
  console.log(formatLspBench(await runLspBench(learners || 1000, runs || 15)))
}
