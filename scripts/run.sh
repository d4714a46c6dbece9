#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running Restock: installs what is missing,
# builds, and starts the demo on the embedded default (SQLite file under ./data), printing an
# admin key and curl examples. Extra arguments go to `restock demo` (e.g. --listen 0.0.0.0:8080).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh build
# Only the binary (with its embedded dashboard): the tests are built by scripts/test.sh.
BUILD_TARGET=restock scripts/build.sh
# The access log is off so the demo's status lines and the loop's own log lines stay readable;
# pass --access-log true to see every request.
exec build/restock demo --data-dir ./data --listen 127.0.0.1:8080 --no-access-log "$@"
