/**
 * Reads a test service's `<state folder>/env` (written by sshd.sh or slurm.sh: `KEY=value` lines,
 * no quotes, values without spaces). Used by the integration tests and by bench/.
 */
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"

export interface ServiceEnv {
  /** The env file read. */
  readonly file: string
  /** A key's value; throws, saying how to start the service, when it is missing. */
  readonly get: (key: string) => string
}

/**
 * @param service what to call the service in messages (`the test sshd`)
 * @param dir its state folder
 * @param start how to start it (`start it with: bash …`)
 */
export const readServiceEnv = (service: string, dir: string, start: string): ServiceEnv => {
  const file = `${dir}/env`
  let text: string
  try {
    text = fs.readFileSync(file, "utf8")
  } catch {
    throw new Error(`${service} is not set up (${file} is missing); ${start}`)
  }
  const values = new Map<string, string>()
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || !line.includes("=")) continue
    const at = line.indexOf("=")
    values.set(line.slice(0, at), line.slice(at + 1).trim())
  }
  return {
    file,
    get: (key) => {
      const v = values.get(key)
      if (v === undefined) throw new Error(`${file} has no ${key}; ${start}`)
      return v
    }
  }
}

/** The repository this file belongs to, symlinks resolved (as `pwd -P` gives it to state.sh). */
export const repoRoot = () => fs.realpathSync(path.resolve(import.meta.dirname, "../../.."))

/**
 * This checkout's folder for test-service state: `/tmp/rose-test-<first 8 hex of sha256(repository
 * path)>`, the same as state.sh computes, so two clones never share daemons, ports or clusters.
 */
export const stateRoot = () =>
  process.env.ROSE_TEST_STATE ??
  `/tmp/rose-test-${crypto.createHash("sha256").update(repoRoot()).digest("hex").slice(0, 8)}`

export const sshdDir = () => process.env.ROSE_SSHD_DIR ?? `${stateRoot()}/sshd`
export const slurmDir = () => process.env.ROSE_SLURM_DIR ?? `${stateRoot()}/slurm`
