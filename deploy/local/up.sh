#!/usr/bin/env bash
# Runs the whole system on this machine, without Docker (`make up`, `make status`).
#
#   deploy/local/up.sh           install dependencies (when needed), start PostgreSQL and Kafka,
#                                build (and bundle the dashboard), migrate, start the three
#                                services in the background,
#                                wait until each answers /health/ready, print where to connect
#   deploy/local/up.sh status    the state of each service and of PostgreSQL and Kafka (exits 0;
#                                with --check, 1 unless everything runs and is ready)
#
# It prints one line per step and then where to go; what the steps themselves print (npm ci,
# PostgreSQL's and Kafka's start, the migration) goes to .run/up.log, whose end is shown when a step
# fails. Idempotent: a service that already runs is left alone (`make down && make up` restarts it
# with a new build); a stale pid file is removed. Each service has a pid file and a log file
# (pino JSON) in .run/services/. deploy/local/down.sh stops everything.
#
# Environment (all optional):
#   the variables of env.sh          DATABASE_URL, KAFKA_BROKERS, ... (the local infrastructure)
#   LOG_LEVEL                        the services' log level                    (default info)
#   GATEWAY_PORT                     gateway port                               (default 8080)
#   PRICE_INGEST_PORT                price-ingest port                          (default 8081)
#   POSITION_PORT                    position service port (health only)        (default 8082)
#   SERVICES_READY_TIMEOUT           seconds to wait for /health/ready          (default 60)
# Any other variable of a service (DATABASE_POOL_MAX, OUTBOX_POLL_MS, ...) is passed through.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/../.." && pwd)"
RUN_DIR="$REPO/.run/services"
SERVICES=(gateway price-ingest position)
declare -A PORT=(
  [gateway]="${GATEWAY_PORT:-8080}"
  [price-ingest]="${PRICE_INGEST_PORT:-8081}"
  [position]="${POSITION_PORT:-8082}"
)
READY_TIMEOUT="${SERVICES_READY_TIMEOUT:-60}"
LOG_ROTATE_BYTES=$((50 * 1024 * 1024))

UP_LOG="$REPO/.run/up.log"

log() { echo "[up] $*"; }
die() {
  echo "[up] ERROR: $*" >&2
  exit 1
}

now() { date +%s.%N; }
elapsed_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

entry_of() { echo "$REPO/services/$1/dist/src/main.js"; }
pid_file_of() { echo "$RUN_DIR/$1.pid"; }
log_file_of() { echo "$RUN_DIR/$1.log"; }

# Is PID the given service as started by this script: node running the service's entry point,
# with the marker variable CPT_RUN_DIR naming this run directory? The marker tells our processes
# from others running the same entry point (a test suite, another shell). A zombie has an empty
# command line, so a service that died counts as not running.
is_our_service() {
  local name="$1" pid="$2" cmdline
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  cmdline="$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")" || return 1
  [[ "$cmdline" == *" $(entry_of "$name") "* ]] || return 1
  tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" | grep -xF "CPT_RUN_DIR=$RUN_DIR" >/dev/null
}

# Prints the pid of a running service (from its pid file); fails when it does not run, and
# then removes a stale pid file.
service_pid() {
  local name="$1" file pid
  file="$(pid_file_of "$name")"
  pid="$(cat "$file" 2>/dev/null || true)"
  if is_our_service "$name" "$pid"; then
    echo "$pid"
    return 0
  fi
  if [[ -f "$file" ]]; then
    log "$name: removing stale pid file (pid ${pid:-?} is not running)" >&2
    rm -f "$file"
  fi
  return 1
}

# HTTP status of GET http://127.0.0.1:PORT/PATH, or 000 when nothing answers.
http_status() {
  local url="http://127.0.0.1:$1$2" code
  if command -v curl >/dev/null 2>&1; then
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null)" || true
  else
    code="$(node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(2000) })
      .then((r) => console.log(r.status), () => console.log("000"))' "$url" 2>/dev/null)" || true
  fi
  echo "${code:-000}"
}

port_in_use() {
  ss -Hltn "sport = :$1" 2>/dev/null | grep -q . && return 0
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Prints the end of a service's log: what it wrote since this script started it, else the tail.
tail_log() {
  local name="$1" file from=1
  file="$(log_file_of "$name")"
  [[ -n "${LOG_OFFSET[$name]:-}" ]] && from=$((LOG_OFFSET[$name] + 1))
  if [[ -s "$file" ]] && (($(stat -c %s "$file") >= from)); then
    echo "[up] ---- last lines of ${file#"$REPO/"} ----" >&2
    tail -c +"$from" "$file" | tail -n 30 >&2 || true
    echo "[up] ----" >&2
  else
    echo "[up] (${file#"$REPO/"} holds nothing from this start)" >&2
  fi
}

# Runs a step with its output appended to .run/up.log; when it fails, shows the end of that output.
quietly() {
  local from
  from="$(($(stat -c %s "$UP_LOG" 2>/dev/null || echo 0) + 1))"
  echo "---- $(date -u +%FT%TZ) $*" >>"$UP_LOG"
  if "$@" >>"$UP_LOG" 2>&1 7>&-; then
    return 0
  fi
  echo "[up] ---- the end of what it printed (all of it in ${UP_LOG#"$REPO/"}) ----" >&2
  tail -c +"$from" "$UP_LOG" | tail -n 30 >&2 || true
  echo "[up] ----" >&2
  return 1
}

# npm ci when node_modules is missing or older than package-lock.json or a patch of patches/.
ensure_dependencies() {
  if "$SCRIPT_DIR/deps-current.sh"; then
    return 0
  fi
  log "installing the npm dependencies (npm ci, a minute or two)"
  quietly npm ci --no-audit --no-fund || die "npm ci failed"
}

# Environment of one service: the connection settings of env.sh, the secret keys are hashed
# under, the port of the service.
service_env() {
  local name="$1"
  local -a vars=("CPT_RUN_DIR=$RUN_DIR" HOST=127.0.0.1 "PORT=${PORT[$name]}" "KAFKA_BROKERS=$KAFKA_BROKERS" "LOG_LEVEL=${LOG_LEVEL:-info}"
    "DATABASE_URL=$DATABASE_URL" "API_KEY_SECRET=$API_KEY_SECRET")
  printf '%s\0' "${vars[@]}"
}

# The secret API keys are hashed under: API_KEY_SECRET when set, else the one kept in
# .run/secrets/api-key-secret (made once, readable by its owner only). Keys made under one secret
# are unknown under another.
ensure_key_secret() {
  local file="$REPO/.run/secrets/api-key-secret"
  if [[ -n "${API_KEY_SECRET:-}" ]]; then
    export API_KEY_SECRET
    return 0
  fi
  if [[ ! -s "$file" ]]; then
    mkdir -p "$(dirname "$file")"
    chmod 700 "$(dirname "$file")"
    (umask 077 && head -c 32 /dev/urandom | base64 | tr -d '\n' >"$file")
    log "made the secret API keys are hashed under (${file#"$REPO/"}, readable by you only)"
  fi
  API_KEY_SECRET="$(cat "$file")"
  export API_KEY_SECRET
}

# The account `dev` and its all-scopes key, made when .run/dev-api-key holds no valid key.
ensure_dev_key() {
  local out
  out="$(node libs/application/dist/src/admin-cli.js dev-key "$REPO/.run/dev-api-key" 7>&-)" || die "could not make the dev key (npm run admin -- dev-key .run/dev-api-key)"
  if grep -q '"created": true' <<<"$out"; then
    log "made the account dev and its key (all four scopes) in .run/dev-api-key"
  fi
}

# Starts one service in the background, in its own session, detached from this terminal.
# Prints nothing on success; the caller waits for readiness.
start_service() {
  local name="$1" entry pid_file log_file pid
  entry="$(entry_of "$name")"
  pid_file="$(pid_file_of "$name")"
  log_file="$(log_file_of "$name")"
  if [[ ! -f "$entry" ]]; then
    FAILED[$name]="not built: ${entry#"$REPO/"} is missing (does services/$name/src/main.ts exist?)"
    return 0
  fi
  if port_in_use "${PORT[$name]}"; then
    FAILED[$name]="port ${PORT[$name]} on 127.0.0.1 is already used by another process: $(ss -Hltnp "sport = :${PORT[$name]}" 2>/dev/null | grep -o 'users:.*' | head -n1)"
    return 0
  fi
  if [[ -f "$log_file" ]] && (($(stat -c %s "$log_file") > LOG_ROTATE_BYTES)); then
    mv -f "$log_file" "$log_file.1"
  fi
  local -a env_vars
  mapfile -d '' env_vars < <(service_env "$name")
  LOG_OFFSET[$name]="$(stat -c %s "$log_file" 2>/dev/null || echo 0)"
  (
    cd "$REPO"
    exec env "${env_vars[@]}" setsid nohup node "$entry"
  ) </dev/null >>"$log_file" 2>&1 7>&- &
  pid=$!
  echo "$pid" >"$pid_file"
  STARTED[$name]="$pid"
}

# Waits until every service in WAITING answers /health/ready with 200, or fails it.
wait_ready() {
  local deadline=$((SECONDS + READY_TIMEOUT)) name pid code rc
  local -A last_code=()
  while ((${#WAITING[@]} > 0)); do
    for name in "${!WAITING[@]}"; do
      pid="${WAITING[$name]}"
      if ! is_our_service "$name" "$pid"; then
        rc='?'
        if [[ -n "${STARTED[$name]:-}" ]]; then
          rc=0
          wait "$pid" 2>/dev/null || rc=$?
        fi
        rm -f "$(pid_file_of "$name")"
        FAILED[$name]="exited during startup (exit code $rc)"
        unset "WAITING[$name]"
        continue
      fi
      code="$(http_status "${PORT[$name]}" /health/ready)"
      last_code[$name]="$code"
      if [[ "$code" == 200 ]]; then
        READY+=("$name")
        unset "WAITING[$name]"
      fi
    done
    ((${#WAITING[@]} == 0)) && break
    if ((SECONDS >= deadline)); then
      for name in "${!WAITING[@]}"; do
        FAILED[$name]="not ready within ${READY_TIMEOUT}s (GET /health/ready answered ${last_code[$name]:-000}); still running as pid ${WAITING[$name]}, 'make down' stops it"
        unset "WAITING[$name]"
      done
      break
    fi
    sleep 0.5
  done
}

# Where to go, and the first tick to paste: its timestamp is taken when it is pasted, to the
# millisecond, so that it is not before the entry_date (with milliseconds) of a position opened a
# moment earlier (a tick before every entry marks nothing).
print_welcome() {
  local gw="${PORT[gateway]}" ingest="${PORT[price-ingest]}"
  cat <<EOF

Campaign position tracking runs on this machine (make up took $1 s):
  dashboard   http://127.0.0.1:$gw/            paste the key of .run/dev-api-key when it asks
  API docs    http://127.0.0.1:$gw/docs        (ticks: http://127.0.0.1:$ingest/docs)
  REST        http://127.0.0.1:$gw/api/v1      WebSocket ws://127.0.0.1:$gw/api/v1/ws

Feed a price (the README's Walkthrough goes on from here):
  KEY=\$(cat .run/dev-api-key)
  curl -sS http://127.0.0.1:$ingest/api/v1/ticks -H "authorization: Bearer \$KEY" -H 'content-type: application/json' \\
    -d "{\\"symbol\\": \\"GBPUSD\\", \\"price\\": \\"1.2575\\", \\"ts\\": \\"\$(date -u +%FT%T.%3NZ)\\"}"
  npm run feed -- --symbols GBPUSD,AAPL --rate 50     # a random walk from each symbol's last price

make status · make logs · make down
EOF
}

join_names() {
  local out="$1"
  shift
  for n in "$@"; do out+=", $n"; done
  echo "$out"
}

# The state of each service and of PostgreSQL and Kafka, then one line: what runs, what does not
# and what to do about it. Exits 0 whatever it finds (a stopped system is an answer, not an
# error); with --check, exits 1 unless everything runs and is ready.
cmd_status() {
  local name pid code
  local -a stopped=() unready=()
  for name in "${SERVICES[@]}"; do
    if pid="$(service_pid "$name" 2>/dev/null)"; then
      code="$(http_status "${PORT[$name]}" /health/ready)"
      if [[ "$code" == 200 ]]; then
        printf '[%s] running and ready (pid %s, http://127.0.0.1:%s, log .run/services/%s.log)\n' \
          "$name" "$pid" "${PORT[$name]}" "$name"
      else
        printf '[%s] running but not ready: GET /health/ready answered %s (pid %s, http://127.0.0.1:%s)\n' \
          "$name" "$code" "$pid" "${PORT[$name]}"
        unready+=("$name")
      fi
    else
      printf '[%s] stopped\n' "$name"
      stopped+=("$name")
    fi
  done
  "$SCRIPT_DIR/postgres.sh" status || stopped+=(PostgreSQL)
  "$SCRIPT_DIR/kafka.sh" status || stopped+=(Kafka)
  if ((${#stopped[@]} == 0 && ${#unready[@]} == 0)); then
    echo "everything runs: the dashboard is at http://127.0.0.1:${PORT[gateway]}/ (make logs follows the services)"
    return 0
  fi
  if ((${#stopped[@]} == ${#SERVICES[@]} + 2)); then
    echo "everything is stopped: make up starts it"
  else
    ((${#stopped[@]} == 0)) || echo "stopped: $(join_names "${stopped[@]}") (make up starts what is stopped)"
    ((${#unready[@]} == 0)) || echo "not ready: $(join_names "${unready[@]}") (a service that just started needs a few seconds; make logs says why)"
  fi
  [[ "${1:-}" != --check ]]
}

cmd_up() {
  local t0 t name pid
  t0="$(now)"
  cd "$REPO"
  mkdir -p "$RUN_DIR"
  # One `up` at a time; fd 7 is closed for everything that outlives this script.
  exec 7>"$RUN_DIR/.up.lock"
  flock -w 300 7 || die "timed out waiting for $RUN_DIR/.up.lock (another 'make up' running?)"
  : >"$UP_LOG"

  ensure_dependencies
  t="$(now)"
  # What makes the first start long: the packages apt-get installs, and the jars Maven resolves.
  if [[ ! -x "${PG_BIN:-/usr/lib/postgresql/15/bin}/postgres" || ! -d "$REPO/.cache/kafka/lib" ]]; then
    log "starting PostgreSQL and Kafka; the first time installs postgresql-15, Java 17 and Maven and fetches the Kafka jars (a few minutes; tail -f ${UP_LOG#"$REPO/"} shows how far)"
  fi
  quietly "$SCRIPT_DIR/infra.sh" up || die "PostgreSQL or Kafka did not start (deploy/local/infra.sh up)"
  log "PostgreSQL and Kafka are up ($(elapsed_since "$t") s)"
  # shellcheck source=deploy/local/env.sh
  source "$SCRIPT_DIR/env.sh"
  ensure_key_secret

  # Services that already run are left alone; the build and the migration are for the others.
  declare -gA FAILED=() STARTED=() WAITING=() LOG_OFFSET=()
  declare -ga READY=()
  local -a to_start=() running=()
  for name in "${SERVICES[@]}"; do
    if pid="$(service_pid "$name")"; then
      running+=("$name")
      [[ "$(http_status "${PORT[$name]}" /health/ready)" == 200 ]] || WAITING[$name]="$pid"
    else
      to_start+=("$name")
    fi
  done
  if ((${#running[@]} > 0)); then
    log "already running, left alone: $(join_names "${running[@]}") ('make down && make up' restarts them on a fresh build)"
  fi

  if ((${#to_start[@]} > 0)); then
    t="$(now)"
    npx tsc -b || die "the build failed (npx tsc -b, errors above)"
    # Before the gateway starts, which serves the bundle at / (a gateway without it answers / 503).
    quietly npm run --silent build -w @cpt/dashboard || die "the dashboard's bundle failed (npm run build -w @cpt/dashboard)"
    log "built: tsc -b and the dashboard ($(elapsed_since "$t") s)"
    quietly node libs/application/dist/src/migrate-cli.js || die "the migration failed (node libs/application/dist/src/migrate-cli.js)"
    ensure_dev_key
    t="$(now)"
    for name in "${to_start[@]}"; do
      start_service "$name"
      if [[ -n "${STARTED[$name]:-}" ]]; then
        WAITING[$name]="${STARTED[$name]}"
      fi
    done
  else
    ensure_dev_key
  fi
  wait_ready
  if ((${#READY[@]} > 0)); then
    log "ready: $(join_names "${READY[@]}") ($(elapsed_since "$t") s; logs: make logs)"
  fi

  if ((${#FAILED[@]} > 0)); then
    for name in "${SERVICES[@]}"; do
      [[ -n "${FAILED[$name]:-}" ]] || continue
      echo "[up] $name FAILED: ${FAILED[$name]}" >&2
      [[ "${FAILED[$name]}" == "not built"* || "${FAILED[$name]}" == "port "* ]] || tail_log "$name"
    done
    local failed_names=""
    for name in "${SERVICES[@]}"; do
      [[ -z "${FAILED[$name]:-}" ]] || failed_names+="$name "
    done
    die "${failed_names}did not come up (after $(elapsed_since "$t0") s); 'make status' shows what runs, 'make down' stops it"
  fi
  print_welcome "$(elapsed_since "$t0")"
}

case "${1:-up}" in
  up) cmd_up ;;
  status) cmd_status "${2:-}" ;;
  *)
    echo "usage: $0 [up|status [--check]]" >&2
    exit 2
    ;;
esac
