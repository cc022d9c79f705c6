#!/usr/bin/env bash
# pyarrow and pandas in a venv of their own, for the tests that read aifb's Parquet export
# back and run docs/reports.md's pandas snippet on a real metrics.db
# (test/report/export-formats.test.ts). Not a server: the readers users would use.
set -euo pipefail
PYARROW_VERSION=21.0.0
PANDAS_VERSION=2.3.3
CACHE="${AIFB_CACHE:-$HOME/.cache/aifb}"
venv="$CACHE/pyarrow-$PYARROW_VERSION-pandas-$PANDAS_VERSION"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import pyarrow, pandas' 2>/dev/null; then
  rm -rf "$venv.tmp"
  python3 -m venv "$venv.tmp"
  "$venv.tmp/bin/pip" install --quiet "pyarrow==$PYARROW_VERSION" "pandas==$PANDAS_VERSION"
  rm -rf "$venv"
  mv "$venv.tmp" "$venv"
  echo "pyarrow $PYARROW_VERSION and pandas $PANDAS_VERSION installed in $venv"
else
  echo "pyarrow $PYARROW_VERSION and pandas $PANDAS_VERSION reused from $venv"
fi
