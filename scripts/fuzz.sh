#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/*_fuzz.cc) with clang, ASan and
# UBSan, then runs each one for FUZZ_SECONDS (default 30) starting from its
# seed corpus, tests/fuzz/corpus/<name less _fuzz and _parser>/ (e.g.
# response_parser_fuzz -> corpus/response/), with tests/fuzz/http.dict. Installs clang and
# the libFuzzer runtime from Debian packages when missing. Exits non-zero if
# any target crashes; the crashing input is left in build-fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-30}"
build=build-fuzz

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "fuzz: need root or sudo to install $*" >&2; exit 2
  fi
}

apt_install() {
  echo "fuzz: installing $*" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# True when clang++ can link a libFuzzer binary.
links_fuzzer() {
  local probe
  probe="$(mktemp -d)"
  echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' \
    >"$probe/probe.cc"
  clang++ -fsanitize=fuzzer "$probe/probe.cc" -o "$probe/probe" >/dev/null 2>&1
  local ok=$?
  rm -rf "$probe"
  return $ok
}

command -v clang++ >/dev/null 2>&1 || apt_install clang
if ! links_fuzzer; then
  # Debian ships libFuzzer in libclang-rt-<major>-dev, only recommended by clang.
  major="$(clang++ -dumpversion | cut -d. -f1)"
  apt_install "libclang-rt-${major}-dev"
  links_fuzzer || { echo "fuzz: clang++ cannot link -fsanitize=fuzzer" >&2; exit 2; }
fi

if [ ! -f "$build/build.ninja" ]; then
  CXX=clang++ meson setup "$build" -Dfuzz=true -Dbuildtype=debugoptimized \
    -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi

targets=()
for source in tests/fuzz/*_fuzz.cc; do
  targets+=("$(basename "$source" .cc)")
done
ninja -C "$build" "${targets[@]/#/tests/fuzz/}"

mkdir -p "$build/artifacts"
failed=0
for target in "${targets[@]}"; do
  seeds="${target%_fuzz}"
  seeds="tests/fuzz/corpus/${seeds%_parser}"
  work="$build/corpus/$target"  # new inputs go here, not into the repository
  mkdir -p "$work"
  corpora=("$work")
  [ -d "$seeds" ] && corpora+=("$seeds")
  echo "== fuzzing $target for ${seconds}s"
  if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
     "$build/tests/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -print_final_stats=1 -dict=tests/fuzz/http.dict -artifact_prefix="$build/artifacts/$target-" \
       "${corpora[@]}" \
       >"$build/$target.log" 2>&1; then
    grep -E '^stat::number_of_executed_units' "$build/$target.log" || true
  else
    failed=1
    echo "fuzz: $target FAILED; last lines of $build/$target.log:" >&2
    tail -n 40 "$build/$target.log" >&2
  fi
done
exit "$failed"
