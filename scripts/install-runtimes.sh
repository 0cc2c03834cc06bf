#!/usr/bin/env bash
# Installs Deno and Bun from their npm packages (`deno`, `bun`; the binaries ship inside them) into a
# cache folder, not into the project's dependencies. Idempotent: does nothing when the wanted
# versions are already there. Prints the folder holding the `deno` and `bun` commands.
#
#   bash scripts/install-runtimes.sh            # → .tmp/runtimes/node_modules/.bin
#   ROSE_RUNTIMES_DIR=/cache/rose bash scripts/install-runtimes.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
deno_version="${ROSE_DENO_VERSION:-2.9.6}"
bun_version="${ROSE_BUN_VERSION:-1.4.5}"
dir="${ROSE_RUNTIMES_DIR:-$root/.tmp/runtimes}"
bin="$dir/node_modules/.bin"

have() {
  [ -x "$bin/deno" ] && [ -x "$bin/bun" ] &&
    [ "$("$bin/deno" --version 2>/dev/null | head -n1 | awk '{print $2}')" = "$deno_version" ] &&
    [ "$("$bin/bun" --version 2>/dev/null)" = "$bun_version" ]
}

if ! have; then
  mkdir -p "$dir"
  [ -f "$dir/package.json" ] || echo '{ "private": true, "description": "Deno and Bun for rose-ts tests" }' >"$dir/package.json"
  echo "installing deno@$deno_version and bun@$bun_version into $dir" >&2
  # Their postinstall scripts put the platform's binary in place (npm 11 warns that they are not
  # covered by allowScripts, and runs them).
  npm install --prefix "$dir" --no-audit --no-fund --loglevel=error --save-exact \
    "deno@$deno_version" "bun@$bun_version" >&2
  # Should a postinstall not have run, do its work.
  "$bin/bun" --version >/dev/null 2>&1 || (cd "$dir/node_modules/bun" && node install.js >&2)
  "$bin/deno" --version >/dev/null 2>&1 || (cd "$dir/node_modules/deno" && node ./install.cjs >&2)
  have || {
    echo "install-runtimes: deno $deno_version and bun $bun_version did not install in $dir" >&2
    exit 1
  }
fi
echo "$bin"
