#!/usr/bin/env bash
# The production image's build steps, in one place: the Dockerfile runs this script, and
# `make test` runs it too (tests/test_production_smoke.py), with DEBUG off, so that a step
# that would break the image breaks the suite first.
#
#   scripts/build.sh              # compile the catalogues, collect static files into STATIC_ROOT
#
# Steps: compilemessages (the *.po catalogues into *.mo), then collectstatic with the
# production storage (WhiteNoise's compressed manifest: every file hashed, every reference
# between files resolved; a missing one fails the build). The keys below are placeholders
# for the build only: settings refuse to start without real ones, and nothing built here
# depends on them. PYTHON (default: python on PATH) runs manage.py.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
python="${PYTHON:-python}"

export DEBUG=false
export SECRET_KEY="${SECRET_KEY:-build-only-placeholder-secret-key}"
export PERSONAL_DATA_KEY="${PERSONAL_DATA_KEY:-build-only-placeholder}"

echo "build: compiling translation catalogues"
"$python" manage.py compilemessages --ignore .venv --ignore var --ignore bench --verbosity 0

echo "build: collecting static files (production storage) into ${STATIC_ROOT:-var/static}"
"$python" manage.py collectstatic --noinput --clear --verbosity 0
echo "build: done"
