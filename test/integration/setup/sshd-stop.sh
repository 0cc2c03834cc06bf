#!/usr/bin/env bash
# Stop the sshd daemons started by sshd.sh, and the sessions they serve (ControlMaster
# connections included). Idempotent.  --purge also deletes the state folder.
#   env ROSE_SSHD_DIR  state folder (default <state root>/sshd, see state.sh)

# shellcheck source=state.sh
. "$(dirname "${BASH_SOURCE[0]}")/state.sh"
set -uo pipefail
DIR="$ROSE_SSHD_DIR"
# children of a pid, without procps (minimal images lack pgrep)
children_of() {
  local s st ppid
  for s in /proc/[0-9]*/stat; do
    st=$(cat "$s" 2>/dev/null) || continue
    st=${st##*) }                    # drop "pid (comm) "; then: state ppid ...
    read -r _ ppid _ <<<"$st"
    [ "$ppid" = "$1" ] && { s=${s#/proc/}; printf '%s ' "${s%/stat}"; }
  done
}
for pf in "$DIR"/*/sshd.pid; do
  [ -s "$pf" ] || continue
  pid=$(cat "$pf")
  if alive_as "$pid" "$(dirname "$pf")/sshd_config"; then
    # per-connection sshd processes are children of the listener; stopping only the listener
    # would leave established (multiplexed) sessions running.
    kids=$(children_of "$pid"); kids=${kids% }
    # shellcheck disable=SC2086 # a list of pids
    kill "$pid" $kids 2>/dev/null; kill -CONT "$pid" 2>/dev/null
    for _ in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
    for p in "$pid" $kids; do alive "$p" && kill -9 "$p" 2>/dev/null; done
    echo "[sshd-stop.sh] stopped sshd pid $pid ($(basename "$(dirname "$pf")"))${kids:+, sessions: $kids}"
  fi
  rm -f "$pf"
done
if [ "${1:-}" = "--purge" ]; then rm -rf "$DIR"; echo "[sshd-stop.sh] removed $DIR"; fi
exit 0
