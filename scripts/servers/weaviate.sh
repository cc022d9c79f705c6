#!/usr/bin/env bash
# Weaviate's server (weaviate-server), built from the Go module proxy into
# $AIFB_CACHE/weaviate-<version>/, reused when present, linked as $AIFB_CACHE/bin/weaviate-server.
set -euo pipefail
VERSION=v1.35.2
CACHE="${AIFB_CACHE:-$HOME/.cache/aifb}"
DIR="$CACHE/weaviate-$VERSION"
mkdir -p "$CACHE/bin"
if [ -x "$DIR/weaviate-server" ]; then
  ln -sfn "$DIR/weaviate-server" "$CACHE/bin/weaviate-server"
  echo "weaviate-server $VERSION reused ($DIR)"
  exit 0
fi
command -v go >/dev/null || { echo "weaviate: go is not installed" >&2; exit 1; }
rm -rf "$DIR.part" && mkdir -p "$DIR.part"
start=$SECONDS
# -trimpath and a stripped link (-s -w) cut the linker's memory and the binary's size.
CGO_ENABLED=0 GOBIN="$DIR.part" GOFLAGS= \
  go install -trimpath -ldflags='-s -w' "github.com/weaviate/weaviate/cmd/weaviate-server@$VERSION"
rm -rf "$DIR" && mv "$DIR.part" "$DIR"
ln -sfn "$DIR/weaviate-server" "$CACHE/bin/weaviate-server"
echo "weaviate-server $VERSION built in $((SECONDS - start)) s ($DIR)"
