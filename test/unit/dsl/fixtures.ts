/**
 * Fixture loading for the DSL tests: `fixtures/{valid,invalid}/*.rose`, each with its expected
 * diagnostics written at the end as `# expect: CODE line:column` comments, plus the seed examples.
 */
import { readdirSync, readFileSync } from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

export const here = Path.dirname(fileURLToPath(import.meta.url))
export const root = Path.resolve(here, "../../..")
export const examplesDir = Path.join(root, "examples/parallel-learners")

export interface Fixture {
  readonly name: string
  readonly path: string
  readonly text: string
  /** `CODE line:column`, sorted. */
  readonly expected: ReadonlyArray<string>
}

const load = (dir: string): ReadonlyArray<Fixture> =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".rose"))
    .sort()
    .map((f) => {
      const path = Path.join(dir, f)
      const text = readFileSync(path, "utf8")
      const expected = [...text.matchAll(/^# expect: (\S+ \d+:\d+)$/gm)].map((m) => m[1]!).sort()
      return { name: f, path, text, expected }
    })

export const invalid = load(Path.join(here, "fixtures/invalid"))
export const valid = load(Path.join(here, "fixtures/valid"))
export const examples = load(examplesDir)

/** The options every fixture is checked with: only paths containing "missing" do not exist. */
export const checkOptions = (fixture: Fixture) => ({
  file: fixture.name,
  here: "/fixtures",
  exists: (p: string) => !p.includes("missing"),
  env: (name: string) => (name === "USER" ? "tester" : undefined)
})
