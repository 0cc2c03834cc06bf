/**
 * What ssh's error output means, in words a user can act on: why a connection could not be made,
 * and whether trying again may help.
 */
import type { HostSpec } from "./sshConfig.ts"

/** The end of a program's output, trimmed, at most `max` characters. */
export const trimText = (text: string, max = 800): string => {
  const trimmed = text.trim()
  return trimmed.length <= max ? trimmed : `…${trimmed.slice(trimmed.length - max)}`
}

/** Why a connection could not be made, from ssh's stderr: a hint and whether retrying may help. */
export const diagnose = (stderr: string, host: HostSpec): { readonly hint: string; readonly retryable: boolean } => {
  const said = stderr.toLowerCase()
  const connection = host.connection
  if (said.includes("host key verification failed") || said.includes("remote host identification has changed")) {
    return {
      hint: `its host key is unknown or changed; check ${connection.knownHosts ?? "~/.ssh/known_hosts"} (ssh-keyscan${connection.port === undefined ? "" : ` -p ${connection.port}`} ${connection.destination}), or set strict_host_key_checking: "accept-new"`,
      retryable: false
    }
  }
  if (said.includes("permission denied") || said.includes("too many authentication failures")) {
    return {
      hint: `authentication was refused (user ${connection.user ?? "from the ssh configuration"}${connection.identity === undefined ? "" : `, key ${connection.identity}`}); check the key is in the remote authorized_keys`,
      retryable: false
    }
  }
  if (/\bssh: (?:\S+: )?not found|no such file or directory.*ssh/.test(said)) {
    return {
      hint: "the ssh program was not found: is the OpenSSH client installed (or is `ssh` set right)?",
      retryable: false
    }
  }
  if (said.includes("could not resolve hostname")) return { hint: "the host name does not resolve", retryable: false }
  if (said.includes("connection refused"))
    return { hint: "the connection was refused (is sshd running on that port?)", retryable: true }
  if (said.includes("timed out") || said.includes("no route to host") || said.includes("network is unreachable")) {
    return { hint: "the host is unreachable", retryable: true }
  }
  return { hint: "ssh could not connect", retryable: true }
}
