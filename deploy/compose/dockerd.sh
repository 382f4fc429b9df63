#!/usr/bin/env bash
# The private Docker engine of make compose-test and make test-containers: Debian's docker.io,
# installed with apt-get when dockerd is missing, started by hand with a socket, data root, exec
# root and pid file of its own, so that it collides with no other engine on the machine and keeps
# its images and build cache across runs and clones (the data root stays when it stops).
#
#   deploy/compose/dockerd.sh start    start it unless it answers already; prints "started", or
#                                      "running" (one it started earlier: "running ours")
#   deploy/compose/dockerd.sh stop     SIGTERM, then wait (up to 60 s) for it to exit
#   deploy/compose/dockerd.sh status
#
# Its log is $CPT_DOCKER_ROOT.log. Clients reach it with DOCKER_HOST=unix://$CPT_DOCKER_SOCK
# (/run/cpt-docker.sock). Needs root.
set -euo pipefail
LOG_TAG=dockerd
# shellcheck source=deploy/compose/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

answers() { [[ -S "$CPT_DOCKER_SOCK" ]] && curl -fsS --max-time 2 --unix-socket "$CPT_DOCKER_SOCK" http://engine/_ping >/dev/null 2>&1; }

engine_pid() {
  local pid
  pid="$(cat "$CPT_DOCKER_PIDFILE" 2>/dev/null)" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == dockerd ]] || return 1
  echo "$pid"
}

cmd_start() {
  [[ $EUID -eq 0 ]] || die "needs root (it starts dockerd)"
  if answers; then
    if [[ -f "$CPT_DOCKER_EXEC/started-by-dockerd.sh" ]]; then echo "running ours"; else echo running; fi
    return 0
  fi
  mkdir -p "$CPT_CACHE"
  if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
    apt_install docker.io
  fi
  mkdir -p "$CPT_DOCKER_ROOT" "$CPT_DOCKER_EXEC"
  # Without the callers' lock descriptors (7-9), which the engine would otherwise hold for its life.
  (
    exec setsid nohup dockerd --host "unix://$CPT_DOCKER_SOCK" --data-root "$CPT_DOCKER_ROOT" \
      --exec-root "$CPT_DOCKER_EXEC" --pidfile "$CPT_DOCKER_PIDFILE"
  ) </dev/null >>"$CPT_DOCKER_ROOT.log" 2>&1 7>&- 8>&- 9>&- &
  local deadline=$((SECONDS + 60))
  until answers; do
    if ! kill -0 $! 2>/dev/null; then
      tail -n 20 "$CPT_DOCKER_ROOT.log" >&2
      die "dockerd exited during startup (log $CPT_DOCKER_ROOT.log)"
    fi
    ((SECONDS < deadline)) || die "dockerd does not answer on $CPT_DOCKER_SOCK after 60 s (log $CPT_DOCKER_ROOT.log)"
    sleep 0.3
  done
  # Marks the engine as this script's, so that a run after an interrupted one knows whose it is.
  echo "$!" >"$CPT_DOCKER_EXEC/started-by-dockerd.sh"
  echo started
}

cmd_stop() {
  local pid deadline
  pid="$(engine_pid)" || { echo "not running"; return 0; }
  kill -TERM "$pid"
  rm -f "$CPT_DOCKER_EXEC/started-by-dockerd.sh"
  deadline=$((SECONDS + 60))
  while kill -0 "$pid" 2>/dev/null; do
    ((SECONDS < deadline)) || die "dockerd (pid $pid) still running 60 s after SIGTERM"
    sleep 0.3
  done
  echo stopped
}

cmd_status() {
  if answers; then
    echo "running (pid $(engine_pid || echo '?'), $CPT_DOCKER_SOCK, data $CPT_DOCKER_ROOT)"
  else
    echo "not running ($CPT_DOCKER_SOCK)"
    return 3
  fi
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
