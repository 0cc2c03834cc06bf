import * as fs from "node:fs"
import * as os from "node:os"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Builtin from "../../../plugins/Builtin.ts"
import * as Loader from "../../../plugins/Loader.ts"
import * as Registry from "../../../plugins/Registry.ts"
import * as NodeModuleLoader from "../../../runtime/NodeModuleLoader.ts"

const fixtures = `${import.meta.dirname}/fixtures`
const services = Layer.merge(NodeModuleLoader.layer, NodeContext.layer)
const load = (specifier: string, relativeTo = fixtures) =>
  Loader.load({ specifier, relativeTo, origin: { file: "x.rose", line: 3, column: 8 } }).pipe(Effect.provide(services))
const reason = (specifier: string) => Effect.map(Effect.flip(load(specifier)), (e) => e.message)

describe("Loader", () => {
  it.effect("loads a TypeScript plugin relative to the .rose file's folder; its kinds join the registry", () =>
    Effect.gen(function* () {
      const plugin = yield* load("./good.ts")
      assert.strictEqual(plugin.name, "good")
      const registry = yield* Effect.either(Effect.succeed(Registry.make([Builtin.plugin, plugin])))
      assert.isTrue(registry._tag === "Right" && registry.right._tag === "Right")
      const r = Registry.make([Builtin.plugin, plugin])
      if (r._tag === "Left") return assert.fail(r.left.message)
      assert.isTrue(r.right.backends.has("fast"))
      assert.isTrue(r.right.backends.has("ssh"))
      assert.isTrue(r.right.trackers.has("quiet"))
      assert.isTrue(r.right.trackers.has("csv"))
    })
  )

  it.effect("an absolute path and a path from another folder work too", () =>
    Effect.gen(function* () {
      assert.strictEqual((yield* load(`${fixtures}/good.ts`, "/")).name, "good")
      assert.strictEqual((yield* load("./fixtures/good.ts", import.meta.dirname)).name, "good")
    })
  )

  it.effect("a CommonJS module's doubly wrapped default export is unwrapped", () =>
    Effect.map(load("./commonjs.cjs"), (p) => assert.strictEqual(p.name, "cjs"))
  )

  it.effect("errors name the .rose line, the file and what is wrong", () =>
    Effect.gen(function* () {
      assert.strictEqual(
        yield* reason("./missing.ts"),
        `x.rose:3:8 plugin ./missing.ts (${fixtures}/missing.ts): ${(yield* Effect.flip(load("./missing.ts"))).reason}`
      )
      assert.include(yield* reason("./missing.ts"), "Cannot find module")
      assert.include(
        yield* reason("./no-default.mjs"),
        "the module has no default export (it exports helper, plugin); export default definePlugin({ name, backends })"
      )
      assert.include(yield* reason("./not-a-plugin.mjs"), "its default export is a number, not a plugin")
      const bad = yield* reason("./bad-entries.mjs")
      assert.include(bad, `backends: the kind "two words" is not a name`)
      assert.include(bad, `backends.two words.config must be an effect/Schema schema, got an object with fields`)
      assert.include(bad, "backends.two words.layer must be a function, got a string")
      assert.include(bad, "backends.ok must be { config, layer }, got null")
      assert.include(bad, "trackers.t.make must be a function, got undefined")
      const thrown = yield* reason("./throws.mjs")
      assert.include(thrown, "cannot reach the licence server")
      assert.include(thrown, `(thrown at ${fixtures}/throws.mjs:2:`)
      const dir = fs.mkdtempSync(`${os.tmpdir()}/rose-loader-`)
      fs.writeFileSync(`${dir}/broken.ts`, "export default definePlugin({ name: , })\n")
      assert.include(yield* Effect.map(Effect.flip(load("./broken.ts", dir)), (e) => e.message), "broken.ts")
      assert.include(yield* reason("rose-plugin-that-does-not-exist"), "no package rose-plugin-that-does-not-exist")
    })
  )

  it.effect("loadAll reports every plugin that fails, not only the first", () =>
    Effect.gen(function* () {
      const errors = yield* Effect.flip(
        Loader.loadAll([
          { specifier: "./good.ts", relativeTo: fixtures },
          { specifier: "./not-a-plugin.mjs", relativeTo: fixtures },
          { specifier: "./missing.ts", relativeTo: fixtures }
        ]).pipe(Effect.provide(services))
      )
      assert.deepStrictEqual(
        errors.map((e) => e.specifier),
        ["./not-a-plugin.mjs", "./missing.ts"]
      )
    })
  )

  it("problemsOf accepts a plugin with only trackers, refuses one with neither", () => {
    assert.deepStrictEqual(Loader.problemsOf(Builtin.plugin), [])
    assert.deepStrictEqual(Loader.problemsOf({ name: "empty" }), ["its plugin defines no backends and no trackers"])
    assert.deepStrictEqual(Loader.problemsOf({ backends: {} }), ["its plugin has no name (a non-empty string)"])
  })
})
