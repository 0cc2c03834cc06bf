/**
 * `rose lsp` as an editor drives it: the built CLI over stdio with Content-Length framing.
 * initialize; didOpen a file with two mistakes (diagnostics with the codes and ranges `rose check
 * --format json` gives); didChange fixing one with a one-character edit (one diagnostic left), then
 * the other; completion inside a learner section (the block's bound tasks) and after `stop when`
 * (metrics with their direction); hover on an adaptive entry (the commands `rose plan` computes at
 * iterations 0, 1, 2 and the last); formatting (the edit gives what `rose fmt` writes);
 * definition of a `let`; document symbols; shutdown and exit (code 0). Nothing but protocol on
 * stdout.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import * as Url from "node:url"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { type LspClient, start } from "../support/lspClient.ts"
import { ensureCli, rose, tempDir } from "./helpers.ts"

let cli: string
let dir: string
let client: LspClient

// Two mistakes: an unknown task `trainng` (E222) and an unknown name `bse` (E250). The `=` of the
// bindings are not aligned, so formatting has something to do.
const broken = `let base = 100

active "sweep" {
  parallel 2
  max_iter 10
  training = exec "node ./t.mjs" with { n: base, lr: 0.1 }
  active_learn = exec "node ./a.mjs"
  criterion = exec "node ./c.mjs"
  stop when mean_squared_error_mse 0.01
  learner 0 {
    training { noise: 0.1 * 0.5 ** i, n: bse + i * 10 }
  }
  learner 1 { trainng { lr: 0.05 } }
}
`

const positionOf = (text: string, needle: string, delta = 0) => {
  const offset = text.indexOf(needle) + delta
  assert.isAtLeast(offset, delta, needle)
  const before = text.slice(0, offset).split("\n")
  return { line: before.length - 1, character: before[before.length - 1]!.length }
}

const applyEdits = (text: string, edits: ReadonlyArray<{ range: any; newText: string }>): string => {
  const offsetOf = (p: { line: number; character: number }) => {
    const lines = text.split("\n")
    return lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character
  }
  return [...edits]
    .sort((a, b) => offsetOf(b.range.start) - offsetOf(a.range.start))
    .reduce((t, e) => t.slice(0, offsetOf(e.range.start)) + e.newText + t.slice(offsetOf(e.range.end)), text)
}

const checkJson = async (name: string, text: string) => {
  NodeFs.writeFileSync(NodePath.join(dir, name), text)
  const r = await rose(cli, ["check", name, "--format", "json"], dir)
  return JSON.parse(r.stdout)[0].diagnostics as ReadonlyArray<Record<string, any>>
}

beforeAll(async () => {
  cli = await ensureCli()
  dir = tempDir("rose-lsp-")
  for (const script of ["t.mjs", "a.mjs", "c.mjs"]) NodeFs.writeFileSync(NodePath.join(dir, script), "")
  client = start(process.execPath, [cli, "lsp", "--stdio"], { cwd: dir })
})

afterAll(() => {
  if (client.child.exitCode === null) client.child.kill("SIGKILL")
  NodeFs.rmSync(dir, { recursive: true, force: true })
})

describe("rose lsp", () => {
  it("answers an editor's session over stdio", { timeout: 120_000 }, async () => {
    const uri = Url.pathToFileURL(NodePath.join(dir, "sweep.rose")).href
    const init = await client.request("initialize", { processId: process.pid, rootUri: null, capabilities: {} })
    assert.strictEqual(init.capabilities.textDocumentSync.change, 2)
    for (const p of ["hoverProvider", "definitionProvider", "documentSymbolProvider", "documentFormattingProvider"]) {
      assert.isTrue(init.capabilities[p], p)
    }
    client.notify("initialized", {})

    // open: both mistakes, with the codes and ranges rose check gives
    client.notify("textDocument/didOpen", { textDocument: { uri, languageId: "rose", version: 1, text: broken } })
    const opened = await client.waitFor("textDocument/publishDiagnostics", (p) => p.uri === uri && p.version === 1)
    const expected = await checkJson("broken.rose", broken)
    assert.deepStrictEqual(
      opened.diagnostics.map((d: any) => d.code),
      ["E250", "E222"]
    )
    assert.deepStrictEqual(
      opened.diagnostics.map((d: any) => [d.code, d.range, d.severity, d.message]),
      expected.map((d) => [
        d.code,
        {
          start: { line: d.line - 1, character: d.column - 1 },
          end: { line: d.endLine - 1, character: d.endColumn - 1 }
        },
        d.severity === "error" ? 1 : 2,
        d.message
      ])
    )
    assert.deepStrictEqual(opened.diagnostics[1].range.start, positionOf(broken, "trainng"))

    // a one-character change fixes one: trainng → training
    const fixedOne = broken.replace("trainng", "training")
    const at = positionOf(broken, "trainng", 5)
    client.notify("textDocument/didChange", {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: at, end: at }, text: "i" }]
    })
    const changed = await client.waitFor("textDocument/publishDiagnostics", (p) => p.uri === uri && p.version === 2)
    assert.deepStrictEqual(
      changed.diagnostics.map((d: any) => [d.code, d.range.start]),
      [["E250", positionOf(fixedOne, "bse")]]
    )

    // and another fixes the second: bse → base
    const fixed = fixedOne.replace("bse", "base")
    const b = positionOf(fixedOne, "bse", 1)
    client.notify("textDocument/didChange", {
      textDocument: { uri, version: 3 },
      contentChanges: [{ range: { start: b, end: b }, text: "a" }]
    })
    const clean = await client.waitFor("textDocument/publishDiagnostics", (p) => p.uri === uri && p.version === 3)
    assert.deepStrictEqual(clean.diagnostics, [])
    assert.deepStrictEqual(await checkJson("fixed.rose", fixed), [])

    // completion inside a learner section: the block's bound tasks
    const inSection = await client.request("textDocument/completion", {
      textDocument: { uri },
      position: positionOf(fixed, "learner 1 { ", "learner 1 { ".length)
    })
    const sectionLabels = inSection.map((i: any) => i.label).sort()
    assert.deepStrictEqual(sectionLabels, ["active_learn", "criterion", "training"])
    // a prefix filters them
    const typed = await client.request("textDocument/completion", {
      textDocument: { uri },
      position: positionOf(fixed, "learner 1 { tr", "learner 1 { tr".length)
    })
    assert.deepStrictEqual(
      typed.map((i: any) => i.label),
      ["training"]
    )
    // after `stop when`: metrics with their direction
    const metrics = await client.request("textDocument/completion", {
      textDocument: { uri },
      position: positionOf(fixed, "stop when ", "stop when ".length)
    })
    const mse = metrics.find((i: any) => i.label === "mean_squared_error_mse")
    assert.include(mse.detail, "lower is better")
    assert.include(metrics.find((i: any) => i.label === "f1_score").detail, "higher is better")

    // hover on the adaptive entry: the commands rose plan computes at iterations 0, 1, 2 and 9
    const hover = await client.request("textDocument/hover", {
      textDocument: { uri },
      position: positionOf(fixed, "training { noise", 2)
    })
    const text: string = hover.contents.value
    const plan = await rose(cli, ["plan", "fixed.rose", "--format", "json"], dir)
    const rows = JSON.parse(plan.stdout).rows.filter(
      (r: any) => r.learner.name === "sweep" && r.learner.index === 0 && r.task === "training"
    )
    assert.strictEqual(rows.length, 10)
    for (const k of [0, 1, 2, 9]) assert.include(text, rows[k].command, `iteration ${k}`)
    for (const k of [3, 4, 8]) assert.notInclude(text, rows[k].command, `iteration ${k}`)
    assert.include(text, "sweep[0]")
    assert.include(text, "adaptive")
    assert.include(text, JSON.stringify(rows[2].kwargs))
    assert.include(rows[2].command, "--noise 0.025")

    // hover on a metric: its direction and operator
    const metricHover = await client.request("textDocument/hover", {
      textDocument: { uri },
      position: positionOf(fixed, "mean_squared_error_mse 0.01", 3)
    })
    assert.include(metricHover.contents.value, "lower is better")
    assert.include(metricHover.contents.value, "mean_squared_error_mse < 0.1")

    // formatting: the edit gives what rose fmt writes
    const edits = await client.request("textDocument/formatting", {
      textDocument: { uri },
      options: { tabSize: 2, insertSpaces: true }
    })
    NodeFs.writeFileSync(NodePath.join(dir, "fmt.rose"), fixed)
    assert.strictEqual((await rose(cli, ["fmt", "fmt.rose"], dir)).code, 0)
    const formatted = NodeFs.readFileSync(NodePath.join(dir, "fmt.rose"), "utf8")
    assert.notStrictEqual(formatted, fixed)
    assert.strictEqual(applyEdits(fixed, edits), formatted)

    // definition of a let, from its use in a with
    const definition = await client.request("textDocument/definition", {
      textDocument: { uri },
      position: positionOf(fixed, "n: base,", 4)
    })
    assert.strictEqual(definition.uri, uri)
    assert.deepStrictEqual(definition.range, {
      start: positionOf(fixed, "base = 100"),
      end: positionOf(fixed, " = 100")
    })
    // and of a task, from a section entry
    const task = await client.request("textDocument/definition", {
      textDocument: { uri },
      position: positionOf(fixed, "training { lr", 1)
    })
    assert.deepStrictEqual(task.range.start, positionOf(fixed, "training = exec"))

    // document symbols: the let, the block with its tasks and sections
    const symbols = await client.request("textDocument/documentSymbol", { textDocument: { uri } })
    assert.deepStrictEqual(
      symbols.map((s: any) => s.name),
      ["base", "sweep"]
    )
    assert.deepStrictEqual(
      symbols[1].children.map((s: any) => s.name),
      ["training", "active_learn", "criterion", "learner 0", "learner 1"]
    )
    assert.deepStrictEqual(
      symbols[1].children[3].children.map((s: any) => s.name),
      ["training"]
    )

    // shutdown and exit
    assert.isNull(await client.request("shutdown", null))
    client.notify("exit", null)
    assert.strictEqual(await client.exited, 0)
    assert.deepStrictEqual(client.protocolErrors(), [])
  })
})
