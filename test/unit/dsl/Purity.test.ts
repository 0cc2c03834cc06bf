import { readdirSync, readFileSync } from "node:fs"
import * as Path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { root } from "./fixtures.ts"

const sources = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(Path.join(dir, e.name)) : e.name.endsWith(".ts") ? [Path.join(dir, e.name)] : []
  )

const files = sources(Path.join(root, "dsl")).map((path) => ({
  name: Path.relative(root, path),
  text: readFileSync(path, "utf8")
}))

const imports = (text: string): ReadonlyArray<string> =>
  [...text.matchAll(/^\s*(?:import|export)\b[^"']*?from\s+["']([^"']+)["']/gm)].map((m) => m[1]!)

describe("dsl/ is runtime-free", () => {
  it("has sources to check", () => assert.isAtLeast(files.length, 10))

  for (const f of files) {
    it(f.name, () => {
      for (const spec of imports(f.text)) {
        assert.notMatch(spec, /^(node:|bun:|jsr:|npm:)/, `${f.name} imports ${spec}`)
        if (spec.startsWith(".")) assert.match(spec, /\.ts$/, `${f.name}: relative imports end in .ts (${spec})`)
        else assert.include(["chevrotain", "effect"], spec.split("/")[0], `${f.name} imports ${spec}`)
      }
      // no runtime globals (the word may appear in comments)
      const code = f.text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, "")
      assert.notMatch(code, /\b(?:process|Deno|Bun|require|__dirname)\b/, `${f.name} touches a runtime`)
      assert.notMatch(code, /\benum\s|\bnamespace\s/, `${f.name}: erasable syntax only`)
    })
  }
})
