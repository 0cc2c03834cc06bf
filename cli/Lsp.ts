/**
 * `rose lsp`: the language server for `.rose` files, over stdio (Language Server Protocol 3.17, by
 * `vscode-languageserver`). This module is the connection only: it keeps the open documents, loads
 * each document's plugins (so their backend kinds are known, as `rose check` knows them), debounces
 * diagnostics while the user types, and hands every request to `LanguageService`, which answers
 * from the text alone. Nothing but the protocol is written to stdout.
 *
 * @since 0.1.0
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import * as NodeUrl from "node:url"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as SchemaAST from "effect/SchemaAST"
import {
  createConnection,
  type DocumentSymbol,
  StreamMessageReader,
  StreamMessageWriter,
  TextDocumentSyncKind,
  TextDocuments
} from "vscode-languageserver/node"
import { TextDocument } from "vscode-languageserver-textdocument"
import * as Dsl from "../dsl/Dsl.ts"
import * as LanguageService from "../dsl/LanguageService.ts"
import * as Builtin from "../plugins/Builtin.ts"
import type * as Plugin from "../plugins/Plugin.ts"
import * as Input from "./Input.ts"

/**
 * How long diagnostics wait after a change for the next one (keystrokes in a burst are checked once).
 *
 * @since 0.1.0
 * @category constants
 */
export const debounceMillis = 50

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Plugin modules from the command line (`--plugin`), relative to the current directory. */
  readonly plugins: ReadonlyArray<string>
}

const optionsOf = (config: Plugin.BackendKind<any>["config"]): ReadonlyArray<string> =>
  Either.getOrElse(
    Either.try(() =>
      SchemaAST.getPropertySignatures(SchemaAST.encodedAST(config.ast)).flatMap((p) =>
        typeof p.name === "string" ? [p.name] : []
      )
    ),
    () => []
  )

const backendsOf = (plugins: ReadonlyArray<Plugin.Plugin>): ReadonlyArray<LanguageService.BackendKind> =>
  [Builtin.plugin, ...plugins].flatMap((p) =>
    Object.entries(p.backends ?? {}).map(([kind, spec]) => ({
      kind,
      description: spec.description,
      options: optionsOf(spec.config)
    }))
  )

const pathOf = (uri: string): string | undefined => (uri.startsWith("file:") ? NodeUrl.fileURLToPath(uri) : undefined)

/**
 * Serves the protocol on stdin/stdout until the client says `exit` or closes the stream.
 *
 * @since 0.1.0
 * @category running
 */
export const serve = (options: Options): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    const connection = createConnection(new StreamMessageReader(process.stdin), new StreamMessageWriter(process.stdout))
    const documents = new TextDocuments(TextDocument)
    const analyses = new Map<string, { readonly version: number; readonly analysis: LanguageService.Analysis }>()
    const timers = new Map<string, ReturnType<typeof setTimeout>>()
    // plugin paths (joined) → the backends they add, loaded once per set
    const backendCache = new Map<string, Promise<ReadonlyArray<LanguageService.BackendKind>>>()

    const backendsFor = (file: string, text: string): Promise<ReadonlyArray<LanguageService.BackendKind>> => {
      const here = NodePath.dirname(file)
      const requests = [
        ...Dsl.pluginPaths(text, { here }).map((specifier) => ({ specifier, relativeTo: here })),
        ...options.plugins.map((specifier) => ({ specifier, relativeTo: process.cwd() }))
      ]
      const key = JSON.stringify(requests)
      let found = backendCache.get(key)
      if (found === undefined) {
        found = Effect.runPromise(
          Input.loadPluginModules(file, requests).pipe(
            Effect.map(backendsOf),
            Effect.catchAll((e) =>
              Effect.sync(() => {
                connection.console.warn(e.text)
                return backendsOf([])
              })
            )
          )
        )
        backendCache.set(key, found)
      }
      return found
    }

    const environment = (
      uri: string,
      backends: ReadonlyArray<LanguageService.BackendKind> | undefined
    ): LanguageService.Environment => {
      const file = pathOf(uri)
      if (file === undefined) return { file: uri, backends }
      const here = NodePath.dirname(file)
      return {
        file,
        here,
        exists: (path) => NodeFs.existsSync(NodePath.resolve(here, path)),
        env: (name) => process.env[name],
        backends
      }
    }

    const backendsKnown = new Map<string, ReadonlyArray<LanguageService.BackendKind>>()

    const analysisOf = (document: TextDocument): LanguageService.Analysis => {
      const cached = analyses.get(document.uri)
      if (cached !== undefined && cached.version === document.version) return cached.analysis
      const analysis = LanguageService.analyze(
        document.getText(),
        environment(document.uri, backendsKnown.get(document.uri) ?? backendsOf([])),
        cached?.analysis
      )
      analyses.set(document.uri, { version: document.version, analysis })
      return analysis
    }

    const publish = (document: TextDocument): void => {
      const analysis = analysisOf(document)
      void connection.sendDiagnostics({
        uri: document.uri,
        version: document.version,
        diagnostics: [...LanguageService.diagnostics(analysis)]
      })
    }

    const refreshPlugins = (document: TextDocument): void => {
      const file = pathOf(document.uri)
      if (file === undefined) return
      void backendsFor(file, document.getText()).then((backends) => {
        if (backendsKnown.get(document.uri) === backends) return
        backendsKnown.set(document.uri, backends)
        const cached = analyses.get(document.uri)
        if (cached !== undefined) analyses.set(document.uri, { version: -1, analysis: cached.analysis })
        const current = documents.get(document.uri)
        if (current !== undefined) publish(current)
      })
    }

    connection.onInitialize(() => ({
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        completionProvider: { triggerCharacters: [".", " ", "{", ","] },
        hoverProvider: true,
        definitionProvider: true,
        documentSymbolProvider: true,
        documentFormattingProvider: true
      },
      serverInfo: { name: "rose", version: "0.1.0" }
    }))

    documents.onDidOpen(({ document }) => {
      publish(document)
      refreshPlugins(document)
    })
    documents.onDidChangeContent(({ document }) => {
      if (analyses.get(document.uri)?.version === document.version) return // opened: already published
      clearTimeout(timers.get(document.uri))
      timers.set(
        document.uri,
        setTimeout(() => {
          timers.delete(document.uri)
          const current = documents.get(document.uri)
          if (current !== undefined) publish(current)
        }, debounceMillis)
      )
    })
    documents.onDidSave(({ document }) => refreshPlugins(document))
    documents.onDidClose(({ document }) => {
      clearTimeout(timers.get(document.uri))
      analyses.delete(document.uri)
      backendsKnown.delete(document.uri)
      void connection.sendDiagnostics({ uri: document.uri, diagnostics: [] })
    })

    const withDocument =
      <P extends { readonly textDocument: { readonly uri: string } }, A>(
        f: (analysis: LanguageService.Analysis, params: P) => A
      ) =>
      (params: P): A | null => {
        const document = documents.get(params.textDocument.uri)
        return document === undefined ? null : f(analysisOf(document), params)
      }

    connection.onCompletion(
      withDocument((a, p) => [...LanguageService.complete(a, LanguageService.offsetAt(a, p.position))])
    )
    connection.onHover(
      withDocument((a, p) => LanguageService.hover(a, LanguageService.offsetAt(a, p.position)) ?? null)
    )
    connection.onDefinition(
      withDocument((a, p) => {
        const range = LanguageService.definition(a, LanguageService.offsetAt(a, p.position))
        return range === undefined ? null : { uri: p.textDocument.uri, range }
      })
    )
    connection.onDocumentSymbol(withDocument((a) => LanguageService.symbols(a) as Array<DocumentSymbol>))
    connection.onDocumentFormatting(withDocument((a) => [...LanguageService.formatting(a)]))

    documents.listen(connection)
    connection.onExit(() => resume(Effect.void))
    process.stdin.on("end", () => resume(Effect.void))
    connection.listen()
  })
