import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as CommandLine from "../../../core/CommandLine.ts"
import * as TaskConfig from "../../../core/TaskConfig.ts"

const split = (s: string) => Either.getOrThrow(CommandLine.split(s))

describe("split", () => {
  it("splits on whitespace and keeps quoted words whole", () => {
    assert.deepStrictEqual(split(`node  ./sim.mjs "a b" 'c d'\te`), ["node", "./sim.mjs", "a b", "c d", "e"])
  })

  it("expands nothing: $, ~ and globs stay literal", () => {
    assert.deepStrictEqual(split("echo $HOME ~ *.py $(date) `id` ;"), [
      "echo",
      "$HOME",
      "~",
      "*.py",
      "$(date)",
      "`id`",
      ";"
    ])
  })

  it("handles escapes as a POSIX shell does", () => {
    assert.deepStrictEqual(split(String.raw`a\ b "x\"y" 'z\n' "\$v" "\q"`), ["a b", 'x"y', "z\\n", "$v", "\\q"])
    assert.deepStrictEqual(split(`''`), [""])
    assert.deepStrictEqual(split(`a"b"'c'`), ["abc"])
  })

  it("reports unterminated quotes with their offset", () => {
    assert.deepStrictEqual(
      CommandLine.split(`echo "abc`),
      Either.left({ offset: 5, message: "unterminated double quote" })
    )
    assert.isTrue(Either.isLeft(CommandLine.split(`echo 'abc`)))
    assert.isTrue(Either.isLeft(CommandLine.split(`echo \\`)))
  })
})

const resolved = (kwargs: Record<string, unknown>, args: ReadonlyArray<unknown> = []): TaskConfig.Resolved =>
  new TaskConfig.Merger().apply({ args: args as never, kwargs: kwargs as never }).result()

const builtins: CommandLine.Builtins = {
  here: "/proj/examples",
  workdir: "/run/learners/sweep-1",
  run_dir: "/run",
  iteration: 3,
  learner: 1,
  learner_name: "sweep"
}

const render = (
  command: string | ReadonlyArray<string>,
  kwargs: Record<string, unknown>,
  args: ReadonlyArray<unknown> = []
) =>
  Either.getOrThrow(
    CommandLine.render(Either.getOrThrow(CommandLine.compile(command, builtins.here)), resolved(kwargs, args), builtins)
  )

describe("render", () => {
  it("resolves ./ and ../ tokens against the defining file's folder", () => {
    assert.deepStrictEqual(render("node ./tasks/sim.mjs ../data/x.csv plain/rel", {}), [
      "node",
      "/proj/examples/tasks/sim.mjs",
      "/proj/data/x.csv",
      "plain/rel"
    ])
  })

  it("appends unconsumed kwargs as flags, in order, by their spelling", () => {
    assert.deepStrictEqual(
      render("sim", {
        n_labeled: 100,
        "--n_features": "2",
        "-k": 3,
        verbose: true,
        quiet: false,
        skip: null,
        noise: 0.05
      }),
      ["sim", "--n_labeled", "100", "--n_features", "2", "-k", "3", "--verbose", "--noise", "0.05"]
    )
  })

  it("renders arrays as the flag then each element, objects as JSON, numbers as JavaScript prints them", () => {
    assert.deepStrictEqual(render("t", { sizes: [1, 2.5, "x"], opts: { a: 1 }, big: 1e21, small: 1e-7 }), [
      "t",
      "--sizes",
      "1",
      "2.5",
      "x",
      "--opts",
      '{"a":1}',
      "--big",
      "1e+21",
      "--small",
      "1e-7"
    ])
  })

  it("fills placeholders from kwargs (by identity) and built-ins; consumed kwargs are not appended", () => {
    assert.deepStrictEqual(
      render("train --lr={learning_rate} --out {workdir}/m-{iteration}.json {learner_name}[{learner}]", {
        "--learning_rate": 0.01,
        epochs: 3
      }),
      ["train", "--lr=0.01", "--out", "/run/learners/sweep-1/m-3.json", "sweep[1]", "--epochs", "3"]
    )
  })

  it("puts args after the template, before the flags", () => {
    assert.deepStrictEqual(render(["prog", "a b"], { x: 1 }, ["p1", 2]), ["prog", "a b", "p1", "2", "--x", "1"])
  })

  it("keeps {{ and }} as literal braces, and rejects an unknown placeholder", () => {
    assert.deepStrictEqual(render(`echo '{{"k":{n}}}'`, { n: 1 }), ["echo", '{"k":1}'])
    const t = Either.getOrThrow(CommandLine.compile("echo {nope}", "/"))
    const r = CommandLine.render(t, resolved({}), builtins)
    assert.isTrue(Either.isLeft(r))
    assert.isTrue(Either.isLeft(CommandLine.compile("echo {bad token", "/")))
  })

  it("refuses an empty command", () => {
    assert.isTrue(Either.isLeft(CommandLine.compile("   ", "/")))
    assert.isTrue(Either.isLeft(CommandLine.compile([], "/")))
  })

  it("shows a template as written", () => {
    const t = Either.getOrThrow(CommandLine.compile(`echo {n} {{x}}`, "/"))
    assert.deepStrictEqual(CommandLine.show(t), ["echo", "{n}", "{{x}}"])
  })
})
