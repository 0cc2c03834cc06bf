/**
 * Plugins: the contract, the registry and the built-in plugin.
 *
 * @since 0.1.0
 * @module
 */
export * as Builtin from "./Builtin.ts"
export * as CsvTracker from "./CsvTracker.ts"
export * as Loader from "./Loader.ts"
export * as Plugin from "./Plugin.ts"
export { definePlugin } from "./Plugin.ts"
export * as Registry from "./Registry.ts"
export * as Report from "./Report.ts"
export * as Trackers from "./Trackers.ts"
