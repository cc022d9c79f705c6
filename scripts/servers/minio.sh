#!/usr/bin/env bash
# MinIO, the S3 server that checks SigV4 (s3rver does not), linked as $AIFB_CACHE/bin/minio.
# MinIO tags releases as RELEASE.<date>, which Go cannot order, so the pin is the
# pseudo-version of a commit on its default branch.
set -euo pipefail
source "$(dirname "$0")/../lib/go-tool.sh"
go_tool minio minio v0.0.0-20260212201848-7aac2a2c5b7c github.com/minio/minio
