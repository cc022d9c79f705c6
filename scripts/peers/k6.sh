#!/usr/bin/env bash
# k6, the HTTP load tester bench/ compares aifb with, built from the Go module proxy into
# $AIFB_CACHE/k6-<version>/, reused when present, linked as $AIFB_CACHE/bin/k6.
# Run it with K6_NO_USAGE_REPORT=true: it reports usage home otherwise.
set -euo pipefail
VERSION=v1.8.1
CACHE="${AIFB_CACHE:-$HOME/.cache/aifb}"
DIR="$CACHE/k6-$VERSION"
mkdir -p "$CACHE/bin"
if [ -x "$DIR/k6" ]; then
  ln -sfn "$DIR/k6" "$CACHE/bin/k6"
  echo "k6 $VERSION reused ($DIR)"
  exit 0
fi
command -v go >/dev/null || { echo "k6: go is not installed" >&2; exit 1; }
rm -rf "$DIR.part" && mkdir -p "$DIR.part"
start=$SECONDS
CGO_ENABLED=0 GOBIN="$DIR.part" GOFLAGS= go install -trimpath -ldflags='-s -w' "go.k6.io/k6@$VERSION"
rm -rf "$DIR" && mv "$DIR.part" "$DIR"
ln -sfn "$DIR/k6" "$CACHE/bin/k6"
echo "k6 $VERSION built in $((SECONDS - start)) s ($DIR)"
