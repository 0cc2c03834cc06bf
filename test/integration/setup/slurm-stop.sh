#!/usr/bin/env bash
# Stop the SLURM daemons started by slurm.sh: cancels every job of this cluster, stops slurmd and
# slurmctld, and munged if slurm.sh started it and no other slurm daemon on the machine still uses
# it. Idempotent.  --purge also deletes the state folder.
#   env ROSE_SLURM_DIR  state folder (default <state root>/slurm, see state.sh)

# shellcheck source=state.sh
. "$(dirname "${BASH_SOURCE[0]}")/state.sh"
set -uo pipefail
DIR="$ROSE_SLURM_DIR"
# this cluster's commands only: without it squeue/scancel would ask whatever /etc/slurm names
export SLURM_CONF="$DIR/slurm.conf"
log() { printf '[slurm-stop.sh] %s\n' "$*"; }
stop_pid() {
  local name=$1 pid=$2
  alive "$pid" || return 0
  kill "$pid" 2>/dev/null
  for _ in $(seq 1 100); do alive "$pid" || break; sleep 0.1; done
  if alive "$pid"; then kill -9 "$pid" 2>/dev/null; log "$name pid $pid needed SIGKILL"; fi
  log "stopped $name (pid $pid)"
}
ours() { [ -s "$DIR/run/$1.pid" ] && alive_as "$(cat "$DIR/run/$1.pid")" "$DIR/slurm.conf"; }
if [ -f "$DIR/slurm.conf" ] && ours slurmctld; then
  jobs=$(squeue -h -o %i 2>/dev/null | xargs)
  if [ -n "$jobs" ]; then
    # shellcheck disable=SC2086 # a list of job ids
    scancel $jobs 2>/dev/null && log "cancelled jobs: $jobs"
    for _ in $(seq 1 100); do [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break; sleep 0.1; done
  fi
fi
for d in slurmd slurmctld; do
  ours "$d" && stop_pid "$d" "$(cat "$DIR/run/$d.pid")"
  rm -f "$DIR/run/$d.pid"
done
if [ -f "$DIR/munged.started-by-us" ]; then
  # munged is shared by every cluster on the machine (another checkout's may have started using
  # the one we started): stop it only when no slurm daemon is left
  others=$(for s in /proc/[0-9]*/stat; do
    st=$(cat "$s" 2>/dev/null) || continue
    case "$st" in *"(slurmctld)"* | *"(slurmd)"* | *"(slurmstepd)"*) ;; *) continue ;; esac
    st=${st##*) }
    [ "${st%% *}" != Z ] && { s=${s#/proc/}; printf '%s ' "${s%/stat}"; }
  done)
  if [ -n "$others" ]; then
    log "munged left running: other slurm daemons use it (pids ${others% })"
  elif [ -s /run/munge/munged.pid ]; then
    stop_pid munged "$(cat /run/munge/munged.pid)"
  fi
  rm -f "$DIR/munged.started-by-us"
fi
if [ "${1:-}" = "--purge" ]; then
  rm -rf "$DIR"; log "removed $DIR"
fi
exit 0
