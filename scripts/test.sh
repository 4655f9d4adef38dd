#!/usr/bin/env bash
# The test command (README, "Tests"): `npm test`. It installs what the suite needs when it is missing (Debian
# packages for the peers when run as root, node_modules), builds, lints, type-checks, runs every test with coverage
# (>= 80 % lines enforced), then the short benchmark gate. Tests start their own peers (sshd on a loopback port);
# PostgreSQL is used at 127.0.0.1:5432 (database `test`) or at $DTHOSTMON_TEST_PG_URL. Extra arguments go to jest.
set -euo pipefail
cd "$(dirname "$0")/.."

is_root() { [ "$(id -u)" = 0 ]; }
bash scripts/install-peers.sh test

# PostgreSQL: use the machine's server; if it is down, start it; failing that, a throwaway cluster of our own.
if [ -z "${DTHOSTMON_TEST_PG_URL:-}" ]; then
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && is_root && command -v pg_ctlcluster >/dev/null; then
    for v in $(ls /etc/postgresql 2>/dev/null); do pg_ctlcluster --skip-systemctl-redirect "$v" main start 2>/dev/null || true; done
  fi
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    export DTHOSTMON_TEST_PG_URL
    DTHOSTMON_TEST_PG_URL=$(bash scripts/test-pg-cluster.sh)
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build
npm run lint
npm run typecheck
node --experimental-vm-modules node_modules/jest/bin/jest.js --coverage "$@"
# The short benchmark gate (docs/benchmarks.md, about a minute): each case's CPU ratio to its in-run baseline against
# bench/reference.json; exit 1 naming the case when one is more than 10 % worse. DTHOSTMON_BENCH_GATE=0 skips it.
if [ "${DTHOSTMON_BENCH_GATE:-1}" != 0 ]; then
  node scripts/bench-ci.mjs
fi
