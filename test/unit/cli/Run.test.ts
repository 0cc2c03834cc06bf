import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Run from "../../../cli/Run.ts"
import * as Builtin from "../../../plugins/Builtin.ts"
import * as Registry from "../../../plugins/Registry.ts"

const registry = Either.getOrThrow(Registry.make([Builtin.plugin]))

describe("Run", () => {
  it("--dry-run turns every declared backend into a dry-run of the same name, with the file's dry-run config", () => {
    assert.deepStrictEqual(Run.dryRunChoices([]), [{ kind: "dry-run", name: "dry-run", config: {} }])
    const choices = Run.dryRunChoices([
      { kind: "local", name: "cpu", config: { concurrency: 2 } },
      { kind: "dry-run", name: "sim", config: { duration_ms: 1 } },
      { kind: "ssh", name: "gpu", config: { hosts: ["a"] } }
    ])
    assert.deepStrictEqual(
      choices.map((c) => [c.kind, c.name, c.config]),
      [
        ["dry-run", "cpu", { duration_ms: 1 }],
        ["dry-run", "sim", { duration_ms: 1 }],
        ["dry-run", "gpu", { duration_ms: 1 }]
      ]
    )
  })

  it("checks backend kinds, configurations and --backend before anything is built", () => {
    assert.deepStrictEqual(Run.checkBackends(registry, [{ kind: "local", name: "local", config: {} }], undefined), [])
    assert.deepStrictEqual(Run.checkBackends(registry, [], "dry-run"), [])
    const problems = Run.checkBackends(
      registry,
      [
        { kind: "warp", name: "w", config: {} },
        { kind: "local", name: "l", config: { concurrency: "many" } }
      ],
      "nowhere"
    )
    assert.strictEqual(problems.length, 3)
    assert.include(problems[0]!, 'unknown backend kind "warp"')
    assert.include(problems[1]!, "concurrency")
    assert.include(problems[2]!, "--backend nowhere")
  })
})
