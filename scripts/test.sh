#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to every test: installs what is missing, builds,
# runs unit, integration and black-box tests (ctest), then fuzzes the request parser briefly.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh test
scripts/build.sh -DRESTOCK_TESTS=ON -DRESTOCK_BENCH=ON
(cd build && ctest --output-on-failure --timeout 600 -j2)
FUZZ_SECONDS="${FUZZ_SECONDS:-20}" scripts/run_fuzz.sh
echo "test.sh: all tests passed"
