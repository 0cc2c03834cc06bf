/**
 * The test SLURM (test/integration/setup/slurm.sh, started by the integration project's global
 * set-up): its settings from `<state folder>/env`, a check that the controller answers, and helpers
 * to look at jobs and processes. Tests that need it fail with a message saying how to start it; they
 * never skip.
 */
import * as cp from "node:child_process"
import { readServiceEnv, slurmDir } from "../setup/env.ts"

export interface SlurmEnv {
  readonly dir: string
  readonly node: string
  readonly cpus: number
  readonly partition: string
  readonly partitions: ReadonlyArray<string>
  readonly killWait: number
  /** This checkout's cluster: its ClusterName and the slurm.conf every slurm command must read. */
  readonly cluster: string
  readonly conf: string
}

const START =
  "npm test starts it (as root: the integration project's global set-up); by hand: bash test/integration/setup/slurm.sh"

const readEnv = (): SlurmEnv => {
  const { get } = readServiceEnv("the test SLURM", slurmDir(), START)
  return {
    dir: get("ROSE_SLURM_DIR"),
    node: get("ROSE_SLURM_NODE"),
    cpus: Number(get("ROSE_SLURM_CPUS")),
    partition: get("ROSE_SLURM_PARTITION"),
    partitions: get("ROSE_SLURM_PARTITIONS").split(","),
    killWait: Number(get("ROSE_SLURM_KILL_WAIT")),
    cluster: get("ROSE_SLURM_CLUSTER"),
    conf: get("SLURM_CONF")
  }
}

/** Runs a SLURM command; its stdout, or throws with its stderr. */
export const slurm = (argv: ReadonlyArray<string>): string => {
  const r = cp.spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", timeout: 30_000 })
  if (r.error !== undefined) throw r.error
  if (r.status !== 0) throw new Error(`${argv.join(" ")} exited ${r.status}: ${r.stderr}`)
  return r.stdout
}

/** The test cluster's settings, after checking that its controller and node answer. */
export const requireSlurm = async (): Promise<SlurmEnv> => {
  const env = readEnv()
  // Nothing in /etc/slurm names this cluster (another checkout's may be there): every slurm command
  // of this process and its children (the backend under test, the CLI) finds it through SLURM_CONF.
  process.env.SLURM_CONF = env.conf
  let ping: string
  try {
    ping = slurm(["scontrol", "ping"])
  } catch (e) {
    throw new Error(`the test SLURM does not answer (scontrol ping: ${String(e)}); ${START}`)
  }
  if (!/is UP/.test(ping)) throw new Error(`slurmctld is not up (scontrol ping: ${ping.trim()}); ${START}`)
  const cluster = /ClusterName\s*=\s*(\S+)/.exec(slurm(["scontrol", "show", "config"]))?.[1]
  if (cluster !== env.cluster) throw new Error(`SLURM_CONF=${env.conf} reached cluster ${cluster}, not ${env.cluster}`)
  const state = slurm(["sinfo", "--noheader", "--Node", `--nodes=${env.node}`, "--format=%T"]).trim()
  if (!/^(idle|mixed|allocated|completing)/.test(state)) {
    throw new Error(`the test node ${env.node} is "${state}", not usable; ${START}`)
  }
  return env
}

/** Jobs the scheduler still shows pending, running or completing, with their names. */
export const activeJobs = (): Array<{ readonly id: string; readonly name: string; readonly state: string }> =>
  slurm(["squeue", "--noheader", "--states=PD,R,CG,CF,S", "--format=%i|%j|%T"])
    .split("\n")
    .filter((l) => l.trim().length > 0)
    .map((l) => {
      const [id, name, state] = l.trim().split("|")
      return { id: id!, name: name!, state: state! }
    })

/** Waits until no job whose name starts with `prefix` is active; returns the ones left. */
export const waitNoJobs = async (prefix: string, seconds = 20) => {
  const deadline = Date.now() + seconds * 1000
  while (Date.now() < deadline) {
    if (!activeJobs().some((j) => j.name.startsWith(prefix))) return []
    await new Promise((r) => setTimeout(r, 100))
  }
  return activeJobs().filter((j) => j.name.startsWith(prefix))
}

/** A job's state and fields as `scontrol show job` prints them. */
export const jobState = (id: string): string =>
  /JobState=(\S+)/.exec(slurm(["scontrol", "show", "job", id]))?.[1] ?? "UNKNOWN"
