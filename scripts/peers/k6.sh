#!/usr/bin/env bash
# k6, the HTTP load tester bench/ compares aifb with, linked as $AIFB_CACHE/bin/k6.
# Run it with K6_NO_USAGE_REPORT=true: it reports usage home otherwise.
set -euo pipefail
source "$(dirname "$0")/../lib/go-tool.sh"
go_tool k6 k6 v1.8.1 go.k6.io/k6
