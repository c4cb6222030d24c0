#!/usr/bin/env bash
# scripts/db-up.sh — start a throwaway local PostgreSQL 15 + PostGIS cluster
# for development and CI, and print its connection URL.
#
#   export DATABASE_URL=$(bash scripts/db-up.sh | tail -1)
#
# Output contract: the LAST line on stdout is exactly
#   postgres://wangge:wangge@127.0.0.1:<port>/wangge
# (it is also the only stdout line); all logging goes to stderr.
#
# Idempotent: already running → prints the URL again; exists but stopped →
# starts it; missing → initdb + bootstrap.  Stop it with scripts/db-down.sh
# (add --purge to delete it).
#
# Where the cluster lives (PG_DIR):
#   default  <repo>/var/pg          (var/ is git-ignored)
#   PG_DIR=… overrides (relative paths are taken from the current directory).
#   When run as root the server runs as the `postgres` user; if that user
#   cannot reach/write the requested directory (e.g. a repo under a private
#   home directory), the cluster lives in /tmp/wangge-pg-<hash>, where <hash> is
#   the first 12 hex digits of sha256(<requested absolute PG_DIR>).  db-down.sh
#   uses the same rule.
#
# Layout of PG_DIR:
#   data/           PGDATA (initdb -A trust -U postgres, UTF8, C.UTF-8)
#   run/            unix socket directory
#   port            TCP port of the server (127.0.0.1 only)
#   database_url    the URL printed on stdout
#   postgres.log    server log
#   initdb.log      output of initdb
#
# Environment:
#   PG_DIR    cluster directory (see above)
#   PG_PORT   preferred port (default 54329; another free port is chosen if busy)
#   PG_BIN    PostgreSQL binaries (default /usr/lib/postgresql/15/bin)
#   PG_DURABLE=1  keep fsync, synchronous_commit and full_page_writes on (the
#             fault script: an acknowledged commit must survive a crash)
#
# Settings are for a disposable cluster: fsync, synchronous_commit and
# full_page_writes are off unless PG_DURABLE=1.  Never put data you care about in it.
# Role `wangge` (password `wangge`) is a SUPERUSER: tests create databases.
# PostGIS is installed in template1 too, so every new database has it.

set -euo pipefail

# Keep the real stdout on fd 3 for the URL; everything else goes to stderr.
exec 3>&1 1>&2

log() { printf 'db-up: %s\n' "$*" >&2; }
die() { printf 'db-up: error: %s\n' "$*" >&2; exit 1; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
POSTGIS_CONTROL="/usr/share/postgresql/15/extension/postgis.control"
PREFERRED_PORT="${PG_PORT:-54329}"
DB_USER=wangge
DB_PASS=wangge
DB_NAME=wangge

IS_ROOT=0
[[ "$(id -u)" == 0 ]] && IS_ROOT=1

# ---------------------------------------------------------------- packages --
if [[ ! -f "$POSTGIS_CONTROL" || ! -x "$PG_BIN/initdb" ]]; then
  if (( IS_ROOT )); then
    log "PostgreSQL 15 / PostGIS 3 not found; installing postgresql-15-postgis-3 via apt"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -qq -o DPkg::Lock::Timeout=300 update >&2
    apt-get -qq -o DPkg::Lock::Timeout=300 install -y postgresql-15-postgis-3 >&2
  else
    die "PostgreSQL 15 + PostGIS 3 are not installed ($POSTGIS_CONTROL or $PG_BIN/initdb missing).
  Install them as root:  apt-get install -y postgresql-15-postgis-3"
  fi
fi
[[ -f "$POSTGIS_CONTROL" ]] || die "$POSTGIS_CONTROL still missing after install"
for b in initdb pg_ctl pg_isready psql; do
  [[ -x "$PG_BIN/$b" ]] || die "$PG_BIN/$b not found (set PG_BIN)"
done

# ------------------------------------------------------- cluster location --
if (( IS_ROOT )); then
  getent passwd postgres >/dev/null \
    || die "user 'postgres' does not exist (it is created by the postgresql-15 package)"
  RUN_AS=(runuser -u postgres --)
else
  RUN_AS=()
fi
# Run a command as the cluster owner, from / (the cwd may not be readable).
as_owner() { (cd / && "${RUN_AS[@]}" "$@"); }

REQ_DIR="${PG_DIR:-$ROOT/var/pg}"
[[ "$REQ_DIR" == /* ]] || REQ_DIR="$PWD/$REQ_DIR"
REQ_DIR="$(realpath -m -- "$REQ_DIR")"
HASH="$(printf '%s' "$REQ_DIR" | sha256sum | cut -c1-12)"
FALLBACK_DIR="/tmp/wangge-pg-$HASH"

# Serialize concurrent db-up/db-down runs for the same cluster.  The lock fd
# (9) must not leak into the postmaster: see `9>&-` below.
# (A read-only open is the fallback: with fs.protected_regular an O_CREAT open of
# another user's file in sticky /tmp fails, even for root.)
LOCK="/tmp/wangge-pg-$HASH.lock"
if { exec 9>>"$LOCK"; } 2>/dev/null || { exec 9<"$LOCK"; } 2>/dev/null; then
  flock -w 120 9 || die "timed out waiting for lock $LOCK"
else
  log "warning: cannot open lock file $LOCK; continuing without locking"
fi

usable_dir() {  # can the cluster owner read/write/traverse "$1" (creating it)?
  local d="$1"
  mkdir -p -- "$d" 2>/dev/null || return 1
  if (( IS_ROOT )); then
    chown postgres:postgres -- "$d" || return 1
    chmod 0700 -- "$d" || return 1
  fi
  as_owner test -d "$d" -a -r "$d" -a -w "$d" -a -x "$d"
}

if [[ -f "$REQ_DIR/data/PG_VERSION" ]]; then
  PG_DIR="$REQ_DIR"
elif [[ -f "$FALLBACK_DIR/data/PG_VERSION" ]]; then
  PG_DIR="$FALLBACK_DIR"
elif usable_dir "$REQ_DIR"; then
  PG_DIR="$REQ_DIR"
else
  rmdir -- "$REQ_DIR" 2>/dev/null || true
  log "$REQ_DIR is not accessible to user '${RUN_AS[2]:-$(id -un)}'; using $FALLBACK_DIR"
  usable_dir "$FALLBACK_DIR" || die "cannot use $FALLBACK_DIR either"
  PG_DIR="$FALLBACK_DIR"
fi
DATA="$PG_DIR/data"
LOGFILE="$PG_DIR/postgres.log"
PORT_FILE="$PG_DIR/port"
SOCK_DIR="$PG_DIR/run"
# sun_path is 108 bytes: "<dir>/.s.PGSQL.<port>" must fit, else use /tmp.
if (( ${#SOCK_DIR} + 16 > 100 )); then
  SOCK_DIR="/tmp/wangge-pg-$HASH.sock"
fi

# ------------------------------------------------------------------ ports --
port_free() {  # true if nothing accepts connections / we can bind 127.0.0.1:$1
  local p="$1"
  if command -v python3 >/dev/null 2>&1; then
    python3 - "$p" <<'PY' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as postgres does
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
  else
    if (exec 8<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then return 1; fi
  fi
}

pick_port() {  # prints a free port: stored one, preferred, then 54330..54499
  local p
  if [[ -s "$PORT_FILE" ]]; then
    p="$(tr -dc 0-9 <"$PORT_FILE")"
    if [[ -n "$p" ]] && port_free "$p"; then echo "$p"; return; fi
  fi
  for p in "$PREFERRED_PORT" $(seq 54330 54499); do
    if port_free "$p"; then echo "$p"; return; fi
  done
  die "no free TCP port found in 54329..54499"
}

running_port() {  # prints the port of the running postmaster, or fails
  as_owner "$PG_BIN/pg_ctl" status -D "$DATA" >/dev/null 2>&1 || return 1
  # postmaster.pid line 4 is the port.
  as_owner sed -n 4p "$DATA/postmaster.pid" 2>/dev/null | tr -dc 0-9
}

# ---------------------------------------------------------------- initdb --
if [[ ! -f "$DATA/PG_VERSION" ]]; then
  log "initializing cluster in $DATA"
  # C.UTF-8 keeps byte-order collation but Unicode-aware ctype (CJK text).
  LOCALE=C
  if locale -a 2>/dev/null | grep -qix 'c\.utf-\?8'; then LOCALE=C.UTF-8; fi
  as_owner rm -rf -- "$DATA"
  if ! as_owner "$PG_BIN/initdb" -D "$DATA" -A trust -U postgres --no-sync \
      --encoding=UTF8 --locale="$LOCALE" 2>&1 | as_owner tee "$PG_DIR/initdb.log" >/dev/null; then
    cat "$PG_DIR/initdb.log" >&2 || true
    die "initdb failed (log: $PG_DIR/initdb.log)"
  fi
  echo "include_if_exists = 'wangge.conf'" | as_owner tee -a "$DATA/postgresql.conf" >/dev/null
fi

# ----------------------------------------------------------------- start --
write_conf() {
  as_owner tee "$DATA/wangge.conf" >/dev/null <<EOF
# Written by scripts/db-up.sh on every start; throwaway settings.
listen_addresses = '127.0.0.1'
port = $1
unix_socket_directories = '$SOCK_DIR'
max_connections = 100
EOF
  if [[ "${PG_DURABLE:-}" != 1 ]]; then
    printf 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n' | as_owner tee -a "$DATA/wangge.conf" >/dev/null
  fi
}

start_cluster() {  # start on a free port (retrying if it is grabbed meanwhile); sets PORT
  local attempt p
  for attempt in 1 2 3 4 5; do
    p="$(pick_port)"
    mkdir -p -- "$SOCK_DIR"
    if (( IS_ROOT )); then chown postgres:postgres -- "$SOCK_DIR"; fi
    write_conf "$p"
    log "starting cluster $DATA on 127.0.0.1:$p (log: $LOGFILE)"
    # Close fds 3 (our stdout) and 9 (lock) so the postmaster does not keep
    # the caller's pipe open or hold the lock forever.
    if as_owner "$PG_BIN/pg_ctl" start -D "$DATA" -l "$LOGFILE" -w -t 120 >&2 3>&- 9>&-; then
      PORT="$p"
      return 0
    fi
    if tail -n 20 "$LOGFILE" 2>/dev/null | grep -q 'could not bind\|Address already in use'; then
      log "port $p was taken meanwhile; retrying ($attempt)"
      continue
    fi
    tail -n 30 "$LOGFILE" >&2 2>/dev/null || true
    die "pg_ctl start failed (see $LOGFILE)"
  done
  die "could not start the cluster on a free port"
}

# Running and ready → reuse.  Running but not ready (starting up, shutting
# down, or a killed postmaster not yet reaped) → wait.  Not running → start.
PORT=""
ready=0
for i in $(seq 1 240); do
  if p="$(running_port)" && [[ -n "$p" ]]; then
    if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$p" -d postgres; then
      PORT="$p"; ready=1
      log "cluster $DATA already running on port $PORT"
      break
    fi
    (( i % 20 == 1 )) && log "cluster $DATA is running on port $p but not ready; waiting"
    sleep 0.5
  else
    start_cluster
    break
  fi
done
if (( ! ready )); then
  [[ -n "$PORT" ]] || die "cluster $DATA is running but never became ready (see $LOGFILE)"
  for _ in $(seq 1 120); do
    "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -d postgres && break
    sleep 0.5
  done
  "$PG_BIN/pg_isready" -h 127.0.0.1 -p "$PORT" -d postgres >&2 \
    || die "server on port $PORT is not accepting connections (see $LOGFILE)"
fi

printf '%s\n' "$PORT" | as_owner tee "$PORT_FILE" >/dev/null

# ------------------------------------------------------------- bootstrap --
# All idempotent; cheap when everything exists already.
psql_su() {
  PGOPTIONS='' PGSSLMODE=disable "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 \
    -h 127.0.0.1 -p "$PORT" -U postgres "$@" >&2
}
psql_su -d template1 <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
    CREATE ROLE $DB_USER LOGIN SUPERUSER PASSWORD '$DB_PASS';
  END IF;
END \$\$;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS postgis;
SELECT 'CREATE DATABASE $DB_NAME OWNER $DB_USER'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DB_NAME') \gexec
SQL
psql_su -d "$DB_NAME" <<SQL
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS postgis;
SQL

URL="postgres://$DB_USER:$DB_PASS@127.0.0.1:$PORT/$DB_NAME"
printf '%s\n' "$URL" | as_owner tee "$PG_DIR/database_url" >/dev/null
log "ready: PostGIS $(PGOPTIONS='' PGSSLMODE=disable "$PG_BIN/psql" -X -At -h 127.0.0.1 -p "$PORT" -U "$DB_USER" -d "$DB_NAME" -c 'select postgis_lib_version()' 2>/dev/null || echo '?') in $PG_DIR"
printf '%s\n' "$URL" >&3
