#!/usr/bin/env bash
# VectorDBBench (PyPI vectordb-bench; Zilliz's vector database benchmark), for
# bench/vectordb/peers.ts only: run by `scripts/setup.sh --peers`, never by the tests.
# Same convention as the other peers: a venv in $AIFB_CACHE/vectordbbench-<version>/,
# reused when present, linked as $AIFB_CACHE/bin/vectordbbench.
# Extras: the ChromaDB and Weaviate clients its runners import (pgvector is not compared),
# pinned to what works here: its Weaviate runner calls the v3 client API (`Client(url=…)`,
# removed in weaviate-client 4: "unexpected keyword argument 'url'"), and the chromadb
# client 1.5 expects a newer server schema than the Chroma 1.0 server of the npm package
# (package.json overrides) ("Schema is missing defaults.float_list.vector_index").
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
  "$DIR/bin/pip" install --quiet "weaviate-client==3.26.7" "chromadb==1.0.5"
  touch "$DIR/.installed"
  built="installed in $((SECONDS - start)) s"
fi
ln -sf "$DIR/bin/vectordbbench" "$CACHE/bin/vectordbbench"
echo "vectordbbench $VERSION ($built) at $CACHE/bin/vectordbbench"
