#!/usr/bin/env bash
# Start the services the integration tests use: a private PostgreSQL cluster, a Redis server
# and one Celery worker (`docqa worker`), all on free loopback ports under one state folder.
# Sourced by scripts/test.sh; exports DATABASE_URL, CELERY_BROKER_URL, DOCQA_DATA_DIR,
# DOCQA_SERVICES_DIR and DOCQA_WORKER_PID. `docqa_services_stop` stops everything again.
# Idempotent: sourcing it again while the services run reuses them. Works as root (CI) and as
# a normal user; installs redis-server with apt-get when it is missing.

_docqa_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DOCQA_SERVICES_DIR="${DOCQA_SERVICES_DIR:-/tmp/docqa-services-$(id -u)-$(echo "$_docqa_root" | cksum | cut -d' ' -f1)}"
_docqa_pg_bin="${DOCQA_PG_BIN:-/usr/lib/postgresql/15/bin}"
_docqa_cli="${DOCQA_CLI:-docqa}"  # the same commands docker/compose.yaml runs

_docqa_log() { echo "[services] $*" >&2; }

_docqa_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# PostgreSQL refuses to run as root: use the postgres account then.
_docqa_as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

_docqa_pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

_docqa_start_postgres() {
    local dir="$DOCQA_SERVICES_DIR/pg" port
    if [ -f "$DOCQA_SERVICES_DIR/pg.port" ] && \
        "$_docqa_pg_bin/pg_isready" -q -h 127.0.0.1 -p "$(cat "$DOCQA_SERVICES_DIR/pg.port")"; then
        return 0
    fi
    if [ ! -x "$_docqa_pg_bin/initdb" ]; then
        _docqa_log "installing PostgreSQL"
        _docqa_apt_install postgresql
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    _docqa_as_pg "$_docqa_pg_bin/initdb" -D "$dir" -U docqa -A trust -E UTF8 --locale=C --no-sync >/dev/null
    port=$(_docqa_free_port)
    _docqa_as_pg "$_docqa_pg_bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
        start >/dev/null
    echo "$port" >"$DOCQA_SERVICES_DIR/pg.port"
    "$_docqa_pg_bin/createdb" -h 127.0.0.1 -p "$port" -U docqa docqa
    _docqa_log "PostgreSQL on 127.0.0.1:$port"
}

_docqa_apt_install() {
    export DEBIAN_FRONTEND=noninteractive
    # Update the package lists only when the package is unknown (fresh images have none).
    if ! apt-cache show "$1" >/dev/null 2>&1; then
        apt-get update -q -o DPkg::Lock::Timeout=600 >/dev/null
    fi
    apt-get install -y -q -o DPkg::Lock::Timeout=600 "$@" >/dev/null
}

_docqa_start_redis() {
    local port
    if _docqa_pid_alive "$DOCQA_SERVICES_DIR/redis.pid"; then
        return 0
    fi
    if ! command -v redis-server >/dev/null; then
        _docqa_log "installing redis-server"
        _docqa_apt_install redis-server
    fi
    port=$(_docqa_free_port)
    redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --save "" --appendonly no \
        --dir "$DOCQA_SERVICES_DIR" --pidfile "$DOCQA_SERVICES_DIR/redis.pid" \
        --logfile "$DOCQA_SERVICES_DIR/redis.log"
    echo "$port" >"$DOCQA_SERVICES_DIR/redis.port"
    for _ in $(seq 50); do
        redis-cli -p "$port" ping >/dev/null 2>&1 && break
        sleep 0.1
    done
    _docqa_log "Redis on 127.0.0.1:$port"
}

_docqa_start_worker() {
    local log="$DOCQA_SERVICES_DIR/worker.log"
    if _docqa_pid_alive "$DOCQA_SERVICES_DIR/worker.pid"; then
        return 0
    fi
    (cd "$_docqa_root" && $_docqa_cli migrate) >"$DOCQA_SERVICES_DIR/migrate.log" 2>&1 || {
        cat "$DOCQA_SERVICES_DIR/migrate.log" >&2
        return 1
    }
    : >"$log"
    # Its own process group (setsid), so stopping it also stops its pool processes.
    (cd "$_docqa_root" && exec setsid $_docqa_cli worker --concurrency 1 --hostname "docqa-ci@%h") \
        >>"$log" 2>&1 </dev/null &
    echo $! >"$DOCQA_SERVICES_DIR/worker.pid"
    for _ in $(seq 120); do
        grep -q ' ready\.' "$log" && break  # Celery's "celery@host ready."
        if ! _docqa_pid_alive "$DOCQA_SERVICES_DIR/worker.pid"; then
            cat "$log" >&2
            _docqa_log "the Celery worker did not start"
            return 1
        fi
        sleep 0.5
    done
    _docqa_log "Celery worker pid $(cat "$DOCQA_SERVICES_DIR/worker.pid") (log $log)"
}

docqa_services_stop() {
    local dir="$DOCQA_SERVICES_DIR" pid
    [ -d "$dir" ] || return 0
    if [ -f "$dir/worker.pid" ]; then
        pid=$(cat "$dir/worker.pid")
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        fi
        kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    if _docqa_pid_alive "$dir/redis.pid"; then
        kill -TERM "$(cat "$dir/redis.pid")" 2>/dev/null || true
    fi
    if [ -f "$dir/pg/postmaster.pid" ]; then
        _docqa_as_pg "$_docqa_pg_bin/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    _docqa_log "services stopped"
}

mkdir -p "$DOCQA_SERVICES_DIR"
chmod 755 "$DOCQA_SERVICES_DIR"
_docqa_start_postgres
_docqa_start_redis
export DATABASE_URL="postgresql+psycopg://docqa@127.0.0.1:$(cat "$DOCQA_SERVICES_DIR/pg.port")/docqa"
export CELERY_BROKER_URL="redis://127.0.0.1:$(cat "$DOCQA_SERVICES_DIR/redis.port")/0"
export DOCQA_DATA_DIR="$DOCQA_SERVICES_DIR/data"
mkdir -p "$DOCQA_DATA_DIR"
_docqa_start_worker
DOCQA_WORKER_PID="$(cat "$DOCQA_SERVICES_DIR/worker.pid")"
export DOCQA_WORKER_PID
