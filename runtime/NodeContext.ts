/**
 * `@effect/platform`'s file system, path, command executor and terminal on Node (and on the Node
 * compatibility of Deno and Bun). The implementations are `@effect/platform-node`'s, vendored in
 * generated/ (scripts/vendor-platform.mjs) so that installing rose-ts does not install that
 * package's peers (@effect/cluster, -sql, -rpc and native add-ons built by install scripts).
 *
 * @since 0.1.0
 */
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import type * as Terminal from "@effect/platform/Terminal"
import * as Layer from "effect/Layer"
import * as Vendored from "./generated/nodePlatform.js"

/**
 * @since 0.1.0
 * @category models
 */
export type NodeContext = CommandExecutor.CommandExecutor | FileSystem.FileSystem | Path.Path | Terminal.Terminal

/**
 * @since 0.1.0
 * @category layers
 */
export const fileSystemLayer: Layer.Layer<FileSystem.FileSystem> = Vendored.fileSystemLayer

/**
 * @since 0.1.0
 * @category layers
 */
export const pathLayer: Layer.Layer<Path.Path> = Vendored.pathLayer

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<NodeContext> = Layer.mergeAll(
  Vendored.pathLayer,
  Vendored.commandExecutorLayer,
  Vendored.terminalLayer
).pipe(Layer.provideMerge(Vendored.fileSystemLayer))
