/**
 * What the `rose` command takes as FILE: a `.rose` file (read, checked and compiled by the DSL, with
 * file existence, the environment and in-process functions injected from this runtime) or a
 * program module (a TypeScript or JavaScript module whose default export is a program built with
 * `Rose.program`; importing it must run nothing). Every problem becomes an `InputError` whose
 * message is what the user sees: diagnostics with code frames, never a stack trace.
 *
 * @since 0.1.0
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import type * as Program from "../core/Program.ts"
import * as Compile from "../dsl/Compile.ts"
import * as Diagnostic from "../dsl/Diagnostic.ts"
import * as Dsl from "../dsl/Dsl.ts"
import * as Builtin from "../plugins/Builtin.ts"
import * as Loader from "../plugins/Loader.ts"
import type * as Plugin from "../plugins/Plugin.ts"
import * as Registry from "../plugins/Registry.ts"
import * as ModuleLoader from "../runtime/ModuleLoader.ts"
import * as NodeContext from "../runtime/NodeContext.ts"
import * as NodeModuleLoader from "../runtime/NodeModuleLoader.ts"

/**
 * @since 0.1.0
 * @category errors
 */
export class InputError extends Data.TaggedError("InputError")<{
  readonly file: string
  /** What to print (may span lines: diagnostics with their code frames). */
  readonly text: string
  /** The diagnostics of a `.rose` file, if that is what went wrong. */
  readonly diagnostics?: ReadonlyArray<Diagnostic.Diagnostic> | undefined
  readonly source?: string | undefined
}> {
  override get message(): string {
    return this.text
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Loaded {
  /** The path as the user wrote it (diagnostics use it). */
  readonly file: string
  readonly absolute: string
  readonly kind: "rose" | "module"
  readonly text: string
  readonly program: Program.Program
  /** The program's plugins (its `plugin` lines, or `Rose.program({ plugins })`) and `--plugin`s. */
  readonly plugins: ReadonlyArray<Plugin.Plugin>
  /** The warnings of a `.rose` file (with their code frames), shown before it runs; "" without any. */
  readonly warnings: string
}

/**
 * What loading may add: plugin modules from the command line (`--plugin PATH`, relative to the
 * current directory).
 *
 * @since 0.1.0
 * @category models
 */
export interface LoadOptions {
  readonly color: boolean
  readonly plugins?: ReadonlyArray<string> | undefined
}

/**
 * The backend kinds a file may name: the built-in ones and its plugins'.
 *
 * @since 0.1.0
 * @category getters
 */
export const backendKinds = (plugins: ReadonlyArray<Plugin.Plugin>): ReadonlyArray<string> => [
  ...Object.keys(Builtin.plugin.backends),
  ...plugins.flatMap((p) => Object.keys(p.backends ?? {}))
]

/**
 * Loads plugin modules (the program's, relative to its file; the command line's, relative to the
 * current directory), reporting every one that fails.
 *
 * @since 0.1.0
 * @category loading
 */
export const loadPluginModules = (
  file: string,
  requests: ReadonlyArray<Loader.Request>
): Effect.Effect<ReadonlyArray<Plugin.Plugin>, InputError> =>
  requests.length === 0
    ? Effect.succeed([])
    : Loader.loadAll(requests).pipe(
        Effect.provide(Layer.merge(NodeModuleLoader.layer, NodeContext.pathLayer)),
        Effect.mapError(
          (errors) => new InputError({ file, text: errors.map((e) => `${file}: ${e.message}`).join("\n") })
        )
      )

const cliPlugins = (extra: ReadonlyArray<string> | undefined): ReadonlyArray<Loader.Request> =>
  (extra ?? []).map((specifier) => ({ specifier, relativeTo: process.cwd() }))

/**
 * @since 0.1.0
 * @category predicates
 */
export const isRoseFile = (file: string): boolean => file.endsWith(".rose")

const moduleExtensions = /\.(?:ts|mts|cts|js|mjs|cjs)$/

/**
 * Reads a file's text, or says why it cannot.
 *
 * @since 0.1.0
 * @category files
 */
export const read = (file: string): Effect.Effect<{ readonly absolute: string; readonly text: string }, InputError> =>
  Effect.try({
    try: () => {
      const absolute = NodePath.resolve(file)
      return { absolute, text: NodeFs.readFileSync(absolute, "utf8") }
    },
    catch: (e) => {
      const code = (e as NodeJS.ErrnoException).code
      const why =
        code === "ENOENT"
          ? "no such file"
          : code === "EISDIR"
            ? "it is a directory"
            : code === "EACCES"
              ? "permission denied"
              : e instanceof Error
                ? e.message
                : String(e)
      return new InputError({ file, text: `${file}: cannot read it: ${why}` })
    }
  })

/**
 * What the DSL is told about this runtime.
 *
 * @since 0.1.0
 * @category constructors
 */
export const dslOptions = (file: string, absolute: string) => ({
  file,
  here: NodePath.dirname(absolute),
  exists: (path: string) => NodeFs.existsSync(NodePath.resolve(NodePath.dirname(absolute), path)),
  env: (name: string) => process.env[name],
  // Runs inside the run, when a `call` task first runs: the module loads in the learner's fiber.
  loadFunction: (modulePath: string, exportName: string) =>
    ModuleLoader.load(modulePath).pipe(
      Effect.filterOrFail(
        (ns) => exportName in ns,
        () => new Compile.CallError({ target: `${modulePath}#${exportName}`, reason: "the module has no such export" })
      ),
      Effect.map((ns) => ns[exportName])
    )
})

/**
 * Renders diagnostics with their code frames and a summary line.
 *
 * @since 0.1.0
 * @category rendering
 */
export const formatDiagnostics = (
  diagnostics: ReadonlyArray<Diagnostic.Diagnostic>,
  text: string,
  file: string,
  color: boolean
): string =>
  `${Diagnostic.formatAll(diagnostics, text, file, { color })}\n\n${file}: ${Diagnostic.summary(diagnostics)}`

/**
 * Whether a value is a program (structurally: it may come from another copy of this library).
 *
 * @since 0.1.0
 * @category guards
 */
export const isProgram = (u: unknown): u is Program.Program => {
  if (typeof u !== "object" || u === null) return false
  const p = u as Partial<Program.Program>
  return (
    Array.isArray(p.learners) &&
    Array.isArray(p.backends) &&
    Array.isArray(p.plugins) &&
    typeof p.source === "object" &&
    p.learners.every((l) => typeof l === "object" && l !== null && l.tasks instanceof Map && typeof l.name === "string")
  )
}

const describeValue = (u: unknown): string => {
  if (u === undefined) return "nothing"
  if (u === null) return "null"
  if (typeof u === "function") return "a function"
  if (typeof u !== "object") return `a ${typeof u}`
  if ((u as { _tag?: unknown })._tag === "Left" || (u as { _tag?: unknown })._tag === "Right") {
    return "an Either (use Rose.program, which returns the program itself)"
  }
  const keys = Object.keys(u).slice(0, 6)
  return keys.length === 0 ? "an empty object" : `an object with ${keys.join(", ")}`
}

/**
 * Imports a program module and takes its default export.
 *
 * @since 0.1.0
 * @category loading
 */
export const loadModule = (file: string, absolute: string): Effect.Effect<Program.Program, InputError> =>
  Effect.gen(function* () {
    const ns = yield* ModuleLoader.load(absolute).pipe(
      Effect.mapError(
        (e) =>
          new InputError({
            file,
            text: `${file}: ${e.reason}${e.location === undefined ? "" : `\n  (thrown at ${e.location})`}`
          })
      )
    )
    // A module compiled to CommonJS (no "type": "module" above it) arrives as { default: module.exports }.
    const exported = ns.default as { readonly __esModule?: unknown; readonly default?: unknown } | undefined
    const value =
      typeof exported === "object" && exported !== null && exported.__esModule === true ? exported.default : ns.default
    if (value === undefined) {
      return yield* new InputError({
        file,
        text: `${file}: the module has no default export; export a program: export default Rose.program({ … })`
      })
    }
    if (!isProgram(value)) {
      return yield* new InputError({
        file,
        text: `${file}: the default export is ${describeValue(value)}, not a program; build it with Rose.program({ … })`
      })
    }
    return value
  })

/**
 * Loads FILE as a program.
 *
 * @since 0.1.0
 * @category loading
 */
export const load = (file: string, options: LoadOptions): Effect.Effect<Loaded, InputError> =>
  Effect.gen(function* () {
    const rose = isRoseFile(file)
    if (!rose && !moduleExtensions.test(file)) {
      return yield* new InputError({
        file,
        text: `${file}: expected a .rose file or a program module (.ts, .mts, .js, .mjs)`
      })
    }
    const { absolute, text } = yield* read(file)
    const here = NodePath.dirname(absolute)
    if (rose) {
      // Plugins first: the backend kinds they add are names the file may use.
      const plugins = yield* loadPluginModules(file, [
        ...Dsl.pluginPaths(text, { here }).map((specifier) => ({ specifier, relativeTo: here })),
        ...cliPlugins(options.plugins)
      ])
      const compiled = Dsl.compileWithDiagnostics(text, {
        ...dslOptions(file, absolute),
        backendKinds: backendKinds(plugins)
      })
      if (compiled.program === undefined) {
        return yield* new InputError({
          file,
          text: formatDiagnostics(compiled.diagnostics, text, file, options.color),
          diagnostics: compiled.diagnostics,
          source: text
        })
      }
      const warnings =
        compiled.diagnostics.length === 0 ? "" : formatDiagnostics(compiled.diagnostics, text, file, options.color)
      return { file, absolute, kind: "rose", text, program: compiled.program, plugins, warnings } satisfies Loaded
    }
    const program = yield* loadModule(file, absolute)
    const plugins = yield* loadPluginModules(file, [
      ...program.plugins.map((specifier) => ({ specifier, relativeTo: here })),
      ...cliPlugins(options.plugins)
    ])
    return {
      file,
      absolute,
      kind: "module",
      text,
      program: { ...program, source: { file: program.source.file ?? absolute, text } },
      plugins,
      warnings: ""
    } satisfies Loaded
  })

/**
 * Checks a `.rose` file as `rose check` does: its plugins loaded first, so the backend kinds they add
 * are known; every diagnostic, warnings included.
 *
 * @since 0.1.0
 * @category checking
 */
export const checkRose = (
  file: string,
  options: { readonly plugins?: ReadonlyArray<string> | undefined } = {}
): Effect.Effect<
  {
    readonly text: string
    readonly diagnostics: ReadonlyArray<Diagnostic.Diagnostic>
    /** Backend configurations their plugin's schema refuses. */
    readonly problems: ReadonlyArray<string>
  },
  InputError
> =>
  Effect.gen(function* () {
    const { absolute, text } = yield* read(file)
    const here = NodePath.dirname(absolute)
    const plugins = yield* loadPluginModules(file, [
      ...Dsl.pluginPaths(text, { here }).map((specifier) => ({ specifier, relativeTo: here })),
      ...cliPlugins(options.plugins)
    ])
    const opts = { ...dslOptions(file, absolute), backendKinds: backendKinds(plugins) }
    const { diagnostics } = Dsl.check(text, opts)
    const problems: Array<string> = []
    if (!Diagnostic.hasErrors(diagnostics)) {
      const compiled = Dsl.compile(text, opts)
      const registry = Registry.make([Builtin.plugin, ...plugins])
      if (Either.isRight(compiled) && Either.isRight(registry)) {
        for (const choice of compiled.right.backends) {
          const decoded = Registry.decodeBackendConfig(registry.right, choice)
          if (Either.isLeft(decoded)) problems.push(decoded.left.message)
        }
      }
    }
    return { text, diagnostics, problems }
  })
