/**
 * The runtime layer: the only code that touches Node (and the Node compatibility of Deno and Bun).
 *
 * @since 0.1.0
 * @module
 */
export * as ModuleLoader from "./ModuleLoader.ts"
export * as NodeContext from "./NodeContext.ts"
export * as NodeHost from "./NodeHost.ts"
export * as NodeModuleLoader from "./NodeModuleLoader.ts"
export * as NodeSignals from "./NodeSignals.ts"
export * as NodeSpawner from "./NodeSpawner.ts"
export * as Platform from "./Platform.ts"
