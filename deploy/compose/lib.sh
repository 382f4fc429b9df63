# Shared by the scripts of deploy/compose/ (sourced): where the private Docker engine, its caches and
# the Compose binary live, and the one-line logging of these scripts.
#
# Environment (all optional):
#   CPT_DOCKER_SOCK   the private engine's socket          (default /run/cpt-docker.sock)
#   CPT_DOCKER_ROOT   its data root: images, build cache    (default /var/lib/cpt-docker)
#   CPT_CACHE         Compose binary and Go caches         (default /var/cache/cpt)
# All three sit outside the repository, so that every clone on the machine shares them.

COMPOSE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$COMPOSE_DIR/../.." && pwd)"

CPT_DOCKER_SOCK="${CPT_DOCKER_SOCK:-/run/cpt-docker.sock}"
CPT_DOCKER_ROOT="${CPT_DOCKER_ROOT:-/var/lib/cpt-docker}"
CPT_DOCKER_EXEC="${CPT_DOCKER_EXEC:-/run/cpt-docker}"
CPT_DOCKER_PIDFILE="${CPT_DOCKER_PIDFILE:-/run/cpt-docker.pid}"
CPT_CACHE="${CPT_CACHE:-/var/cache/cpt}"
# Docker Compose v2, built from its Go module (github.com/docker/compose/v2) into CPT_CACHE.
COMPOSE_VERSION="${COMPOSE_VERSION:-v2.40.3}"
COMPOSE_BIN="$CPT_CACHE/compose/$COMPOSE_VERSION/docker-compose"

export DOCKER_HOST="unix://$CPT_DOCKER_SOCK"

LOG_TAG="${LOG_TAG:-compose}"
log() { echo "[$LOG_TAG] $*"; }
die() { echo "[$LOG_TAG] ERROR: $*" >&2; exit 1; }

# apt_install PACKAGE...: as deploy/local/*.sh do it (root only; apt-get update on a failure).
apt_install() {
  [[ $EUID -eq 0 ]] || die "missing packages ($*) and not root: install them first"
  local opts=(-y -q --no-install-recommends -o DPkg::Lock::Timeout=300)
  if ! DEBIAN_FRONTEND=noninteractive apt-get install "${opts[@]}" "$@" >"$CPT_CACHE/apt.log" 2>&1; then
    apt-get update -q -o DPkg::Lock::Timeout=300 >>"$CPT_CACHE/apt.log" 2>&1 || { tail -n 20 "$CPT_CACHE/apt.log" >&2; die "apt-get update failed"; }
    DEBIAN_FRONTEND=noninteractive apt-get install "${opts[@]}" "$@" >>"$CPT_CACHE/apt.log" 2>&1 \
      || { tail -n 20 "$CPT_CACHE/apt.log" >&2; die "apt-get install $* failed"; }
  fi
}

# image_label IMAGE: the `cpt.inputs` label of a local image (empty when there is no such image).
image_label() { docker image inspect -f '{{index .Config.Labels "cpt.inputs"}}' "$1" 2>/dev/null || true; }

# hash_of FILE...: one sha256 over the contents of the files (sorted by name), for cache labels.
hash_of() { sha256sum "$@" | sort -k2 | sha256sum | cut -c1-16; }
