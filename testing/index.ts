/**
 * Testing what plugs into rose: the conformance suite a backend plugin runs in its own repository,
 * the same one the built-in backends pass. Needs `vitest` and `@effect/vitest` (the plugin's own
 * development dependencies).
 *
 * @since 0.1.0
 * @module
 */
export * as BackendSuite from "./BackendSuite.ts"
