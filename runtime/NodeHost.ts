/**
 * The `Host` service from Node's `process` and `os` (also present on Deno and Bun).
 *
 * @since 0.1.0
 */
import * as Os from "node:os"
import * as Layer from "effect/Layer"
import * as Host from "../core/Host.ts"

const runtimeName = (): string => {
  const versions = process.versions as Record<string, string | undefined>
  if (versions.bun !== undefined) return `bun ${versions.bun}`
  if (versions.deno !== undefined) return `deno ${versions.deno}`
  return `node ${process.versions.node}`
}

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Host.Host> = Layer.sync(Host.Host, () => ({
  pid: process.pid,
  hostname: Os.hostname(),
  cpuCount: typeof Os.availableParallelism === "function" ? Os.availableParallelism() : Os.cpus().length,
  cwd: process.cwd(),
  runtime: runtimeName()
}))
