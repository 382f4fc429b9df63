#!/usr/bin/env bash
# The whole test run (`make test`, and CI through .ci/run):
#
#   1. npm ci, when node_modules is missing or older than package-lock.json or a patch of patches/
#   2. npx biome check .          lint and format check
#      npm run lint:deps          dependency check (knip, dependency-cruiser: scripts/lint-deps.sh);
#                                 the two make `make lint` (npm run lint)
#      deploy/k8s/check.sh        the Kubernetes manifests: every overlay rendered by kustomize and
#                                 checked (also in `make lint`; the first run builds kustomize)
#   3. npm run typecheck          build every package (tsc -b) and type-check the tests
#                                 (tsconfig.tests.json) and the benchmarks (bench/tsconfig.json)
#   4. deploy/local/infra.sh up   PostgreSQL and Kafka on 127.0.0.1
#   5. deploy/local/chromium.sh   the Chromium of the browser tests (Debian's package, installed
#                                 when missing), exported to the tests as CHROMIUM_PATH
#      deploy/local/observe.sh install   promtool, for the test of the alert rules and the
#                                 Prometheus configuration (Debian's prometheus package, installed
#                                 when missing), exported to the tests as PROMTOOL_PATH
#   6. npx vitest run             the lint project (make lint fails on an undeclared dependency),
#                                 alone; the unit, integration (as root: see containers below)
#                                 and e2e projects against the local test database
#                                 (campaigns_test) and broker; then the outage project, which
#                                 stops and restarts Kafka, alone
#      deploy/compose/compose-test.sh   `make compose-test`: docker-compose.yml built and started
#                                 in a Docker engine of its own (Debian's docker.io, locally built
#                                 base images), the end-to-end suite test/compose/ through its
#                                 published ports, then down; the engine is stopped again (skipped
#                                 when arguments are given)
#      deploy/compose/test-containers.sh   `make test-containers`: the integration project on
#                                 containers that testcontainers starts in that engine from the
#                                 same local images (as root, where the engine can run: it runs
#                                 there instead of against the local services)
#      test/scale/scale.ts --short   the scale-out test (contract section 11, test/scale/): two
#                                 instances of every service on a three-node Kafka cluster of its
#                                 own (deploy/local/kafka-cluster.sh, ports 19192-19194) and the
#                                 database campaigns_scale, through a broker crash, a position
#                                 crash and a rolling restart (skipped when arguments are given)
#   7. deploy/local/fuzz.sh       schemathesis against both services' OpenAPI documents, a
#                                 bounded number of cases from a fixed seed (FUZZ_SEED, so that a
#                                 run is repeatable; `make fuzz` draws a new one each time;
#                                 skipped when arguments are given)
#
# Steps 2, 3, 5, 6 and 7 all run even when one of them fails, so that one run reports every
# problem; a failed install or infrastructure stops the run. A missing browser fails the run (the
# browser tests then fail too, saying so): it never skips them. Each step's output is kept in
# .run/test-steps/STEP.log, and a failed step's lines naming failures and its last lines are shown
# again at the end. Ends with one summary line and exits non-zero on any failure. Needs no
# terminal (CI=true, no stdin). Arguments are passed to vitest, e.g.
# `deploy/local/test.sh --project unit`.
#
# With CI=true the test database is emptied before the run.
set -euo pipefail
exec </dev/null

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/../.." && pwd)"
cd "$REPO"

T0=$SECONDS
declare -a RESULTS=() FAILED=()
STEP_LOGS="$REPO/.run/test-steps"
mkdir -p "$STEP_LOGS"
rm -f "$STEP_LOGS"/*.log

log() { echo "[test] $*"; }

summary() {
  local status=PASSED line="" r name
  ((${#FAILED[@]} == 0)) || status="FAILED (${FAILED[*]})"
  for r in "${RESULTS[@]}"; do line+="${line:+; }$r"; done
  # What each failed step said last, again at the end, where a truncated CI log still shows it.
  for name in "${FAILED[@]}"; do
    echo
    log "$name: its first lines naming a failure, then its last lines (all of it: $STEP_LOGS/$name.log):"
    {
      grep -E 'FAIL|ERROR|[Ee]rror:|did not' "$STEP_LOGS/$name.log" | grep -v ' ok ' | head -n 8
      grep -v '^[[:space:]]*$' "$STEP_LOGS/$name.log" | tail -n 6
    } 2>/dev/null | cut -c1-400 | sed 's/^/  /' || true
  done
  echo
  echo "[test] $status ($((SECONDS - T0)) s): $line"
  ((${#FAILED[@]} == 0))
}

# step NAME COMMAND...: runs COMMAND, records "NAME ok (N s)" or "NAME FAILED (N s)". Its output
# is shown and kept in $STEP_LOGS/NAME.log (in this shell, so that what it exports stays).
step() {
  local name="$1" t=$SECONDS rc=0
  shift
  echo
  log "==> $name: $*"
  "$@" > >(tee "$STEP_LOGS/$name.log") 2>&1 || rc=$?
  # tee ends when the step's output closes; a daemon the step started may hold it open: 5 s at most.
  local tee_pid=${!:-} i
  for ((i = 0; i < 50; i++)); do kill -0 "$tee_pid" 2>/dev/null || break; sleep 0.1; done
  if ((rc == 0)); then
    RESULTS+=("$name ok ($((SECONDS - t)) s)")
  else
    RESULTS+=("$name FAILED ($((SECONDS - t)) s, exit $rc)")
    FAILED+=("$name")
  fi
  return "$rc"
}

install_if_needed() {
  if "$SCRIPT_DIR/deps-current.sh"; then
    echo "node_modules is up to date"
    return 0
  fi
  npm ci --no-audit --no-fund
}

# The browser of the browser tests (libs/testkit/src/browser.ts): CHROMIUM_PATH, exported.
find_browser() {
  local path
  path="$("$SCRIPT_DIR/chromium.sh")" || return
  export CHROMIUM_PATH="$path"
  echo "CHROMIUM_PATH=$CHROMIUM_PATH"
}

# The promtool of the metrics test (test/metrics/): PROMTOOL_PATH, exported.
find_promtool() {
  local path
  path="$("$SCRIPT_DIR/observe.sh" install)" || return
  export PROMTOOL_PATH="$path"
  echo "PROMTOOL_PATH=$PROMTOOL_PATH"
}

# vitest_json NAME ARGS...: one vitest run whose counts are kept in .run/vitest-NAME.json.
vitest_json() {
  local name="$1"
  shift
  mkdir -p .run
  npx vitest run --reporter=default --reporter=json --outputFile=".run/vitest-$name.json" "$@"
}

run_vitest() {
  # The tests find PostgreSQL and Kafka themselves (libs/testkit/src/infra.ts): the local services
  # and their test database here. Variables exported for `make up` must not point them elsewhere.
  unset DATABASE_URL KAFKA_BROKERS
  # A CI run starts from an empty test database; a developer's run keeps it, so that runs side by
  # side do not pull the schema from under each other.
  if [[ "${CI:-}" == "true" ]]; then export TEST_DB_RESET=true; fi
  rm -f .run/vitest-*.json
  if (($# > 0)); then
    vitest_json custom "$@"
    return
  fi
  local rc=0
  # The lint project adds files to libs/ and services/ for a moment: alone, before the others.
  vitest_json lint --project lint || rc=$?
  # As root, the integration project runs once on testcontainers instead (step containers, after
  # compose, in the same private Docker engine); elsewhere it runs here on the local services.
  # Two files at a time (vitest's default on two cores is one): the unit and integration files
  # wait on Kafka and PostgreSQL more than they compute; the e2e files, which start the services
  # themselves, run one at a time after them (fileParallelism: false). TEST_WORKERS sets it.
  local workers="--maxWorkers=${TEST_WORKERS:-2}"
  if [[ $EUID -eq 0 ]]; then
    vitest_json main --project unit --project e2e "$workers" || rc=$?
  else
    vitest_json main --project unit --project integration --project e2e "$workers" || rc=$?
  fi
  # The outage suite stops and restarts the shared Kafka broker, so it runs alone, last.
  vitest_json outage --project outage || rc=$?
  return "$rc"
}

# The counts of every vitest run, as one closing line: "N passed, N failed, N skipped".
counts() {
  node -e '
    const fs = require("node:fs");
    let passed = 0, failed = 0, skipped = 0;
    for (const f of fs.readdirSync(".run").filter((f) => /^vitest-.*\.json$/.test(f))) {
      const r = JSON.parse(fs.readFileSync(`.run/${f}`, "utf8"));
      passed += r.numPassedTests; failed += r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0); skipped += r.numPendingTests + r.numTodoTests;
    }
    console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  ' 2>/dev/null || true
}

if ! step install install_if_needed; then
  summary || exit 1
fi
step lint npx biome check . || true
step deps npm run --silent lint:deps || true
step k8s "$REPO/deploy/k8s/check.sh" || true
step build npm run --silent typecheck || true
if ! step infra "$SCRIPT_DIR/infra.sh" up; then
  RESULTS+=("tests skipped")
  summary || exit 1
fi
step browser find_browser || true
step promtool find_promtool || true
step tests run_vitest "$@" || true
if (($# == 0)); then
  # The whole system from docker-compose.yml, in a Docker engine of its own (started and stopped
  # here), tested through the ports it publishes: make compose-test.
  step compose "$REPO/deploy/compose/compose-test.sh" || true
  # The integration project on PostgreSQL and Kafka containers that testcontainers starts from
  # the same locally built images (no pull, no Ryuk): make test-containers.
  if [[ $EUID -eq 0 ]]; then step containers "$REPO/deploy/compose/test-containers.sh" || true; fi
  # The build of step 3 against a Kafka cluster of its own, which it starts and stops.
  step scale npx tsx --conditions=source test/scale/scale.ts --short || true
  export FUZZ_SEED="${FUZZ_SEED:-20261130}"
  step fuzz "$SCRIPT_DIR/fuzz.sh" || true
fi
rc=0
summary || rc=$?
# The closing line: the counts of every test run.
counts
exit "$rc"

