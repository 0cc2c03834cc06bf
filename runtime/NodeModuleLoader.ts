/**
 * The `ModuleLoader` service on Node (through `tsx` for `.ts` on Node 20), Deno and Bun (native
 * imports), built on `runtime/ModuleLoader.ts`. Package names are resolved from the given folder, as
 * a `require` there would find them.
 *
 * @since 0.1.0
 */
import * as NodeModule from "node:module"
import * as NodePath from "node:path"
import * as Url from "node:url"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as CoreModuleLoader from "../core/ModuleLoader.ts"
import * as ModuleLoader from "./ModuleLoader.ts"

const isPath = (s: string) => s.startsWith("/") || s.startsWith("./") || s.startsWith("../") || s.startsWith("file:")

const resolvePackage = (specifier: string, from: string): Effect.Effect<string, CoreModuleLoader.ModuleLoadError> =>
  Effect.try({
    try: () => NodeModule.createRequire(NodePath.join(from, "noop.js")).resolve(specifier),
    catch: () =>
      new CoreModuleLoader.ModuleLoadError({
        path: specifier,
        reason: `no package ${specifier} is installed where ${from} can see it (npm install it, or give a path: ./…)`,
        location: undefined
      })
  })

/**
 * @since 0.1.0
 * @category constructors
 */
export const load = (
  specifier: string,
  from?: string
): Effect.Effect<Record<string, unknown>, CoreModuleLoader.ModuleLoadError> =>
  Effect.gen(function* () {
    const base = from ?? process.cwd()
    const path = specifier.startsWith("file:")
      ? Url.fileURLToPath(specifier)
      : isPath(specifier)
        ? NodePath.resolve(base, specifier)
        : yield* resolvePackage(specifier, base)
    return yield* ModuleLoader.load(path)
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<CoreModuleLoader.ModuleLoader> = Layer.succeed(CoreModuleLoader.ModuleLoader, {
  load
})
