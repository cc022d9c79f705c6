#!/usr/bin/env bash
# MinIO, the S3 server that checks SigV4 (s3rver does not): built from the Go module proxy
# into $AIFB_CACHE/minio-<version>/, reused when present, linked as $AIFB_CACHE/bin/minio.
# MinIO tags releases as RELEASE.<date>, which Go cannot order, so the pin is the
# pseudo-version of a commit on its default branch.
set -euo pipefail
VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
CACHE="${AIFB_CACHE:-$HOME/.cache/aifb}"
DIR="$CACHE/minio-$VERSION"
mkdir -p "$CACHE/bin"
if [ -x "$DIR/minio" ]; then
  ln -sfn "$DIR/minio" "$CACHE/bin/minio"
  echo "minio $VERSION reused ($DIR)"
  exit 0
fi
command -v go >/dev/null || { echo "minio: go is not installed" >&2; exit 1; }
rm -rf "$DIR.part" && mkdir -p "$DIR.part"
start=$SECONDS
# -trimpath and a stripped link (-s -w) cut the linker's memory and the binary's size;
# CGO off: MinIO is pure Go and this keeps the build free of a C toolchain.
CGO_ENABLED=0 GOBIN="$DIR.part" GOFLAGS= \
  go install -trimpath -ldflags='-s -w' "github.com/minio/minio@$VERSION"
rm -rf "$DIR" && mv "$DIR.part" "$DIR"
ln -sfn "$DIR/minio" "$CACHE/bin/minio"
echo "minio $VERSION built in $((SECONDS - start)) s ($DIR)"
