#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster on 127.0.0.1:55432 (trust auth) for the tests when the machine has none
# running, and prints its URL. initdb refuses root, so as root the cluster runs as the `postgres` user.
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
dir=${DTHOSTMON_TEST_PG_DIR:-/tmp/dthostmon-test-pg}
port=55432
as() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if ! pg_isready -q -h 127.0.0.1 -p "$port" 2>/dev/null; then
  rm -rf "$dir"; mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  as "$bin/initdb" -N -D "$dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
  as "$bin/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  as "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres test
fi
echo "postgres://postgres@127.0.0.1:$port/test"
