#!/usr/bin/env bash
# Local PostgreSQL 15 on 127.0.0.1, without Docker.
#
#   deploy/local/postgres.sh start|stop|status|reset
#
# Environment (all optional):
#   PGPORT            TCP port on 127.0.0.1                   (default 5432)
#   PG_DATA_DIR       cluster data directory (PGDATA)         (default <repo>/.run/postgres, or
#                     /var/tmp/campaigns-infra-<hash>/postgres when the `postgres` OS user
#                     cannot reach the repository, e.g. a clone under /root)
#   PG_BIN            PostgreSQL binaries                     (default /usr/lib/postgresql/15/bin)
#   PG_START_TIMEOUT  seconds to wait for the server          (default 60)
#
# start: installs postgresql-15 with apt-get if it is missing, runs initdb the first
# time, starts the server (as the `postgres` OS user when run as root, since the
# server refuses to run as root), waits until it answers, and creates, if missing,
# the role campaigns/campaigns (LOGIN, CREATEDB) and the databases `campaigns` and
# `campaigns_test` owned by it. Idempotent: when the server already runs it only
# re-checks the role and databases.
# TCP connections (127.0.0.1 only) use password auth (scram-sha-256); the unix
# socket uses peer auth, for the superuser `postgres`.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/../.." && pwd)"
# shellcheck source=deploy/local/env.sh
source "$SCRIPT_DIR/env.sh"

PG_MAJOR=15
PG_BIN="${PG_BIN:-/usr/lib/postgresql/${PG_MAJOR}/bin}"
PG_START_TIMEOUT="${PG_START_TIMEOUT:-60}"
PG_APP_USER=campaigns
PG_APP_PASSWORD=campaigns
PG_DATABASES=(campaigns campaigns_test)

log() { echo "[postgres] $*"; }
warn() { echo "[postgres] WARNING: $*" >&2; }
die() { echo "[postgres] ERROR: $*" >&2; exit 1; }

if [[ $EUID -eq 0 ]]; then
  PG_OS_USER=postgres
else
  PG_OS_USER="$(id -un)"
fi

# Run a command as the OS user owning the cluster, from a directory it can read.
as_pg() {
  if [[ $EUID -eq 0 ]]; then
    (cd / && runuser -u "$PG_OS_USER" -- env HOME=/var/lib/postgresql "$@")
  else
    (cd / && "$@")
  fi
}

apt_install() {
  [[ $EUID -eq 0 ]] || die "missing packages ($*) and not root: install them first"
  export DEBIAN_FRONTEND=noninteractive
  local opts=(-y -q --no-install-recommends -o DPkg::Lock::Timeout=300)
  log "installing $* with apt-get"
  if ! apt-get install "${opts[@]}" "$@"; then
    log "apt-get install failed; running apt-get update and retrying"
    apt-get update -q -o DPkg::Lock::Timeout=300 || die "apt-get update failed"
    apt-get install "${opts[@]}" "$@" || die "apt-get install $* failed"
  fi
}

ensure_binaries() {
  if [[ -x "$PG_BIN/postgres" && -x "$PG_BIN/initdb" && -x "$PG_BIN/pg_ctl" \
        && -x "$PG_BIN/psql" && -x "$PG_BIN/pg_isready" ]]; then
    return 0
  fi
  apt_install "postgresql-${PG_MAJOR}"
  [[ -x "$PG_BIN/postgres" ]] || die "no PostgreSQL ${PG_MAJOR} binaries in $PG_BIN after install"
  # The Debian package may create and start its own cluster (15/main). It would
  # hold our port; stop it (it stays installed but unused).
  if command -v pg_lsclusters >/dev/null 2>&1; then
    local ver name port status _rest
    while read -r ver name port status _rest; do
      if [[ "$status" == online* && "$port" == "$PGPORT" ]]; then
        log "stopping Debian's cluster $ver/$name that the package started on port $port"
        pg_ctlcluster "$ver" "$name" stop || true
      fi
    done < <(pg_lsclusters -h 2>/dev/null || true)
  fi
}

ensure_os_user() {
  [[ $EUID -eq 0 ]] || return 0
  if ! id -u postgres >/dev/null 2>&1; then
    log "creating OS user postgres"
    useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres \
      || die "could not create OS user postgres"
  fi
  mkdir -p /var/lib/postgresql
  chown postgres:postgres /var/lib/postgresql 2>/dev/null || true
}

# Decide PGDATA. Deterministic, and creates nothing, so that start/stop/status agree.
resolve_data_dir() {
  if [[ -n "${PG_DATA_DIR:-}" ]]; then
    PGDATA_DIR="$PG_DATA_DIR"
  else
    PGDATA_DIR="$REPO/.run/postgres"
    if [[ $EUID -eq 0 ]] && id -u postgres >/dev/null 2>&1 \
        && ! (cd / && runuser -u postgres -- test -x "$REPO"); then
      local hash
      hash="$(printf '%s' "$REPO" | sha256sum | cut -c1-12)"
      PGDATA_DIR="/var/tmp/campaigns-infra-$hash/postgres"
    fi
  fi
  case "$PGDATA_DIR" in /*) ;; *) PGDATA_DIR="$PWD/$PGDATA_DIR" ;; esac
  PGDATA_DIR="${PGDATA_DIR%/}"
  PG_LOG="$PGDATA_DIR/server.log"
  PG_LOCK="$PGDATA_DIR.lock"
}

resolve_socket_dir() {
  if [[ $EUID -eq 0 ]]; then
    PG_SOCKET_DIR=/var/run/postgresql
  else
    PG_SOCKET_DIR=/tmp
  fi
}

prepare_socket_dir() {
  if [[ $EUID -eq 0 && ! -d "$PG_SOCKET_DIR" ]]; then
    mkdir -p "$PG_SOCKET_DIR"
    chown postgres:postgres "$PG_SOCKET_DIR"
    chmod 2775 "$PG_SOCKET_DIR"
  fi
  as_pg test -w "$PG_SOCKET_DIR" || die "$PG_OS_USER cannot write the socket directory $PG_SOCKET_DIR"
}

take_lock() {
  mkdir -p "$(dirname "$PG_LOCK")"
  exec 9>"$PG_LOCK"
  flock -w 300 9 || die "timed out waiting for the lock $PG_LOCK (another postgres.sh running?)"
}

is_running() {
  [[ -f "$PGDATA_DIR/PG_VERSION" ]] || return 1
  as_pg "$PG_BIN/pg_ctl" status -D "$PGDATA_DIR" >/dev/null 2>&1
}

server_pid() {
  head -n1 "$PGDATA_DIR/postmaster.pid" 2>/dev/null || true
}

port_in_use() {
  ss -Hltn "sport = :$1" 2>/dev/null | grep -q . && return 0
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

tail_log() {
  if [[ -f "$PG_LOG" ]]; then
    echo "[postgres] ---- last lines of $PG_LOG ----" >&2
    tail -n 40 "$PG_LOG" >&2 || true
    echo "[postgres] ----" >&2
  fi
}

init_cluster() {
  [[ -f "$PGDATA_DIR/PG_VERSION" ]] && return 0
  if [[ -e "$PGDATA_DIR" ]] && [[ -n "$(ls -A "$PGDATA_DIR" 2>/dev/null)" ]]; then
    die "$PGDATA_DIR exists, is not empty and holds no cluster: remove it or run '$0 reset'"
  fi
  local parent tmp
  parent="$(dirname "$PGDATA_DIR")"
  mkdir -p "$parent"
  tmp="$PGDATA_DIR.init-tmp"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  [[ $EUID -eq 0 ]] && chown "$PG_OS_USER:" "$tmp"
  chmod 700 "$tmp"
  as_pg test -w "$tmp" || die "$PG_OS_USER cannot write $tmp (set PG_DATA_DIR to a directory it can reach)"
  log "initdb in $PGDATA_DIR (first start)"
  if ! as_pg "$PG_BIN/initdb" -D "$tmp" -U "$PG_OS_USER" -E UTF8 --locale=C.UTF-8 \
        --auth-local=peer --auth-host=scram-sha-256 >"$parent/initdb.log" 2>&1; then
    cat "$parent/initdb.log" >&2 || true
    rm -rf "$tmp"
    die "initdb failed"
  fi
  rm -f "$parent/initdb.log"
  rmdir "$PGDATA_DIR" 2>/dev/null || true
  mv "$tmp" "$PGDATA_DIR"
  echo "include_if_exists = 'local-infra.conf'" >>"$PGDATA_DIR/postgresql.conf"
}

write_config() {
  # Rewritten on every start, so that a changed PGPORT is taken into account.
  as_pg tee "$PGDATA_DIR/local-infra.conf" >/dev/null <<EOF
# Written by deploy/local/postgres.sh on every start; edits are lost.
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$PG_SOCKET_DIR'
max_connections = 200
shared_buffers = 256MB
fsync = on
synchronous_commit = on
full_page_writes = on
password_encryption = scram-sha-256
timezone = 'UTC'
log_timezone = 'UTC'
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
EOF
  as_pg tee "$PGDATA_DIR/pg_hba.conf" >/dev/null <<EOF
# Written by deploy/local/postgres.sh on every start; edits are lost.
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 peer
host    all       all   127.0.0.1/32  scram-sha-256
EOF
}

# shellcheck disable=SC2120 # extra psql arguments are optional
psql_admin() {
  as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCKET_DIR" -p "$PGPORT" \
    -U "$PG_OS_USER" -d postgres "$@"
}

# Returns 0 once the server answers, 1 when it is not running (any more); dies at the deadline.
wait_ready() {
  local deadline=$((SECONDS + PG_START_TIMEOUT))
  until "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PGPORT" -d postgres -t 2; do
    is_running || return 1
    if ((SECONDS >= deadline)); then
      tail_log
      die "server did not answer on 127.0.0.1:$PGPORT within ${PG_START_TIMEOUT}s"
    fi
    sleep 0.5
  done
}

bootstrap() {
  local sql db
  sql="SELECT format('CREATE ROLE %I', '$PG_APP_USER')
         WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$PG_APP_USER') \\gexec
ALTER ROLE $PG_APP_USER WITH LOGIN CREATEDB PASSWORD '$PG_APP_PASSWORD';
"
  for db in "${PG_DATABASES[@]}"; do
    sql+="SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L', '$db', '$PG_APP_USER', 'UTF8')
         WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$db') \\gexec
"
  done
  psql_admin <<<"$sql" || die "could not create the role and databases"
}

cmd_start() {
  ensure_os_user
  ensure_binaries
  resolve_data_dir
  resolve_socket_dir
  take_lock
  if is_running; then
    if wait_ready; then
      bootstrap
      log "already running (pid $(server_pid), 127.0.0.1:$PGPORT, data $PGDATA_DIR)"
      return 0
    fi
    log "the server recorded in $PGDATA_DIR/postmaster.pid has gone away; starting it again"
  fi
  if port_in_use "$PGPORT"; then
    ss -Hltnp "sport = :$PGPORT" >&2 2>/dev/null || true
    die "port $PGPORT on 127.0.0.1 is already in use by another process (set PGPORT to use another port)"
  fi
  prepare_socket_dir
  init_cluster
  write_config
  log "starting on 127.0.0.1:$PGPORT (data $PGDATA_DIR, log $PG_LOG)"
  if ! as_pg "$PG_BIN/pg_ctl" start -D "$PGDATA_DIR" -l "$PG_LOG" -w -t "$PG_START_TIMEOUT" \
        >/dev/null 9>&-; then
    tail_log
    die "pg_ctl start failed"
  fi
  wait_ready || { tail_log; die "server is not running"; }
  bootstrap
  log "ready (pid $(server_pid)): postgres://$PG_APP_USER:$PG_APP_PASSWORD@127.0.0.1:$PGPORT/{$(IFS=,; echo "${PG_DATABASES[*]}")}"
}

cmd_stop() {
  resolve_data_dir
  if [[ ! -d "$PGDATA_DIR" ]]; then
    log "not running (no data directory $PGDATA_DIR)"
    return 0
  fi
  take_lock
  if ! is_running; then
    log "not running"
    return 0
  fi
  log "stopping (pid $(server_pid))"
  if ! as_pg "$PG_BIN/pg_ctl" stop -D "$PGDATA_DIR" -m fast -w -t 60 >/dev/null; then
    warn "fast shutdown did not finish in 60s; using immediate shutdown"
    as_pg "$PG_BIN/pg_ctl" stop -D "$PGDATA_DIR" -m immediate -w -t 30 >/dev/null \
      || die "could not stop the server"
  fi
  log "stopped"
}

cmd_status() {
  resolve_data_dir
  if is_running; then
    if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PGPORT" -d postgres -t 2; then
      log "running and accepting connections (pid $(server_pid), 127.0.0.1:$PGPORT, data $PGDATA_DIR)"
      return 0
    fi
    log "running (pid $(server_pid)) but not answering on 127.0.0.1:$PGPORT (data $PGDATA_DIR)"
    return 1
  fi
  log "not running (data $PGDATA_DIR)"
  return 3
}

cmd_reset() {
  cmd_stop
  resolve_data_dir
  take_lock
  log "removing $PGDATA_DIR"
  rm -rf "$PGDATA_DIR" "$PGDATA_DIR.init-tmp"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  reset) cmd_reset ;;
  *)
    echo "usage: $0 start|stop|status|reset" >&2
    exit 2
    ;;
esac
