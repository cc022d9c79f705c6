#!/usr/bin/env bash
# A real Triton Inference Server through PyPI nvidia-pytriton (it bundles tritonserver 2.51
# with the Python backend; CPU-only works, inference runs in Python). The venv must be
# made from Debian's python3.11: the bundled Python-backend stub links Debian's
# libpython3.11 and fails on another 3.11's standard library. Installs into
# $AIFB_CACHE/pytriton-<version>/, reuses it, and writes $AIFB_CACHE/bin/pytriton-python,
# the interpreter that runs test/fixtures/servers/triton_models.py.
set -euo pipefail
VERSION=0.7.0
CACHE="${AIFB_CACHE:-$HOME/.cache/aifb}"
DIR="$CACHE/pytriton-$VERSION"
mkdir -p "$CACHE/bin"
built=reused
if ! "$DIR/bin/python" -c 'import pytriton' 2>/dev/null; then
  start=$SECONDS
  rm -rf "$DIR"
  /usr/bin/python3.11 -m venv "$DIR"
  "$DIR/bin/pip" install --quiet "nvidia-pytriton==$VERSION"
  built="installed in $((SECONDS - start)) s"
fi
# A wrapper, not a symlink: a venv's python finds its pyvenv.cfg only from its own path.
rm -f "$CACHE/bin/pytriton-python"
printf '#!/bin/sh\nexec "%s/bin/python" "$@"\n' "$DIR" > "$CACHE/bin/pytriton-python"
chmod +x "$CACHE/bin/pytriton-python"
echo "nvidia-pytriton $VERSION ($built), tritonserver $("$DIR/bin/python" -c 'import pytriton,os;print(os.path.dirname(pytriton.__file__))')/tritonserver/bin/tritonserver; python $CACHE/bin/pytriton-python"
