#!/usr/bin/env bash
# scripts/db-down.sh — stop the throwaway PostGIS cluster started by
# scripts/db-up.sh (pg_ctl stop -m fast).
#
#   bash scripts/db-down.sh            # stop, keep the data
#   bash scripts/db-down.sh --purge    # stop and delete the cluster directory
#
# Finds the cluster exactly like db-up.sh: PG_DIR (default <repo>/var/pg,
# relative paths from the current directory), or its fallback
# /tmp/wangge-pg-<sha256(absolute PG_DIR)[0:12]> used when running as root and
# the `postgres` user cannot access PG_DIR.  Succeeds if nothing is running.

set -euo pipefail

log() { printf 'db-down: %s\n' "$*" >&2; }
die() { printf 'db-down: error: %s\n' "$*" >&2; exit 1; }

PURGE=0
for arg in "$@"; do
  case "$arg" in
    --purge) PURGE=1 ;;
    -h|--help) sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $arg (usage: db-down.sh [--purge])" ;;
  esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"

if [[ "$(id -u)" == 0 ]] && getent passwd postgres >/dev/null; then
  RUN_AS=(runuser -u postgres --)
else
  RUN_AS=()
fi
as_owner() { (cd / && "${RUN_AS[@]}" "$@"); }

REQ_DIR="${PG_DIR:-$ROOT/var/pg}"
[[ "$REQ_DIR" == /* ]] || REQ_DIR="$PWD/$REQ_DIR"
REQ_DIR="$(realpath -m -- "$REQ_DIR")"
HASH="$(printf '%s' "$REQ_DIR" | sha256sum | cut -c1-12)"
FALLBACK_DIR="/tmp/wangge-pg-$HASH"

# (A read-only open is the fallback: with fs.protected_regular an O_CREAT open of
# another user's file in sticky /tmp fails, even for root.)
LOCK="/tmp/wangge-pg-$HASH.lock"
if { exec 9>>"$LOCK"; } 2>/dev/null || { exec 9<"$LOCK"; } 2>/dev/null; then
  flock -w 120 9 || die "timed out waiting for lock $LOCK"
else
  log "warning: cannot open lock file $LOCK; continuing without locking"
fi

found=0
for dir in "$REQ_DIR" "$FALLBACK_DIR"; do
  [[ -d "$dir" ]] || continue
  if [[ -f "$dir/data/PG_VERSION" ]]; then
    found=1
    if as_owner "$PG_BIN/pg_ctl" status -D "$dir/data" >/dev/null 2>&1; then
      log "stopping cluster $dir/data"
      as_owner "$PG_BIN/pg_ctl" stop -D "$dir/data" -m fast -w -t 120 >&2 9>&- \
        || die "pg_ctl stop failed (see $dir/postgres.log)"
    else
      log "cluster $dir/data is not running"
    fi
  fi
  if (( PURGE )); then
    log "removing $dir"
    rm -rf -- "$dir"
    rm -rf -- "/tmp/wangge-pg-$HASH.sock"
    found=1
  fi
done
(( found )) || log "no cluster found at $REQ_DIR"
