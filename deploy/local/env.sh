#!/usr/bin/env bash
# Connection settings of the local infrastructure (deploy/local/infra.sh).
#
#   source deploy/local/env.sh      # exports the variables into the current shell
#   deploy/local/env.sh             # prints them as `export NAME=value` lines
#   eval "$(deploy/local/env.sh)"   # same effect as sourcing
#
# Every value is only a default: a variable that is already set is kept.
# When sourced, this file does not change the caller's shell options.

: "${PGPORT:=5432}"
: "${KAFKA_PORT:=9092}"
: "${KAFKA_PARTITIONS:=6}"
: "${DATABASE_URL:=postgres://campaigns:campaigns@127.0.0.1:${PGPORT}/campaigns}"
: "${TEST_DATABASE_URL:=postgres://campaigns:campaigns@127.0.0.1:${PGPORT}/campaigns_test}"
: "${KAFKA_BROKERS:=127.0.0.1:${KAFKA_PORT}}"
export PGPORT KAFKA_PORT KAFKA_PARTITIONS DATABASE_URL TEST_DATABASE_URL KAFKA_BROKERS
# The secret `make up` made for API keys, once there is one (for `npm run admin`). Exported when
# sourced only: the printed form, which scripts show, leaves it out.
_secret_file="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.run/secrets/api-key-secret"
if [[ -z "${API_KEY_SECRET:-}" && -s "$_secret_file" ]]; then
  API_KEY_SECRET="$(cat "$_secret_file")"
  export API_KEY_SECRET
fi
unset _secret_file

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  for _name in DATABASE_URL TEST_DATABASE_URL KAFKA_BROKERS PGPORT KAFKA_PORT KAFKA_PARTITIONS; do
    printf 'export %s=%q\n' "$_name" "${!_name}"
  done
fi
