#!/usr/bin/env bash
# Create .venv with Debian's /usr/bin/python3 and install the pinned requirements.
#
#   scripts/ensure-venv.sh run    # requirements.txt
#   scripts/ensure-venv.sh test   # requirements-dev.txt (includes requirements.txt)
#
# Debian's Python 3.11 is required: its sqlite3 can load mod_spatialite. The pyenv Python
# on these machines cannot, and pysqlite3-binary's SQLite breaks SpatiaLite 5.0.1's
# InitSpatialMetadata. Requirements are installed again only when a requirements file
# changed (a stamp with their checksums lives in .venv).
set -euo pipefail

mode="${1:-run}"
cd "$(dirname "${BASH_SOURCE[0]}")/.."

system_python=/usr/bin/python3
venv=.venv

if [[ ! -x "$system_python" ]]; then
    echo "venv: $system_python is missing. Install Debian's Python 3.11:" >&2
    echo "    apt-get install -y python3 python3-venv" >&2
    exit 1
fi
version="$("$system_python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
if [[ "$version" != 3.11 ]]; then
    echo "venv: $system_python is Python $version; the platform needs Debian 12's Python 3.11." >&2
    exit 1
fi

# A .venv made by another Python (pyenv's, say) is replaced.
if [[ -e "$venv" ]] && ! grep -qx "home = /usr/bin" "$venv/pyvenv.cfg" 2>/dev/null; then
    echo "venv: $venv was not made by $system_python; recreating it"
    rm -rf "$venv"
fi
if [[ ! -x "$venv/bin/python" ]]; then
    if ! "$system_python" -c 'import ensurepip, venv' 2>/dev/null; then
        echo "venv: $system_python cannot make a venv. Install it: apt-get install -y python3-venv" >&2
        exit 1
    fi
    echo "venv: creating $venv with $system_python"
    rm -rf "$venv"
    "$system_python" -m venv "$venv"
fi

if ! "$venv/bin/python" -c '
import sqlite3
connection = sqlite3.connect(":memory:")
connection.enable_load_extension(True)
' 2>/dev/null; then
    echo "venv: $venv/bin/python cannot load SQLite extensions (SpatiaLite)." >&2
    exit 1
fi

# pip's notes about this machine's extra local indexes (/opt/pypi*) are noise here.
pip_install() {
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@" 2>&1 |
        { grep -v "^WARNING: Location 'file:///opt/pypi" || true; }
}

checksum() { sha256sum "$@" | cut -d' ' -f1 | tr '\n' ' '; }
runtime_sum="$(checksum requirements.txt)"
dev_sum="$(checksum requirements.txt requirements-dev.txt)"
runtime_stamp="$venv/.requirements-run.sha256"
dev_stamp="$venv/.requirements-test.sha256"

if [[ "$mode" == test ]]; then
    if [[ "$(cat "$dev_stamp" 2>/dev/null)" == "$dev_sum" ]]; then
        echo "venv: requirements-dev.txt already installed"
        exit 0
    fi
    echo "venv: installing requirements-dev.txt"
    pip_install -r requirements-dev.txt
    echo "$dev_sum" >"$dev_stamp"
    echo "$runtime_sum" >"$runtime_stamp"
else
    # The dev set contains the runtime set, so either stamp will do.
    if [[ "$(cat "$runtime_stamp" 2>/dev/null)" == "$runtime_sum" ]]; then
        echo "venv: requirements.txt already installed"
        exit 0
    fi
    echo "venv: installing requirements.txt"
    pip_install -r requirements.txt
    echo "$runtime_sum" >"$runtime_stamp"
fi
