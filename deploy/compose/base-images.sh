#!/usr/bin/env bash
# Builds the base images of the compose stack and of testcontainers in the private engine, since no
# registry can be reached to pull them; each is rebuilt only when what it is made of changed (the
# label cpt.inputs holds a hash of its inputs), so a warm engine skips all of this in a second:
#
#   cpt/debian:bookworm   mmdebstrap --variant=minbase bookworm, imported; trusts the host's
#                         locally added CAs (/usr/local/share/ca-certificates/*.crt)
#   cpt/node:20           the host's Node 20 binary and npm on it (images/node/Dockerfile)
#   cpt/postgres:15       Debian's postgresql-15, the official image's interface (images/postgres/)
#   cpt/kafka:4.4.0       Debian's Java 17 and the Kafka jars of deploy/local/kafka/pom.xml,
#                         the official apache/kafka image's interface (images/kafka/)
#
#   deploy/compose/base-images.sh [IMAGE...]   IMAGE: debian, node, postgres, kafka (default: all)
#
# Prints one line per image. Needs root (mmdebstrap) and the engine of dockerd.sh.
#
# Environment (all optional):
#   DEBIAN_MIRROR    (default http://deb.debian.org/debian; security updates from -security beside it)
#   KAFKA_LIB_DIR    the resolved Kafka jars (default <repo>/.cache/kafka/lib, resolved when missing)
set -euo pipefail
# shellcheck source=deploy/compose/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
KAFKA_LIB_DIR="${KAFKA_LIB_DIR:-$REPO/.cache/kafka/lib}"
IMAGES="$COMPOSE_DIR/images"
WORK="$(mktemp -d /var/tmp/cpt-base-images.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

# built NAME INPUTS: whether the image NAME exists with the label INPUTS.
built() { [[ "$(image_label "$1")" == "$2" ]]; }

# build_image NAME INPUTS CONTEXT: docker build with the label, its output kept in a log file.
build_image() {
  local name="$1" inputs="$2" context="$3" log_file="$WORK/${1//[:\/]/_}.log" t=$SECONDS
  if ! DOCKER_BUILDKIT=0 docker build --label "cpt.inputs=$inputs" -t "$name" "$context" >"$log_file" 2>&1; then
    tail -n 30 "$log_file" >&2
    die "docker build of $name failed"
  fi
  log "image $name: built ($((SECONDS - t)) s)"
}

debian() {
  local name=cpt/debian:bookworm inputs security t=$SECONDS
  # This function's own text, the mirror and the CAs: an edit elsewhere in this file keeps the image.
  inputs="$({ declare -f debian; echo "$DEBIAN_MIRROR"; cat /usr/local/share/ca-certificates/*.crt 2>/dev/null; } | sha256sum | cut -c1-16)"
  if built "$name" "$inputs"; then log "image $name: cached"; return 0; fi
  command -v mmdebstrap >/dev/null 2>&1 || apt_install mmdebstrap
  security="${DEBIAN_MIRROR%/debian}/debian-security"
  # mmdebstrap (debootstrap's successor: apt's parallel downloads) writes the root file system as a
  # tar stream straight into docker import. The hooks: the CAs this machine added (a TLS-inspecting
  # proxy's, a private registry's) for npm and apt, and, as in Docker's official Debian images, no
  # recommends, no kept .debs and no service starts.
  if ! mmdebstrap --mode=root --variant=minbase --include=ca-certificates --skip=chroot/policy-rc.d \
        --aptopt='APT::Install-Recommends "false"' \
        --customize-hook='cp /usr/local/share/ca-certificates/*.crt "$1/usr/local/share/ca-certificates/" 2>/dev/null || true' \
        --customize-hook='chroot "$1" update-ca-certificates >/dev/null' \
        --customize-hook='printf "#!/bin/sh\nexit 101\n" >"$1/usr/sbin/policy-rc.d" && chmod +x "$1/usr/sbin/policy-rc.d"' \
        --customize-hook='printf "%s\n" "DPkg::Post-Invoke { \"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true\"; };" "Dir::Cache::pkgcache \"\"; Dir::Cache::srcpkgcache \"\";" >"$1/etc/apt/apt.conf.d/docker-clean"' \
        --customize-hook='rm -f "$1"/var/cache/apt/*.bin' \
        bookworm - "deb $DEBIAN_MIRROR bookworm main" "deb $DEBIAN_MIRROR bookworm-updates main" \
        "deb $security bookworm-security main" 2>"$WORK/mmdebstrap.log" \
      | docker import --change 'CMD ["bash"]' --change "LABEL cpt.inputs=$inputs" - "$name" >/dev/null; then
    tail -n 30 "$WORK/mmdebstrap.log" >&2
    die "mmdebstrap | docker import of $name failed"
  fi
  log "image $name: mmdebstrap and import ($((SECONDS - t)) s)"
}

# node: the host's Node 20 (the machine's /usr/bin/node, which runs make test) and its npm.
node_image() {
  local name=cpt/node:20 node_bin npm_dir version inputs ctx="$WORK/node"
  node_bin="$(readlink -f "$(command -v node)")" || die "no node on PATH"
  version="$("$node_bin" --version)"
  [[ "$version" == v20.* ]] || die "the host's node is $version: the image needs Node 20 (set PATH to a Node 20)"
  npm_dir="$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)"
  [[ -f "$npm_dir/package.json" ]] || die "cannot find npm's directory ($npm_dir)"
  inputs="$(image_label cpt/debian:bookworm)-$(hash_of "$IMAGES/node/Dockerfile" "$node_bin" "$npm_dir/package.json")"
  if built "$name" "$inputs"; then log "image $name: cached"; return 0; fi
  mkdir -p "$ctx"
  cp "$IMAGES/node/Dockerfile" "$ctx/"
  cp "$node_bin" "$ctx/node"
  cp -r "$npm_dir" "$ctx/npm"
  build_image "$name" "$inputs" "$ctx"
}

postgres_image() {
  local name=cpt/postgres:15 inputs
  inputs="$(image_label cpt/debian:bookworm)-$(hash_of "$IMAGES"/postgres/*)"
  if built "$name" "$inputs"; then log "image $name: cached"; return 0; fi
  build_image "$name" "$inputs" "$IMAGES/postgres"
}

kafka_image() {
  local name=cpt/kafka:4.4.0 inputs ctx="$WORK/kafka"
  if [[ ! -f "$KAFKA_LIB_DIR/.resolved-pom-sha256" ]] \
      || [[ "$(cat "$KAFKA_LIB_DIR/.resolved-pom-sha256")" != "$(sha256sum "$REPO/deploy/local/kafka/pom.xml" | cut -d' ' -f1)" ]]; then
    # kafka.sh resolves the jars (and installs Java and Maven) before running a tool.
    KAFKA_LIB_DIR="$KAFKA_LIB_DIR" "$REPO/deploy/local/kafka.sh" cli topics --version >"$WORK/kafka-resolve.log" 2>&1 \
      || { tail -n 20 "$WORK/kafka-resolve.log" >&2; die "could not resolve the Kafka jars (deploy/local/kafka.sh)"; }
  fi
  compgen -G "$KAFKA_LIB_DIR/kafka_2.13-4.4.0*.jar" >/dev/null || die "the jars in $KAFKA_LIB_DIR are not Kafka 4.4.0"
  inputs="$(image_label cpt/debian:bookworm)-$(hash_of "$IMAGES"/kafka/Dockerfile "$IMAGES"/kafka/bin/* "$KAFKA_LIB_DIR/.resolved-pom-sha256")"
  if built "$name" "$inputs"; then log "image $name: cached"; return 0; fi
  mkdir -p "$ctx"
  cp -r "$IMAGES/kafka/Dockerfile" "$IMAGES/kafka/bin" "$ctx/"
  mkdir "$ctx/libs"
  cp "$KAFKA_LIB_DIR"/*.jar "$ctx/libs/"
  build_image "$name" "$inputs" "$ctx"
}

# The images named, in parallel once the Debian base is there (mostly downloads and unpacking).
wanted=("$@")
((${#wanted[@]} > 0)) || wanted=(debian node postgres kafka)
pids=()
for image in "${wanted[@]}"; do
  case "$image" in
    debian) debian ;;
    node) node_image & pids+=($!) ;;
    postgres) postgres_image & pids+=($!) ;;
    kafka) kafka_image & pids+=($!) ;;
    *) die "unknown image $image (debian, node, postgres, kafka)" ;;
  esac
done
rc=0
for pid in "${pids[@]}"; do wait "$pid" || rc=1; done
exit "$rc"
