#!/usr/bin/env bash
# make test-containers: the integration suite (vitest --project integration) on PostgreSQL and Kafka
# that testcontainers starts, case 2 of libs/testkit/src/infra.ts, in the private engine of
# deploy/compose/dockerd.sh. No image is pulled: the containers are the locally built cpt/postgres:15
# and cpt/kafka:4.4.0 (deploy/compose/base-images.sh; TESTKIT_POSTGRES_IMAGE, TESTKIT_KAFKA_IMAGE), and
# Ryuk, the reaper testcontainers would pull, is off (TESTCONTAINERS_RYUK_DISABLED): the suite's
# global teardown stops both containers, and this script removes any it left behind. The engine is
# stopped afterwards when this run started it.
#
# One short line per step; the counts go to .run/vitest-containers.json (make test adds them to its
# closing line), vitest's own output to .run/compose-test/containers.log. Extra arguments go to
# vitest. Shares the lock of compose-test (one at a time on a machine). Needs root.
set -euo pipefail
exec </dev/null
LOG_TAG=containers
# shellcheck source=deploy/compose/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO"

LOGS="$REPO/.run/compose-test"
RESULT="$REPO/.run/vitest-containers.json"
T0=$SECONDS
STEP_T=$SECONDS
STARTED_ENGINE=false

done_step() {
  log "$* ($((SECONDS - STEP_T)) s)"
  STEP_T=$SECONDS
}

# The containers testcontainers made (it labels them), so that none outlives the run without Ryuk.
remove_leftovers() {
  local ids
  ids="$(docker ps -aq --filter label=org.testcontainers=true 2>/dev/null)" || return 0
  [[ -z "$ids" ]] || docker rm -f -v $ids >/dev/null 2>&1 || true
}

cleanup() {
  local rc=$?
  trap - EXIT
  remove_leftovers
  if [[ $STARTED_ENGINE == true ]]; then
    STEP_T=$SECONDS
    if "$COMPOSE_DIR/dockerd.sh" stop >/dev/null; then
      done_step "engine: dockerd stopped, its data root $CPT_DOCKER_ROOT kept"
    else
      rc=1
    fi
  fi
  if ((rc == 0)); then
    log "test-containers ok ($((SECONDS - T0)) s)"
  else
    log "test-containers FAILED ($((SECONDS - T0)) s)"
  fi
  exit "$rc"
}

[[ $EUID -eq 0 ]] || die "needs root (it runs its own dockerd)"
mkdir -p "$CPT_CACHE" "$LOGS"
rm -f "$RESULT"
exec 8>"$CPT_CACHE/compose-test.lock"
if ! flock -n 8; then
  log "waiting for another compose-test or test-containers run on this machine"
  flock -w 1800 8 || die "still locked after 30 min ($CPT_CACHE/compose-test.lock)"
fi
trap cleanup EXIT
trap 'exit 130' INT TERM

state="$("$COMPOSE_DIR/dockerd.sh" start 2>"$LOGS/engine.log")" || { tail -n 20 "$LOGS/engine.log" >&2; die "dockerd did not start"; }
if [[ "$state" == started ]]; then
  STARTED_ENGINE=true
  done_step "engine: dockerd started on $CPT_DOCKER_SOCK"
elif [[ "$state" == "running ours" ]]; then
  # Left by an interrupted run or COMPOSE_KEEP (no run holds the lock now): stopped at the end.
  STARTED_ENGINE=true
  done_step "engine: dockerd left running by an earlier run, taken over"
else
  done_step "engine: dockerd already running on $CPT_DOCKER_SOCK, used as it is"
fi
remove_leftovers

LOG_TAG=containers "$COMPOSE_DIR/base-images.sh" debian postgres kafka 2>"$LOGS/containers-images.log" \
  || { tail -n 25 "$LOGS/containers-images.log" >&2; die "a base image did not build"; }
STEP_T=$SECONDS

# Case 2 of infra.ts: no DATABASE_URL/KAFKA_BROKERS, and a Docker engine that answers on DOCKER_HOST.
unset DATABASE_URL KAFKA_BROKERS TESTCONTAINERS_DISABLED
# The published ports on loopback (testcontainers would otherwise reach them at the bridge's address).
export TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1
export TESTKIT_POSTGRES_IMAGE=cpt/postgres:15 TESTKIT_KAFKA_IMAGE=cpt/kafka:4.4.0
export TEST_DB_RESET=true
rc=0
# Two files at a time: the suite waits on Kafka and PostgreSQL more than it computes (one at a
# time, vitest's default on two cores). TEST_WORKERS sets it.
npx vitest run --project integration --maxWorkers="${TEST_WORKERS:-2}" --reporter=json --outputFile="$RESULT" "$@" >"$LOGS/containers.log" 2>&1 || rc=$?
if ! grep -q '^test infrastructure: testcontainers' "$LOGS/containers.log"; then
  grep -m1 '^test infrastructure:' "$LOGS/containers.log" >&2 || tail -n 25 "$LOGS/containers.log" >&2
  die "the suite did not run on testcontainers (log $LOGS/containers.log)"
fi
# What did not succeed, a line each (test, or file that did not run: a failed hook skips its tests),
# to stderr after the log's tail; the summary line to stdout.
failures="$LOGS/containers-failures.txt"
summary="$(node -e '
  const fs = require("node:fs");
  const r = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  const lines = [];
  let broken = 0;
  for (const f of r.testResults) {
    for (const t of f.assertionResults)
      if (t.status === "failed") lines.push(`${t.fullName}: ${(t.failureMessages[0] ?? "").split("\n")[0]}`);
    if (f.status === "failed" && !f.assertionResults.some((t) => t.status === "failed")) {
      broken++;
      const skipped = f.assertionResults.filter((t) => t.status !== "passed").length;
      lines.push(`${f.name.slice(process.cwd().length + 1)} (${skipped} tests not run): ${(f.message ?? "").split("\n")[0]}`);
    }
  }
  fs.writeFileSync(process.argv[2], lines.map((l) => `[containers] ${l.slice(0, 400)}\n`).join(""));
  const bad = r.numFailedTests;
  if (bad + broken === 0 && r.numPassedTests > 0) console.log(`all ${r.numPassedTests} tests succeeded`);
  else console.log(`${bad} of ${r.numTotalTests} tests did not succeed, ${broken} files did not run`);
' "$RESULT" "$failures")" || summary="no results (log $LOGS/containers.log)"
if ((rc != 0)); then
  tail -n 25 "$LOGS/containers.log" >&2
  [[ ! -s "$failures" ]] || cat "$failures" >&2
fi
done_step "integration suite on testcontainers (cpt/postgres:15, cpt/kafka:4.4.0): $summary"
((rc == 0)) || exit "$rc"
