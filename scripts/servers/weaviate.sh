#!/usr/bin/env bash
# Weaviate's server, linked as $AIFB_CACHE/bin/weaviate-server (v1.35.2: the newest the
# Go module proxy lists).
set -euo pipefail
source "$(dirname "$0")/../lib/go-tool.sh"
go_tool weaviate weaviate-server v1.35.2 github.com/weaviate/weaviate/cmd/weaviate-server
