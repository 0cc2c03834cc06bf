/**
 * The integration project's global set-up (vitest `globalSetup`): before any test file runs, this
 * checkout's test services are up (services.ts: packages installed as root, three loopback sshd,
 * a one-node SLURM), and the test processes inherit SLURM_CONF and the state folders. At the end it
 * stops the services this run started, unless ROSE_TEST_KEEP_SERVICES=1 (then they stay for the next
 * run or for bench/; the stop scripts end them).
 */
import * as fs from "node:fs"
import { isAlive } from "../support/processes.ts"
import { readServiceEnv, stateRoot } from "./env.ts"
import { ensureServices, SetupImpossible, stopServices } from "./services.ts"

type Name = "sshd" | "slurm"

/** Who will stop the services: a run records itself so a later run can tell a crashed owner. */
interface Owner {
  readonly pid: number
  readonly command: string
  readonly services: ReadonlyArray<Name>
}

const commandOf = (pid: number) => {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8")
  } catch {
    return ""
  }
}

const ownerFile = () => `${stateRoot()}/owner.json`

const readOwner = (): Owner | undefined => {
  try {
    return JSON.parse(fs.readFileSync(ownerFile(), "utf8")) as Owner
  } catch {
    return undefined
  }
}

const say = (line: string) => process.stdout.write(`[test services] ${line}\n`)

export default async function setup() {
  const keep = process.env.ROSE_TEST_KEEP_SERVICES === "1"
  const before = readOwner()
  const services = await ensureServices(say).catch((e: unknown) => {
    if (!(e instanceof SetupImpossible)) throw e
    // One message and out: thrown from here, vitest would add "No test files found" and its
    // include patterns, which send the reader the wrong way.
    process.stderr.write(`\n${e.message}\n\n`)
    process.exit(1)
  })
  Object.assign(process.env, services.env)

  // Services started by a run that never got to stop them (killed, crashed) are this run's to stop;
  // a live owner is another run of this checkout, which stops them itself. The command line guards
  // against a recycled pid.
  const ownerGone = before !== undefined && !(isAlive(before.pid) && commandOf(before.pid) === before.command)
  const inherited = ownerGone ? before.services : []
  if (inherited.length > 0) say(`${inherited.join(" and ")} left by run ${before!.pid}, which died: stopped at the end`)
  const ours = (["sshd", "slurm"] as const).filter((n) => services[n].outcome === "started" || inherited.includes(n))
  if (keep) fs.rmSync(ownerFile(), { force: true })
  else if (ours.length > 0 && (before === undefined || ownerGone)) {
    const owner: Owner = { pid: process.pid, command: commandOf(process.pid), services: ours }
    fs.writeFileSync(ownerFile(), JSON.stringify(owner))
  }

  const ssh = readServiceEnv("the test sshd", services.sshd.dir, "")
  const slurm = readServiceEnv("the test SLURM", services.slurm.dir, "")
  say(
    `sshd on ${ssh.get("ROSE_SSH_HOSTS")} port ${ssh.get("ROSE_SSH_PORT")} (${services.sshd.outcome}); ` +
      `SLURM cluster ${slurm.get("ROSE_SLURM_CLUSTER")} on ports ${slurm.get("ROSE_SLURMCTLD_PORT")}/${slurm.get("ROSE_SLURMD_PORT")} ` +
      `(${services.slurm.outcome}); state in ${stateRoot()}; ready in ${services.seconds.toFixed(1)} s`
  )

  return async () => {
    const owner = readOwner()
    if (keep) {
      say(
        "kept running (ROSE_TEST_KEEP_SERVICES=1); stop them with: bash test/integration/setup/sshd-stop.sh; bash test/integration/setup/slurm-stop.sh"
      )
      return
    }
    if (owner?.pid !== process.pid) {
      say("left running: this run did not start them")
      return
    }
    const t = Date.now()
    await stopServices(owner.services)
    fs.rmSync(ownerFile(), { force: true })
    say(`stopped ${owner.services.join(" and ")} in ${((Date.now() - t) / 1000).toFixed(1)} s`)
  }
}
