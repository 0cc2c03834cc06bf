/**
 * The scripts a resumed run sends to a host about the tasks of an earlier process: `attach` finds
 * one task by its control folder (or by its pid and run id), and streams its output and exit status
 * back or makes sure it never starts; `reap` kills the earlier sessions' survivors. Records as the
 * launcher's (`<marker><text>` lines, see `sshScript.ts`).
 */
import { cancelLines, controlPath, quote } from "./sshScript.ts"

/** Where the task is: its control folder (from its ticket), or its pid (from its journaled start). */
export type Where =
  | { readonly _tag: "Control"; readonly control: string }
  | { readonly _tag: "Pid"; readonly pid: number }

export interface AttachSpec {
  readonly marker: string
  readonly where: Where
  /** The earlier session's run id: the task's `run` file must hold it. */
  readonly runId: string
  readonly graceMillis: number
}

/**
 * Re-attaches to a task. Records on stderr, after `ready` on both streams: `control=<name>` (where
 * it looked), then one of `cancelled` (it had been cancelled: killed if it still ran), `none` (not
 * found, or its launcher is gone: it is now marked cancelled, so it never starts), `foreign` (the
 * folder holds another run's task), or `pid=<pid>` with, when it still runs, `running=<pid>`, its
 * output (stdout and stderr, from their start) and `exit=<status>` or `lost` (it ended, no status).
 */
export const attach = (spec: AttachSpec): string => {
  const m = quote(spec.marker)
  const run = quote(spec.runId)
  const locate =
    spec.where._tag === "Control"
      ? [
          `c=${controlPath(spec.where.control)}`,
          `r=$(cat "$c/run" 2>/dev/null)`,
          `if [ -n "$r" ] && [ "$r" != ${run} ]; then rose_say foreign; exit 0; fi`
        ]
      : [
          "c=",
          `for d in "\${TMPDIR:-/tmp}"/rose-ssh.*/*; do`,
          `  [ "$(cat "$d/pid" 2>/dev/null)" = ${Math.trunc(spec.where.pid)} ] && [ "$(cat "$d/run" 2>/dev/null)" = ${run} ] && c=$d`,
          "done",
          `[ -n "$c" ] || { rose_say none; exit 0; }`
        ]
  const cancel = ["(", ...cancelLines(spec.graceMillis).map((l) => `  ${l}`), ")"]
  return `${[
    `printf '%sready\\n' ${m}`,
    `printf '%sready\\n' ${m} >&2`,
    `rose_say() { printf '%s%s\\n' ${m} "$1" >&2; }`,
    ...locate,
    `rose_say "control=$(basename "$(dirname "$c")")/$(basename "$c")"`,
    `rose_ended() {`,
    `  rose_say "pid=$(cat "$c/pid" 2>/dev/null)"`,
    `  cat "$c/out" 2>/dev/null; cat "$c/err" >&2 2>/dev/null`,
    `  rose_say "exit=$(cat "$c/exit")"`,
    "  exit 0",
    "}",
    // A cancelled task is not the run's result, even when it ended (143 after a clean Ctrl-C).
    `if [ -e "$c/cancel" ]; then`,
    ...cancel.map((l) => `  ${l}`),
    "  rose_say cancelled",
    "  exit 0",
    "fi",
    `[ -s "$c/exit" ] && rose_ended`,
    `p=$(cat "$c/pid" 2>/dev/null)`,
    `if [ -n "$p" ] && kill -s 0 "$p" 2>/dev/null; then`,
    `  rose_say "pid=$p"`,
    `  rose_say "running=$p"`,
    ...[
      "g=",
      `case "$(tail --version 2>/dev/null)" in *GNU*) g=1 ;; esac`,
      `if [ -n "$g" ]; then`,
      `  tail -c +1 -s 0.1 -f --pid="$p" "$c/out" 2>/dev/null &`,
      "  t1=$!",
      `  tail -c +1 -s 0.1 -f --pid="$p" "$c/err" >&2 2>/dev/null &`,
      "  t2=$!",
      `  wait "$t1" "$t2"`,
      "else",
      `  while kill -s 0 "$p" 2>/dev/null; do sleep 1; done`,
      `  cat "$c/out" 2>/dev/null; cat "$c/err" >&2 2>/dev/null`,
      "fi",
      // The launcher writes the status once it has reaped the task.
      "i=0",
      `while [ ! -s "$c/exit" ] && [ "$i" -lt 100 ]; do sleep 0.1 2>/dev/null || sleep 1; i=$((i+1)); done`,
      `if [ -s "$c/exit" ]; then rose_say "exit=$(cat "$c/exit")"; else rose_say lost; fi`,
      "exit 0"
    ].map((l) => `  ${l}`),
    "fi",
    // Not started, or its launcher is gone without a status: mark it cancelled (a launcher that has
    // not started it will not; one that starts it now sees the mark beside its pid and kills it),
    // then look once more.
    `mkdir -p "$c" 2>/dev/null; : >"$c/cancel"`,
    "sleep 0.3 2>/dev/null || sleep 1",
    `q=$(cat "$c/pid" 2>/dev/null)`,
    // The task it saw end an instant ago: its status has been written since.
    `[ -n "$p" ] && [ "$q" = "$p" ] && [ -s "$c/exit" ] && rose_ended`,
    `if [ -n "$q" ] && [ "$q" != "$p" ]; then`,
    ...cancel.map((l) => `  ${l}`),
    "fi",
    "rose_say none",
    "exit 0"
  ].join("\n")}\n`
}

/**
 * For a resumed run: SIGKILL to every task this user's launchers started for one of the earlier runs
 * and that has not ended, found by the `run` file beside its pid (whatever layer started it: a task
 * whose start never reached the journal included), or by its control folder (`tickets`); each such
 * task is also marked cancelled, so a launcher that has not started it never will. The folder is
 * the proof: a journaled process group is not signalled on its number alone, which another process
 * may have by now. Tasks in `spare` (being re-attached) are left alone. Reports how many groups it
 * killed (`reaped=<n>`) and the journaled groups still alive that nothing proved (`spared=<pgids>`).
 */
export const reap = (
  marker: string,
  pgids: ReadonlyArray<number>,
  runIds: ReadonlyArray<string>,
  tickets: ReadonlyArray<string> = [],
  spare: ReadonlyArray<string> = []
): string =>
  `${[
    'n=0; killed=" "; spared=""',
    "rose_reap() {",
    `  : >"$1/cancel" 2>/dev/null`,
    `  [ -s "$1/pid" ] && [ ! -e "$1/exit" ] || return 0`,
    `  p=$(cat "$1/pid")`,
    '  case "$killed" in *" $p "*) return 0 ;; esac',
    `  kill -s KILL -- -"$p" 2>/dev/null && n=$((n+1))`,
    '  killed="$killed$p "',
    "}",
    `for d in ${tickets.map(controlPath).join(" ")}; do`,
    `  mkdir -p "$d" 2>/dev/null`,
    `  rose_reap "$d"`,
    "done",
    `for d in "\${TMPDIR:-/tmp}"/rose-ssh.*/*; do`,
    `  [ -s "$d/run" ] && [ ! -e "$d/exit" ] || continue`,
    "  skip=",
    `  for s in ${spare.map(controlPath).join(" ")}; do [ "$d" = "$s" ] && skip=1; done`,
    '  [ -z "$skip" ] || continue',
    `  r=$(cat "$d/run")`,
    "  hit=",
    `  for id in ${runIds.map(quote).join(" ")}; do [ "$r" = "$id" ] && hit=1; done`,
    '  [ -n "$hit" ] || continue',
    `  rose_reap "$d"`,
    "done",
    `for p in ${pgids.map((p) => String(Math.trunc(p))).join(" ")}; do`,
    '  case "$killed" in *" $p "*) continue ;; esac',
    // alive and not only zombies (kill -0 counts those)
    `  ps -e -o pgid= -o stat= 2>/dev/null | awk -v g="$p" '$1 == g && $2 !~ /^Z/ { f = 1 } END { exit !f }' && spared="$spared $p"`,
    "done",
    `printf '%sreaped=%s\n' ${quote(marker)} "$n"`,
    `printf '%sspared=%s\n' ${quote(marker)} "$spared"`
  ].join("\n")}\n`
