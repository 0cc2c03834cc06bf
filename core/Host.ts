/**
 * Facts about the machine and process the run lives in, provided by the runtime layer so library
 * code never reads a runtime's globals.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The process id of this (the `rose`) process. */
  readonly pid: number
  readonly hostname: string
  /** Cores this process may use: the local backend's default concurrency. */
  readonly cpuCount: number
  /** The current working directory. */
  readonly cwd: string
  /** The runtime and its version, e.g. `node 20.20.2`, for run.json. */
  readonly runtime: string
}

/**
 * @since 0.1.0
 * @category services
 */
export class Host extends Context.Tag("rose/Host")<Host, Service>() {}

/**
 * A fixed host, for tests.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerTest = (overrides: Partial<Service> = {}): Layer.Layer<Host> =>
  Layer.succeed(Host, {
    pid: 1,
    hostname: "test-host",
    cpuCount: 2,
    cwd: "/",
    runtime: "test",
    ...overrides
  })
