/**
 * The fuzz oracle: every input must end in diagnostics or a program, within a time bound, and never
 * in an exception; whatever formats obeys the formatter's laws.
 */
import { assert } from "@effect/vitest"
import * as Either from "effect/Either"
import * as TaskSchedule from "../../../core/TaskSchedule.ts"
import * as Ast from "../../../dsl/Ast.ts"
import * as Check from "../../../dsl/Check.ts"
import * as Compile from "../../../dsl/Compile.ts"
import * as Diagnostic from "../../../dsl/Diagnostic.ts"
import * as Format from "../../../dsl/Format.ts"
import { parseText, parseWhole } from "../../../dsl/internal/parse.ts"

export { mutate, prng, randomTokens } from "./fuzzInputs.ts"

const withoutSpans = (ast: Ast.File) => JSON.stringify(Ast.withoutSpans(ast))

export interface Outcome {
  readonly compiled: boolean
  readonly formatted: boolean
  readonly millis: number
}

const options = { file: "fuzz.rose", here: "/fuzz", exists: () => true }

/** Runs the whole pipeline on one input and checks its invariants (parsing each text once or twice). */
export const exercise = (text: string): Outcome => {
  const t0 = performance.now()
  const parsed = parseText(text)
  const checked = Check.check(parsed.ast, { ...options, broken: parsed.broken })
  const diagnostics = Diagnostic.sort([...parsed.diagnostics, ...checked.diagnostics])
  for (const d of diagnostics) {
    const { start, end } = d.span
    assert.isTrue(start.line >= 1 && start.column >= 1 && start.offset >= 0, `position of ${d.code}`)
    assert.isTrue(end.offset <= text.length && start.offset <= end.offset, `span of ${d.code}`)
  }
  assert.isString(Diagnostic.formatAll(diagnostics, text, "fuzz.rose"))
  const syntaxOk = !parsed.broken
  if (syntaxOk) {
    // the piece-by-piece fast path builds exactly the tree a whole-file parse builds, spans included
    assert.deepStrictEqual(parsed.ast, parseWhole(text).ast, "fast path == whole parse")
  }
  let compiled = false
  if (!Diagnostic.hasErrors(diagnostics)) {
    const p = Compile.compile(checked.model, { file: "fuzz.rose", text })
    assert.isTrue(Either.isRight(p), "a file without errors compiles")
    if (Either.isRight(p)) {
      compiled = true
      // evaluating the schedules either works or fails with the DSL's own error
      for (const l of p.right.learners) {
        for (const [k, config] of l.configs.entries()) {
          for (const [task, schedule] of config) {
            for (const i of [0, 1, 7]) {
              try {
                TaskSchedule.resolve(l.tasks.get(task)?.defaults, schedule, {
                  iteration: i,
                  learner: { name: l.name, index: k },
                  maxIter: l.maxIter,
                  prev: undefined
                })
              } catch (u) {
                assert.instanceOf(u, Compile.ConfigEvalError)
              }
            }
          }
        }
      }
    }
  }
  let formatted = false
  // the formatter refuses lexical and syntax errors (tested elsewhere); format everything else
  if (syntaxOk) {
    formatted = true
    const once = Format.formatParsed(parsed)
    const again = parseText(once)
    assert.isFalse(again.broken, "formatted text parses")
    assert.strictEqual(Format.formatParsed(again), once, "fmt is idempotent")
    assert.strictEqual(withoutSpans(again.ast), withoutSpans(parsed.ast), "fmt keeps the tree")
  }
  return { compiled, formatted, millis: performance.now() - t0 }
}
