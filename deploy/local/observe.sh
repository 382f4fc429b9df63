#!/usr/bin/env bash
# Prometheus on this machine, scraping the services that `make up` runs (`make observe`).
#
#   deploy/local/observe.sh [start]   install Prometheus when missing, check the configuration,
#                                     start Prometheus on 127.0.0.1:9090 in the background with
#                                     deploy/prometheus/prometheus.yml and its alert rules, wait
#                                     until it is ready, and print where to look
#   deploy/local/observe.sh stop      stop that Prometheus (`make observe-down`)
#   deploy/local/observe.sh status    whether it runs, and the state of each scrape target
#   deploy/local/observe.sh install   only install Debian's `prometheus` package (prometheus and
#                                     promtool) when either is missing; prints promtool's path
#                                     (deploy/local/test.sh runs this before the tests)
#
# Data (the TSDB), the pid file and the log are kept in .run/prometheus/. The package comes from
# apt-get, as root or through password-less sudo (sudo -n), with apt-get update only when the
# package lists lack it. A Prometheus that this script started is told by its pid file and its
# command line; nothing else is stopped.
#
# Environment (all optional):
#   PROMETHEUS_PORT            port on 127.0.0.1                              (default 9090)
#   PROMETHEUS_RETENTION       how long samples are kept                      (default 7d)
#   PROMETHEUS_READY_TIMEOUT   seconds to wait for /-/ready                   (default 30)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/../.." && pwd)"
CONFIG="$REPO/deploy/prometheus/prometheus.yml"
RULES="$REPO/deploy/prometheus/alerts.yml"
RUN_DIR="$REPO/.run/prometheus"
PID_FILE="$RUN_DIR/prometheus.pid"
LOG_FILE="$RUN_DIR/prometheus.log"
PORT="${PROMETHEUS_PORT:-9090}"
RETENTION="${PROMETHEUS_RETENTION:-7d}"
READY_TIMEOUT="${PROMETHEUS_READY_TIMEOUT:-30}"
PACKAGE=prometheus

# Messages go to stderr, so that `install` prints only promtool's path on stdout.
log() { echo "[observe] $*" >&2; }
die() {
  echo "[observe] ERROR: $*" >&2
  exit 1
}

# apt-get install as root (directly, or through sudo without a password prompt), with apt-get
# update first only when the package lists lack the package.
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "Prometheus is missing and there is no apt-get: install prometheus and promtool"
  local root=()
  if [[ $EUID -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null \
      || die "Prometheus is missing and this user cannot install it (not root, no password-less sudo):" \
        "run 'sudo apt-get install --no-install-recommends $*'"
    root=(sudo -n)
  fi
  local install=("${root[@]}" env DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 "$@")
  log "installing $* with apt-get${root[*]:+ (through sudo)}"
  if ! "${install[@]}" >&2; then
    log "apt-get install failed; running apt-get update and retrying"
    "${root[@]}" apt-get update -q -o DPkg::Lock::Timeout=300 >&2 || die "apt-get update failed"
    "${install[@]}" >&2 || die "apt-get install $* failed"
  fi
  # Where systemd runs, the package enables and starts a Prometheus of its own on :9090: this one
  # would not get the port. Stopped and disabled, since it was installed here, for this.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
    log "stopping and disabling the system's prometheus service that the package started"
    "${root[@]}" systemctl disable --now prometheus >&2 || log "could not stop it: 'systemctl disable --now prometheus'"
  fi
}

ensure_installed() {
  if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
    apt_install "$PACKAGE"
    command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 \
      || die "no prometheus and promtool on PATH after installing the package $PACKAGE"
  fi
}

# Is PID the Prometheus this script started (the prometheus binary, with this storage path)?
is_ours() {
  local pid="$1" cmdline
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  cmdline="$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")" || return 1
  [[ "$cmdline" == *prometheus*"--storage.tsdb.path=$RUN_DIR/data"* ]]
}

running_pid() {
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  if is_ours "$pid"; then
    echo "$pid"
    return 0
  fi
  rm -f "$PID_FILE"
  return 1
}

http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null || true; }

# One line per scrape target: job, health, last error.
print_targets() {
  curl -s --max-time 3 "http://127.0.0.1:$PORT/api/v1/targets?state=active" 2>/dev/null | node -e '
    let s = ""; process.stdin.on("data", (c) => (s += c)).on("end", () => {
      try {
        for (const t of JSON.parse(s).data.activeTargets)
          console.log(`  ${t.labels.job.padEnd(13)} ${t.scrapeUrl.padEnd(32)} ${t.health}${t.lastError ? `: ${t.lastError}` : ""}`);
      } catch { console.log("  (the targets cannot be read yet)"); }
    });' || true
}

start() {
  ensure_installed
  promtool check config "$CONFIG" >/dev/null || die "promtool check config $CONFIG failed: $(promtool check config "$CONFIG" 2>&1 | tail -n 3)"
  local pid
  if pid="$(running_pid)"; then
    log "Prometheus already runs (pid $pid, http://127.0.0.1:$PORT); 'make observe-down' stops it"
    print_targets
    return 0
  fi
  [[ "$(http_code "http://127.0.0.1:$PORT/-/ready")" == "000" ]] \
    || die "something else answers on 127.0.0.1:$PORT (a system Prometheus?): stop it, or set PROMETHEUS_PORT"
  local port code
  for port in 8080 8081 8082; do
    code="$(http_code "http://127.0.0.1:$port/metrics")"
    [[ "$code" == "200" ]] || log "http://127.0.0.1:$port/metrics answers ${code/#000/nothing}, not 200:" \
      "'make up' starts the services ('make down && make up' after a rebuild); Prometheus keeps trying"
  done
  mkdir -p "$RUN_DIR/data"
  (
    cd "$RUN_DIR"
    exec setsid nohup prometheus \
      --config.file="$CONFIG" \
      --storage.tsdb.path="$RUN_DIR/data" \
      --storage.tsdb.retention.time="$RETENTION" \
      --web.listen-address="127.0.0.1:$PORT" \
      --web.enable-lifecycle
  ) >>"$LOG_FILE" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$PID_FILE"
  local deadline=$((SECONDS + READY_TIMEOUT))
  until [[ "$(http_code "http://127.0.0.1:$PORT/-/ready")" == "200" ]]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE"
      die "Prometheus exited at start; the end of its log (${LOG_FILE#"$REPO/"}):"$'\n'"$(tail -n 15 "$LOG_FILE")"
    fi
    ((SECONDS < deadline)) || die "Prometheus is not ready after ${READY_TIMEOUT}s (pid $pid still runs; see ${LOG_FILE#"$REPO/"})"
    sleep 0.5
  done
  cat <<EOF
[observe] Prometheus is ready (pid $pid), scraping the services every 15 s:
  http://127.0.0.1:$PORT/targets     the three services' /metrics, and whether each answers
  http://127.0.0.1:$PORT/alerts      the rules of deploy/prometheus/alerts.yml, and which fire
  http://127.0.0.1:$PORT/graph       queries, e.g. sum by (job, status) (rate(cpt_http_requests_total[1m]))
  A Grafana dashboard of the pipeline: deploy/grafana/pipeline.json (import it; its data source is this Prometheus).
  After editing the rules: curl -X POST http://127.0.0.1:$PORT/-/reload
  Data and log: ${RUN_DIR#"$REPO/"}/ (kept $RETENTION). Stop it with: make observe-down
EOF
  print_targets
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    log "Prometheus is not running"
    return 0
  fi
  kill -TERM "$pid"
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    log "Prometheus (pid $pid) did not stop within 30 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PID_FILE"
  log "stopped Prometheus (pid $pid); its data stays in ${RUN_DIR#"$REPO/"}/data"
}

status() {
  local pid
  if pid="$(running_pid)"; then
    echo "[observe] Prometheus runs (pid $pid, http://127.0.0.1:$PORT, rules ${RULES#"$REPO/"})"
    print_targets
  else
    echo "[observe] Prometheus is not running ('make observe' starts it)"
  fi
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  install)
    ensure_installed
    command -v promtool
    ;;
  *)
    echo "usage: $0 [start|stop|status|install]" >&2
    exit 2
    ;;
esac
