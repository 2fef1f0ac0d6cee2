#!/usr/bin/env bash
# Configures (once) and builds barrage into ./build (release, warnings as errors).
# --static: the one-binary build instead, into ./build-static (-Dstatic=true: no shared
# library at all; see README "Install"), building only the barrage target.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh build
if [ "${1:-}" = "--static" ]; then
  if [ ! -f build-static/build.ninja ]; then
    meson setup build-static --buildtype=release -Dwerror=true -Dstatic=true >/dev/null
  fi
  ninja -C build-static barrage >/dev/null
  echo "built: $(pwd)/build-static/barrage (static)"
  exit 0
elif [ $# -gt 0 ]; then
  echo "usage: $0 [--static]" >&2
  exit 2
fi
if [ ! -f build/build.ninja ]; then
  meson setup build --buildtype=release -Dwerror=true >/dev/null
fi
ninja -C build >/dev/null
echo "built: $(pwd)/build/barrage"
