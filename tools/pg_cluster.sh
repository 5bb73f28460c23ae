# Sourced by tools/test.sh and bench scripts: a throwaway PostgreSQL 15
# cluster in a temp directory, on a unix socket and a port other than 5432.
# Sets PG_CLUSTER_URL (a libpq URL). initdb refuses root, so the cluster runs
# as the `postgres` user.

pg_cluster_start() {
  local bindir=/usr/lib/postgresql/15/bin
  if [[ ! -x $bindir/initdb ]]; then
    echo "pg_cluster: PostgreSQL 15 is not installed (tools/install-deps.sh installs it)" >&2
    return 1
  fi
  PG_CLUSTER_DIR=$(mktemp -d /tmp/rampart-pg.XXXXXX)
  PG_CLUSTER_PORT=${PG_CLUSTER_PORT:-54329}
  chown postgres:postgres "$PG_CLUSTER_DIR"
  local run=(runuser -u postgres --)
  [[ $(id -u) -ne 0 ]] && run=()
  "${run[@]}" "$bindir/initdb" -D "$PG_CLUSTER_DIR/data" -A trust -U postgres >/dev/null
  "${run[@]}" "$bindir/pg_ctl" -D "$PG_CLUSTER_DIR/data" -l "$PG_CLUSTER_DIR/log" -w \
    -o "-k $PG_CLUSTER_DIR -p $PG_CLUSTER_PORT -c listen_addresses='' -c max_connections=200 -c fsync=on" \
    start >/dev/null
  "${run[@]}" /usr/lib/postgresql/15/bin/createdb -h "$PG_CLUSTER_DIR" -p "$PG_CLUSTER_PORT" -U postgres rampart_test
  PG_CLUSTER_URL="postgresql://postgres@/rampart_test?host=$PG_CLUSTER_DIR&port=$PG_CLUSTER_PORT"
  export PG_CLUSTER_URL PG_CLUSTER_DIR
  echo "pg_cluster: started at $PG_CLUSTER_URL" >&2
}

pg_cluster_stop() {
  [[ -n ${PG_CLUSTER_DIR:-} && -d $PG_CLUSTER_DIR ]] || return 0
  local run=(runuser -u postgres --)
  [[ $(id -u) -ne 0 ]] && run=()
  "${run[@]}" /usr/lib/postgresql/15/bin/pg_ctl -D "$PG_CLUSTER_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_CLUSTER_DIR"
}
