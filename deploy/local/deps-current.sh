#!/usr/bin/env bash
# Whether node_modules is what `npm ci` would install now: exits 0 when it is, 1 when it is missing,
# older than package-lock.json, or older than a patch of patches/ (patch-package applies them at
# install). `make up` (up.sh) and `make test` (test.sh) run `npm ci` when it is not.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
[[ -f node_modules/.package-lock.json && ! package-lock.json -nt node_modules/.package-lock.json ]] || exit 1
[[ -z "$(find patches -name '*.patch' -newer node_modules/.package-lock.json)" ]]
