/**
 * Everything library code needs from the runtime, in one layer: `@effect/platform`'s file system,
 * path, command and terminal services (Node's implementation, which also serves Deno and Bun), our process
 * spawner, the host facts, signal handling and module loading.
 *
 * @since 0.1.0
 */
import * as Layer from "effect/Layer"
import * as NodeContext from "./NodeContext.ts"
import * as NodeHost from "./NodeHost.ts"
import * as NodeModuleLoader from "./NodeModuleLoader.ts"
import * as NodeSignals from "./NodeSignals.ts"
import * as NodeSpawner from "./NodeSpawner.ts"

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = Layer.mergeAll(
  NodeContext.layer,
  NodeSpawner.layer,
  NodeHost.layer,
  NodeSignals.layer,
  NodeModuleLoader.layer
)
