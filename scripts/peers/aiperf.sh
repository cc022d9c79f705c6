#!/usr/bin/env bash
# aiperf (PyPI; NVIDIA's successor of genai-perf), for bench/llm/peers.ts only: not run by
# scripts/setup.sh (the tests do not need it; it is 1.2 GB). Same convention as
# scripts/servers/*.sh: a venv in $AIFB_CACHE/aiperf-<version>/, reused, $AIFB_CACHE/bin/aiperf.
# Give it a local tokenizer folder and do NOT set HF_HUB_OFFLINE: in offline mode aiperf
# 0.13 reads --tokenizer as a hub repo id and refuses a path.
set -euo pipefail
VERSION=0.13.0
CACHE="${AIFB_CACHE:-$HOME/.cache/aifb}"
DIR="$CACHE/aiperf-$VERSION"
mkdir -p "$CACHE/bin"
built=reused
if [ ! -x "$DIR/bin/aiperf" ]; then
  start=$SECONDS
  rm -rf "$DIR"
  /usr/bin/python3.11 -m venv "$DIR"
  "$DIR/bin/pip" install --quiet "aiperf==$VERSION"
  built="installed in $((SECONDS - start)) s"
fi
ln -sf "$DIR/bin/aiperf" "$CACHE/bin/aiperf"
echo "aiperf $VERSION ($built) at $CACHE/bin/aiperf"
