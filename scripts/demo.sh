#!/usr/bin/env bash
# The main job on a fresh machine: install what is missing, build, start the
# built-in target on loopback, run a short constant-rate test against it and
# print the report. Extra arguments go to `barrage run` (e.g. -d 10s -r 5000).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
out="$(mktemp -d)"
./build/barrage serve --port 0 --threads 1 >"$out/serve.log" 2>&1 &
serve_pid=$!
trap 'kill "$serve_pid" 2>/dev/null || true; rm -rf "$out"' EXIT
for _ in $(seq 100); do
  grep -q "listening on" "$out/serve.log" 2>/dev/null && break
  sleep 0.05
done
url="$(grep -o 'http://[^ ]*' "$out/serve.log" | head -n1)"
[ -n "$url" ] || { echo "demo: barrage serve did not start:" >&2; cat "$out/serve.log" >&2; exit 3; }
./build/barrage run "$url" -r 2000 -c 16 -d 5s --warmup 1s "$@"
