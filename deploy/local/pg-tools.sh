# Shared by deploy/local/backup.sh and restore.sh (sourced): logging, where the PostgreSQL client
# programs are, and what a connection URL names.

LOG_TAG="${LOG_TAG:-backup}"
log() { echo "[$LOG_TAG] $*" >&2; }
die() {
  echo "[$LOG_TAG] ERROR: $*" >&2
  exit 1
}

# pg_tool NAME: the path of a PostgreSQL client program (pg_dump, pg_restore, psql): PG_BIN's, the
# server's major version (/usr/lib/postgresql/15/bin) when present, else the one on PATH.
pg_tool() {
  local dir="${PG_BIN:-/usr/lib/postgresql/15/bin}"
  if [[ -x "$dir/$1" ]]; then
    echo "$dir/$1"
  elif command -v "$1" >/dev/null 2>&1; then
    command -v "$1"
  else
    die "no $1 (in PG_BIN=$dir or on PATH): install the PostgreSQL 15 client (apt-get install postgresql-client-15)"
  fi
}

# database_name URL: the database a postgres:// URL names (its path, without query).
database_name() {
  local rest="${1#*://}"
  [[ "$rest" == */* ]] || die "no database in the URL $(redacted "$1")"
  rest="${rest#*/}"
  rest="${rest%%\?*}"
  [[ -n "$rest" ]] || die "no database in the URL $(redacted "$1")"
  echo "$rest"
}

# with_database URL NAME: the same URL naming another database (its query string kept).
with_database() {
  local url="$1" name="$2" scheme rest authority query=""
  scheme="${url%%://*}"
  rest="${url#*://}"
  authority="${rest%%/*}"
  [[ "$rest" == *\?* ]] && query="?${rest#*\?}"
  echo "$scheme://$authority/$name$query"
}

# redacted URL: the URL without its password, for logs.
redacted() { sed -E 's#(://[^:/@]+):[^@]*@#\1:***@#' <<<"$1"; }
