#!/usr/bin/env bash
# `make run`: prepare the database and serve the platform with a Celery worker and beat.
#
# Default database: the embedded SpatiaLite file var/db.sqlite3; DATABASE_URL switches to
# PostgreSQL/PostGIS. Without REDIS_URL it starts its own redis-server on a private port
# (DEV_REDIS_PORT, 6390) when the binary is there, else Celery uses the file-based Kombu
# transport under var/broker. The web server, worker and beat run in the foreground
# together; Ctrl-C stops all three (and the redis-server it started).
#
# Environment: PORT (8000), DEV_REDIS_PORT (6390), SEED_DEMO (1; 0 skips the demo town).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
project_dir="$(pwd)"
# shellcheck source=scripts/dev-env.sh
. scripts/dev-env.sh
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

python="$project_dir/.venv/bin/python"
port="${PORT:-8000}"
manage() { "$python" manage.py "$@"; }

mkdir -p var

# --- services and broker -----------------------------------------------------------------
# PostgreSQL/PostGIS and Redis named by DATABASE_URL and REDIS_URL are started if local.
DATABASE_URL="${DATABASE_URL:-}" REDIS_URL="${REDIS_URL:-}" scripts/ensure-services.sh

started_redis=""
if [[ -z "${REDIS_URL:-}" ]]; then
    redis_port="${DEV_REDIS_PORT:-6390}"
    if command -v redis-server >/dev/null 2>&1; then
        if ! redis_answers "redis://127.0.0.1:$redis_port/0"; then
            echo "run: starting a private redis-server on 127.0.0.1:$redis_port"
            redis-server --daemonize yes --bind 127.0.0.1 --port "$redis_port" --save "" \
                --appendonly no --dir "$project_dir/var" --pidfile "$project_dir/var/redis.pid" \
                --logfile "$project_dir/var/redis.log"
            started_redis=1
            for _ in $(seq 50); do
                redis_answers "redis://127.0.0.1:$redis_port/0" && break
                sleep 0.1
            done
        fi
        export REDIS_URL="redis://127.0.0.1:$redis_port/0"
        echo "run: Celery broker $REDIS_URL"
    else
        broker_dir="${BROKER_DIR:-$project_dir/var/broker}"
        mkdir -p "$broker_dir/queue" "$broker_dir/processed"
        echo "run: no redis-server here; Celery uses the file-based transport in $broker_dir"
    fi
fi

pids=()
stop_all() {
    trap - INT TERM EXIT
    local pid
    for pid in "${pids[@]}"; do
        kill -TERM -- "-$pid" 2>/dev/null || true
    done
    for _ in $(seq 100); do
        local alive=""
        for pid in "${pids[@]}"; do
            kill -0 -- "-$pid" 2>/dev/null && alive=1
        done
        [[ -z "$alive" ]] && break
        sleep 0.1
    done
    for pid in "${pids[@]}"; do
        kill -KILL -- "-$pid" 2>/dev/null || true
    done
    if [[ -n "$started_redis" && -s var/redis.pid ]]; then
        kill "$(cat var/redis.pid)" 2>/dev/null || true
    fi
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap 'stop_all' EXIT

# --- database, translations, static files, demo town -----------------------------------
manage migrate --noinput
if find . -path ./.venv -prune -o -path ./var -prune -o -name '*.po' -print | grep -q .; then
    "$project_dir/.venv/bin/django-admin" compilemessages --ignore .venv --ignore var --ignore bench
else
    echo "run: no translation catalogues (*.po) yet; skipping compilemessages"
fi
manage collectstatic --noinput --verbosity 0
if [[ "${SEED_DEMO:-1}" != 0 ]]; then
    manage seed_demo
fi

# --- web, worker, beat ----------------------------------------------------------------------
# Each runs in its own process group (setsid) so that stopping it stops its children too
# (runserver's autoreloader, the worker's pool); output lines carry the process's name.
start() { # start NAME COMMAND...
    local name="$1"
    shift
    setsid "$@" > >(sed -u "s/^/[$name] /") 2>&1 &
    pids+=("$!")
}
start web "$python" manage.py runserver "127.0.0.1:$port"
start worker "$project_dir/.venv/bin/celery" -A grid_platform worker -l info
start beat "$project_dir/.venv/bin/celery" -A grid_platform beat -l info -S django

cat <<MSG

  Grid platform: http://127.0.0.1:$port/
  Log in with a demo account printed above by seed_demo (demo_town, demo_member, ...).
  Admin: http://127.0.0.1:$port/admin/ (demo_admin). Ctrl-C stops web, worker and beat.

MSG

# Stop everything as soon as one of the three ends (or on Ctrl-C, through the trap).
status=0
wait -n "${pids[@]}" || status=$?
echo "run: a process ended (status $status); stopping the others" >&2
stop_all
exit "$status"
