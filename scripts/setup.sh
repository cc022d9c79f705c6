#!/usr/bin/env bash
# Installs everything the tests talk to, on a fresh Debian 12 machine or again on one
# that has it (then it only checks): Debian's packages, then each real server or peer
# tool of scripts/servers/*.sh into a cache outside the clone, keyed by version.
# A server that fails to install is reported and skipped; the tests that need it then
# say "not run: …" and are counted apart, never as passed. `--peers` also installs the
# peer tools only `npm run bench` uses (scripts/peers/*.sh: k6 …), which the tests don't.
set -uo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
export AIFB_CACHE="${AIFB_CACHE:-$HOME/.cache/aifb}"
mkdir -p "$AIFB_CACHE/bin"

# Debian packages the tests use (real servers, not mocks). Add to this list, never install by hand.
APT_PACKAGES=(postgresql prometheus prometheus-pushgateway chromium slurm-wlm munge shellcheck
  python3-faiss python3-numpy cmake ninja-build libpython3.11 iproute2 nginx-light wrk fio libpq-dev redis-server tcpdump)
missing=()
for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
    echo "setup: apt-get install failed: ${missing[*]}" >&2
    exit 1
  fi
fi

# Each server script is self-contained and idempotent: it prints one line saying what it
# installed or reused, and exits non-zero when it could not.
status=0
scripts=(scripts/servers/*.sh)
[ "${1:-}" = "--peers" ] && scripts+=(scripts/peers/*.sh)
for s in "${scripts[@]}"; do
  [ -e "$s" ] || continue
  name=$(basename "$s" .sh)
  start=$SECONDS
  if bash "$s" >"$AIFB_CACHE/setup-$name.log" 2>&1; then
    echo "setup: $name ready ($((SECONDS - start)) s): $(tail -n 1 "$AIFB_CACHE/setup-$name.log")"
  else
    echo "setup: $name NOT installed ($((SECONDS - start)) s), its tests will not run; log tail:" >&2
    tail -n 15 "$AIFB_CACHE/setup-$name.log" >&2
  fi
done
exit $status
