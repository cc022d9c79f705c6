# shellcheck shell=bash
# Sourced by the scripts of servers and peers built from the Go module proxy.
# go_tool NAME BINARY VERSION MODULE: builds MODULE@VERSION into $AIFB_CACHE/NAME-VERSION/
# (reused when BINARY is already there) and links it as $AIFB_CACHE/bin/BINARY.
# Pure-Go builds only: CGO off keeps them free of a C toolchain; -trimpath and a stripped
# link (-s -w) cut the linker's memory (MinIO's link took ~3 GB) and the binary's size.
go_tool() {
  local name=$1 binary=$2 version=$3 module=$4
  local cache="${AIFB_CACHE:-$HOME/.cache/aifb}"
  local dir="$cache/$name-$version"
  mkdir -p "$cache/bin"
  if [ -x "$dir/$binary" ]; then
    ln -sfn "$dir/$binary" "$cache/bin/$binary"
    echo "$binary $version reused ($dir)"
    return 0
  fi
  command -v go >/dev/null || { echo "$name: go is not installed" >&2; return 1; }
  rm -rf "$dir.part" && mkdir -p "$dir.part"
  local start=$SECONDS
  CGO_ENABLED=0 GOBIN="$dir.part" GOFLAGS='' go install -trimpath -ldflags='-s -w' "$module@$version"
  rm -rf "$dir" && mv "$dir.part" "$dir"
  ln -sfn "$dir/$binary" "$cache/bin/$binary"
  echo "$binary $version built in $((SECONDS - start)) s ($dir)"
}
