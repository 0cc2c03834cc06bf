import { assert, describe, it } from "@effect/vitest"
import { spliceRun } from "../../../bench/markdown.ts"

const title = "# Benchmark results"

describe("bench: RESULTS.md", () => {
  it("puts a run under the title of a file that has none yet, keeping what was written by hand", () => {
    const out = spliceRun(`${title}\n\n## A one-off measurement\n\nfigures\n`, title, "## The last run\n\nrun 1\n")
    assert.strictEqual(
      out,
      `${title}\n\n<!-- npm run bench: start -->\n## The last run\n\nrun 1\n<!-- npm run bench: end -->\n\n## A one-off measurement\n\nfigures\n`
    )
  })

  it("replaces the last run and nothing else", () => {
    const first = spliceRun(`${title}\n\n## Notes\n\nkept\n`, title, "run 1")
    const second = spliceRun(first, title, "run 2")
    assert.notInclude(second, "run 1")
    assert.include(second, "<!-- npm run bench: start -->\nrun 2\n<!-- npm run bench: end -->")
    assert.include(second, "## Notes\n\nkept")
    assert.strictEqual(second.split("npm run bench: start").length, 2)
  })

  it("writes a file from nothing", () => {
    assert.strictEqual(
      spliceRun("", title, "run 1"),
      `${title}\n\n<!-- npm run bench: start -->\nrun 1\n<!-- npm run bench: end -->\n`
    )
  })
})
