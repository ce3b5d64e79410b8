#!/usr/bin/env bash
# Install the Debian packages the platform needs, but only those that are missing.
#
#   scripts/ensure-system-packages.sh run    # what `make run` needs
#   scripts/ensure-system-packages.sh test   # plus Chromium, PostGIS and Redis for `make test`
#
# As root it uses apt-get (running `apt-get update` only when something must be installed).
# As anyone else it prints what is missing and the command to install it, and carries on.
set -euo pipefail

mode="${1:-run}"
case "$mode" in
run | test) ;;
*)
    echo "usage: $0 run|test" >&2
    exit 2
    ;;
esac

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"

# GeoDjango (GDAL, GEOS, PROJ), SpatiaLite for the embedded database, gettext for
# compilemessages, and python3-venv for Debian's /usr/bin/python3 -m venv.
packages=(gdal-bin libgdal32 libgeos-c1v5 libproj25 libsqlite3-mod-spatialite gettext python3-venv)

if [[ "$mode" == test ]]; then
    # Browser tests drive Debian's Chromium through Playwright (never `playwright install`),
    # with a Chinese font: the pages are laid out with the glyph widths people see, and a
    # failure's screenshot is readable.
    packages+=(chromium fonts-wqy-microhei)
    # PostGIS for a PostgreSQL 15 that runs on this machine.
    if [[ -d /usr/lib/postgresql/15/bin ]]; then
        packages+=(postgresql-15-postgis-3)
    fi
    # Redis: only when there is neither a redis-server binary nor a running Redis.
    redis_url="${REDIS_URL:-redis://127.0.0.1:6379/15}"
    if ! command -v redis-server >/dev/null 2>&1 && ! redis_answers "$redis_url"; then
        packages+=(redis-server)
    fi
else
    # PostGIS when DATABASE_URL points at the local PostgreSQL 15.
    if [[ "${DATABASE_URL:-}" =~ ^post && -d /usr/lib/postgresql/15/bin ]] &&
        url_is_local "$DATABASE_URL"; then
        packages+=(postgresql-15-postgis-3)
    fi
    # Without REDIS_URL, `make run` starts its own redis-server (else a file-based broker).
    if [[ -z "${REDIS_URL:-}" ]] && ! command -v redis-server >/dev/null 2>&1; then
        packages+=(redis-server)
    fi
fi

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if ((${#missing[@]} == 0)); then
    echo "system packages: all present (${#packages[@]} checked)"
    exit 0
fi

if [[ "$(id -u)" != 0 ]]; then
    echo "system packages: MISSING ${missing[*]}" >&2
    echo "system packages: not root, so not installing them. Run as root:" >&2
    echo "    apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 0
fi

echo "system packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || echo "system packages: apt-get update reported errors; trying the install anyway" >&2
apt-get install -y -qq -o Dpkg::Use-Pty=0 "${missing[@]}"
echo "system packages: installed ${missing[*]}"
