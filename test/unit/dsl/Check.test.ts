import { assert, describe, it } from "@effect/vitest"
import * as Diagnostic from "../../../dsl/Diagnostic.ts"
import * as Dsl from "../../../dsl/Dsl.ts"

const learner = (tasks: string) => `active "sweep" {
  max_iter 3
${tasks}
}
`

const diagnostics = (text: string, files: ReadonlyArray<string>) => {
  const asked: Array<string> = []
  const { diagnostics } = Dsl.check(text, {
    file: "proj/x.rose",
    here: "/proj",
    exists: (p) => {
      asked.push(p)
      return files.includes(p)
    }
  })
  return { diagnostics, asked, lines: diagnostics.map((d) => Diagnostic.format(d, text, "proj/x.rose").split("\n")[0]) }
}

describe("Check: a ./ program or script that does not exist", () => {
  const text = learner(`  simulation   = exec "python3 -u ./sim.py ./out.csv"
  training     = exec "./train.sh --lr 0.1"
  active_learn = exec ["node", "./active.mjs"]`)

  it("warns at the word, with the path it looked for and what to do", () => {
    const { diagnostics: ds, lines } = diagnostics(text, [])
    assert.isFalse(Diagnostic.hasErrors(ds))
    assert.deepStrictEqual(lines, [
      "proj/x.rose:3:35 warning[W003]: ./sim.py does not exist (/proj/sim.py); create it, or correct the path: a ./ path is relative to the .rose file's folder",
      "proj/x.rose:4:24 warning[W003]: ./train.sh does not exist (/proj/train.sh); create it, or correct the path: a ./ path is relative to the .rose file's folder",
      "proj/x.rose:5:32 warning[W003]: ./active.mjs does not exist (/proj/active.mjs); create it, or correct the path: a ./ path is relative to the .rose file's folder"
    ])
  })

  it("says nothing when the files are there, and asks only about the program or script", () => {
    const { diagnostics: ds, asked } = diagnostics(text, ["/proj/sim.py", "/proj/train.sh", "/proj/active.mjs"])
    assert.deepStrictEqual(ds, [])
    // ./out.csv is an argument the task may write: never asked about.
    assert.deepStrictEqual(asked.sort(), ["/proj/active.mjs", "/proj/sim.py", "/proj/train.sh"])
  })

  it("leaves commands alone whose script is not a ./ path, or holds a placeholder", () => {
    const other = learner(`  training     = exec "python3 -m trainer ./data"
  active_learn = exec "./{learner_name}.sh"`)
    assert.deepStrictEqual(diagnostics(other, []).asked, [])
  })
})

describe("Check: a misspelled task binding", () => {
  it("gets a did-you-mean at the binding when the learner lacks the task it resembles", () => {
    const text = learner(`  trainng      = exec "node ./train.mjs"
  active_learn = exec "node ./active.mjs"`)
    const { lines } = diagnostics(text, ["/proj/train.mjs", "/proj/active.mjs"])
    assert.deepStrictEqual(lines, [
      'proj/x.rose:3:3 error[E220]: unknown task "trainng" for an active learner; did you mean "training"? (learner "sweep" needs a "training" task)'
    ])
  })

  it("and a misspelled criterion under a stop criterion", () => {
    const text = learner(`  training     = exec "t"
  active_learn = exec "a"
  critrion     = exec "c"
  stop when mse < 0.1`)
    const { lines } = diagnostics(text, [])
    assert.deepStrictEqual(lines, [
      'proj/x.rose:5:3 error[E223]: unknown task "critrion" for an active learner; did you mean "criterion"? (stop when needs a criterion task)'
    ])
  })

  it("the other way round: a configured name the learner does not bind", () => {
    const text = learner(`  training     = exec "t"
  active_learn = exec "a"
  learner 0 { trainng { lr: 0.1 } }`)
    assert.deepStrictEqual(diagnostics(text, []).lines, [
      'proj/x.rose:5:15 error[E222]: unknown task "trainng"; did you mean "training"?'
    ])
  })

  it("without a close name, says what is missing as before", () => {
    const text = learner(`  fit          = exec "t"
  active_learn = exec "a"`)
    assert.match(diagnostics(text, []).lines[0]!, /error\[E220\]: active learner "sweep" has no "training" task/)
  })
})
