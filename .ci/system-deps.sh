#!/usr/bin/env bash
# Debian packages the tests need (real servers started on loopback by the tests themselves).
# Fails loudly: a missing server is a failed run, never a skipped test.
set -euo pipefail
# postgresql: the storage suite and the multi-replica test start a throwaway cluster (initdb/pg_ctl) on loopback.
packages=(postgresql curl)
[ ${#packages[@]} -eq 0 ] && exit 0
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
