/**
 * Backends: where tasks run.
 *
 * @since 0.1.0
 * @module
 */

/**
 * The runtime's process contract (it lives in `core`, beside `Signals` and `Host`), here too for
 * backends written against this entry point.
 *
 * @since 0.1.0
 */
export * as Spawner from "../core/Spawner.ts"
export * as DryRunBackend from "./DryRunBackend.ts"
export * as LocalBackend from "./LocalBackend.ts"
export * as SlurmBackend from "./SlurmBackend.ts"
export * as SshBackend from "./SshBackend.ts"
