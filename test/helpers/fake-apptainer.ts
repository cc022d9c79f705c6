/**
 * Apptainer cannot be installed here (not in Debian bookworm, no image registry), so the
 * Slurm tests put this stand-in named `apptainer` first on the PATH their jobs inherit:
 * it takes aifb's `apptainer exec|run [--nv] [--bind SRC:DST]... IMAGE CMD...` line and
 * runs the same server natively, with the container paths mapped back through the binds.
 * It knows two images, the ones the seed's recipes use for an LLM and for PostgreSQL:
 * ollama (served by aifb's own LLM simulator, which speaks the Ollama API) and postgres
 * (Debian's PostgreSQL, initialised as the image's entrypoint would: user, password,
 * database from POSTGRES_*, password logins from any address). Anything else fails loudly.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AIFB } from '../launch/helpers.js';
import { shellJoin } from '../../src/launch/quote.js';
import { PG_BIN } from './postgres-server.js';

/** Writes `DIR/bin/apptainer`; returns the bin directory to put first on PATH. */
export function fakeApptainer(dir: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  const script = `#!/bin/bash
# Stand-in for Apptainer written by test/helpers/fake-apptainer.ts (see there).
set -euo pipefail
mode=$1; shift
binds=()
while [ $# -gt 0 ]; do
  case $1 in
    --nv) shift ;;
    --bind) binds+=("$2"); shift 2 ;;
    *) break ;;
  esac
done
image=$1; shift
echo "fake apptainer: $mode $image $*" >&2
# A path inside the container, as the host path its bind maps it to.
map() {
  local p=$1 b src rest dst
  for b in "\${binds[@]+"\${binds[@]}"}"; do
    src=\${b%%:*}; rest=\${b#*:}; dst=\${rest%%:*}
    case $p in "$dst"|"$dst"/*) p=$src\${p#"$dst"} ;; esac
  done
  printf '%s' "$p"
}
case $image in
  *ollama*)
    hp=\${OLLAMA_HOST:?OLLAMA_HOST is set by aifb for the ollama image}
    exec ${shellJoin(AIFB)} sim llm --host "\${hp%:*}" --port "\${hp##*:}" --model "\${FAKE_APPTAINER_MODEL:-llama2}" --decode-ms 1 --mean-output-tokens 8
    ;;
  *postgres*)
    [ "$1" = docker-entrypoint.sh ] && shift
    [ "$1" = postgres ] && shift
    args=()
    for a in "$@"; do args+=("$(map "$a")"); done
    data=$(map "\${PGDATA:?}")
    mkdir -p "$data"; chown postgres "$data"; chmod 700 "$data"
    if [ ! -s "$data/PG_VERSION" ]; then
      pw=$(mktemp); printf '%s\\n' "\${POSTGRES_PASSWORD:?}" >"$pw"; chown postgres "$pw"
      runuser -u postgres -- ${PG_BIN}/initdb -D "$data" -U "\${POSTGRES_USER:-postgres}" --pwfile="$pw" --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C --no-sync >&2
      rm -f "$pw"
      echo "host all all all scram-sha-256" >>"$data/pg_hba.conf"
      db=\${POSTGRES_DB:-\${POSTGRES_USER:-postgres}}
      if [ "$db" != postgres ]; then
        echo "CREATE DATABASE \\"$db\\"" | runuser -u postgres -- ${PG_BIN}/postgres --single -D "$data" postgres >/dev/null
      fi
    fi
    exec runuser -u postgres -- ${PG_BIN}/postgres -D "$data" -c fsync=off "\${args[@]}"
    ;;
  *)
    echo "fake apptainer: no native stand-in for $image" >&2
    exit 1
    ;;
esac
`;
  writeFileSync(join(bin, 'apptainer'), script);
  chmodSync(join(bin, 'apptainer'), 0o755);
  return bin;
}
