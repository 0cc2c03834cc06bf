/**
 * The runtime guard (DESIGN §3): library code, `core/`, `dsl/`, `backends/` and `plugins/`, touches
 * no runtime directly. It imports no Node built-in (`node:fs`, or the bare `fs`, static or dynamic),
 * no runtime package (`@effect/platform-node`, `-bun`, `-deno`, `tsx`, `bun:*`) and nothing from
 * `runtime/`, and it uses no runtime global (`process`, `Deno`, `Bun`, `Buffer`, `require`,
 * `__dirname`, …). Those come from services that `runtime/` provides and entry points pick
 * (`index.ts`, `cli/`); `runtime/` and the entry points are the only exceptions.
 *
 * The check is Biome's scope-aware lint rules (a parameter named `process` is not the global) run
 * with a configuration of their own, plus a scan for `globalThis.process`-style reads, which those
 * rules do not see. It first proves on a planted file that it catches each kind of offence.
 */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Url from "node:url"
import { describe, expect, it } from "vitest"

const root = Path.resolve(Path.dirname(Url.fileURLToPath(import.meta.url)), "../../..")

/** The folders that must stay runtime-neutral. */
const libraryFolders = ["core", "dsl", "backends", "plugins"]

const runtimeGlobals: Record<string, string> = {
  process: "`process` is Node's global: ask a service that runtime/ provides (Host, Signals, Spawner, …)",
  Deno: "`Deno` is Deno's global: only runtime/ may touch it",
  Bun: "`Bun` is Bun's global: only runtime/ may touch it",
  Buffer: "`Buffer` is Node's global: use Uint8Array, TextEncoder and TextDecoder",
  require: "`require` is CommonJS (Node): import modules",
  module: "`module` is CommonJS (Node): export from the module",
  __dirname: "`__dirname` is CommonJS (Node): take paths from the caller or a service",
  __filename: "`__filename` is CommonJS (Node): take paths from the caller or a service",
  global: "`global` is Node's name for globalThis",
  setImmediate: "`setImmediate` is Node's: use Effect's scheduling"
}

const runtimePackages = [
  "@effect/platform-node",
  "@effect/platform-node/**",
  "@effect/platform-node-shared",
  "@effect/platform-node-shared/**",
  "@effect/platform-bun",
  "@effect/platform-bun/**",
  "@effect/platform-deno",
  "@effect/platform-deno/**",
  "tsx",
  "tsx/**",
  "bun:*",
  "**/runtime/**"
]

/** A Biome configuration with only the guard's rules (written to a temp folder: a nested biome.json would change the main lint). */
const guardConfig = {
  root: true,
  vcs: { enabled: false },
  files: { includes: ["**", "!**/node_modules"] },
  formatter: { enabled: false },
  assist: { enabled: false },
  linter: {
    enabled: true,
    rules: {
      recommended: false,
      correctness: { noNodejsModules: "error" },
      style: {
        noRestrictedGlobals: { level: "error", options: { deniedGlobals: runtimeGlobals } },
        noRestrictedImports: {
          level: "error",
          options: {
            patterns: [
              {
                group: runtimePackages,
                message: "a runtime package or the runtime layer: only runtime/ and entry points import it"
              }
            ]
          }
        }
      }
    }
  }
}

const guardRules = new Set([
  "lint/correctness/noNodejsModules",
  "lint/style/noRestrictedGlobals",
  "lint/style/noRestrictedImports"
])

interface Finding {
  readonly file: string
  readonly line: number
  readonly rule: string
  readonly text: string
}

const biomeBin = Path.join(root, "node_modules/@biomejs/biome/bin/biome")

const lint = (paths: ReadonlyArray<string>): Array<Finding> => {
  const configDir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "rose-guard-"))
  try {
    Fs.writeFileSync(Path.join(configDir, "biome.json"), JSON.stringify(guardConfig))
    const result = ChildProcess.spawnSync(
      process.execPath,
      [biomeBin, "lint", "--config-path", configDir, "--reporter=json", "--max-diagnostics=none", ...paths],
      { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }
    )
    let report: { diagnostics: Array<any> }
    try {
      report = JSON.parse(result.stdout)
    } catch {
      throw new Error(`biome gave no JSON report (exit ${result.status}):\n${result.stdout}\n${result.stderr}`)
    }
    return report.diagnostics
      .filter((d) => guardRules.has(d.category))
      .map((d) => {
        const file = String(d.location.path)
        const line = Number(d.location.start?.line ?? 0)
        const source = Fs.readFileSync(Path.resolve(root, file), "utf8").split("\n")[line - 1] ?? ""
        return { file: Path.relative(root, Path.resolve(root, file)), line, rule: d.category, text: source.trim() }
      })
  } finally {
    Fs.rmSync(configDir, { recursive: true, force: true })
  }
}

/** Reads of runtime globals through `globalThis` (`globalThis.process`, `globalThis["Deno"]`), comments aside. */
const globalThisReads = (file: string): Array<Finding> => {
  const names = Object.keys(runtimeGlobals).join("|")
  const pattern = new RegExp(`\\bglobalThis\\s*(?:\\?\\.|\\.|\\[\\s*["'\`])\\s*(?:${names})\\b`)
  const findings: Array<Finding> = []
  let inBlockComment = false
  Fs.readFileSync(file, "utf8")
    .split("\n")
    .forEach((raw, i) => {
      let line = raw
      if (inBlockComment) {
        const end = line.indexOf("*/")
        if (end < 0) return
        line = line.slice(end + 2)
        inBlockComment = false
      }
      line = line.replace(/\/\*.*?\*\//g, "")
      const open = line.indexOf("/*")
      if (open >= 0) {
        inBlockComment = true
        line = line.slice(0, open)
      }
      line = line.replace(/\/\/.*$/, "")
      if (pattern.test(line)) {
        findings.push({
          file: Path.relative(root, file),
          line: i + 1,
          rule: "globalThis-runtime-global",
          text: raw.trim()
        })
      }
    })
  return findings
}

const sourceFiles = (dir: string): Array<string> =>
  Fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = Path.join(dir, e.name)
    if (e.isDirectory()) return e.name === "node_modules" ? [] : sourceFiles(path)
    return /\.(?:ts|mts|cts|js|mjs|cjs)$/.test(e.name) ? [path] : []
  })

const check = (paths: ReadonlyArray<string>): Array<Finding> => [
  ...lint(paths),
  ...paths.flatMap((p) => sourceFiles(Path.resolve(root, p))).flatMap(globalThisReads)
]

const show = (findings: ReadonlyArray<Finding>) =>
  findings.map((f) => `${f.file}:${f.line} ${f.rule.replace(/^lint\/\w+\//, "")}: ${f.text}`).sort()

describe("runtime guard", () => {
  it("catches every kind of offence, and leaves a local named like a global alone", () => {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "rose-guard-planted-"))
    try {
      Fs.mkdirSync(Path.join(dir, "core"))
      const planted = Path.join(dir, "core/Planted.ts")
      Fs.writeFileSync(
        planted,
        [
          'import * as Fs from "node:fs"',
          'import * as P from "path"',
          'import * as NodeContext from "@effect/platform-node/NodeContext"',
          'import { tsImport } from "tsx/esm/api"',
          'import * as Platform from "../runtime/Platform.ts"',
          'import { test } from "bun:test"',
          "export const a = process.env.HOME",
          'export const b = typeof Deno !== "undefined" ? Deno.cwd() : Bun.version',
          "export const c = globalThis.process?.pid // globalThis.Deno in a comment is fine",
          'export const d = Buffer.from("x")',
          'export const e = await import("node:os")',
          "export const f = (process: { readonly pid: number }) => process.pid",
          "/* globalThis.Bun */ export const g = [Fs, P, NodeContext, tsImport, Platform, test]",
          ""
        ].join("\n")
      )
      const found = check([dir]).map((f) => [f.line, f.rule.replace(/^lint\/\w+\//, "")])
      expect(found).toEqual(
        expect.arrayContaining([
          [1, "noNodejsModules"],
          [2, "noNodejsModules"],
          [3, "noRestrictedImports"],
          [4, "noRestrictedImports"],
          [5, "noRestrictedImports"],
          [6, "noRestrictedImports"],
          [7, "noRestrictedGlobals"],
          [8, "noRestrictedGlobals"],
          [9, "globalThis-runtime-global"],
          [10, "noRestrictedGlobals"],
          [11, "noNodejsModules"]
        ])
      )
      expect(found.filter(([line]) => line === 8)).toHaveLength(3)
      expect(found.filter(([line]) => (line as number) >= 12)).toEqual([])
    } finally {
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it("library code (core/, dsl/, backends/, plugins/) touches no runtime directly", () => {
    const present = libraryFolders.filter((f) => Fs.existsSync(Path.join(root, f)))
    expect(present).toEqual(libraryFolders)
    expect(show(check(present))).toEqual([])
  })
})
