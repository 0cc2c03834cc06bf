/**
 * The test sshd (test/integration/setup/sshd.sh, started by the integration project's global set-up):
 * its settings from `<state folder>/env`, and a check that it answers. Tests that need it fail with a
 * message saying how to start it; they never skip.
 */
import * as fs from "node:fs"
import * as net from "node:net"
import { readServiceEnv, sshdDir } from "../setup/env.ts"

export interface SshdEnv {
  readonly dir: string
  readonly config: string
  readonly key: string
  readonly knownHosts: string
  readonly port: number
  readonly user: string
  readonly hosts: ReadonlyArray<string>
  readonly maxSessions: number
}

const START =
  "npm test starts it (as root: the integration project's global set-up); by hand: bash test/integration/setup/sshd.sh"

const readEnv = (): SshdEnv => {
  const { get } = readServiceEnv("the test sshd", sshdDir(), START)
  return {
    dir: get("ROSE_SSHD_DIR"),
    config: get("ROSE_SSH_CONFIG"),
    key: get("ROSE_SSH_KEY"),
    knownHosts: get("ROSE_SSH_KNOWN_HOSTS"),
    port: Number(get("ROSE_SSH_PORT")),
    user: get("ROSE_SSH_USER"),
    hosts: get("ROSE_SSH_HOSTS").split(","),
    maxSessions: Number(get("ROSE_SSH_MAX_SESSIONS"))
  }
}

const answers = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ host, port, timeout: 3000 })
    socket.once("data", (d) => {
      socket.destroy()
      resolve(d.toString("utf8").startsWith("SSH-"))
    })
    socket.once("error", () => resolve(false))
    socket.once("timeout", () => {
      socket.destroy()
      resolve(false)
    })
  })

/** The test sshd's settings, once every host answers; throws a clear error otherwise. */
export const requireSshd = async (): Promise<SshdEnv> => {
  const env = readEnv()
  const down: Array<string> = []
  for (const h of env.hosts) if (!(await answers(h, env.port))) down.push(`${h}:${env.port}`)
  if (down.length > 0) throw new Error(`the test sshd does not answer on ${down.join(", ")}; ${START}`)
  return env
}

/**
 * The pids of this machine's live (non-zombie) processes whose command line contains every one of
 * `texts` (loopback hosts share it).
 */
export const pgrepLocal = (...texts: ReadonlyArray<string>): Array<number> => {
  const out: Array<number> = []
  for (const e of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue
    try {
      const cmd = fs.readFileSync(`/proc/${e}/cmdline`, "utf8").replace(/\0/g, " ")
      const stat = fs.readFileSync(`/proc/${e}/stat`, "utf8")
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3)
      if (state !== "Z" && texts.every((t) => cmd.includes(t)) && Number(e) !== process.pid) out.push(Number(e))
    } catch {}
  }
  return out
}
