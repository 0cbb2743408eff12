# A throwaway PostgreSQL for tests and the demo: initdb in a temp dir, unix socket only, created
# EUC_JP with locale C as ORCA's own database is. Source this file, then: pg_start DIR; ...; pg_stop.
# Runs the server as the 'postgres' user when called as root (initdb refuses root).

pg_bindir() {
  if [ -n "${PG_BINDIR:-}" ] && [ -x "$PG_BINDIR/initdb" ]; then echo "$PG_BINDIR"; return; fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
  PG_DIR=$1
  local bin; bin=$(pg_bindir)
  [ -x "$bin/initdb" ] || { echo "pg.sh: no PostgreSQL server binaries (apt-get install postgresql)" >&2; return 1; }
  mkdir -p "$PG_DIR"
  chmod 755 "$PG_DIR"
  if [ "$(id -u)" = 0 ]; then
    local d=$PG_DIR
    while [ "$d" != / ]; do chmod o+x "$d" 2>/dev/null || true; d=$(dirname "$d"); done
    chown postgres: "$PG_DIR"
  fi
  pg_as_owner "$bin/initdb" -D "$PG_DIR/data" -E EUC_JP --locale=C -A trust -U postgres >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log" >&2; return 1; }
  pg_as_owner "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses='' -k $PG_DIR -c fsync=off -c full_page_writes=off" start >/dev/null \
    || { cat "$PG_DIR/server.log" >&2; return 1; }
  export PGHOST=$PG_DIR PGPORT=5432 PGUSER=postgres PGDATABASE=orca PGCLIENTENCODING=UTF8
  psql -q -d postgres -c "CREATE DATABASE orca TEMPLATE template0 ENCODING 'EUC_JP' LC_COLLATE 'C' LC_CTYPE 'C'" >/dev/null
}

pg_stop() {
  [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ] || return 0
  pg_as_owner "$(pg_bindir)/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
}

# pg_table_counts [SCHEMA]: "table=rows" for every table of SCHEMA (default public: the ORCA stand-in),
# one line, sorted; to assert that something left ORCA's tables alone.
pg_table_counts() {
  psql -XAtq -v ON_ERROR_STOP=1 -c "SELECT string_agg(table_name || '=' ||
      (xpath('/row/c/text()', query_to_xml('SELECT count(*) AS c FROM ' || quote_ident(table_schema) || '.' || quote_ident(table_name), false, true, '')))[1]::text,
      ' ' ORDER BY table_name)
    FROM information_schema.tables WHERE table_schema = '${1:-public}' AND table_type = 'BASE TABLE'"
}

# Starts the server of pg_start's PG_DIR again after pg_stop (crash recovery after -m immediate).
pg_restart() {
  pg_as_owner "$(pg_bindir)/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses='' -k $PG_DIR -c fsync=off -c full_page_writes=off" start >/dev/null \
    || { cat "$PG_DIR/server.log" >&2; return 1; }
}
