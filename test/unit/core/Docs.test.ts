import * as fs from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import * as Metric from "../../../core/Metric.ts"
import * as Version from "../../../core/Version.ts"

const root = `${import.meta.dirname}/../../..`

describe("docs and metadata in step with the code", () => {
  it("docs/metrics.md lists every metric with its operator and direction", () => {
    const doc = fs.readFileSync(`${root}/docs/metrics.md`, "utf8")
    for (const m of Metric.table) {
      assert.include(doc, `| \`${m.name}\` | \`${m.operator}\` | ${m.direction} |`, m.name)
    }
  })

  it("core/Version.ts matches package.json and deno.json", () => {
    const pkg = JSON.parse(fs.readFileSync(`${root}/package.json`, "utf8"))
    const deno = JSON.parse(fs.readFileSync(`${root}/deno.json`, "utf8"))
    assert.strictEqual(Version.version, pkg.version)
    assert.strictEqual(Version.version, deno.version)
  })
})
