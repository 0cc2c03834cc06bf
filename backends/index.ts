/**
 * Backends: where tasks run.
 *
 * @since 0.1.0
 * @module
 */
export * as DryRunBackend from "./DryRunBackend.ts"
export * as LocalBackend from "./LocalBackend.ts"
export * as SlurmBackend from "./SlurmBackend.ts"
export * as Spawner from "./Spawner.ts"
export * as SshBackend from "./SshBackend.ts"
