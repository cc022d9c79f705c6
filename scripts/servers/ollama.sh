#!/usr/bin/env bash
# Ollama built from the Go module proxy with cgo: v0.24.0 is the last release whose Go build
# compiles llama.cpp/ggml itself (later ones need a separately built runner). The module zip
# lacks a few third-party headers of llama.cpp's nested vendor/ folder (nlohmann json,
# stb_image, miniaudio); the same headers come from the llama-cpp-python sdist that
# llama-cpp.sh unpacks (run first: setup runs scripts in name order, llama-cpp < ollama).
# Installs into $AIFB_CACHE/ollama-<version>/, reuses it, links $AIFB_CACHE/bin/ollama.
set -euo pipefail
VERSION=v0.24.0
LLAMA_CPP_PYTHON=0.3.36   # whose sdist carries the headers (same pin as llama-cpp.sh)
CACHE="${AIFB_CACHE:-$HOME/.cache/aifb}"
DIR="$CACHE/ollama-$VERSION"
mkdir -p "$CACHE/bin"
built=reused
if [ ! -x "$DIR/ollama" ]; then
  start=$SECONDS
  vendor="$CACHE/llama-cpp-$LLAMA_CPP_PYTHON/src/vendor/llama.cpp/vendor"
  [ -d "$vendor/nlohmann" ] || { echo "ollama: needs $vendor (run scripts/servers/llama-cpp.sh first)" >&2; exit 1; }
  inc="-I$vendor -I$vendor/nlohmann -I$vendor/stb -I$vendor/miniaudio"
  mkdir -p "$DIR"
  CGO_ENABLED=1 CGO_CPPFLAGS="$inc" CGO_CXXFLAGS="-O3 $inc" CGO_CFLAGS="-O3 $inc" GOBIN="$DIR" \
    go install -trimpath "github.com/ollama/ollama@$VERSION"
  built="built in $((SECONDS - start)) s"
fi
ln -sf "$DIR/ollama" "$CACHE/bin/ollama"
# The Modelfile that serves llama-cpp.sh's tiny GGUF with its ChatML template, on one thread
# (on 2 shared cores more threads spin against each other: TTFT 46 s measured with the default).
cat > "$DIR/Modelfile" <<MODELFILE
FROM $CACHE/tiny-gguf/tiny.gguf
TEMPLATE """{{- range .Messages }}<|im_start|>{{ .Role }}
{{ .Content }}<|im_end|>
{{ end }}<|im_start|>assistant
"""
PARAMETER stop <|im_end|>
PARAMETER num_thread 1
MODELFILE
ln -sf "$DIR/Modelfile" "$CACHE/bin/ollama-tiny.Modelfile"
echo "ollama $VERSION ($built) at $CACHE/bin/ollama"
