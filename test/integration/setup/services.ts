/**
 * Brings up what the integration tests (and bench/) use, as the integration project's global set-up
 * and `npm run bench` do: Debian's packages when missing (as root), then this checkout's three
 * loopback sshd and its one-node SLURM through sshd.sh and slurm.sh (both idempotent: running,
 * healthy services are reused; dead, changed or silent ones are replaced). When that cannot work
 * (not root, no apt-get), it throws one error naming everything missing and how to get it.
 */
import * as cp from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { readServiceEnv, repoRoot, slurmDir, sshdDir, stateRoot } from "./env.ts"

/** Debian's package for each program the integration tests run; a missing program means install it. */
const programs: ReadonlyArray<{ readonly program: string; readonly pkg: string; readonly for: string }> = [
  { program: "sshd", pkg: "openssh-server", for: "the SSH tests" },
  { program: "ssh", pkg: "openssh-client", for: "the SSH tests" },
  { program: "ssh-keygen", pkg: "openssh-client", for: "the SSH tests" },
  { program: "slurmctld", pkg: "slurm-wlm", for: "the SLURM tests" },
  { program: "slurmd", pkg: "slurm-wlm", for: "the SLURM tests" },
  { program: "sbatch", pkg: "slurm-wlm", for: "the SLURM tests" },
  { program: "munged", pkg: "munge", for: "the SLURM tests" },
  { program: "chromium", pkg: "chromium", for: "the report test" },
  { program: "tmux", pkg: "tmux", for: "the live display test" },
  { program: "script", pkg: "bsdutils", for: "the live display test" }
]

const searchPath = () => [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/sbin", "/usr/bin", "/bin"]

/** The absolute path of a program, as the shell would find it (sbin included: sshd lives there). */
export const which = (program: string): string | undefined => {
  for (const dir of searchPath()) {
    if (dir === "") continue
    const file = path.join(dir, program)
    try {
      fs.accessSync(file, fs.constants.X_OK)
      if (fs.statSync(file).isFile()) return file
    } catch {}
  }
  return undefined
}

/** Debian packages to install, with what needs them. */
export const missingPackages = (): ReadonlyArray<{ readonly pkg: string; readonly for: string }> => {
  const out = new Map<string, string>()
  for (const p of programs) if (which(p.program) === undefined && !out.has(p.pkg)) out.set(p.pkg, p.for)
  return [...out].map(([pkg, what]) => ({ pkg, for: what }))
}

export type Outcome = "started" | "reused"

export interface Services {
  readonly sshd: { readonly dir: string; readonly outcome: Outcome }
  readonly slurm: { readonly dir: string; readonly outcome: Outcome; readonly conf: string }
  /** What the tests' processes need in their environment to find these services. */
  readonly env: { readonly [name: string]: string }
  readonly installed: ReadonlyArray<string>
  readonly seconds: number
}

const isRoot = () => process.getuid?.() === 0

const run = (argv: ReadonlyArray<string>, env: NodeJS.ProcessEnv, log: string) =>
  new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = cp.spawn(argv[0]!, argv.slice(1), {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    child.stdout.on("data", (d) => (output += d))
    child.stderr.on("data", (d) => (output += d))
    child.on("error", (e) => (output += String(e)))
    child.on("close", (code) => {
      fs.writeFileSync(log, output)
      resolve({ code, output })
    })
  })

const tail = (text: string, lines = 25) => text.trimEnd().split("\n").slice(-lines).join("\n")

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

/** Why this user cannot use the running services (none when they answer). */
const unusable = async (): Promise<ReadonlyArray<string>> => {
  const problems: Array<string> = []
  if (!fs.existsSync(`${sshdDir()}/env`)) {
    problems.push(`the test sshd is not running (no ${sshdDir()}/env)`)
  } else {
    const { get } = readServiceEnv("the test sshd", sshdDir(), "")
    const port = Number(get("ROSE_SSH_PORT"))
    try {
      fs.accessSync(get("ROSE_SSH_KEY"), fs.constants.R_OK)
    } catch {
      problems.push(`the test sshd's key ${get("ROSE_SSH_KEY")} is not readable by this user`)
    }
    for (const h of get("ROSE_SSH_HOSTS").split(",")) {
      if (!(await answers(h, port))) problems.push(`the test sshd does not answer on ${h}:${port}`)
    }
  }
  if (!fs.existsSync(`${slurmDir()}/env`)) {
    problems.push(`the test SLURM is not running (no ${slurmDir()}/env)`)
  } else {
    const { get } = readServiceEnv("the test SLURM", slurmDir(), "")
    const ping = cp.spawnSync("scontrol", ["ping"], {
      encoding: "utf8",
      env: { ...process.env, SLURM_CONF: get("SLURM_CONF") },
      timeout: 20_000
    })
    if (!/is UP/.test(ping.stdout ?? "")) {
      problems.push(
        `the test SLURM does not answer (scontrol ping: ${`${ping.stdout ?? ""}${ping.stderr ?? ""}`.trim()})`
      )
    }
  }
  return problems
}

/** One error for everything that is missing, saying how to get it. */
export class SetupImpossible extends Error {
  constructor(problems: ReadonlyArray<string>, packages: ReadonlyArray<string> = []) {
    const install = packages.length > 0 ? `apt-get install -y --no-install-recommends ${packages.join(" ")}; ` : ""
    super(
      [
        "The integration suite cannot be set up here:",
        ...problems.map((p) => `  - ${p}`),
        "To get what is missing, either",
        "  - run the tests as root on Debian 12 (`sudo npm test`): the set-up installs the packages with apt-get",
        "    and starts the services itself, as CI does; or",
        `  - as root: ${install}bash test/integration/setup/sshd.sh; bash test/integration/setup/slurm.sh`,
        "    (the SSH tests log in as root, so the suite runs as root too).",
        "`npm run test:unit` runs the unit suite alone."
      ].join("\n")
    )
    this.name = "SetupImpossible"
    // the stack would only point into this file; the message is the whole story
    this.stack = `${this.name}: ${this.message}`
  }
}

/**
 * Installs what is missing and starts (or reuses) the sshd hosts and the SLURM cluster; `log` gets a
 * line per step. Throws `SetupImpossible` when this user cannot have them.
 */
export const ensureServices = async (log: (line: string) => void): Promise<Services> => {
  const t0 = Date.now()
  const state = stateRoot()
  fs.mkdirSync(state, { recursive: true })
  const missing = missingPackages()
  const root = isRoot()
  const problems: Array<string> = []
  const installed: Array<string> = []
  const list = missing.map((m) => `${m.pkg} (${m.for})`).join(", ")
  if (!root) {
    // someone may have set everything up as root with files this user can read
    const cannot = [...(missing.length > 0 ? [`missing Debian packages: ${list}`] : []), ...(await unusable())]
    if (cannot.length > 0) {
      problems.push(`this user (uid ${process.getuid?.()}) is not root: the set-up cannot install or start anything`)
      problems.push(...cannot)
    }
  } else if (missing.length > 0) {
    if (which("apt-get") === undefined) {
      problems.push(`no apt-get here to install: ${list}`)
    } else {
      const pkgs = missing.map((m) => m.pkg)
      log(`installing ${pkgs.join(" ")} with apt-get (log: ${state}/apt.log)`)
      const t = Date.now()
      const args = ["-y", "-q", "--no-install-recommends", "-o", "DPkg::Lock::Timeout=300"]
      const env = { DEBIAN_FRONTEND: "noninteractive" }
      let r = await run(["apt-get", "install", ...args, ...pkgs], env, `${state}/apt.log`)
      if (r.code !== 0) {
        // a fresh machine's package lists may be missing or stale
        await run(["apt-get", "update", "-q", "-o", "DPkg::Lock::Timeout=300"], env, `${state}/apt-update.log`)
        r = await run(["apt-get", "install", ...args, ...pkgs], env, `${state}/apt.log`)
      }
      const still = missingPackages().map((m) => m.pkg)
      if (r.code !== 0) {
        problems.push(`apt-get install ${pkgs.join(" ")} failed:\n${tail(r.output, 15)}`)
      } else if (still.length > 0) {
        problems.push(`apt-get install succeeded, yet programs of ${still.join(", ")} are missing`)
      } else {
        installed.push(...pkgs)
        log(`installed in ${((Date.now() - t) / 1000).toFixed(1)} s`)
      }
    }
  }
  if (problems.length > 0)
    throw new SetupImpossible(
      problems,
      missing.map((m) => m.pkg)
    )

  const env = { ROSE_SSHD_DIR: sshdDir(), ROSE_SLURM_DIR: slurmDir() }
  const setup = path.join(repoRoot(), "test/integration/setup")
  const [sshd, slurm] = await Promise.all(
    (["sshd", "slurm"] as const).map(async (name) => {
      const dir = name === "sshd" ? env.ROSE_SSHD_DIR : env.ROSE_SLURM_DIR
      fs.mkdirSync(dir, { recursive: true })
      const r = await run(["bash", path.join(setup, `${name}.sh`)], env, `${dir}/setup.log`)
      const outcome = /result: (started|reused)\s*$/.exec(r.output)?.[1] as Outcome | undefined
      if (r.code !== 0 || outcome === undefined) {
        throw new SetupImpossible([
          `bash test/integration/setup/${name}.sh exited ${r.code} (whole output: ${dir}/setup.log):\n${tail(r.output)}`
        ])
      }
      return { dir, outcome }
    })
  )
  const conf = readServiceEnv("the test SLURM", slurm!.dir, "").get("SLURM_CONF")
  return {
    sshd: sshd!,
    slurm: { ...slurm!, conf },
    env: { ...env, SLURM_CONF: conf },
    installed,
    seconds: (Date.now() - t0) / 1000
  }
}

/** Stops this checkout's sshd hosts and SLURM cluster; their scripts' output, for the log. */
export const stopServices = async (which: ReadonlyArray<"sshd" | "slurm">): Promise<string> => {
  const setup = path.join(repoRoot(), "test/integration/setup")
  const env = { ROSE_SSHD_DIR: sshdDir(), ROSE_SLURM_DIR: slurmDir() }
  const outputs = await Promise.all(
    which.map(async (name) => {
      const dir = name === "sshd" ? env.ROSE_SSHD_DIR : env.ROSE_SLURM_DIR
      return (await run(["bash", path.join(setup, `${name}-stop.sh`)], env, `${dir}/stop.log`)).output
    })
  )
  return outputs.join("")
}
