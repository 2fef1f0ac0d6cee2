#!/usr/bin/env bash
# Installs what is missing, checks formatting, builds, and runs the whole suite: unit and
# integration tests (release build, warnings as errors), the unit and parser
# tests again under ASan+UBSan, and a short fuzzing pass of each parser.
# Prints "N passed, N failed" last. Env: FUZZ_SECONDS (default 20; 0 skips).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh test || exit 2

passed=0; failed=0; skipped=0
tally() {  # tally BUILD_DIR: adds meson's per-test results to the totals
  local log="$1/meson-logs/testlog.json"
  [ -f "$log" ] || return 0
  local p f s
  p=$(grep -c '"result": "OK"' "$log"); f=$(grep -Ec '"result": "(FAIL|TIMEOUT|ERROR|UNEXPECTEDPASS)"' "$log")
  s=$(grep -c '"result": "SKIP"' "$log")
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
}

echo "== formatting (clang-format, .clang-format)"
if bash scripts/check-format.sh; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

echo "== release build (warnings as errors)"
[ -f build/build.ninja ] || meson setup build --buildtype=release -Dwerror=true >/dev/null || exit 2
ninja -C build || exit 2
# The static binary (only its target), for the static_binary integration test.
[ -f build-static/build.ninja ] || meson setup build-static --buildtype=release -Dwerror=true \
  -Dstatic=true >/dev/null || exit 2
ninja -C build-static barrage || exit 2
meson test -C build --num-processes 2 --print-errorlogs
tally build

echo "== ASan+UBSan build (unit tests)"
[ -f build-asan/build.ninja ] || meson setup build-asan --buildtype=debug -Dwerror=true \
  -Db_sanitize=address,undefined -Db_lundef=false >/dev/null || exit 2
ninja -C build-asan || exit 2
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  meson test -C build-asan --suite unit --suite sanitized --num-processes 2 --print-errorlogs
tally build-asan

if [ "${FUZZ_SECONDS:-20}" != "0" ] && [ -x scripts/fuzz.sh ]; then
  echo "== fuzzing parsers (${FUZZ_SECONDS:-20}s each)"
  if FUZZ_SECONDS="${FUZZ_SECONDS:-20}" bash scripts/fuzz.sh; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
