#!/usr/bin/env bash
# Make the project's PostgreSQL DSN usable on a Debian/Ubuntu machine or CI runner.
#
#   deploy/local/postgres.sh ensure   make ${HELPDESK_PG_DSN} accept logins (idempotent)
#   deploy/local/postgres.sh stop     stop the DSN port's local cluster, only if `ensure` started it
#   deploy/local/postgres.sh status   exit 0 if the DSN's user can log in, 3 otherwise
#
# HELPDESK_PG_DSN defaults to postgresql://helpdesk:helpdesk@localhost:5432/helpdesk
#
# ensure:
#   1. If something answers at the DSN's host:port and the DSN's user can log
#      in, only make sure the database exists.
#   2. Otherwise (local host only): install the server with apt if no
#      /usr/lib/postgresql/*/bin/postgres exists, create a cluster for the port
#      if there is none (pg_createcluster), start it (pg_ctlcluster; no systemd
#      needed), raise max_connections to 300 and set listen_addresses on first
#      setup, create the role (LOGIN CREATEDB CREATEROLE) and database, and
#      check that password (scram) logins over TCP work.
# Progress goes to stderr. Needs root (or password-less sudo) for step 2.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd)
STATE_DIR="$ROOT/.local/postgres"
MIN_MAX_CONNECTIONS=300

DSN=${HELPDESK_PG_DSN:-postgresql://helpdesk:helpdesk@localhost:5432/helpdesk}

say() { printf '[postgres] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

if [[ $EUID -eq 0 ]]; then
  SUDO=()
else
  SUDO=(sudo -n)
fi

# ------------------------------------------------------------------- DSN ---

# Percent-decoding for the user, password and database parts of the URI.
urldecode() {
  local s=${1//\\/\\\\}
  printf '%b' "${s//%/\\x}"
}

parse_dsn() {
  local re='^postgres(ql)?://(([^:@/]*)(:([^@/]*))?@)?(\[[^]/]*\]|[^:/?]*)(:([0-9]+))?(/([^?]*))?(\?.*)?$'
  [[ "$DSN" =~ $re ]] || die "cannot parse HELPDESK_PG_DSN (expected postgresql://user:password@host:port/db)"
  PG_USER=$(urldecode "${BASH_REMATCH[3]}")
  PG_PASSWORD=$(urldecode "${BASH_REMATCH[5]}")
  PG_HOST=${BASH_REMATCH[6]:-localhost}
  PG_HOST=${PG_HOST#\[}
  PG_HOST=${PG_HOST%]}
  PG_PORT=${BASH_REMATCH[8]:-5432}
  PG_DB=$(urldecode "${BASH_REMATCH[10]}")
  # Marks a cluster that `ensure` started (version, name, postmaster pid).
  STARTED_MARKER="$STATE_DIR/started-by-script-$PG_PORT"
  [[ -n "$PG_USER" ]] || die "HELPDESK_PG_DSN has no user name"
  [[ -n "$PG_DB" ]] || PG_DB=$PG_USER
}

is_local_host() {
  case "$PG_HOST" in
    localhost | 127.0.0.1 | ::1 | "$(hostname 2>/dev/null || echo localhost)") return 0 ;;
    *) return 1 ;;
  esac
}

# --------------------------------------------------------------- probing ---

port_answers() {
  timeout 3 bash -c "exec 3<>/dev/tcp/${PG_HOST}/${PG_PORT}" 2>/dev/null
}

# psql as the DSN's user over TCP with its password; never prompts.
dsn_psql() {
  local db=$1
  shift
  PGPASSWORD=$PG_PASSWORD PGCONNECT_TIMEOUT=5 psql -X -w -q -v ON_ERROR_STOP=1 \
    -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$db" "$@"
}

LOGIN_ERROR=""
# Last line of a libpq error, without the "... failed: FATAL:  " preamble.
short_error() {
  local line
  line=$(printf '%s\n' "$1" | sed '/^[[:space:]]*$/d' | tail -n 1)
  line=${line##*FATAL:  }
  printf '%s' "${line#psql: error: }"
}

# Succeeds if the DSN's user can log in (to its own database, or to
# postgres/template1 when that one does not exist yet).
can_login() {
  local db out
  LOGIN_ERROR=""
  for db in "$PG_DB" postgres template1; do
    if out=$(dsn_psql "$db" -tAc 'SELECT 1' 2>&1); then
      LOGIN_DB=$db
      return 0
    fi
    LOGIN_ERROR=$out
    # Only a missing database is worth retrying with another one.
    [[ "$out" == *"does not exist"* && "$out" == *database* ]] || return 1
  done
  return 1
}

# Database creation SQL, shared by both paths. Inherit the cluster's defaults
# when they are UTF-8; otherwise (a cluster made under LANG=C) force UTF-8.
CREATE_DB_SQL="
SELECT CASE WHEN (SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = 'template1') = 'UTF8'
            THEN format('CREATE DATABASE %I OWNER %I', :'db', :'user')
            ELSE format('CREATE DATABASE %I OWNER %I TEMPLATE template0 ENCODING %L LOCALE %L',
                        :'db', :'user', 'UTF8', 'C.UTF-8')
       END
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \\gexec
"

ensure_database_as_user() {
  [[ "$LOGIN_DB" == "$PG_DB" ]] && return 0
  say "creating database $PG_DB as $PG_USER"
  dsn_psql "$LOGIN_DB" -v db="$PG_DB" -v user="$PG_USER" <<<"$CREATE_DB_SQL" >/dev/null ||
    die "could not create database $PG_DB as $PG_USER (does the role have CREATEDB?)"
}

# ----------------------------------------------------------------- apt ------

APT_UPDATED=0
INSTALLED_SERVER=0
apt_install() {
  command -v apt-get >/dev/null || die "no apt-get: install PostgreSQL ($*) yourself"
  mkdir -p "$STATE_DIR"
  local log="$STATE_DIR/apt.log"
  if [[ $APT_UPDATED -eq 0 ]]; then
    say "apt-get update ..."
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >"$log" 2>&1 ||
      { tail -n 20 "$log" >&2; die "apt-get update failed (log: ${log#"$ROOT"/})"; }
    APT_UPDATED=1
  fi
  say "apt-get install -y $* ..."
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >>"$log" 2>&1 ||
    { tail -n 20 "$log" >&2; die "apt-get install $* failed (log: ${log#"$ROOT"/})"; }
}

server_versions() {
  # Installed server major versions, highest first.
  local p
  for p in /usr/lib/postgresql/*/bin/postgres; do
    [[ -x "$p" ]] || continue
    p=${p#/usr/lib/postgresql/}
    echo "${p%%/*}"
  done | sort -rn
}

ensure_server_installed() {
  if [[ -z "$(server_versions)" ]]; then
    say "no PostgreSQL server binaries found"
    apt_install postgresql
    INSTALLED_SERVER=1
    [[ -n "$(server_versions)" ]] || die "apt-get installed no /usr/lib/postgresql/*/bin/postgres"
  fi
  command -v pg_lsclusters >/dev/null || apt_install postgresql-common
  command -v psql >/dev/null || apt_install postgresql-client
}

# ------------------------------------------------------------- clusters ----

# Sets CL_VER CL_NAME CL_DATADIR for the cluster on $PG_PORT
# (preferring one that is online, then the highest version). Fails if none.
find_cluster() {
  local line
  line=$(pg_lsclusters -h 2>/dev/null |
    awk -v port="$PG_PORT" '$3 == port { print ($4 ~ /^online/ ? 1 : 0), $1, $2, $4, $6 }' |
    sort -k1,1nr -k2,2nr | head -n 1)
  [[ -n "$line" ]] || return 1
  read -r _ CL_VER CL_NAME _ CL_DATADIR <<<"$line"
}

ensure_cluster() {
  if find_cluster; then
    return 0
  fi
  local ver name
  ver=$(server_versions | head -n 1)
  name=main
  if pg_lsclusters -h 2>/dev/null | awk -v v="$ver" '$1 == v && $2 == "main" { f = 1 } END { exit !f }'; then
    name="helpdesk$PG_PORT"
  fi
  mkdir -p "$STATE_DIR"
  say "creating cluster $ver/$name on port $PG_PORT"
  "${SUDO[@]}" pg_createcluster --locale C.UTF-8 --encoding UTF8 -p "$PG_PORT" "$ver" "$name" \
    >"$STATE_DIR/createcluster.log" 2>&1 ||
    { tail -n 20 "$STATE_DIR/createcluster.log" >&2; die "pg_createcluster failed"; }
  find_cluster || die "cluster $ver/$name not listed by pg_lsclusters after creation"
}

postmaster_pid() {
  local pid=""
  "${SUDO[@]}" test -r "$CL_DATADIR/postmaster.pid" &&
    pid=$("${SUDO[@]}" head -n 1 "$CL_DATADIR/postmaster.pid" 2>/dev/null) || true
  printf '%s' "$pid"
}

write_started_marker() {
  mkdir -p "$STATE_DIR"
  printf '%s %s %s\n' "$CL_VER" "$CL_NAME" "$(postmaster_pid)" >"$STARTED_MARKER"
}

cluster_online() {
  pg_lsclusters -h 2>/dev/null | awk -v v="$1" -v n="$2" '$1 == v && $2 == n && $4 ~ /^online/ { f = 1 } END { exit !f }'
}

pg_ctl_cluster() {
  local action=$1 log="$STATE_DIR/pg_ctlcluster.log"
  mkdir -p "$STATE_DIR"
  if ! "${SUDO[@]}" pg_ctlcluster "$CL_VER" "$CL_NAME" "$action" >"$log" 2>&1; then
    cat "$log" >&2
    say "server log: /var/log/postgresql/postgresql-$CL_VER-$CL_NAME.log"
    "${SUDO[@]}" tail -n 15 "/var/log/postgresql/postgresql-$CL_VER-$CL_NAME.log" >&2 2>/dev/null || true
    die "pg_ctlcluster $CL_VER $CL_NAME $action failed"
  fi
}

ensure_cluster_running() {
  if cluster_online "$CL_VER" "$CL_NAME"; then
    # Started by the package's postinst (no policy-rc.d): still ours to stop.
    if ((INSTALLED_SERVER)); then write_started_marker; fi
    return 0
  fi
  if port_answers; then
    die "port $PG_PORT is taken by something other than cluster $CL_VER/$CL_NAME"
  fi
  say "starting cluster $CL_VER/$CL_NAME (port $PG_PORT)"
  pg_ctl_cluster start
  write_started_marker
}

# psql as the postgres superuser over the cluster's Unix socket (peer auth).
super_psql() {
  (cd / && "${SUDO[@]}" runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres "$@")
}

configure_cluster() {
  local max_conn listen restart=0
  max_conn=$(super_psql -tAc "SELECT setting FROM pg_settings WHERE name = 'max_connections'")
  listen=$(super_psql -tAc "SELECT setting FROM pg_settings WHERE name = 'listen_addresses'")
  if ((max_conn < MIN_MAX_CONNECTIONS)); then
    say "first setup: max_connections $max_conn -> $MIN_MAX_CONNECTIONS, listen_addresses 'localhost'"
    super_psql -c "ALTER SYSTEM SET max_connections = $MIN_MAX_CONNECTIONS" \
      -c "ALTER SYSTEM SET listen_addresses = 'localhost'" >/dev/null
    restart=1
  elif [[ ",${listen// /}," != *,localhost,* && ",${listen// /}," != *,\*,* ]]; then
    say "listen_addresses '$listen' -> 'localhost'"
    super_psql -c "ALTER SYSTEM SET listen_addresses = 'localhost'" >/dev/null
    restart=1
  fi
  if ((restart)); then
    local owned=0
    owned_by_script && owned=1
    say "restarting cluster $CL_VER/$CL_NAME"
    pg_ctl_cluster restart
    if ((owned)); then write_started_marker; fi
  fi
}

ensure_role_and_database() {
  super_psql -v user="$PG_USER" -v pass="$PG_PASSWORD" -v db="$PG_DB" >/dev/null <<EOF
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L CREATEDB CREATEROLE', :'user', :'pass')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'user') \\gexec
$CREATE_DB_SQL
EOF
}

reset_role_password() {
  say "setting LOGIN and the DSN's password on role $PG_USER"
  super_psql -v user="$PG_USER" -v pass="$PG_PASSWORD" >/dev/null <<'EOF'
SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', :'user', :'pass') \gexec
EOF
}

HBA_TAG="# helpdesk deploy/local/postgres.sh: password logins over TCP from localhost"
# Debian's default pg_hba.conf has "host all all 127.0.0.1/32 scram-sha-256"
# (and ::1). If a login with the right password still fails, that was changed
# (or an earlier line matches first): put such lines at the top and reload.
ensure_hba() {
  local hba
  hba=$(super_psql -tAc 'SHOW hba_file')
  if "${SUDO[@]}" grep -qxF "$HBA_TAG" "$hba"; then
    return 1
  fi
  say "login still fails ($(short_error "$LOGIN_ERROR")); adding scram rules for 127.0.0.1 and ::1 at the top of $hba"
  "${SUDO[@]}" sed -i "1i $HBA_TAG\\nhost all all 127.0.0.1/32 scram-sha-256\\nhost all all ::1/128 scram-sha-256" "$hba"
  super_psql -tAc 'SELECT pg_reload_conf()' >/dev/null
  sleep 0.5
}

owned_by_script() {
  [[ -f "$STARTED_MARKER" ]] || return 1
  local ver name pid
  read -r ver name pid <"$STARTED_MARKER" || return 1
  [[ "$ver" == "${CL_VER:-}" && "$name" == "${CL_NAME:-}" && -n "$pid" && "$pid" == "$(postmaster_pid)" ]]
}

# ------------------------------------------------------------- commands ----

cmd_ensure() {
  parse_dsn
  local started=$SECONDS
  if port_answers; then
    command -v psql >/dev/null || apt_install postgresql-client
    if can_login; then
      ensure_database_as_user
      say "ready: $PG_USER@$PG_HOST:$PG_PORT/$PG_DB ($((SECONDS - started))s)"
      return 0
    fi
    say "something answers at $PG_HOST:$PG_PORT but $PG_USER cannot log in: $(short_error "$LOGIN_ERROR")"
  fi
  is_local_host || die "nothing usable at $PG_HOST:$PG_PORT and it is not a local host; not touching it"

  ensure_server_installed
  ensure_cluster
  ensure_cluster_running
  configure_cluster
  ensure_role_and_database

  if ! can_login; then
    reset_role_password
    if ! can_login; then
      ensure_hba || true
      can_login || die "$PG_USER still cannot log in over TCP: $(short_error "$LOGIN_ERROR")"
    fi
  fi
  ensure_database_as_user
  say "ready: $PG_USER@$PG_HOST:$PG_PORT/$PG_DB (cluster $CL_VER/$CL_NAME, $((SECONDS - started))s)"
}

cmd_stop() {
  parse_dsn
  if [[ ! -f "$STARTED_MARKER" ]]; then
    say "no cluster on port $PG_PORT was started by this script; nothing to stop"
    return 0
  fi
  read -r CL_VER CL_NAME _ <"$STARTED_MARKER" || true
  CL_DATADIR=$(pg_lsclusters -h 2>/dev/null | awk -v v="$CL_VER" -v n="$CL_NAME" '$1 == v && $2 == n { print $6 }')
  if [[ -n "$CL_DATADIR" ]] && cluster_online "$CL_VER" "$CL_NAME" && owned_by_script; then
    say "stopping cluster $CL_VER/$CL_NAME"
    pg_ctl_cluster stop
  else
    say "cluster ${CL_VER:-?}/${CL_NAME:-?} is not running or was restarted by someone else; leaving it alone"
  fi
  rm -f "$STARTED_MARKER"
}

cmd_status() {
  parse_dsn
  if port_answers && command -v psql >/dev/null && can_login; then
    echo "ready ($PG_USER@$PG_HOST:$PG_PORT, logged in to $LOGIN_DB)"
    return 0
  fi
  echo "not ready ($PG_USER@$PG_HOST:$PG_PORT)"
  return 3
}

case "${1:-}" in
  ensure) cmd_ensure ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) usage ;;
esac
