#!/usr/bin/env bash
# Stop the SLURM daemons started by slurm.sh: cancels every job, stops slurmd and slurmctld, and
# munged if slurm.sh started it. Idempotent.  --purge also deletes the state folder and the
# /etc/slurm/slurm.conf symlink that points into it.
#   env ROSE_SLURM_DIR  state folder (default /tmp/rose-slurm)

# true if the process exists and is not a zombie (kill -0 succeeds on zombies, and here the
# reaper can take a while)
alive() {
  local st
  st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  st=${st##*) }
  [ "${st%% *}" != Z ]
}
set -uo pipefail
DIR="${ROSE_SLURM_DIR:-/tmp/rose-slurm}"
log() { printf '[slurm-stop.sh] %s\n' "$*"; }
stop_pid() {
  local name=$1 pid=$2
  alive "$pid" || return 0
  kill "$pid" 2>/dev/null
  for _ in $(seq 1 100); do alive "$pid" || break; sleep 0.1; done
  if alive "$pid"; then kill -9 "$pid" 2>/dev/null; log "$name pid $pid needed SIGKILL"; fi
  log "stopped $name (pid $pid)"
}
if [ -s "$DIR/run/slurmctld.pid" ] && alive "$(cat "$DIR/run/slurmctld.pid")"; then
  jobs=$(squeue -h -o %i 2>/dev/null | xargs)
  if [ -n "$jobs" ]; then
    # shellcheck disable=SC2086 # a list of job ids
    scancel $jobs 2>/dev/null && log "cancelled jobs: $jobs"
    for _ in $(seq 1 100); do [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break; sleep 0.1; done
  fi
fi
for d in slurmd slurmctld; do
  f="$DIR/run/$d.pid"
  [ -s "$f" ] && stop_pid "$d" "$(cat "$f")"
  rm -f "$f"
done
if [ -f "$DIR/munged.started-by-us" ]; then
  if [ -s /run/munge/munged.pid ]; then stop_pid munged "$(cat /run/munge/munged.pid)"; fi
  rm -f "$DIR/munged.started-by-us"
fi
if [ "${1:-}" = "--purge" ]; then
  if [ -L /etc/slurm/slurm.conf ] && [ "$(readlink /etc/slurm/slurm.conf)" = "$DIR/slurm.conf" ]; then
    rm -f /etc/slurm/slurm.conf
  fi
  rm -rf "$DIR"; log "removed $DIR"
fi
exit 0
