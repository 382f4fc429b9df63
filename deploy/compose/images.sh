#!/usr/bin/env bash
# make images: the images of deploy/docker/Dockerfile (the one docker-compose.yml builds), tagged for
# a registry, and pushed there when asked:
#
#   $IMAGE_REGISTRY/cpt-gateway:$IMAGE_TAG
#   $IMAGE_REGISTRY/cpt-price-ingest:$IMAGE_TAG
#   $IMAGE_REGISTRY/cpt-position:$IMAGE_TAG
#   $IMAGE_REGISTRY/cpt-migrate:$IMAGE_TAG     the migration job, and the services' init container on
#                                              Kubernetes, which must run the same version
#
# Environment (all optional):
#   IMAGE_REGISTRY   registry (and path) the names start with          (default localhost)
#   IMAGE_TAG        the tag                                           (default the commit's short sha)
#   IMAGE_PUSH=1     docker push each image once all are built (log in to the registry first)
#   DOCKER_HOST      the engine to build in; by default the private engine of deploy/compose/dockerd.sh
#                    (root; started when not running, and then stopped at the end)
#   NODE_IMAGE       the Node 20 base: cpt/node:20, built locally by base-images.sh, in the private
#                    engine; node:20-bookworm-slim (the Dockerfile's default) in any other
#
# The build context is the work tree, so uncommitted changes go into the images: the script says so
# when there are some, since the tag then names a commit the images do not match. BuildKit builds
# (the Dockerfile's cache mounts need it), with the engine's build cache of make compose-test. In
# the private engine it takes the lock of make compose-test and make test-containers.
set -euo pipefail
exec </dev/null
LOG_TAG=images
# The caller's engine, if any: lib.sh points DOCKER_HOST at the private one.
CALLER_DOCKER_HOST="${DOCKER_HOST:-}"
# shellcheck source=deploy/compose/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO"

TARGETS=(gateway price-ingest position migrate)
REGISTRY="${IMAGE_REGISTRY:-localhost}"
REGISTRY="${REGISTRY%/}"
TAG="${IMAGE_TAG:-$(git rev-parse --short HEAD)}"
[[ "$TAG" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "IMAGE_TAG '$TAG' is not a valid tag"
REVISION="$(git rev-parse HEAD)"
STARTED_ENGINE=false

cleanup() {
  local rc=$?
  if [[ $STARTED_ENGINE == true ]]; then
    "$COMPOSE_DIR/dockerd.sh" stop >/dev/null || rc=1
    log "engine: dockerd stopped, its data root $CPT_DOCKER_ROOT kept"
  fi
  exit "$rc"
}

if [[ -n "$CALLER_DOCKER_HOST" ]]; then
  export DOCKER_HOST="$CALLER_DOCKER_HOST"
  NODE_IMAGE="${NODE_IMAGE:-node:20-bookworm-slim}"
  docker version --format '{{.Server.Version}}' >/dev/null 2>&1 || die "no Docker engine answers on $DOCKER_HOST"
  log "engine: $DOCKER_HOST"
else
  [[ $EUID -eq 0 ]] || die "needs root for the private engine (deploy/compose/dockerd.sh), or DOCKER_HOST naming an engine"
  mkdir -p "$CPT_CACHE"
  exec 8>"$CPT_CACHE/compose-test.lock"
  if ! flock -n 8; then
    log "waiting for another compose-test, test-containers or images run on this machine"
    flock -w 1800 8 || die "still locked after 30 min ($CPT_CACHE/compose-test.lock)"
  fi
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  state="$("$COMPOSE_DIR/dockerd.sh" start)"
  [[ "$state" == started || "$state" == "running ours" ]] && STARTED_ENGINE=true
  log "engine: $CPT_DOCKER_SOCK ($state)"
  NODE_IMAGE="${NODE_IMAGE:-cpt/node:20}"
  if [[ "$NODE_IMAGE" == cpt/node:20 ]]; then
    "$COMPOSE_DIR/base-images.sh" debian node
  fi
fi

if [[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
  log "WARNING: the work tree has uncommitted changes, which go into the images tagged $TAG (commit $REVISION)"
fi

refs=()
for target in "${TARGETS[@]}"; do
  ref="$REGISTRY/cpt-$target:$TAG"
  t=$SECONDS
  DOCKER_BUILDKIT=1 docker build -f deploy/docker/Dockerfile --target "$target" \
    --build-arg NODE_IMAGE="$NODE_IMAGE" \
    --label "org.opencontainers.image.revision=$REVISION" \
    --label "org.opencontainers.image.version=$TAG" \
    --label "org.opencontainers.image.title=cpt-$target" \
    -t "$ref" . || die "docker build of $ref failed"
  log "built $ref ($((SECONDS - t)) s)"
  refs+=("$ref")
done

if [[ "${IMAGE_PUSH:-}" == 1 ]]; then
  for ref in "${refs[@]}"; do
    docker push "$ref" || die "docker push $ref failed (docker login $REGISTRY?)"
    log "pushed $ref"
  done
else
  log "not pushed (IMAGE_PUSH=1 pushes)"
fi
log "images: ${refs[*]}"
