#!/usr/bin/env bash
# Configures (once) and builds barrage into ./build (release, warnings as errors).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh build
if [ ! -f build/build.ninja ]; then
  meson setup build --buildtype=release -Dwerror=true >/dev/null
fi
ninja -C build >/dev/null
echo "built: $(pwd)/build/barrage"
