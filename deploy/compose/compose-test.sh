#!/usr/bin/env bash
# make compose-test: the whole system from docker-compose.yml, in a Docker engine of its own, tested
# end to end through the ports it publishes. Works without any registry of images:
#
#   1. engine          deploy/compose/dockerd.sh start: Debian's docker.io (installed when missing),
#                      a dockerd on /run/cpt-docker.sock with its data in /var/lib/cpt-docker
#   2. compose         Docker Compose v2 built from its Go module into /var/cache/cpt (first run only;
#                      in the background, while the images build)
#   3. base images     deploy/compose/base-images.sh: cpt/debian, cpt/node, cpt/postgres, cpt/kafka,
#                      built from Debian's packages when missing or changed
#   4. compose build   the four images of deploy/docker/Dockerfile; while Compose is still compiling,
#                      Debian's docker client (BuildKit built in) builds them first, into the same
#                      build cache, so that compose build then finds every layer made
#   5. compose up      --wait: every container healthy, the one-shots (topics, migrate) done
#   6. api key         the account `dev` and its key, made inside the stack by the migrate image
#                      (admin-cli dev-key, as make up does), with the stack's API_KEY_SECRET
#                      (it and POSTGRES_PASSWORD, which the compose file requires, are new every run)
#   7. e2e             test/compose/ (vitest project compose) against the published ports
#   8. compose down    -v: containers, network and volumes
#   9. engine stop     only when this run started it; its data root (images, build cache) stays
#
# docker-compose.yml is merged with deploy/compose/compose-test.yml (local base images, ports the
# engine picks), under the project name cpt-compose-test. One short line per step; on a failure, the
# end of the logs concerned, then the stack is removed all the same. Logs: .run/compose-test/.
# Runs one at a time on a machine (a lock in /var/cache/cpt). Needs root.
#
# Environment (all optional): CPT_DOCKER_SOCK, CPT_DOCKER_ROOT, CPT_CACHE (deploy/compose/lib.sh),
# COMPOSE_KEEP=true leaves the stack and the engine running (then: deploy/compose/compose-test.sh down).
set -euo pipefail
exec </dev/null
LOG_TAG=compose
# shellcheck source=deploy/compose/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO"

PROJECT=cpt-compose-test
LOGS="$REPO/.run/compose-test"
# The e2e counts, where make test's closing line adds them up (.run/vitest-*.json).
E2E_RESULT="$REPO/.run/vitest-compose.json"
T0=$SECONDS
STARTED_ENGINE=false
STACK_UP=false
CURRENT=setup

compose() { "$COMPOSE_BIN" -p "$PROJECT" -f "$REPO/docker-compose.yml" -f "$COMPOSE_DIR/compose-test.yml" "$@"; }

# The stack's two secrets, which docker-compose.yml requires and has no default for, new for every
# run: the one API keys are hashed under, and the database password (URL-safe: hex). Set before any
# compose command, since Compose reads them for every one of them, `down` included.
API_KEY_SECRET="$(head -c 32 /dev/urandom | base64 | tr -d '\n')"
POSTGRES_PASSWORD="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export API_KEY_SECRET POSTGRES_PASSWORD

# done_step TEXT: the step's one line, with its duration.
STEP_T=$SECONDS
done_step() {
  log "$* ($((SECONDS - STEP_T)) s)"
  STEP_T=$SECONDS
}

# fail TEXT [LOG]: the end of LOG, then a line naming the step; cleanup runs on exit.
fail() {
  [[ -n "${2:-}" && -s "$2" ]] && tail -n 25 "$2" >&2
  echo "[$LOG_TAG] ERROR: $CURRENT: $1 (log ${2:-none})" >&2
  exit 1
}

cleanup() {
  local rc=$?
  trap - EXIT
  if [[ "${COMPOSE_KEEP:-}" == true && $rc -eq 0 ]]; then
    log "kept: the stack $PROJECT and the engine run on (deploy/compose/compose-test.sh down)"
    exit 0
  fi
  if [[ $STACK_UP == true ]]; then
    if ((rc != 0)); then
      compose ps -a >"$LOGS/ps.log" 2>&1 || true
      compose logs --no-color --tail 200 >"$LOGS/stack.log" 2>&1 || true
      echo "[$LOG_TAG] the containers' state and logs: $LOGS/ps.log, $LOGS/stack.log" >&2
    fi
    STEP_T=$SECONDS
    if compose down -v --remove-orphans --timeout 30 >"$LOGS/down.log" 2>&1; then
      # The images the new ones replaced (untagged), so that the data root does not grow run by run.
      docker image prune -f >/dev/null 2>&1 || true
      done_step "compose down: containers, network and volumes removed"
    else
      tail -n 10 "$LOGS/down.log" >&2
      log "compose down failed (log $LOGS/down.log)"
      rc=1
    fi
  fi
  if [[ $STARTED_ENGINE == true ]]; then
    STEP_T=$SECONDS
    if "$COMPOSE_DIR/dockerd.sh" stop >/dev/null; then
      done_step "engine: dockerd stopped, its data root $CPT_DOCKER_ROOT kept"
    else
      rc=1
    fi
  fi
  if ((rc == 0)); then
    log "compose-test ok ($((SECONDS - T0)) s)"
  else
    log "compose-test FAILED at step '$CURRENT' ($((SECONDS - T0)) s)"
  fi
  exit "$rc"
}

# Docker Compose v2 from its Go module, once per machine (CPT_CACHE), with Go caches of its own that
# are dropped once the binary is there.
build_compose() {
  local go dir tmp
  go="$(command -v go || echo /usr/local/go/bin/go)"
  [[ -x "$go" ]] || { echo "no Go toolchain (go, /usr/local/go/bin/go) to build Docker Compose" >&2; return 1; }
  export GOMODCACHE="$CPT_CACHE/go/mod" GOCACHE="$CPT_CACHE/go/build" GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0
  dir="$("$go" mod download -json "github.com/docker/compose/v2@$COMPOSE_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  [[ -d "$dir" ]] || { echo "go mod download of github.com/docker/compose/v2@$COMPOSE_VERSION failed" >&2; return 1; }
  mkdir -p "$(dirname "$COMPOSE_BIN")"
  tmp="$COMPOSE_BIN.tmp.$$"
  (cd "$dir" && "$go" build -trimpath -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$COMPOSE_VERSION" -o "$tmp" ./cmd)
  mv "$tmp" "$COMPOSE_BIN"
  "$go" clean -modcache >/dev/null 2>&1 || true
  rm -rf "$CPT_CACHE/go"
}

# The service images with Debian's docker client, whose BuildKit client is built in (the 20.10 one;
# newer clients need buildx for that): same Dockerfile, targets, build argument and tags as the
# compose file with compose-test.yml, so that compose build finds the layers in the engine's cache.
prebuild_services() {
  local target
  for target in migrate price-ingest position gateway; do
    DOCKER_BUILDKIT=1 /usr/bin/docker build -f deploy/docker/Dockerfile --target "$target" \
      --build-arg NODE_IMAGE=cpt/node:20 -t "campaign-tracking/$target:local" . || return 1
  done
}

can_prebuild() {
  [[ -x /usr/bin/docker ]] && [[ "$(/usr/bin/docker version --format '{{.Client.Version}}' 2>/dev/null)" == 20.* ]]
}

if [[ "${1:-}" == down ]]; then
  compose down -v --remove-orphans --timeout 30 && "$COMPOSE_DIR/dockerd.sh" stop
  exit
fi

[[ $EUID -eq 0 ]] || die "needs root (it runs its own dockerd); see README, Docker Compose, for a machine with Docker"
mkdir -p "$CPT_CACHE" "$LOGS"
rm -f "$LOGS"/*.log "$E2E_RESULT"
exec 8>"$CPT_CACHE/compose-test.lock"
if ! flock -n 8; then
  log "waiting for another compose-test or test-containers run on this machine"
  flock -w 1800 8 || die "still locked after 30 min ($CPT_CACHE/compose-test.lock)"
fi
trap cleanup EXIT
trap 'exit 130' INT TERM

CURRENT=engine
state="$("$COMPOSE_DIR/dockerd.sh" start 2>"$LOGS/engine.log")" || fail "dockerd did not start" "$LOGS/engine.log"
if [[ "$state" == started ]]; then
  STARTED_ENGINE=true
  done_step "engine: dockerd started on $CPT_DOCKER_SOCK, data in $CPT_DOCKER_ROOT"
elif [[ "$state" == "running ours" ]]; then
  # Left by an interrupted run or COMPOSE_KEEP (no run holds the lock now): stopped at the end.
  STARTED_ENGINE=true
  done_step "engine: dockerd left running by an earlier run, taken over"
else
  done_step "engine: dockerd already running on $CPT_DOCKER_SOCK, used as it is"
fi
# A stack left over by an interrupted run would hold the names and volumes.
if [[ -x "$COMPOSE_BIN" ]] && [[ -n "$(docker ps -aq --filter "label=com.docker.compose.project=$PROJECT" 2>/dev/null)" ]]; then
  compose down -v --remove-orphans --timeout 10 >"$LOGS/leftover.log" 2>&1 || true
  done_step "engine: removed a stack left over by an earlier run"
fi

CURRENT=compose
COMPOSE_PID=
if [[ -x "$COMPOSE_BIN" ]]; then
  done_step "compose: $COMPOSE_VERSION, cached in $(dirname "$COMPOSE_BIN")"
else
  exec 7>"$CPT_CACHE/compose-build.lock"
  flock -w 1200 7 || fail "timed out waiting for another build of Compose"
  build_compose >"$LOGS/compose-build.log" 2>&1 &
  COMPOSE_PID=$!
  done_step "compose: building $COMPOSE_VERSION from its Go module in the background"
fi

# The services' base first; PostgreSQL's and Kafka's build beside the services' images.
CURRENT="base images"
"$COMPOSE_DIR/base-images.sh" debian node 2>"$LOGS/base-images.log" || fail "a base image did not build" "$LOGS/base-images.log"
"$COMPOSE_DIR/base-images.sh" postgres kafka 2>"$LOGS/base-images-infra.log" &
INFRA_PID=$!
STEP_T=$SECONDS

if [[ -n "$COMPOSE_PID" ]]; then
  if can_prebuild; then
    CURRENT="service images"
    prebuild_services >"$LOGS/prebuild.log" 2>&1 || fail "docker build of a service image failed" "$LOGS/prebuild.log"
    done_step "service images: built with Debian's docker client (BuildKit) while Compose compiles"
  fi
  CURRENT=compose
  wait "$COMPOSE_PID" || fail "go build of Docker Compose failed" "$LOGS/compose-build.log"
  exec 7>&-
  done_step "compose: built $COMPOSE_VERSION from its Go module into $(dirname "$COMPOSE_BIN")"
fi

CURRENT="compose build"
compose build --progress=plain >"$LOGS/build.log" 2>&1 || fail "docker compose build failed" "$LOGS/build.log"
done_step "compose build: migrate, price-ingest, position, gateway"

CURRENT="base images"
wait "$INFRA_PID" || fail "a base image did not build" "$LOGS/base-images-infra.log"
STEP_T=$SECONDS

CURRENT="compose up"
STACK_UP=true
compose up --detach --wait --wait-timeout 240 >"$LOGS/up.log" 2>&1 || fail "the stack did not become healthy" "$LOGS/up.log"
done_step "compose up: postgres, kafka, topics, migrate done, the three services healthy"

CURRENT="api key"
KEY="$(compose run --rm --no-deps -T -e API_KEY_SECRET migrate sh -c \
  'node libs/application/dist/src/admin-cli.js dev-key /tmp/dev-api-key >/dev/null && cat /tmp/dev-api-key' 2>"$LOGS/key.log")" \
  || fail "admin-cli dev-key failed inside the stack" "$LOGS/key.log"
[[ -n "$KEY" ]] || fail "admin-cli dev-key printed no key" "$LOGS/key.log"
done_step "api key: the account dev and its key, made inside the stack (admin-cli dev-key)"

CURRENT=e2e
published() {
  local at
  at="$(compose port "$1" "$2" 2>/dev/null | head -n 1)" && [[ -n "$at" ]] || fail "$1 publishes no port $2"
  echo "http://$at"
}
COMPOSE_GATEWAY_URL="$(published gateway 8080)"
COMPOSE_INGEST_URL="$(published price-ingest 8081)"
COMPOSE_POSITION_URL="$(published position 8082)"
if ! COMPOSE_GATEWAY_URL="$COMPOSE_GATEWAY_URL" COMPOSE_INGEST_URL="$COMPOSE_INGEST_URL" \
    COMPOSE_POSITION_URL="$COMPOSE_POSITION_URL" COMPOSE_API_KEY="$KEY" \
    npx vitest run --project compose --reporter=json --outputFile="$E2E_RESULT" >"$LOGS/e2e.log" 2>&1; then
  node -e '
    const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
    for (const f of r.testResults) for (const t of f.assertionResults)
      if (t.status === "failed") console.error(`[compose] e2e: ${t.fullName}: ${(t.failureMessages[0] ?? "").split("\n")[0]}`);
  ' "$E2E_RESULT" 2>&1 >&2 || true
  fail "the end-to-end tests against the stack did not all succeed" "$LOGS/e2e.log"
fi
summary="$(node -e '
  const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  if (r.numTotalTests === 0 || r.numPassedTests !== r.numTotalTests) process.exit(1);
  console.log(`all ${r.numTotalTests} tests of test/compose/ succeeded`);
' "$E2E_RESULT")" || fail "test/compose/ ran no test, or skipped some" "$LOGS/e2e.log"
done_step "e2e: $summary, against $COMPOSE_GATEWAY_URL, $COMPOSE_INGEST_URL, $COMPOSE_POSITION_URL"

CURRENT=done
