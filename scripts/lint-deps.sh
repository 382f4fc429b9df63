#!/usr/bin/env bash
# The dependency check (`npm run lint:deps`, part of `npm run lint` and `make lint`): every package
# declares what it imports and nothing more, and imports respect the layering. Runs the three
# checks, then exits non-zero when any of them failed.
#
#   1. knip, all files, tests included (knip.jsonc): dependencies and devDependencies that nothing
#      imports, imports of packages that no package.json on the way up declares, unresolved imports.
#   2. knip --strict, production files only, each workspace on its own: a production import must be
#      in that workspace's "dependencies"; a "dependencies" entry that only tests or type-only
#      imports use is reported unused, as it belongs in devDependencies. libs/testkit is test code
#      as a whole (its imports are devDependencies), so this pass leaves it out.
#   3. dependency-cruiser (.dependency-cruiser.cjs), every file: imports of packages that the
#      nearest package.json does not declare (knip sees only files reachable from an entry), run-time
#      imports of devDependencies from non-test code, and the layering rules.
#   4. scripts/check-references.mjs: each package's tsconfig.json references exactly the workspace
#      packages that its src/ imports.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

rc=0
npx knip --dependencies --no-progress --no-config-hints || rc=1
npx knip --dependencies --strict --workspace '!libs/testkit' --no-progress || rc=1
npx depcruise --config .dependency-cruiser.cjs apps libs services test bench scripts vitest.config.ts || rc=1
node scripts/check-references.mjs || rc=1
exit "$rc"
