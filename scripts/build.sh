#!/usr/bin/env bash
# Configures and builds Restock (Release with debug info) into ./build: everything configured,
# or only BUILD_TARGET (e.g. BUILD_TARGET=restock: the binary alone).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" "$@"
if [[ -n "${BUILD_TARGET:-}" ]]; then
  cmake --build build --target "$BUILD_TARGET"
else
  cmake --build build
fi
