#!/usr/bin/env bash
# VectorDBBench (PyPI vectordb-bench; Zilliz's vector database benchmark), for
# bench/vectordb/peers.ts only: run by `scripts/setup.sh --peers`, never by the tests.
# Same convention as the other peers: a venv in $AIFB_CACHE/vectordbbench-<version>/,
# reused when present, linked as $AIFB_CACHE/bin/vectordbbench.
# Extras: the ChromaDB and Weaviate clients its runners import (pgvector is not compared).
set -euo pipefail
VERSION=2.0.0
CACHE="${AIFB_CACHE:-$HOME/.cache/aifb}"
DIR="$CACHE/vectordbbench-$VERSION"
mkdir -p "$CACHE/bin"
built=reused
# A venv's scripts name their interpreter by absolute path, so it is built where it stays
# and a marker written last tells a finished install from one killed halfway.
if [ ! -e "$DIR/.installed" ]; then
  start=$SECONDS
  rm -rf "$DIR"
  /usr/bin/python3.11 -m venv "$DIR"
  "$DIR/bin/pip" install --quiet "vectordb-bench[chromadb,weaviate]==$VERSION"
  touch "$DIR/.installed"
  built="installed in $((SECONDS - start)) s"
fi
ln -sf "$DIR/bin/vectordbbench" "$CACHE/bin/vectordbbench"
echo "vectordbbench $VERSION ($built) at $CACHE/bin/vectordbbench"
