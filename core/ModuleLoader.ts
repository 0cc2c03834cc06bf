/**
 * The `ModuleLoader` service imports a JavaScript or TypeScript module on the current runtime (plugin
 * modules, program modules, in-process task modules). Loading `.ts` differs per runtime (Node 20
 * needs `tsx`, Deno and Bun import it themselves), so library code asks this service and the
 * runtime layer (`runtime/NodeModuleLoader.ts`) provides it.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"

/**
 * The module could not be loaded: it does not exist, does not compile, or threw while loading.
 *
 * @since 0.1.0
 * @category errors
 */
export class ModuleLoadError extends Data.TaggedError("ModuleLoadError")<{
  readonly path: string
  readonly reason: string
  /** `file:line:col` inside the module where it threw, when the stack says so. */
  readonly location: string | undefined
}> {
  override get message(): string {
    return `cannot load ${this.path}: ${this.reason}${this.location === undefined ? "" : ` (at ${this.location})`}`
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /**
   * Imports a module and returns its namespace: an absolute path (or `file://` URL), or a package
   * name resolved from the folder `from` (the current directory when absent).
   */
  readonly load: (specifier: string, from?: string) => Effect.Effect<Record<string, unknown>, ModuleLoadError>
}

/**
 * @since 0.1.0
 * @category services
 */
export class ModuleLoader extends Context.Tag("rose/ModuleLoader")<ModuleLoader, Service>() {}
