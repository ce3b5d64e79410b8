#!/usr/bin/env bash
# Print the browser tests' failure screenshots into the log, for CI that keeps nothing else.
#
#   scripts/print-test-artifacts.sh [FOLDER]     # default var/test-results
#
# Lists each file, then the whole folder as one base64 tar.gz between two marker lines
# (capped at 8 MB of archive so that a runaway failure cannot flood the log).
set -euo pipefail

folder="${1:-var/test-results}"
cap=$((8 * 1024 * 1024))
if [[ ! -d "$folder" ]] || [[ -z "$(find "$folder" -type f -print -quit)" ]]; then
    echo "artifacts: no failure screenshots under $folder"
    exit 0
fi
echo "artifacts: failure screenshots under $folder:"
find "$folder" -type f -printf '  %P (%s bytes)\n' | sort
archive="$(mktemp)"
trap 'rm -f "$archive"' EXIT
tar -C "$folder" -czf "$archive" .
size=$(stat -c %s "$archive")
if ((size > cap)); then
    echo "artifacts: the archive is $size bytes, over the $cap-byte cap; not printed"
    exit 0
fi
echo "artifacts: base64 tar.gz follows (base64 -d > shots.tgz && tar xzf shots.tgz)"
echo "----- BEGIN TEST ARTIFACTS -----"
base64 -w 120 "$archive"
echo "----- END TEST ARTIFACTS -----"
