#!/usr/bin/env bash
# Installs the Debian packages the test suite needs (chromium for the browser tests), once;
# with the argument `bench`, also those the benchmarks need.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ "${1:-}" = "bench" ]; then
  # bench/load.py measures the ceiling with wrk; bench/faults.py needs setpriv, runuser and
  # the PostgreSQL server binaries (initdb, pg_ctl) for its private cluster.
  command -v wrk >/dev/null 2>&1 || need+=(wrk)
  command -v setpriv >/dev/null 2>&1 || need+=(util-linux)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
fi
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "installing Debian packages: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
