#!/usr/bin/env bash
# guidellm (PyPI; the vLLM project's load generator), for bench/llm/peers.ts only, installed
# by `setup.sh --peers`. Same convention as aiperf.sh: a venv in $AIFB_CACHE/guidellm-<version>/,
# reused when present, linked as $AIFB_CACHE/bin/guidellm.
set -euo pipefail
VERSION=0.8.1
CACHE="${AIFB_CACHE:-$HOME/.cache/aifb}"
DIR="$CACHE/guidellm-$VERSION"
mkdir -p "$CACHE/bin"
built=reused
if [ ! -x "$DIR/bin/guidellm" ]; then
  start=$SECONDS
  rm -rf "$DIR"
  /usr/bin/python3.11 -m venv "$DIR"
  # Debian's venv pip (23.0) fails on one of its dependencies' metadata (TypeError in
  # packaging's Version: a version of None); a current pip installs it.
  "$DIR/bin/pip" install --quiet --upgrade pip
  "$DIR/bin/pip" install --quiet "guidellm==$VERSION"
  built="installed in $((SECONDS - start)) s"
fi
ln -sf "$DIR/bin/guidellm" "$CACHE/bin/guidellm"
echo "guidellm $VERSION ($built) at $CACHE/bin/guidellm"
