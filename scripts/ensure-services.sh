#!/usr/bin/env bash
# Make sure the PostgreSQL (with PostGIS) and Redis named by DATABASE_URL and REDIS_URL
# answer, starting the local ones when they are not running.
#
#   DATABASE_URL=postgis://postgres@127.0.0.1:5432/grid_platform \
#   REDIS_URL=redis://127.0.0.1:6379/15 scripts/ensure-services.sh
#
# Either variable may be empty or point elsewhere (a spatialite:// database, say): then it
# is left alone. Services on other hosts are only checked, never started.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"

database_url="${DATABASE_URL:-}"
redis_url="${REDIS_URL:-}"

wait_for() { # wait_for SECONDS COMMAND...
    local seconds="$1"
    shift
    for _ in $(seq "$((seconds * 5))"); do
        "$@" && return 0
        sleep 0.2
    done
    return 1
}

ensure_postgresql() {
    local host port authority name
    read -r host port <<<"$(url_host_port "$database_url" 5432)"
    authority="${database_url#*://}"
    authority="${authority%%/*}"
    [[ "$authority" == *@* ]] || authority="postgres@$authority"
    name="${database_url#*://}"
    name="${name#*/}"
    name="${name%%\?*}"

    if ! port_open "$host" "$port"; then
        if ! url_is_local "$database_url"; then
            echo "services: PostgreSQL at $host:$port does not answer" >&2
            return 1
        fi
        echo "services: starting PostgreSQL 15"
        if [[ "$(id -u)" == 0 ]]; then
            pg_ctlcluster --skip-systemctl-redirect 15 main start
        else
            echo "services: not root; start it with:" >&2
            echo "    pg_ctlcluster --skip-systemctl-redirect 15 main start" >&2
            return 1
        fi
        if ! wait_for 30 port_open "$host" "$port"; then
            echo "services: PostgreSQL did not come up on $host:$port" >&2
            return 1
        fi
    fi
    echo "services: PostgreSQL answers on $host:$port"

    # The maintenance database of the same server, with the URL's user and password.
    local psql=(psql -X -q -v ON_ERROR_STOP=1 -tA "postgresql://$authority/postgres")
    if ! command -v psql >/dev/null 2>&1; then
        echo "services: no psql here; cannot check PostGIS (apt-get install postgresql-client)" >&2
        return 0
    fi
    local available
    available="$("${psql[@]}" -c "SELECT count(*) FROM pg_available_extensions WHERE name = 'postgis'")"
    if [[ "$available" != 1 ]]; then
        echo "services: PostGIS is not installed in this PostgreSQL." >&2
        echo "    apt-get install -y postgresql-15-postgis-3   (scripts/ensure-system-packages.sh test)" >&2
        return 1
    fi
    echo "services: PostGIS is available"
    if [[ -n "$name" && "$("${psql[@]}" -c "SELECT count(*) FROM pg_database WHERE datname = '$name'")" == 0 ]]; then
        echo "services: creating database $name"
        "${psql[@]}" -c "CREATE DATABASE \"$name\""
    fi
}

ensure_redis() {
    local host port
    read -r host port <<<"$(url_host_port "$redis_url" 6379)"
    if redis_answers "$redis_url"; then
        echo "services: Redis answers on $host:$port"
        return 0
    fi
    if ! url_is_local "$redis_url"; then
        echo "services: Redis at $host:$port does not answer" >&2
        return 1
    fi
    if ! command -v redis-server >/dev/null 2>&1; then
        echo "services: no redis-server here: apt-get install -y redis-server" >&2
        return 1
    fi
    echo "services: starting Redis on port $port"
    if [[ "$(id -u)" == 0 ]]; then
        mkdir -p /var/lib/redis /var/log/redis
        redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$port" --save "" \
            --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
    else
        local dir
        dir="$(cd "$here/.." && pwd)/var/redis-$port"
        mkdir -p "$dir"
        redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" \
            --appendonly no --dir "$dir" --logfile "$dir/redis.log"
    fi
    if ! wait_for 10 redis_answers "$redis_url"; then
        echo "services: Redis did not come up on $host:$port" >&2
        return 1
    fi
    echo "services: Redis answers on $host:$port"
}

if [[ "$database_url" =~ ^(postgis|postgres|postgresql|pgsql):// ]]; then
    ensure_postgresql
fi
if [[ "$redis_url" =~ ^rediss?:// ]]; then
    ensure_redis
fi
