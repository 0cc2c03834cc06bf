#!/usr/bin/env bash
# Where this checkout's test services keep their state, and small helpers the setup scripts share.
# Sourced by sshd.sh, slurm.sh and the stop scripts; run it to print the folders:
#
#   bash test/integration/setup/state.sh          ROSE_TEST_STATE=…, ROSE_SSHD_DIR=…, ROSE_SLURM_DIR=…
#   bash test/integration/setup/state.sh slurm    the SLURM folder only (sshd: the sshd folder)
#
# Each checkout gets its own root, /tmp/rose-test-<first 8 hex of sha256(repository path)>, so two
# clones on one machine never share a folder, a port or a cluster. env.ts computes the same path.
#   env ROSE_TEST_STATE  the root (default above); ROSE_SSHD_DIR / ROSE_SLURM_DIR override one folder

ROSE_REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd -P)
ROSE_TEST_STATE="${ROSE_TEST_STATE:-/tmp/rose-test-$(printf '%s' "$ROSE_REPO_ROOT" | sha256sum | cut -c1-8)}"
ROSE_SSHD_DIR="${ROSE_SSHD_DIR:-$ROSE_TEST_STATE/sshd}"
ROSE_SLURM_DIR="${ROSE_SLURM_DIR:-$ROSE_TEST_STATE/slurm}"

# true if the process exists and is not a zombie (kill -0 succeeds on zombies, and on gVisor pid 1
# reaps orphans about 2 s after they exit)
alive() {
  local st
  st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  st=${st##*) }
  [ "${st%% *}" != Z ]
}

# true if the process is alive and its command line contains $2: a pid file left by a daemon that
# died long ago may name an unrelated process by now (pids wrap within minutes here)
alive_as() {
  alive "$1" && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"
}

# Whether something listens on a TCP port on any of the given IPv4 addresses or on the wildcard
# address, read from /proc/net/tcp{,6} so it needs no ss/netstat. Connections are ignored: those our
# own daemons leave in TIME_WAIT do not stop them binding again (SO_REUSEADDR), and outgoing ones
# take ports above the range free_port picks from.
port_taken() {
  local port=$1 hex addrs=() a
  shift
  hex=$(printf '%04X' "$port")
  # /proc/net/tcp writes an IPv4 address as its four bytes in host (little-endian) order
  for a in "$@" 0.0.0.0; do
    addrs+=("$(IFS=.; set -- $a; printf '%02X%02X%02X%02X' "$4" "$3" "$2" "$1"):$hex")
  done
  awk -v want="${addrs[*]}" -v port=":$hex" '
    BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) ok[w[i]] = 1 }
    FNR > 1 && $4 == "0A" && (($2 in ok) || (FILENAME ~ /tcp6$/ && substr($2, length($2) - 4) == port)) { found = 1 }
    END { exit !found }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# A random port in 20000-32767 (below Linux's ephemeral range, where outgoing connections take
# theirs) that no socket uses on any of the given addresses; $1 ports in a row when $1 > 1.
free_port() {
  local count=$1 p k taken
  shift
  for _ in $(seq 1 200); do
    p=$(( 20000 + (RANDOM * 32768 + RANDOM) % (32767 - 20000 - count) ))
    taken=0
    for k in $(seq 0 $(( count - 1 ))); do port_taken $(( p + k )) "$@" && { taken=1; break; }; done
    [ "$taken" = 0 ] && { echo "$p"; return 0; }
  done
  return 1
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-}" in
  sshd) echo "$ROSE_SSHD_DIR" ;;
  slurm) echo "$ROSE_SLURM_DIR" ;;
  *) printf 'ROSE_TEST_STATE=%s\nROSE_SSHD_DIR=%s\nROSE_SLURM_DIR=%s\n' "$ROSE_TEST_STATE" "$ROSE_SSHD_DIR" "$ROSE_SLURM_DIR" ;;
  esac
fi
