#!/usr/bin/env bash
# Stops what deploy/local/up.sh started (`make down`).
#
#   deploy/local/down.sh               stop the three services, then PostgreSQL and Kafka
#   deploy/local/down.sh --keep-infra  stop the services only
#
# Each service gets SIGTERM (it drains and closes within its SHUTDOWN_GRACE_MS) and up to
# DOWN_TIMEOUT seconds (default 30) to exit; what still runs then gets SIGKILL. Only the
# processes up.sh started are touched: the pid files in .run/services/, checked against each
# process's command line and environment. Harmless when nothing runs. Data in .run/ is kept.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/../.." && pwd)"
RUN_DIR="$REPO/.run/services"
SERVICES=(gateway price-ingest position)
DOWN_TIMEOUT="${DOWN_TIMEOUT:-30}"

log() { echo "[down] $*"; }

keep_infra=false
case "${1:-}" in
  "") ;;
  --keep-infra) keep_infra=true ;;
  *)
    echo "usage: $0 [--keep-infra]" >&2
    exit 2
    ;;
esac

entry_of() { echo "$REPO/services/$1/dist/src/main.js"; }

# Is PID the given service as deploy/local/up.sh started it (its entry point, and the marker
# variable CPT_RUN_DIR naming this run directory)? Other processes running the same entry
# point, such as those a test suite starts, are not ours to stop.
is_our_service() {
  local name="$1" pid="$2" cmdline
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  cmdline="$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")" || return 1
  [[ "$cmdline" == *" $(entry_of "$name") "* ]] || return 1
  tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" | grep -xF "CPT_RUN_DIR=$RUN_DIR" >/dev/null
}

declare -A running=()
for name in "${SERVICES[@]}"; do
  pid="$(cat "$RUN_DIR/$name.pid" 2>/dev/null || true)"
  if ! is_our_service "$name" "$pid"; then
    if [[ -f "$RUN_DIR/$name.pid" ]]; then
      log "$name: not running (removing stale pid file)"
      rm -f "$RUN_DIR/$name.pid"
    else
      log "$name: not running"
    fi
    continue
  fi
  log "$name: stopping (SIGTERM to pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  running[$pid]="$name"
done

deadline=$((SECONDS + DOWN_TIMEOUT))
while ((${#running[@]} > 0)); do
  for pid in "${!running[@]}"; do
    if ! is_our_service "${running[$pid]}" "$pid"; then
      log "${running[$pid]}: stopped"
      unset "running[$pid]"
    fi
  done
  ((${#running[@]} == 0)) && break
  if ((SECONDS >= deadline)); then
    for pid in "${!running[@]}"; do
      log "${running[$pid]}: still running after ${DOWN_TIMEOUT}s; SIGKILL to pid $pid"
      kill -KILL "$pid" 2>/dev/null || true
    done
    sleep 0.5
    break
  fi
  sleep 0.2
done
for name in "${SERVICES[@]}"; do
  rm -f "$RUN_DIR/$name.pid"
done

if [[ "$keep_infra" == true ]]; then
  log "services stopped; PostgreSQL and Kafka left running"
  exit 0
fi
"$SCRIPT_DIR/infra.sh" down
log "everything stopped (data kept in .run/)"
