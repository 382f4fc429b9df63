#!/usr/bin/env bash
# The check of the Kubernetes manifests (part of `make lint` and of `make test`):
#
#   deploy/k8s/check.sh                   render every overlay (deploy/k8s/*/kustomization.yaml but
#                                         base) with kustomize, then run the rules of deploy/k8s/check
#                                         over each rendering; exits non-zero on any failure
#   deploy/k8s/check.sh kustomize ARGS    run the same kustomize, e.g. `kustomize build deploy/k8s/local`
#
# kustomize is built from its Go module (go install, Go from PATH or /usr/local/go/bin) the first
# time and kept as $BIN_DIR/kustomize-<version>; the rules' program likewise, as
# $BIN_DIR/k8s-check-<hash of its sources>, after its own tests pass (go test). BIN_DIR is
# $CPT_BIN_DIR, else ~/.cache/cpt/bin (outside the repository). Building kustomize takes 1-2 minutes
# on a fresh 2-core machine and needs the Go module proxy; later runs take under a second
# (deploy/k8s/README.md, The check).
set -euo pipefail

# v5.8.3 and later need Go 1.27; the machines have Go 1.26.
KUSTOMIZE_VERSION=v5.8.2
# Secrets the README has the operator create by hand (the rules accept references to them).
EXTERNAL_SECRETS=(campaign-tracking-api-key)

K8S_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$K8S_DIR/../.." && pwd)"
BIN_DIR="${CPT_BIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cpt/bin}"
KUSTOMIZE="$BIN_DIR/kustomize-$KUSTOMIZE_VERSION"

log() { echo "[k8s] $*" >&2; }
die() {
  log "$*"
  exit 1
}

find_go() {
  if command -v go >/dev/null 2>&1; then
    command -v go
  elif [[ -x /usr/local/go/bin/go ]]; then
    echo /usr/local/go/bin/go
  else
    die "no Go toolchain (go in PATH or /usr/local/go/bin/go): needed once to build kustomize and the rules"
  fi
}

# Go builds: no toolchain download, no VCS stamping (the work tree may belong to another user).
go_env() { env GOTOOLCHAIN=local GOFLAGS="${GOFLAGS:+$GOFLAGS }-buildvcs=false" "$@"; }

ensure_kustomize() {
  [[ -x "$KUSTOMIZE" ]] && return 0
  local go t=$SECONDS tmp
  go="$(find_go)"
  mkdir -p "$BIN_DIR"
  tmp="$(mktemp -d "$BIN_DIR/.build.XXXXXX")"
  log "building kustomize $KUSTOMIZE_VERSION from its Go module (once; 1-2 minutes)"
  if ! go_env GOBIN="$tmp" "$go" install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"; then
    rm -rf "$tmp"
    die "could not build kustomize $KUSTOMIZE_VERSION"
  fi
  # Renamed into place in one step, so that a run beside this one never sees half a binary.
  mv -f "$tmp/kustomize" "$KUSTOMIZE"
  rm -rf "$tmp"
  log "built $KUSTOMIZE in $((SECONDS - t)) s"
}

# The rules' program, rebuilt (after its tests pass) whenever its sources change.
ensure_checker() {
  local hash go t=$SECONDS tmp
  hash="$(cd "$K8S_DIR/check" && cat go.mod go.sum ./*.go testdata/* | sha256sum | cut -c1-16)"
  CHECKER="$BIN_DIR/k8s-check-$hash"
  [[ -x "$CHECKER" ]] && return 0
  go="$(find_go)"
  mkdir -p "$BIN_DIR"
  tmp="$(mktemp -d "$BIN_DIR/.build.XXXXXX")"
  log "testing and building the rules (deploy/k8s/check)"
  if ! (cd "$K8S_DIR/check" && go_env "$go" test ./... && go_env "$go" build -o "$tmp/check" .); then
    rm -rf "$tmp"
    die "the rules' tests or build failed (deploy/k8s/check)"
  fi
  mv -f "$tmp/check" "$CHECKER"
  rm -rf "$tmp"
  # Builds of earlier sources, unused for a day.
  find "$BIN_DIR" -maxdepth 1 -name 'k8s-check-*' -mtime +1 -delete 2>/dev/null || true
  log "built $CHECKER in $((SECONDS - t)) s"
}

if [[ "${1:-}" == kustomize ]]; then
  shift
  ensure_kustomize
  exec "$KUSTOMIZE" "$@"
fi
(($# == 0)) || die "usage: $0 [kustomize ARGS...]"

ensure_kustomize
ensure_checker

external=()
for s in "${EXTERNAL_SECRETS[@]}"; do external+=(-external-secret "$s"); done

rendered="$(mktemp -d)"
trap 'rm -rf "$rendered"' EXIT
rc=0 overlays=0
for kustomization in "$K8S_DIR"/*/kustomization.yaml; do
  dir="$(dirname "$kustomization")"
  name="$(basename "$dir")"
  [[ "$name" == base ]] && continue
  overlays=$((overlays + 1))
  if ! "$KUSTOMIZE" build "$dir" >"$rendered/$name.yaml"; then
    log "$name: kustomize build deploy/k8s/$name failed"
    rc=1
    continue
  fi
  "$CHECKER" -repo "$REPO" -overlay "$name" "${external[@]}" <"$rendered/$name.yaml" || rc=1
done
((overlays > 0)) || die "no overlay under $K8S_DIR"
if ((rc == 0)); then log "ok: $overlays overlays rendered and checked"; else log "FAILED"; fi
exit "$rc"
