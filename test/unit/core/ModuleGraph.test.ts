/**
 * The engine's module graph: core imports nothing outside core, and no two of its modules import
 * each other, directly or around a loop (type-only imports included: a reader follows them too).
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { assert, describe, it } from "@effect/vitest"

const root = NodePath.resolve(import.meta.dirname, "../../..")
const core = NodePath.join(root, "core")

const sources = (dir: string): Array<string> =>
  NodeFs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = NodePath.join(dir, entry.name)
    if (entry.isDirectory()) return sources(path)
    return path.endsWith(".ts") ? [path] : []
  })

const relativeImports = (file: string): Array<string> =>
  [...NodeFs.readFileSync(file, "utf8").matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+"(\.[^"]+)"/gms)].map((m) =>
    NodePath.resolve(NodePath.dirname(file), m[1]!)
  )

const graph = new Map(sources(core).map((file) => [file, relativeImports(file)]))
const show = (file: string) => NodePath.relative(root, file)

describe("core's module graph", () => {
  it("imports nothing outside core", () => {
    const outside = [...graph].flatMap(([file, imports]) =>
      imports.filter((target) => !target.startsWith(`${core}/`)).map((target) => `${show(file)} -> ${show(target)}`)
    )
    assert.deepStrictEqual(outside, [])
  })

  it("has no import cycle", () => {
    const cycles: Array<string> = []
    const state = new Map<string, "open" | "done">()
    const path: Array<string> = []
    const visit = (file: string) => {
      state.set(file, "open")
      path.push(file)
      for (const target of graph.get(file) ?? []) {
        if (state.get(target) === "open")
          cycles.push([...path.slice(path.indexOf(target)), target].map(show).join(" -> "))
        else if (!state.has(target)) visit(target)
      }
      path.pop()
      state.set(file, "done")
    }
    for (const file of graph.keys()) if (!state.has(file)) visit(file)
    assert.deepStrictEqual(cycles, [])
  })
})
