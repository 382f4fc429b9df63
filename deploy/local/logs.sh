#!/usr/bin/env bash
# Follows the services' logs of `make up` (`make logs`): the last 20 lines of each, then what comes.
#
#   deploy/local/logs.sh            through pino-pretty when it is installed (a dev dependency):
#                                   one readable line per entry, `time LEVEL: service | message {fields}`
#   RAW=1 deploy/local/logs.sh      the JSON lines as the services wrote them (pino)
#
# The files are .run/services/<service>.log; Ctrl-C stops.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO"
FILES=(.run/services/gateway.log .run/services/price-ingest.log .run/services/position.log)
PRETTY="node_modules/.bin/pino-pretty"

found=0
for f in "${FILES[@]}"; do [[ -e "$f" ]] && found=1; done
if ((found == 0)); then
  echo "[logs] no service has logged yet (.run/services/*.log): make up starts them"
  exit 0
fi

if [[ "${RAW:-}" != 1 && -x "$PRETTY" ]]; then
  echo "[logs] following .run/services/*.log through pino-pretty; the raw JSON lines: make logs RAW=1; Ctrl-C stops" >&2
  # -q: no "==> file <==" headers; each line names its service.
  tail -q -n 20 -F "${FILES[@]}" 2>/dev/null |
    "$PRETTY" --singleLine --translateTime 'SYS:HH:MM:ss.l' --ignore pid,hostname,service --messageFormat '{service} | {msg}'
else
  if [[ "${RAW:-}" != 1 ]]; then
    echo "[logs] following .run/services/*.log as JSON lines (pino-pretty is not installed: npm ci installs it); Ctrl-C stops" >&2
  fi
  tail -n 20 -F "${FILES[@]}"
fi
