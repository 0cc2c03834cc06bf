/**
 * The shape of the tree. The imports of every source file of the library, the runtime layer and the
 * CLI (tests aside) form no cycle and go only where the layering allows: `core` imports nothing
 * outside `core`; `dsl` and `backends` import only `core` (and themselves); nothing imports `cli`;
 * library code (`core`, `dsl`, `backends`, `plugins`) imports neither a Node built-in nor `runtime/`.
 * And no hand-written source file, tests included, is over 500 lines (`dsl/generated/` and
 * `runtime/generated/` are generated).
 *
 * Type-only imports count: a cycle of types is still two modules that cannot be read apart. Every
 * finding is listed in one failure. The walker is first proved on a small planted tree.
 */
import * as Fs from "node:fs"
import { builtinModules } from "node:module"
import * as Os from "node:os"
import * as Path from "node:path"
import { assert, describe, it } from "@effect/vitest"

const root = Path.resolve(import.meta.dirname, "../..")

/** The folders (and root files) whose imports are walked. */
const walked = ["core", "dsl", "backends", "plugins", "runtime", "cli", "testing", "index.ts"]
const library = new Set(["core", "dsl", "backends", "plugins"])
const maxLines = 500
const sourceFile = /\.(?:ts|mts|cts|tsx|js|mjs|cjs)$/
const testFile = /\.test\.(?:ts|mts|cts|tsx|js|mjs|cjs)$/
/** Folders never read: dependencies, build output, runs and scratch space. */
const skipped = new Set(["node_modules", "dist", "runs", ".tmp", ".git", "test-artifacts"])
const generated = ["dsl/generated/", "runtime/generated/", "bench/out/"]

// --- reading imports -----------------------------------------------------------------------------

/**
 * The source with comments removed and the text of template literals blanked (line breaks kept, so
 * positions keep their line), quoted strings kept: what is left of an import is real code.
 */
const codeOnly = (text: string): string => {
  let out = ""
  let at = 0
  // the brace depth at which each open template literal's `${` started
  const templates: Array<number> = []
  let depth = 0
  let last = "" // the last significant character of code, to tell a regex literal from a division
  const blank = (s: string) => s.replace(/[^\n]/g, " ")
  while (at < text.length) {
    const c = text[at]!
    const next = text[at + 1]
    if (c === "/" && next === "/") {
      const end = text.indexOf("\n", at)
      at = end < 0 ? text.length : end
    } else if (c === "/" && next === "*") {
      const end = text.indexOf("*/", at + 2)
      const stop = end < 0 ? text.length : end + 2
      out += blank(text.slice(at, stop))
      at = stop
    } else if (c === "'" || c === '"') {
      let end = at + 1
      while (end < text.length && text[end] !== c && text[end] !== "\n") end += text[end] === "\\" ? 2 : 1
      out += text.slice(at, end + 1)
      at = end + 1
      last = c
    } else if (c === "`" || (c === "}" && templates.at(-1) === depth)) {
      if (c === "}") templates.pop()
      let end = at + 1
      while (end < text.length && text[end] !== "`" && !(text[end] === "$" && text[end + 1] === "{")) {
        end += text[end] === "\\" ? 2 : 1
      }
      out += `${c}${blank(text.slice(at + 1, end))}`
      if (text[end] === "$") {
        templates.push(depth)
        out += "${"
        at = end + 2
      } else {
        out += "`"
        at = end + 1
      }
      last = "`"
    } else if (c === "/" && (last === "" || "(,=:[!&|?{};+-*%<>~^".includes(last))) {
      let end = at + 1
      let inClass = false
      while (end < text.length && text[end] !== "\n" && (inClass || text[end] !== "/")) {
        if (text[end] === "[") inClass = true
        else if (text[end] === "]") inClass = false
        end += text[end] === "\\" ? 2 : 1
      }
      out += blank(text.slice(at, end + 1))
      at = end + 1
      last = "/"
    } else {
      if (c === "{") depth++
      else if (c === "}") depth--
      if (!/\s/.test(c)) last = c
      out += c
      at++
    }
  }
  return out
}

interface Import {
  readonly specifier: string
  readonly line: number
}

const importPatterns = [
  // import … from "x", import type … from "x", export … from "x", export type * from "x"
  /(?:^|[;}\n])[ \t]*(?:import|export)\s+(?:type\s+)?(?:[\w$]+\s*,\s*)?(?:\*\s*(?:as\s+[\w$]+\s*)?|\{[^}]*\}\s*|[\w$]+\s+)from\s*(["'])([^"'\n]+)\1/g,
  // import "x"
  /(?:^|[;}\n])[ \t]*import\s*(["'])([^"'\n]+)\1/g,
  // import("x"), typeof import("x")
  /\bimport\s*\(\s*(["'])([^"'\n]+)\1\s*\)/g
]

const importsOf = (text: string): ReadonlyArray<Import> => {
  const code = codeOnly(text)
  const found: Array<Import> = []
  for (const pattern of importPatterns) {
    for (const m of code.matchAll(pattern)) {
      const at = m.index + m[0].lastIndexOf(m[1]! + m[2]!)
      found.push({ specifier: m[2]!, line: code.slice(0, at).split("\n").length })
    }
  }
  return found.sort((a, b) => a.line - b.line)
}

// --- the walk ------------------------------------------------------------------------------------

const filesUnder = (base: string, dir: string): ReadonlyArray<string> => {
  const full = Path.join(base, dir)
  if (!Fs.existsSync(full)) return []
  if (Fs.statSync(full).isFile()) return sourceFile.test(dir) ? [dir] : []
  return Fs.readdirSync(full, { withFileTypes: true })
    .filter((e) => !skipped.has(e.name) && !e.name.startsWith(".scratch"))
    .flatMap((e) => filesUnder(base, dir === "" ? e.name : `${dir}/${e.name}`))
}

const layerOf = (file: string): string => (file.includes("/") ? file.slice(0, file.indexOf("/")) : file)

const isNodeBuiltin = (specifier: string): boolean =>
  specifier.startsWith("node:") || builtinModules.includes(specifier.split("/")[0]!)

const resolve = (base: string, from: string, specifier: string): string | undefined => {
  const target = Path.join(Path.dirname(from), specifier)
  const candidates = [target, target.replace(/\.js$/, ".ts"), `${target}.ts`, `${target}/index.ts`]
  return candidates.find((c) => Fs.existsSync(Path.join(base, c)) && Fs.statSync(Path.join(base, c)).isFile())
}

/** Why an import from one layer into another is not allowed, if it is not. */
const forbidden = (from: string, to: string): string | undefined => {
  if (from === to) return undefined
  if (to === "cli") return "nothing imports cli"
  if (from === "core") return "core imports only core"
  if (from === "dsl" || from === "backends") return to === "core" ? undefined : `${from} imports only core`
  if (library.has(from) && to === "runtime") return "library code does not import runtime/"
  return undefined
}

interface Findings {
  readonly cycles: ReadonlyArray<string>
  readonly forbidden: ReadonlyArray<string>
  readonly unresolved: ReadonlyArray<string>
  readonly long: ReadonlyArray<string>
}

/** Strongly connected components of more than one file (or a file importing itself). */
const cyclesOf = (graph: ReadonlyMap<string, ReadonlyArray<string>>): ReadonlyArray<string> => {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: Array<string> = []
  const onStack = new Set<string>()
  const components: Array<ReadonlyArray<string>> = []
  const visit = (node: string) => {
    index.set(node, index.size)
    low.set(node, index.get(node)!)
    stack.push(node)
    onStack.add(node)
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next)
        low.set(node, Math.min(low.get(node)!, low.get(next)!))
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!))
    }
    if (low.get(node) === index.get(node)) {
      const component: Array<string> = []
      let member: string
      do {
        member = stack.pop()!
        onStack.delete(member)
        component.push(member)
      } while (member !== node)
      components.push(component.sort())
    }
  }
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node)
  return components
    .filter((c) => c.length > 1 || (graph.get(c[0]!) ?? []).includes(c[0]!))
    .map((component) => {
      // the shortest cycle through the component's first file, for the message
      const inside = new Set(component)
      const start = component[0]!
      const previous = new Map<string, string>()
      const queue = [start]
      let closing: string | undefined
      while (queue.length > 0 && closing === undefined) {
        const node = queue.shift()!
        for (const next of graph.get(node) ?? []) {
          if (next === start) {
            closing = node
            break
          }
          if (inside.has(next) && !previous.has(next)) {
            previous.set(next, node)
            queue.push(next)
          }
        }
      }
      const path = [start]
      for (let node = closing!; node !== start; node = previous.get(node)!) path.splice(1, 0, node)
      const cycle = [...path, start].join(" → ")
      return component.length === path.length ? cycle : `${cycle} (one cycle among ${component.join(", ")})`
    })
}

/** Checks the tree under `base`. */
const check = (base: string): Findings => {
  const sources = walked.flatMap((dir) => filesUnder(base, dir)).filter((f) => !testFile.test(f))
  const graph = new Map<string, Array<string>>()
  const forbiddenImports: Array<string> = []
  const unresolved: Array<string> = []
  for (const file of sources) {
    const edges: Array<string> = []
    graph.set(file, edges)
    const from = layerOf(file)
    for (const { specifier, line } of importsOf(Fs.readFileSync(Path.join(base, file), "utf8"))) {
      if (isNodeBuiltin(specifier)) {
        if (library.has(from))
          forbiddenImports.push(`${file}:${line} imports ${specifier}: library code imports no runtime`)
        continue
      }
      if (!specifier.startsWith(".")) continue
      const target = resolve(base, file, specifier)
      if (target === undefined) {
        unresolved.push(`${file}:${line} imports ${specifier}, which is no file`)
        continue
      }
      edges.push(target)
      const why = forbidden(from, layerOf(target))
      if (why !== undefined) forbiddenImports.push(`${file}:${line} imports ${target}: ${why}`)
    }
  }
  for (const edges of graph.values()) edges.splice(0, edges.length, ...edges.filter((e) => graph.has(e)))
  const long = filesUnder(base, "")
    .filter((f) => !generated.some((g) => f.startsWith(g)))
    .flatMap((f) => {
      const lines = Fs.readFileSync(Path.join(base, f), "utf8").split("\n").length - 1
      return lines > maxLines ? [`${f}: ${lines} lines`] : []
    })
    .sort()
  return { cycles: cyclesOf(graph), forbidden: forbiddenImports, unresolved, long }
}

const report = (findings: Findings): string => {
  const parts: Array<string> = []
  const section = (title: string, items: ReadonlyArray<string>) => {
    if (items.length > 0) parts.push(`${title} (${items.length}):\n${items.map((i) => `  ${i}`).join("\n")}`)
  }
  section("import cycles", findings.cycles)
  section("imports against the layering", findings.forbidden)
  section("relative imports of no file", findings.unresolved)
  section(`files over ${maxLines} lines (split them by concept)`, findings.long)
  return parts.join("\n")
}

// --- tests ---------------------------------------------------------------------------------------

const plant = (files: Record<string, string>): string => {
  const base = Fs.mkdtempSync(Path.join(Os.tmpdir(), "rose-architecture-"))
  for (const [file, text] of Object.entries(files)) {
    Fs.mkdirSync(Path.dirname(Path.join(base, file)), { recursive: true })
    Fs.writeFileSync(Path.join(base, file), text)
  }
  return base
}

const lines = (n: number) => "export const x = 1\n".repeat(n)

describe("the architecture check", () => {
  it("finds cycles, imports against the layering, runtime imports and long files, and nothing else", () => {
    const base = plant({
      "core/A.ts": 'import * as B from "./B.ts"\nexport const a = B\n',
      "core/B.ts": 'import type { C } from "./C.ts"\nexport type B = C\n',
      "core/C.ts": 'export type * from "./A.ts"\nexport type C = 1\n',
      "core/Self.ts": 'import "./Self.ts"\n',
      "core/Fine.ts": [
        '// import * as Cli from "../cli/Main.ts"',
        '/* import "../cli/Main.ts" */',
        "const s = \"import x from '../cli/Main.ts'\"",
        "const t = `",
        'import y from "../cli/Main.ts"',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the planted file's own template literal
        "${s.replace(/\"/g, '`')}`",
        'export const u = [s, t, /import\\("..\\/cli\\/Main.ts"\\)/]',
        ""
      ].join("\n"),
      "core/Runtime.ts": 'import * as Fs from "node:fs"\nimport * as P from "path"\nexport const r = [Fs, P]\n',
      "dsl/D.ts": 'import {\n  a,\n  b\n} from "../plugins/P.ts"\nexport const d = [a, b]\n',
      "backends/K.ts": 'export const load = () => import("../cli/Main.ts")\n',
      "plugins/P.ts":
        'import type * as R from "../runtime/R.ts"\nimport * as Core from "../core/A.ts"\nexport const a = 1, b = 2\n',
      "runtime/R.ts": 'import * as Fs from "node:fs"\nimport type { C } from "../core/C.ts"\nexport const r = [Fs]\n',
      "cli/Main.ts": 'import * as D from "../dsl/D.ts"\nimport * as M from "./Missing.ts"\n',
      "cli/Main.test.ts": `import * as Core from "../core/A.ts"\n${lines(501)}`,
      "index.ts": 'export * as Cli from "./cli/Main.ts"\n',
      "dsl/generated/cst.ts": lines(600),
      "test/unit/Big.test.ts": lines(501),
      "examples/ok.ts": lines(500)
    })
    try {
      const findings = check(base)
      assert.deepStrictEqual(findings.cycles, [
        "core/A.ts → core/B.ts → core/C.ts → core/A.ts",
        "core/Self.ts → core/Self.ts"
      ])
      assert.deepStrictEqual([...findings.forbidden].sort(), [
        "backends/K.ts:1 imports cli/Main.ts: nothing imports cli",
        "core/Runtime.ts:1 imports node:fs: library code imports no runtime",
        "core/Runtime.ts:2 imports path: library code imports no runtime",
        "dsl/D.ts:4 imports plugins/P.ts: dsl imports only core",
        "index.ts:1 imports cli/Main.ts: nothing imports cli",
        "plugins/P.ts:1 imports runtime/R.ts: library code does not import runtime/"
      ])
      assert.deepStrictEqual(findings.unresolved, ["cli/Main.ts:2 imports ./Missing.ts, which is no file"])
      assert.deepStrictEqual(findings.long, ["cli/Main.test.ts: 502 lines", "test/unit/Big.test.ts: 501 lines"])
      const message = report(findings)
      for (const part of ["import cycles (2)", "imports against the layering (6)", "files over 500 lines"]) {
        assert.include(message, part)
      }
    } finally {
      Fs.rmSync(base, { recursive: true, force: true })
    }
  })

  it("finds a cycle through several files, and names every file in it", () => {
    const base = plant({
      "core/internal/loop.ts": 'import * as A from "./a.ts"\nimport * as B from "./b.ts"\n',
      "core/internal/a.ts": 'import * as L from "./loop.ts"\n',
      "core/internal/b.ts": 'import * as L from "./loop.ts"\n'
    })
    try {
      assert.deepStrictEqual(check(base).cycles, [
        "core/internal/a.ts → core/internal/loop.ts → core/internal/a.ts (one cycle among core/internal/a.ts, core/internal/b.ts, core/internal/loop.ts)"
      ])
    } finally {
      Fs.rmSync(base, { recursive: true, force: true })
    }
  })
})

describe("the tree", () => {
  it("has no import cycle, no import against the layering and no source file over 500 lines", () => {
    const findings = check(root)
    const message = report(findings)
    assert.strictEqual(message, "", `\n${message}`)
  })
})
