/**
 * The argv of every `ssh` and `sftp` the SSH backend runs: the connection options of a host, the
 * control master, commands multiplexed over it, and file transfers.
 */

export interface Connection {
  /** The destination as given (a host name, an address, or a `Host` alias of `ssh_config`). */
  readonly destination: string
  readonly port?: number | undefined
  readonly user?: string | undefined
  readonly identity?: string | undefined
  readonly knownHosts?: string | undefined
  readonly strictHostKeyChecking: boolean | "accept-new"
  readonly sshConfig?: string | undefined
  readonly connectTimeoutSeconds: number
  /** Extra `-o Key=Value` options, passed as written. */
  readonly options: ReadonlyArray<string>
}

/** A path inside an `-o Key=Value` option: ssh splits option values on spaces unless quoted. */
const optionPath = (p: string) => (/[\s"]/.test(p) ? `"${p.replace(/"/g, '\\"')}"` : p)

/** Options every ssh/sftp of a host gets (command-line options win over `ssh_config`). */
export const common = (c: Connection): Array<string> => {
  const out: Array<string> = []
  if (c.sshConfig !== undefined) out.push("-F", c.sshConfig)
  out.push("-o", "BatchMode=yes", "-o", `ConnectTimeout=${Math.max(1, Math.ceil(c.connectTimeoutSeconds))}`)
  if (c.port !== undefined) out.push("-o", `Port=${c.port}`)
  if (c.user !== undefined) out.push("-o", `User=${c.user}`)
  if (c.identity !== undefined) out.push("-o", `IdentityFile=${optionPath(c.identity)}`, "-o", "IdentitiesOnly=yes")
  if (c.knownHosts !== undefined) out.push("-o", `UserKnownHostsFile=${optionPath(c.knownHosts)}`)
  const strict = c.strictHostKeyChecking === true ? "yes" : c.strictHostKeyChecking === false ? "no" : "accept-new"
  out.push("-o", `StrictHostKeyChecking=${strict}`)
  for (const o of c.options) out.push("-o", o)
  return out
}

/** The control master: no command, no session, kept alive by server-alive probes. */
export const master = (ssh: string, c: Connection, socket: string): Array<string> => [
  ssh,
  ...common(c),
  "-M",
  "-N",
  "-o",
  "ControlMaster=yes",
  "-o",
  `ControlPath=${socket}`,
  "-o",
  "ControlPersist=no",
  "-o",
  "ServerAliveInterval=15",
  "-o",
  "ServerAliveCountMax=3",
  "-o",
  "ExitOnForwardFailure=yes",
  "-o",
  "LogLevel=ERROR",
  c.destination
]

/**
 * The master under a watchdog shell: if the process that owns it (rose) dies without closing it
 * (SIGKILL, a crash), the master is stopped within a second instead of holding its connection
 * forever. The shell and the master share a process group; signalling the group stops both.
 */
export const watchedMaster = (ssh: string, c: Connection, socket: string, ownerPid: number): Array<string> => [
  "/bin/sh",
  "-c",
  [
    '"$@" & m=$!',
    `trap 'kill "$m" 2>/dev/null' TERM INT HUP`,
    `while kill -0 "$m" 2>/dev/null; do kill -0 ${Math.trunc(ownerPid)} 2>/dev/null || kill "$m" 2>/dev/null; sleep 1; done`,
    'wait "$m"'
  ].join("\n"),
  "rose-ssh-master",
  ...master(ssh, c, socket)
]

/**
 * Options of a client multiplexed over the master. `ProxyCommand=false` makes a client whose master
 * is gone fail at once (exit 255) instead of quietly opening a new connection with its own handshake
 * (ssh falls back to a direct connection when the control socket does not answer).
 */
const muxed = (socket: string) => [
  "-o",
  `ControlPath=${socket}`,
  "-o",
  "ControlMaster=no",
  "-o",
  "ProxyCommand=false",
  "-o",
  "LogLevel=ERROR"
]

/** A command over the master: `<shell> -s` reading a script on stdin. */
export const command = (ssh: string, c: Connection, socket: string, remoteCommand: string): Array<string> => [
  ssh,
  ...common(c),
  ...muxed(socket),
  "-T",
  c.destination,
  remoteCommand
]

/** `ssh -O check|exit` on the master's socket. */
export const control = (ssh: string, c: Connection, socket: string, op: "check" | "exit"): Array<string> => [
  ssh,
  ...common(c),
  "-o",
  `ControlPath=${socket}`,
  "-O",
  op,
  c.destination
]

/** `sftp -b -` over the master, reading its batch on stdin. */
export const sftp = (binary: string, c: Connection, socket: string): Array<string> => [
  binary,
  ...common(c),
  ...muxed(socket),
  "-b",
  "-",
  c.destination
]

/** A fresh connection per command (no master): the benchmark's baseline. */
export const fresh = (ssh: string, c: Connection, remoteCommand: string): Array<string> => [
  ssh,
  ...common(c),
  "-o",
  "ControlMaster=no",
  "-o",
  "ControlPath=none",
  "-o",
  "LogLevel=ERROR",
  "-T",
  c.destination,
  remoteCommand
]
