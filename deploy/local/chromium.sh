#!/usr/bin/env bash
# The Chromium of the browser tests (libs/testkit/src/browser.ts), without a browser download:
# Debian's `chromium` package.
#
#   deploy/local/chromium.sh                      prints the path of a usable Chromium
#   CHROMIUM_PATH="$(deploy/local/chromium.sh)"   (what deploy/local/test.sh does)
#
# Environment (optional):
#   CHROMIUM_PATH  the Chromium to use (a path, or a command name on PATH). When set it must work:
#                  it is never replaced by an install.
#
# Without CHROMIUM_PATH, uses `chromium` on PATH; when there is none, installs the package
# `chromium` with apt-get, as root or through password-less sudo (sudo -n), running apt-get update
# only when the install fails for lack of package lists. A Chromium is usable when
# `chromium --version` answers. Only the path goes to stdout, so that it can be captured; messages
# and apt-get's output go to stderr. Exits non-zero, saying why, when no usable Chromium is found
# and none can be installed.
set -euo pipefail

PACKAGE=chromium
VERSION_TIMEOUT=60

log() { echo "[chromium] $*" >&2; }
die() { echo "[chromium] ERROR: $*" >&2; exit 1; }

# Prints the browser's version line; fails when it does not start.
version_of() {
  local out
  # Debian's launcher script may print shell warnings to stderr: only the version line counts.
  out="$(timeout "$VERSION_TIMEOUT" "$1" --version 2>/dev/null)" || return 1
  out="$(grep -m1 -i 'chrom' <<<"$out")" || return 1
  echo "$out"
}

# apt-get install as root (directly, or through sudo without a password prompt), with apt-get
# update first only when the package lists lack the package.
apt_install() {
  command -v apt-get >/dev/null 2>&1 \
    || die "Chromium is missing and there is no apt-get: install Chromium and set CHROMIUM_PATH to it"
  local root=()
  if [[ $EUID -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null \
      || die "Chromium is missing and this user cannot install it (not root, no password-less sudo):" \
        "run 'sudo apt-get install --no-install-recommends $*', or set CHROMIUM_PATH to a Chromium"
    root=(sudo -n)
  fi
  local install=("${root[@]}" env DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 "$@")
  local out rc=0
  out="$(mktemp)"
  # shellcheck disable=SC2064 # the file name is known now
  trap "rm -f '$out'" EXIT
  log "installing $* with apt-get${root[*]:+ (through sudo)}"
  "${install[@]}" 2>&1 | tee "$out" >&2 || rc=$?
  ((rc == 0)) && return 0
  # No package lists yet, or lists older than the mirror (its .deb files are gone: 404).
  grep -qE 'Unable to locate package|has no installation candidate|is not available|Failed to fetch|apt-get update' "$out" \
    || die "apt-get install $* failed (exit $rc): see its output above"
  log "the package lists lack $*: running apt-get update, then the install again"
  "${root[@]}" apt-get update -q -o DPkg::Lock::Timeout=300 >&2 || die "apt-get update failed"
  "${install[@]}" >&2 || die "apt-get install $* failed after apt-get update"
}

# Prints the absolute path of a command name or path, when it is an executable file.
resolve() {
  local found
  found="$(command -v -- "$1" 2>/dev/null)" || return 1
  [[ -f "$found" && -x "$found" ]] || return 1
  [[ "$found" == /* ]] || found="$PWD/$found"
  echo "$found"
}

main() {
  local path version
  if [[ -n "${CHROMIUM_PATH:-}" ]]; then
    path="$(resolve "$CHROMIUM_PATH")" || die "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file"
    version="$(version_of "$path")" \
      || die "CHROMIUM_PATH=$path does not start ('$path --version' fails): fix it or unset CHROMIUM_PATH"
  else
    if ! path="$(resolve chromium)"; then
      log "no chromium on PATH"
      apt_install "$PACKAGE"
      path="$(resolve chromium)" || die "no chromium on PATH after installing the package $PACKAGE"
    fi
    version="$(version_of "$path")" \
      || die "$path does not start ('$path --version' fails): reinstall the package $PACKAGE"
  fi
  log "using $path: $version"
  echo "$path"
}

main "$@"
