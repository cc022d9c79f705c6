#!/usr/bin/env bash
# pyarrow in a venv of its own, for the test that reads aifb's Parquet export back as
# pandas would (test/report/export-formats.test.ts). Not a server: a reader the test needs.
set -euo pipefail
PYARROW_VERSION=21.0.0
CACHE="${AIFB_CACHE:-$HOME/.cache/aifb}"
venv="$CACHE/pyarrow-$PYARROW_VERSION"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import pyarrow' 2>/dev/null; then
  rm -rf "$venv.tmp"
  python3 -m venv "$venv.tmp"
  "$venv.tmp/bin/pip" install --quiet "pyarrow==$PYARROW_VERSION"
  rm -rf "$venv"
  mv "$venv.tmp" "$venv"
  echo "pyarrow $PYARROW_VERSION installed in $venv"
else
  echo "pyarrow $PYARROW_VERSION reused from $venv"
fi
