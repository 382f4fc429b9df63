#!/usr/bin/env bash
# Local infrastructure: PostgreSQL 15 and Kafka (KRaft) on 127.0.0.1, without Docker.
#
#   deploy/local/infra.sh up       start both (concurrently) and wait until both answer
#   deploy/local/infra.sh down     stop both
#   deploy/local/infra.sh status   exit 0 only when both run
#   deploy/local/infra.sh env      print the connection variables (same as env.sh)
#
# See postgres.sh and kafka.sh for the environment variables they read.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

log() { echo "[infra] $*"; }
die() { echo "[infra] ERROR: $*" >&2; exit 1; }

# Run "postgres.sh $1" and "kafka.sh $1" concurrently; fail if either fails.
both() {
  local action="$1" pg_pid kafka_pid rc=0
  "$SCRIPT_DIR/postgres.sh" "$action" &
  pg_pid=$!
  "$SCRIPT_DIR/kafka.sh" "$action" &
  kafka_pid=$!
  wait "$pg_pid" || { echo "[infra] postgres $action failed (exit $?)" >&2; rc=1; }
  wait "$kafka_pid" || { echo "[infra] kafka $action failed (exit $?)" >&2; rc=1; }
  return "$rc"
}

case "${1:-}" in
  up)
    start=$SECONDS
    both start || die "up failed"
    log "up ($((SECONDS - start)) s)"
    "$SCRIPT_DIR/env.sh"
    ;;
  down)
    both stop || die "down failed"
    log "down"
    ;;
  status)
    rc=0
    "$SCRIPT_DIR/postgres.sh" status || rc=1
    "$SCRIPT_DIR/kafka.sh" status || rc=1
    exit "$rc"
    ;;
  env)
    "$SCRIPT_DIR/env.sh"
    ;;
  *)
    echo "usage: $0 up|down|status|env" >&2
    exit 2
    ;;
esac
