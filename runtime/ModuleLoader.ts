/**
 * Loads a TypeScript or JavaScript module by its path: program modules (`rose run x.ts`), plugin
 * modules and in-process task modules. Deno and Bun import `.ts` directly. Node 20 cannot, so there
 * it goes through `tsx`'s `tsImport` (loaded only when needed, so commands that load no module do not
 * pay for it). `tsx` is an optional peer dependency, not installed with rose-ts (esbuild makes it
 * 12 MB): when it is missing, a Node that strips types itself (22.18 and later) imports the module
 * natively, and an older one fails with the command that installs it. Always by absolute `file://` URL.
 *
 * @since 0.1.0
 */
import * as Path from "node:path"
import * as Url from "node:url"
import * as Effect from "effect/Effect"
import { ModuleLoadError } from "../core/ModuleLoader.ts"

const versions = process.versions as Record<string, string | undefined>

/**
 * Whether this runtime imports `.ts` files by itself (Deno, Bun).
 *
 * @since 0.1.0
 * @category getters
 */
export const nativeTypeScript: boolean = versions.deno !== undefined || versions.bun !== undefined

const tsExtensions = /\.(?:ts|mts|cts|tsx)$/

/** Whether this Node strips types itself (22.18+, 23.6+; earlier 22.x with --experimental-strip-types). */
const nodeStripsTypes = (): boolean =>
  Boolean((process as { features?: { typescript?: unknown } }).features?.typescript)

/**
 * Why a `.ts` module cannot be loaded on this Node without `tsx`.
 *
 * @since 0.1.0
 * @category getters
 */
export const tsxMissing = (): string =>
  `loading a TypeScript module on Node ${process.versions.node} needs tsx, which is not installed: ` +
  "run `npm install --save-dev tsx` in your project (Node 22.18 and later, Deno and Bun load TypeScript themselves)"

const isTsxNotFound = (e: unknown): boolean =>
  e instanceof Error && (e as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND" && /['"]tsx['"]/.test(e.message)

type TsImport = (url: string, parent: string) => Promise<unknown>

/** `tsx`'s `tsImport`, or undefined when `tsx` is not installed where this package can see it. */
const loadTsx = (): Promise<TsImport | undefined> =>
  import("tsx/esm/api").then(
    (api) => api.tsImport as TsImport,
    (e: unknown) => (isTsxNotFound(e) ? undefined : Promise.reject(e))
  )

/**
 * Where in `file` an error was thrown, from its stack.
 *
 * @since 0.1.0
 * @category getters
 */
export const locationIn = (error: unknown, file: string): string | undefined => {
  const stack = error instanceof Error ? error.stack : undefined
  if (stack === undefined) return undefined
  const url = Url.pathToFileURL(file).href
  for (const line of stack.split("\n")) {
    for (const prefix of [url, file]) {
      const at = line.indexOf(prefix)
      if (at < 0) continue
      const m = /^:(\d+):(\d+)/.exec(line.slice(at + prefix.length))
      if (m !== null) return `${file}:${m[1]}:${m[2]}`
    }
  }
  return undefined
}

const errorText = (e: unknown): string => {
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code
    return code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND" ? e.message.split("\n")[0]! : e.message
  }
  return String(e)
}

/**
 * Imports a module (its path relative to the current directory or absolute) and returns its namespace.
 *
 * @since 0.1.0
 * @category loading
 */
export const load = (path: string): Effect.Effect<Record<string, unknown>, ModuleLoadError> => {
  const absolute = Path.resolve(path)
  const url = Url.pathToFileURL(absolute).href
  return Effect.tryPromise({
    try: async (): Promise<Record<string, unknown>> => {
      if (nativeTypeScript || !tsExtensions.test(absolute)) return (await import(url)) as Record<string, unknown>
      const tsImport = await loadTsx()
      if (tsImport !== undefined) return (await tsImport(url, import.meta.url)) as Record<string, unknown>
      if (nodeStripsTypes()) return (await import(url)) as Record<string, unknown>
      throw new Error(tsxMissing())
    },
    catch: (e) => new ModuleLoadError({ path, reason: errorText(e), location: locationIn(e, absolute) })
  })
}
