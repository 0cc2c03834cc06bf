/**
 * The shell scripts the SSH backend sends to `/bin/sh -s` on a remote host (on stdin, so nothing of
 * them shows in `ps` and no login shell re-parses them), and POSIX quoting. Every value that reaches
 * a script is quoted here; nothing is ever joined into a command line unquoted.
 *
 * A launcher reports to the local side with records, `<marker><text>` lines on its stdout and
 * stderr (the marker is a per-layer random nonce, cut out of the task's output by the spawner):
 * `ready` on both streams before anything else it prints (what came before is the login shell's
 * chatter), then on stderr `pid=<pid>` once the task runs, `exit=<status>` when it ended, or
 * `notfound` / `fail=<what>` when it could not start.
 *
 * The local side keeps the launcher's stdin open: a `cancel` line there, sent once `ready` has been
 * reported (the shell has then read the whole script), cancels the task without a new remote shell (a login shell that sources a slow
 * `.bashrc` costs a second or more per command). The end of that stdin (a lost connection) is not
 * a cancel: such a task is killed on reconnect, or reaped by a resumed run.
 */

/** `'…'` with embedded single quotes as `'\''`: the one quoting every POSIX shell reads literally. */
export const quote = (s: string): string => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`)

/** The records in a script's captured output: what follows the marker, on each line it starts. */
export const recordsIn = (text: string, marker: string): ReadonlyArray<string> =>
  text
    .split("\n")
    .filter((line) => line.startsWith(marker))
    .map((line) => line.slice(marker.length).trim())

/** A valid POSIX shell variable name. */
export const isEnvName = (name: string): boolean => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)

/** `"…"` for sftp batch files (backslash escapes). */
export const sftpQuote = (s: string): string => `"${s.replace(/[\\"]/g, "\\$&")}"`

/** The remote control folder of one task, as a shell word (evaluated remotely). */
export const controlDir = (nonce: string, seq: number): string => `"\${TMPDIR:-/tmp}"/rose-ssh.${nonce}/${seq}`

/** The remote control folder of a whole layer, as a shell word. */
export const controlRoot = (nonce: string): string => `"\${TMPDIR:-/tmp}"/rose-ssh.${nonce}`

export interface LauncherSpec {
  readonly marker: string
  readonly nonce: string
  readonly seq: number
  /** The run the task belongs to: recorded beside its pid so a resumed run can find it. */
  readonly runId: string
  readonly cwd: string
  /** In order; later entries override earlier ones. */
  readonly env: ReadonlyArray<readonly [string, string]>
  readonly setup: ReadonlyArray<string>
  readonly argv: ReadonlyArray<string>
  /** How long a cancelled task has between SIGTERM and SIGKILL. */
  readonly graceMillis: number
}

/**
 * With `$c` the task's control folder: marks the task cancelled (a launcher that has not started it
 * will not), SIGTERM to its group, up to `graceMillis` for it to exit, then SIGKILL to the group.
 */
const cancelLines = (graceMillis: number): Array<string> => [
  `mkdir -p "$c" 2>/dev/null; : >"$c/cancel"`,
  `p=$(cat "$c/pid" 2>/dev/null) || exit 0`,
  `[ -n "$p" ] || exit 0`,
  `kill -s TERM -- -"$p" 2>/dev/null || exit 0`,
  "i=0",
  `while [ ! -e "$c/exit" ] && [ "$i" -lt ${Math.max(1, Math.ceil(graceMillis / 100))} ]; do sleep 0.1 2>/dev/null || sleep 1; i=$((i+1)); done`,
  `kill -s KILL -- -"$p" 2>/dev/null`
]

/**
 * The launcher: reports ready, makes and enters the working directory, exports the environment,
 * runs the setup lines (in this shell, so `module load` and `. venv/bin/activate` apply), checks the
 * command exists, starts it under `setsid` (its pid is its process group), writes the pid file,
 * waits, writes the exit status atomically, kills what the task left in its group, and exits with
 * the task's status.
 */
export const launcher = (spec: LauncherSpec): string => {
  const m = quote(spec.marker)
  const cwd = quote(spec.cwd)
  const lines: Array<string> = [
    `printf '%sready\\n' ${m}`,
    `printf '%sready\\n' ${m} >&2`,
    `c=${controlDir(spec.nonce, spec.seq)}`,
    `rose_fail() { printf '%sfail=%s\\n' ${m} "$1" >&2; exit 1; }`,
    `mkdir -p "$c" 2>/dev/null || rose_fail control`,
    `printf '%s\n' ${quote(spec.runId)} >"$c/run"`,
    // The cancel watcher. A background job's stdin is /dev/null unless redirected: it reads the
    // launcher's through fd 3. Its own output goes nowhere, so it never holds the session open.
    "exec 3<&0",
    "{",
    `  while IFS= read -r rose_line <&3; do [ "$rose_line" = cancel ] && break; done`,
    `  [ "$rose_line" = cancel ] || exit 0`,
    ...cancelLines(spec.graceMillis).map((l) => `  ${l}`),
    "} </dev/null >/dev/null 2>&1 &",
    "w=$!",
    "exec 3<&-",
    `cd ${cwd} 2>/dev/null || { mkdir -p ${cwd} 2>/dev/null && cd ${cwd}; } 2>/dev/null || rose_fail cwd`
  ]
  for (const [name, value] of spec.env) lines.push(`export ${name}=${quote(value)}`)
  spec.setup.forEach((line, i) => {
    lines.push(
      "{",
      line,
      // stdin stays open for the cancel line: a setup line must not wait on it.
      `} </dev/null || { rose_s=$?; printf 'rose: setup line %s failed with status %s: %s\\n' ${i + 1} "$rose_s" ${quote(line)} >&2; exit "$rose_s"; }`
    )
  })
  // Setup lines may change directory (`cd ~/project && . venv/bin/activate`): the task starts in its own.
  if (spec.setup.length > 0) lines.push(`cd ${cwd} 2>/dev/null || rose_fail cwd`)
  const argv0 = spec.argv[0] ?? ""
  const found = argv0.includes("/")
    ? `[ -f ${quote(argv0)} ] && [ -x ${quote(argv0)} ]`
    : `command -v ${quote(argv0)} >/dev/null 2>&1`
  const words = spec.argv.map(quote).join(" ")
  lines.push(
    `${found} || { printf '%snotfound\\n' ${m} >&2; exit 127; }`,
    `[ -e "$c/cancel" ] && exit 130`,
    "if command -v setsid >/dev/null 2>&1; then",
    `  setsid ${words} </dev/null &`,
    "else",
    // macOS has no setsid(1): perl's POSIX::setsid, then exec with the argv as a list (no shell).
    `  perl -MPOSIX -e 'POSIX::setsid(); exec { $ARGV[0] } @ARGV or exit 127' ${words} </dev/null &`,
    "fi",
    "p=$!",
    `echo "$p" >"$c/pid"`,
    `printf '%spid=%s\\n' ${m} "$p" >&2`,
    // The local side may have asked for a kill before the pid file existed.
    `[ -e "$c/cancel" ] && kill -s KILL -- -"$p" 2>/dev/null`,
    `wait "$p"`,
    "s=$?",
    `echo "$s" >"$c/exit.tmp" && mv -f "$c/exit.tmp" "$c/exit"`,
    `kill -s KILL -- -"$p" 2>/dev/null`,
    `kill "$w" 2>/dev/null`,
    `printf '%sexit=%s\\n' ${m} "$s" >&2`,
    `exit "$s"`
  )
  // One compound command: the shell reads all of it before it runs any of it, so no part of the
  // script is left on stdin for the watcher to take (dash reads ahead, bash a byte at a time).
  return `{\n${lines.join("\n")}\n}\n`
}

/**
 * Cancels a task: marks it cancelled (a launcher that has not started it yet will not), sends SIGTERM
 * to its group, waits up to `graceMillis` for the task to exit, then SIGKILL to the group.
 */
export const kill = (nonce: string, seq: number, graceMillis: number): string =>
  `${[`c=${controlDir(nonce, seq)}`, ...cancelLines(graceMillis), "exit 0"].join("\n")}\n`

/** Reports a task's status record: `exit=<status>`, `running=<pid>`, or `none`. */
export const status = (marker: string, nonce: string, seq: number): string =>
  `${[
    `c=${controlDir(nonce, seq)}`,
    `if [ -s "$c/exit" ]; then printf '%sexit=%s\\n' ${quote(marker)} "$(cat "$c/exit")"`,
    `elif [ -s "$c/pid" ] && kill -s 0 -- -"$(cat "$c/pid")" 2>/dev/null; then printf '%srunning=%s\\n' ${quote(marker)} "$(cat "$c/pid")"`,
    `else printf '%snone\\n' ${quote(marker)}; fi`
  ].join("\n")}\n`

/**
 * For a resumed run: SIGKILL to every task this user's launchers started for one of the earlier runs
 * and that has not ended, found by the `run` file beside its pid (whatever layer started it: a task
 * whose start never reached the journal included). That file is the proof: a journaled process
 * group is not signalled on its number alone, which another process may have by now. Reports how
 * many groups it killed (`reaped=<n>`) and the journaled groups still alive that nothing proved
 * (`spared=<pgids>`).
 */
export const reap = (marker: string, pgids: ReadonlyArray<number>, runIds: ReadonlyArray<string>): string =>
  `${[
    'n=0; killed=" "; spared=""',
    `for d in "\${TMPDIR:-/tmp}"/rose-ssh.*/*; do`,
    `  [ -s "$d/run" ] && [ -s "$d/pid" ] && [ ! -e "$d/exit" ] || continue`,
    `  r=$(cat "$d/run")`,
    "  hit=",
    `  for id in ${runIds.map(quote).join(" ")}; do [ "$r" = "$id" ] && hit=1; done`,
    '  [ -n "$hit" ] || continue',
    `  p=$(cat "$d/pid")`,
    `  kill -s KILL -- -"$p" 2>/dev/null && n=$((n+1))`,
    '  killed="$killed$p "',
    "done",
    `for p in ${pgids.map((p) => String(Math.trunc(p))).join(" ")}; do`,
    '  case "$killed" in *" $p "*) continue ;; esac',
    // alive and not only zombies (kill -0 counts those)
    `  ps -e -o pgid= -o stat= 2>/dev/null | awk -v g="$p" '$1 == g && $2 !~ /^Z/ { f = 1 } END { exit !f }' && spared="$spared $p"`,
    "done",
    `printf '%sreaped=%s\n' ${quote(marker)} "$n"`,
    `printf '%sspared=%s\n' ${quote(marker)} "$spared"`
  ].join("\n")}\n`

const orphanLines = (nonce: string, seqs: ReadonlyArray<number>) =>
  seqs.map((seq) => {
    const c = controlDir(nonce, seq)
    return `p=$(cat ${c}/pid 2>/dev/null) && [ -n "$p" ] && [ ! -e ${c}/exit ] && kill -s KILL -- -"$p" 2>/dev/null`
  })

/** Kills the groups of tasks whose kill could not be delivered (the connection was down), unless they ended. */
export const orphans = (nonce: string, seqs: ReadonlyArray<number>): string =>
  `${[...orphanLines(nonce, seqs), "exit 0"].join("\n")}\n`

/** At release: kills what a lost connection left running, then removes the layer's control folders. */
export const cleanup = (nonce: string, seqs: ReadonlyArray<number>): string =>
  `${[...orphanLines(nonce, seqs), `rm -rf ${controlRoot(nonce)}`, "exit 0"].join("\n")}\n`
