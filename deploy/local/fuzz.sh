#!/usr/bin/env bash
# Property-based fuzzing of both HTTP APIs against their own OpenAPI documents (`make fuzz`, and
# a step of `make test`), with schemathesis from PyPI in a project-local virtualenv.
#
#   1. .cache/fuzz-venv: created with `python3 -m venv` when missing, schemathesis pinned below
#   2. PostgreSQL and Kafka (deploy/local/infra.sh up); the database campaigns_fuzz created when
#      missing, emptied and migrated, so that every run starts from the same empty schema
#   3. a gateway and a price-ingest built by `npx tsc -b`, started on free loopback ports against
#      campaigns_fuzz and the local broker (or reused: GATEWAY_URL, PRICE_INGEST_URL)
#   4. `schemathesis run` on each document: every phase (examples, coverage, fuzzing, stateful),
#      FUZZ_MAX_EXAMPLES cases per operation at most, checks below; then what was started is stopped
#
# Fails on any 5xx, any response that breaks its documented status, headers, content type or
# schema, and any schema-valid request the server refuses (positive_data_acceptance: 400 or 422,
# except a 422 for a rule the document states beside the schema, see fuzz-hooks.py). Reports are
# in .run/fuzz/. Arguments are passed to `schemathesis run` (e.g. `--seed 1`).
#
#   FUZZ_MAX_EXAMPLES   cases per operation and phase (default 50)
#   FUZZ_SEED           a fixed seed, to replay a run
#   GATEWAY_URL, PRICE_INGEST_URL   fuzz these running services instead of starting new ones
#                       (then FUZZ_KEY: an API key of theirs with every scope)
#
# Every request carries an API key with every scope (made in campaigns_fuzz under a secret of the
# run's own), so that the fuzzer reaches past authentication; 401 and 403 are the access tests' work.
set -euo pipefail
exec </dev/null

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/../.." && pwd)"
cd "$REPO"

SCHEMATHESIS_VERSION=4.32.5
VENV="$REPO/.cache/fuzz-venv"
OUT="$REPO/.run/fuzz"
MAX_EXAMPLES="${FUZZ_MAX_EXAMPLES:-50}"
# Checks that hold for every answer. Request bodies are strict (section 1: a field the endpoint does not define
# is 422), and the documents say so with additionalProperties: false, so a generated body never carries one.
# negative_data_rejection is not among the checks: not every value outside a schema is refused (a query
# parameter an operation does not define is ignored; an x-request-id that is not a sane token is replaced),
# so it would report the document's wording, not the service.
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,positive_data_acceptance_beyond_schema

log() { echo "[fuzz] $*"; }
die() { echo "[fuzz] ERROR: $*" >&2; exit 1; }

ensure_venv() {
  if [[ -x "$VENV/bin/st" ]] && [[ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null)" == "$SCHEMATHESIS_VERSION" ]]; then
    return 0
  fi
  command -v python3 >/dev/null || die "python3 is needed (apt-get install python3 python3-venv)"
  log "installing schemathesis $SCHEMATHESIS_VERSION into ${VENV#"$REPO/"}"
  [[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV" || die "python3 -m venv failed (apt-get install python3-venv)"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" || die "pip install schemathesis failed"
}

free_port() {
  node -e 'const s = require("node:net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

declare -A PIDS=()
stop_started() {
  local name pid
  for name in "${!PIDS[@]}"; do
    pid="${PIDS[$name]}"
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
}
trap stop_started EXIT

# fresh_database URL: creates the database when missing and empties it, so that every run starts alike.
fresh_database() {
  node --input-type=module -e '
    import pg from "pg";
    const url = new URL(process.argv[1]);
    const name = url.pathname.slice(1);
    const admin = new pg.Client({ connectionString: Object.assign(new URL(url), { pathname: "/postgres" }).toString() });
    await admin.connect();
    if ((await admin.query("select 1 from pg_database where datname = $1", [name])).rowCount === 0) await admin.query(`create database "${name}"`);
    await admin.end();
    const db = new pg.Client({ connectionString: url.toString() });
    await db.connect();
    await db.query("drop schema if exists public cascade; create schema public");
    await db.end();
  ' "$1"
}

# http_status URL: the status of GET URL, or 000 when nothing answers.
http_status() {
  node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(2000) }).then((r) => console.log(r.status), () => console.log("000"))' "$1"
}

# start NAME VAR: runs the built service on a free port against campaigns_fuzz, and sets VAR to its URL.
start() {
  local name="$1" port entry="services/$1/dist/src/main.js"
  [[ -f "$entry" ]] || die "$entry is missing: build first (npx tsc -b)"
  port="$(free_port)"
  # A generous rate limit: the fuzzer's requests are not what a rate limit is for.
  env DATABASE_URL="$FUZZ_DATABASE_URL" KAFKA_BROKERS="$KAFKA_BROKERS" HOST=127.0.0.1 PORT="$port" LOG_LEVEL=warn \
    API_KEY_SECRET="$API_KEY_SECRET" RATE_LIMIT_MAX=100000 node "$entry" >"$OUT/$name.log" 2>&1 &
  PIDS[$name]=$!
  local url="http://127.0.0.1:$port" deadline=$((SECONDS + 60))
  until [[ "$(http_status "$url/health/ready")" == 200 ]]; do
    kill -0 "${PIDS[$name]}" 2>/dev/null || { tail -n 20 "$OUT/$name.log" >&2; die "$name exited before it was ready"; }
    ((SECONDS < deadline)) || die "$name was not ready within 60 s (log: ${OUT#"$REPO/"}/$name.log)"
    sleep 0.2
  done
  log "$name: started (pid ${PIDS[$name]}, $url, log ${OUT#"$REPO/"}/$name.log)"
  printf -v "$2" '%s' "$url"
}

# fuzz NAME URL: one schemathesis run against the document the service serves.
fuzz() {
  local name="$1" url="$2" rc=0
  shift 2
  log "==> $name: $url/openapi.json, at most $MAX_EXAMPLES cases per operation and phase"
  # From .run/fuzz, where schemathesis keeps what `st replay` needs. One worker: with two threads,
  # CPython 3.11's compile() occasionally fails inside schemathesis (an AST recursion-depth mismatch).
  (cd "$OUT" && SCHEMATHESIS_HOOKS=fuzz_hooks PYTHONPATH="$SCRIPT_DIR" "$VENV/bin/st" --config-file "$SCRIPT_DIR/schemathesis.toml" run "$url/openapi.json" \
    --url "$url" \
    --checks "$CHECKS" \
    --max-examples "$MAX_EXAMPLES" \
    --generation-database none \
    --request-timeout 15 \
    --header "Authorization: Bearer $FUZZ_KEY" \
    --workers 1 \
    --suppress-health-check filter_too_much,too_slow \
    --report junit,ndjson --report-dir "$OUT/$name" \
    --no-color \
    ${FUZZ_SEED:+--seed "$FUZZ_SEED"} "$@" >"$OUT/$name.out" 2>&1) || rc=$?
  # schemathesis's own report stays in its file: its closing lines ("No issues found in 3.28s",
  # framed as pytest frames them) read to a log scanner as a test run that executed no test.
  local cases
  cases="$(sed -n -E 's/^ *([0-9]+) generated, ([0-9]+) passed.*$/\1 cases, \2 without a finding/p' "$OUT/$name.out" | tail -n 1)"
  if ((rc == 0)); then
    log "$name: ok, ${cases:-no case count}; report ${OUT#"$REPO/"}/$name.out"
  else
    tail -n 150 "$OUT/$name.out"
    log "$name: FAILED (exit $rc), ${cases:-no case count}; the whole report is ${OUT#"$REPO/"}/$name.out"
  fi
  return "$rc"
}

mkdir -p "$OUT"
ensure_venv
if [[ -z "${GATEWAY_URL:-}" || -z "${PRICE_INGEST_URL:-}" ]]; then
  "$SCRIPT_DIR/infra.sh" up >/dev/null || die "PostgreSQL or Kafka did not start (deploy/local/infra.sh up)"
  # shellcheck source=deploy/local/env.sh
  source "$SCRIPT_DIR/env.sh"
  FUZZ_DATABASE_URL="${TEST_DATABASE_URL%/*}/campaigns_fuzz"
  fresh_database "$FUZZ_DATABASE_URL" || die "could not create or empty the database campaigns_fuzz"
  DATABASE_URL="$FUZZ_DATABASE_URL" node libs/application/dist/src/migrate-cli.js >/dev/null || die "the migration of campaigns_fuzz failed"
  # The services it starts hash keys under a secret of its own; the fuzzer's key has every scope.
  API_KEY_SECRET="fuzz-$(head -c 24 /dev/urandom | base64 | tr -d '\n')"
  export API_KEY_SECRET
  DATABASE_URL="$FUZZ_DATABASE_URL" node libs/application/dist/src/admin-cli.js dev-key "$OUT/fuzz-api-key" >/dev/null || die "could not make the fuzzer's key"
  FUZZ_KEY="$(cat "$OUT/fuzz-api-key")"
fi
: "${FUZZ_KEY:?set FUZZ_KEY to a key with every scope when GATEWAY_URL and PRICE_INGEST_URL are given}"
[[ -n "${GATEWAY_URL:-}" ]] || start gateway GATEWAY_URL
[[ -n "${PRICE_INGEST_URL:-}" ]] || start price-ingest PRICE_INGEST_URL

rc=0
# The WebSocket upgrade is left to the realtime suites: a fuzzer of HTTP requests cannot follow it.
# Revoking keys is left to the access tests: the stateful phase follows ids from key listings and
# would revoke the fuzzer's own key.
# The two runs at the same time, each against its own service (schemathesis is one worker each).
fuzz gateway "$GATEWAY_URL" --exclude-path /api/v1/ws --exclude-path-regex '^/api/v1/admin/keys/' "$@" &
gateway_pid=$!
fuzz price-ingest "$PRICE_INGEST_URL" "$@" || rc=1
wait "$gateway_pid" || rc=1
exit "$rc"
