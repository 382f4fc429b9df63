#!/usr/bin/env bash
# Restores a backup of deploy/local/backup.sh (pg_dump -Fc) into an empty database.
#
#   deploy/local/restore.sh FILE [DATABASE_URL]
#
# The target is the DATABASE_URL given, else the variable's value (default: the database of
# `make up`, deploy/local/env.sh). When that database does not exist it is created, owned by the
# URL's user (which needs CREATEDB); when it exists it must be empty (no table, view, sequence or
# function outside PostgreSQL's own schemas), or nothing is done: a restore never mixes two
# states. pg_restore runs in one transaction (all or nothing), without the dump's owners and
# grants (everything belongs to the URL's user), then ANALYZE gives the planner its statistics.
#
# The restored database carries its migrations table (mikro_orm_migrations): the services of the
# version that made the backup, or a later one after `migrate`, run on it as they are. Stop the
# services that write to the target before, and see docs/operations.md (Backup and restore) for
# what to do about Kafka afterwards.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOG_TAG=restore
# shellcheck source=deploy/local/env.sh
source "$SCRIPT_DIR/env.sh"
# shellcheck source=deploy/local/pg-tools.sh
source "$SCRIPT_DIR/pg-tools.sh"

(($# >= 1 && $# <= 2)) || die "usage: $0 FILE [DATABASE_URL]"
file="$1"
target="${2:-$DATABASE_URL}"
[[ -f "$file" ]] || die "no backup file $file"
database="$(database_name "$target")"
psql_bin="$(pg_tool psql)"
restore_bin="$(pg_tool pg_restore)"

# sql URL [VAR=VALUE...]: runs the statements of stdin (psql variables interpolated), prints rows unaligned.
sql() {
  local url="$1" vars=()
  shift
  for v in "$@"; do vars+=(-v "$v"); done
  "$psql_bin" --no-psqlrc --quiet --tuples-only --no-align -v ON_ERROR_STOP=1 "${vars[@]}" --dbname="$url"
}

"$restore_bin" --list "$file" >/dev/null 2>&1 || die "$file is not a pg_dump archive in the custom format (pg_dump -Fc)"

t=$SECONDS
maintenance="$(with_database "$target" postgres)"
exists="$(sql "$maintenance" name="$database" <<<"select count(*) from pg_database where datname = :'name';")"
if [[ "$exists" == 0 ]]; then
  log "creating the database $database"
  sql "$maintenance" name="$database" <<<'create database :"name";' >/dev/null
else
  objects="$(sql "$target" <<'SQL'
select (select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
           and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%')
     + (select count(*) from pg_proc p join pg_namespace n on n.oid = p.pronamespace
         where n.nspname not in ('pg_catalog', 'information_schema'));
SQL
)"
  [[ "$objects" == 0 ]] \
    || die "the database $database is not empty ($objects tables, views, sequences or functions): restore into a new or emptied database"
fi

log "pg_restore of $file into $database ($(redacted "$target"))"
"$restore_bin" --no-owner --no-acl --exit-on-error --single-transaction --dbname="$target" "$file"
sql "$target" <<<'set client_min_messages = error; analyze;' >/dev/null
migrations="$(sql "$target" <<<"select count(*) || ', the last ' || coalesce(max(name), 'none') from mikro_orm_migrations;" 2>/dev/null || echo "no migrations table")"
log "done in $((SECONDS - t)) s: $database restored (migrations: $migrations)"
