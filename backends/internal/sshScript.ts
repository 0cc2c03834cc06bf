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
 * a cancel: such a task is killed on reconnect, or re-attached to (or reaped) by a resumed run.
 *
 * A task's control folder `${TMPDIR:-/tmp}/rose-ssh.<nonce>/<seq>` holds `run` (its run id), `pid`,
 * `out` and `err` (its output), `exit` (its status) and `cancel` (the mark that it must not run).
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

/**
 * A task's control folder relative to the remote temporary folder: `rose-ssh.<nonce>/<seq>`, the
 * layer's nonce and the task's number. Tickets and orphan lists carry it in this form.
 */
export const controlName = (nonce: string, seq: number): string => `rose-ssh.${nonce}/${seq}`

/** Whether a string is a control folder name (`controlName`'s form: nothing a path could climb out of). */
export const isControlName = (name: string): boolean => /^rose-ssh\.[0-9A-Za-z]+\/[0-9]+$/.test(name)

/** A task's control folder as a shell word (evaluated remotely), from its `controlName`. */
export const controlPath = (name: string): string => `"\${TMPDIR:-/tmp}"/${quote(name)}`

/** The remote control folder of one task, as a shell word (evaluated remotely). */
export const controlDir = (nonce: string, seq: number): string => controlPath(controlName(nonce, seq))

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
export const cancelLines = (graceMillis: number): Array<string> => [
  `mkdir -p "$c" 2>/dev/null; : >"$c/cancel"`,
  `p=$(cat "$c/pid" 2>/dev/null) || exit 0`,
  `[ -n "$p" ] || exit 0`,
  `kill -s TERM -- -"$p" 2>/dev/null || exit 0`,
  "i=0",
  `while [ ! -e "$c/exit" ] && [ "$i" -lt ${Math.max(1, Math.ceil(graceMillis / 100))} ]; do sleep 0.1 2>/dev/null || sleep 1; i=$((i+1)); done`,
  `kill -s KILL -- -"$p" 2>/dev/null`
]

/**
 * With `$p` the task's pid and `$c` its control folder: streams the task's output files to this
 * script's stdout and stderr while it runs. GNU `tail --pid` reads to the end of the files after the
 * pid is gone (reaped); another `tail` cannot be told to stop, so the files are sent whole when
 * the task has ended (`drainLines`).
 */
export const streamLines: ReadonlyArray<string> = [
  "g=",
  `case "$(tail --version 2>/dev/null)" in *GNU*) g=1 ;; esac`,
  `if [ -n "$g" ]; then`,
  `  tail -c +1 -s 0.1 -f --pid="$p" "$c/out" 2>/dev/null &`,
  "  t1=$!",
  `  tail -c +1 -s 0.1 -f --pid="$p" "$c/err" >&2 2>/dev/null &`,
  "  t2=$!",
  "fi"
]

/** After the task was reaped: the rest of its output (all of it without GNU tail). */
export const drainLines: ReadonlyArray<string> = [
  `if [ -n "$g" ]; then wait "$t1" "$t2"; else cat "$c/out" 2>/dev/null; cat "$c/err" >&2 2>/dev/null; fi`
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
    // The task writes to files of its own, not to the session: it must outlive a lost session (a
    // killed rose), and a resumed run reads them back (`attach`).
    // Made before the task starts: its redirections happen in the forked child, maybe after `tail`
    // opened the files, which must then be these.
    `: >"$c/out"; : >"$c/err"`,
    "if command -v setsid >/dev/null 2>&1; then",
    `  setsid ${words} </dev/null >"$c/out" 2>"$c/err" &`,
    "else",
    // macOS has no setsid(1): perl's POSIX::setsid, then exec with the argv as a list (no shell).
    `  perl -MPOSIX -e 'POSIX::setsid(); exec { $ARGV[0] } @ARGV or exit 127' ${words} </dev/null >"$c/out" 2>"$c/err" &`,
    "fi",
    "p=$!",
    // From here on a lost session must not stop the launcher before it writes the exit status: its
    // records then fail to reach anyone, and that is all. (Set after the task started: it keeps
    // the default dispositions.)
    "trap '' HUP PIPE",
    // Written whole or not at all: a reader never sees an empty pid file.
    `echo "$p" >"$c/pid.tmp" && mv -f "$c/pid.tmp" "$c/pid"`,
    `printf '%spid=%s\\n' ${m} "$p" >&2`,
    // The local side may have asked for a kill before the pid file existed.
    `[ -e "$c/cancel" ] && kill -s KILL -- -"$p" 2>/dev/null`,
    ...streamLines,
    `wait "$p"`,
    "s=$?",
    `echo "$s" >"$c/exit.tmp" && mv -f "$c/exit.tmp" "$c/exit"`,
    `kill -s KILL -- -"$p" 2>/dev/null`,
    ...drainLines,
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
export const kill = (control: string, graceMillis: number): string =>
  `${[`c=${controlPath(control)}`, ...cancelLines(graceMillis), "exit 0"].join("\n")}\n`

/** Reports a task's status record: `exit=<status>`, `running=<pid>`, or `none`. */
export const status = (marker: string, control: string): string =>
  `${[
    `c=${controlPath(control)}`,
    `if [ -s "$c/exit" ]; then printf '%sexit=%s\\n' ${quote(marker)} "$(cat "$c/exit")"`,
    `elif [ -s "$c/pid" ] && kill -s 0 -- -"$(cat "$c/pid")" 2>/dev/null; then printf '%srunning=%s\\n' ${quote(marker)} "$(cat "$c/pid")"`,
    `else printf '%snone\\n' ${quote(marker)}; fi`
  ].join("\n")}\n`

const orphanLines = (controls: ReadonlyArray<string>) =>
  controls.map((control) => {
    const c = controlPath(control)
    return `p=$(cat ${c}/pid 2>/dev/null) && [ -n "$p" ] && [ ! -e ${c}/exit ] && kill -s KILL -- -"$p" 2>/dev/null`
  })

/** Kills the groups of tasks whose kill could not be delivered (the connection was down), unless they ended. */
export const orphans = (controls: ReadonlyArray<string>): string =>
  `${[...orphanLines(controls), "exit 0"].join("\n")}\n`

/**
 * At release: kills what a lost connection left running, then removes the layer's control folders
 * and those of an earlier process it re-attached to (`adopted`, with their layer's folder once empty).
 */
export const cleanup = (nonce: string, controls: ReadonlyArray<string>, adopted: ReadonlyArray<string> = []): string =>
  `${[
    ...orphanLines(controls),
    `rm -rf ${controlRoot(nonce)}`,
    ...adopted.map(
      (control) => `rm -rf ${controlPath(control)}; rmdir ${controlPath(control.split("/")[0]!)} 2>/dev/null`
    ),
    "exit 0"
  ].join("\n")}\n`
