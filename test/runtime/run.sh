#!/usr/bin/env bash
# The multi-runtime checks CI runs (after `npm install`): installs Deno and Bun from their npm
# packages into a cache folder (scripts/install-runtimes.sh), then
#   deno       the smoke suite under Deno        deno test -A test/runtime/smoke.test.ts
#   bun        the smoke suite under Bun         bun test ./test/runtime/smoke.test.ts
#   packaging  npm pack, install the tarball in a fresh project, use it (test/packaging/check.mjs)
#   publish    deno publish --dry-run --allow-slow-types (JSR)
#   node       the smoke suite under Node        node --import tsx --test test/runtime/smoke.test.ts
# Every part runs even when an earlier one failed; the exit status says whether all passed.
# With no argument, deno, bun, packaging and publish (about three minutes on two cores; the vitest
# suites already cover Node, and the packaging check runs on it); otherwise the parts named.
#
# The smoke suite is always run by explicit path: a bare `bun test` would also pick up the vitest
# files. `bun test` takes a path only when it starts with ./ (otherwise it is a name filter).
set -euo pipefail
cd "$(dirname "$0")/../.."
export NO_COLOR=1
started=$(date +%s)
step() { printf '\n== runtimes: %s (%ss)\n' "$1" "$(($(date +%s) - started))"; }

[ -d node_modules ] || {
  echo "run 'npm install' first" >&2
  exit 1
}
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(deno bun packaging publish)

step "install deno and bun (cache: ${ROSE_RUNTIMES_DIR:-.tmp/runtimes})"
bin="$(bash scripts/install-runtimes.sh)"
echo "deno $("$bin/deno" --version | head -n1 | awk '{print $2}'), bun $("$bin/bun" --version), node $(node --version)"

failed=()
run_part() { "$@" || failed+=("$part"); }
for part in "${parts[@]}"; do
  case "$part" in
  deno)
    step "smoke suite on Deno"
    run_part "$bin/deno" test -A test/runtime/smoke.test.ts
    ;;
  bun)
    step "smoke suite on Bun"
    run_part "$bin/bun" test --timeout 300000 ./test/runtime/smoke.test.ts
    ;;
  node)
    step "smoke suite on Node"
    run_part node --import tsx --test --test-reporter=spec test/runtime/smoke.test.ts
    ;;
  packaging)
    step "packaging check (npm pack → fresh project → rose, tsc, Node, Bun, Deno)"
    run_part node test/packaging/check.mjs --runtimes "$bin"
    ;;
  publish)
    step "deno publish --dry-run (JSR)"
    run_part "$bin/deno" publish --dry-run --allow-slow-types --allow-dirty
    ;;
  *)
    echo "unknown part: $part (deno, bun, packaging, publish, node)" >&2
    exit 2
    ;;
  esac
done
if [ ${#failed[@]} -gt 0 ]; then
  step "runtimes: FAILED: ${failed[*]}"
  exit 1
fi
step "runtimes: all passed"
