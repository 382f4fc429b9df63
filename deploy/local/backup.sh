#!/usr/bin/env bash
# A logical backup of the services' PostgreSQL database: pg_dump in its custom format (-Fc:
# compressed, every table, sequence, function and the migrations table, restorable table by table
# with pg_restore). deploy/local/restore.sh puts it back into an empty database.
#
#   deploy/local/backup.sh [FILE]
#
# The database is the one DATABASE_URL names, the variable every service reads (default: the
# database of `make up`, deploy/local/env.sh). FILE defaults to
# .run/backups/<database>-<UTC time>.dump; it is written under a temporary name and renamed once
# pg_dump succeeded, so that a failed run never leaves a truncated backup under the final name.
# Prints the file's path on stdout, everything else on stderr.
#
# pg_dump takes one consistent snapshot (a repeatable-read transaction) and blocks no reader or
# writer, only schema changes (a migration waits until it is done): the services can run meanwhile. Its version must be at least the server's (15); PG_BIN names where
# the binaries are (default /usr/lib/postgresql/15/bin when it has them, else PATH).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/../.." && pwd)"
# shellcheck source=deploy/local/env.sh
source "$SCRIPT_DIR/env.sh"
# shellcheck source=deploy/local/pg-tools.sh
source "$SCRIPT_DIR/pg-tools.sh"

(($# <= 1)) || die "usage: $0 [FILE]"
database="$(database_name "$DATABASE_URL")"
file="${1:-$REPO/.run/backups/$database-$(date -u +%Y%m%dT%H%M%SZ).dump}"
mkdir -p "$(dirname "$file")"
tmp="$file.partial.$$"
trap 'rm -f "$tmp"' EXIT

t=$SECONDS
log "pg_dump of $database ($(redacted "$DATABASE_URL")) to $file"
"$(pg_tool pg_dump)" --format=custom --compress=6 --file="$tmp" --dbname="$DATABASE_URL"
mv "$tmp" "$file"
trap - EXIT
log "done: $(du -h "$file" | cut -f1) in $((SECONDS - t)) s"
echo "$file"
