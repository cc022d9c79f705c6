#!/usr/bin/env bash
# llama.cpp's llama-server (CPU) built from the llama.cpp sources that the llama-cpp-python
# sdist vendors (PyPI is reachable here, GitHub is not), plus the tiny random-weight GGUF the
# LLM tests serve (tiny-gguf.py). Only the llama-server target, Release, no web UI download,
# no TLS. Installs into $AIFB_CACHE/llama-cpp-<version>/, reuses it when present, links
# $AIFB_CACHE/bin/llama-server. Last line: what it installed or reused.
set -euo pipefail
VERSION=0.3.36            # llama-cpp-python sdist; its vendor/llama.cpp is what gets built
GGUF_VERSION=0.19.0       # PyPI gguf, writes the model
TOKENIZERS_VERSION=0.22.1 # PyPI tokenizers, writes the matching tokenizer.json
CACHE="${AIFB_CACHE:-$HOME/.cache/aifb}"
DIR="$CACHE/llama-cpp-$VERSION"
BIN="$DIR/build/bin/llama-server"
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$CACHE/bin"

built=reused
if [ ! -x "$BIN" ]; then
  start=$SECONDS
  mkdir -p "$DIR"
  src="$DIR/src"
  if [ ! -f "$src/vendor/llama.cpp/CMakeLists.txt" ]; then
    dl=$(mktemp -d)
    pip download --quiet --no-deps --no-binary :all: "llama-cpp-python==$VERSION" -d "$dl"
    rm -rf "$src" && mkdir -p "$src"
    tar xzf "$dl"/llama_cpp_python-"$VERSION".tar.gz -C "$src" --strip-components=1
    rm -rf "$dl"
  fi
  # GGML_NATIVE: the cache belongs to this machine, so tune for its CPU.
  cmake -S "$src/vendor/llama.cpp" -B "$DIR/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=ON
  cmake --build "$DIR/build" --target llama-server -j "$(nproc)"
  "$BIN" --version
  built="built in $((SECONDS - start)) s"
fi
ln -sf "$BIN" "$CACHE/bin/llama-server"

# The model: a venv keyed by the writer's versions, the files keyed by the generator's content.
venv="$CACHE/gguf-venv-$GGUF_VERSION-$TOKENIZERS_VERSION"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "gguf==$GGUF_VERSION" "tokenizers==$TOKENIZERS_VERSION"
fi
model_dir="$CACHE/tiny-gguf-$(sha256sum "$here/tiny-gguf.py" | cut -c1-12)"
if [ ! -f "$model_dir/tiny.gguf" ]; then
  "$venv/bin/python" "$here/tiny-gguf.py" "$model_dir"
fi
ln -sfn "$model_dir" "$CACHE/tiny-gguf"
echo "llama-server (llama-cpp-python $VERSION sdist, $built) at $CACHE/bin/llama-server; model $CACHE/tiny-gguf/tiny.gguf"
