#!/usr/bin/env bash
# Instructions per request of barrage's workers (callgrind), closed loop keep-alive over plain
# HTTP and TLS against nginx: the stable measure of what a change costs per request on a noisy
# machine (CPU seconds per request move by 10-20 % between runs here; instruction counts by well
# under 1 %). Only the workers' loop is collected (--toggle-collect): start-up, OpenSSL's set-up
# and the coordinator are left out.
# Prints, per scenario and binary, the median of $RUNS runs of instructions (Ir) per completed
# request; with BASELINE, BARRAGE / BASELINE (> 1: the change costs instructions). Runs of the two
# binaries alternate, so a drift of the machine touches both alike.
# Env: BARRAGE (binary; default: build/), BASELINE (a second binary, e.g. main before a change),
#      RUNS (default 3), DURATION (s under valgrind, default 3), CONNS (default 8),
#      PIPELINE (a depth, e.g. 16: adds a plain row with --pipeline PIPELINE; a BASELINE without
#      --pipeline shows nan there).
# Bounded: each run stops itself after DURATION seconds (timeouts as a backstop).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh bench
command -v valgrind >/dev/null || {
  echo "instructions_per_request: valgrind is not installed (apt-get install valgrind)" >&2
  exit 2
}
[ -n "${BARRAGE:-}" ] || bash scripts/build.sh >/dev/null
BARRAGE="${BARRAGE:-$(pwd)/build/barrage}"
RUNS="${RUNS:-3}"; DURATION="${DURATION:-3}"; CONNS="${CONNS:-8}"
if [ "$(nproc)" -ge 2 ]; then server_cpu=0; client_cpu=1; else server_cpu=0; client_cpu=0; fi

. benchmarks/nginx_target.sh

# ir_per_request BINARY URL [args...]: one run under callgrind; prints Ir / completed request.
ir_per_request() {
  local binary="$1" target="$2"; shift 2
  rm -f "$work/cg.out" "$work/r.json"
  timeout $((DURATION * 20 + 60)) taskset -c "$client_cpu" valgrind --tool=callgrind \
    --callgrind-out-file="$work/cg.out" \
    --toggle-collect='barrage::engine::detail::Worker::loop()' \
    "$binary" run "$target" -t 1 -c "$CONNS" -d "${DURATION}s" -q --json "$work/r.json" "$@" \
    >/dev/null 2>"$work/valgrind.err" || true
  python3 - "$work/cg.out" "$work/r.json" <<'PY'
import json, os, re, sys
if not (os.path.exists(sys.argv[1]) and os.path.exists(sys.argv[2])):
    print("nan")  # the run failed (e.g. a BASELINE without --pipeline): valgrind.err says why
    sys.exit()
text = open(sys.argv[1]).read()
ir = int(re.search(r"^(?:summary|totals): (\d+)", text, re.M).group(1))
completed = json.load(open(sys.argv[2]))["requests"]["completed"]
print(f"{ir / completed:.0f}" if completed else "nan")
PY
}

binaries=("$BARRAGE"); [ -n "${BASELINE:-}" ] && binaries+=("$BASELINE")
declare -A rows
for _ in $(seq "$RUNS"); do
  for binary in "${binaries[@]}"; do
    rows["plain|$binary"]+="$(ir_per_request "$binary" "$url") "
    rows["tls|$binary"]+="$(ir_per_request "$binary" "$tls_url" -k) "
    [ -z "${PIPELINE:-}" ] ||
      rows["pipeline|$binary"]+="$(ir_per_request "$binary" "$url" --pipeline "$PIPELINE") "
  done
done

median() { python3 -c 'import statistics, sys; print(f"{statistics.median(map(float, sys.argv[1:])):.0f}")' "$@"; }
printf 'instructions per request (callgrind, worker loop), closed loop, %s conns, %ss x %s runs\n' \
  "$CONNS" "$DURATION" "$RUNS"
printf '%-18s %-10s %12s %10s   %s\n' scenario binary "Ir/request" ratio runs
scenarios=(plain tls); [ -z "${PIPELINE:-}" ] || scenarios+=(pipeline)
for scenario in "${scenarios[@]}"; do
  new="$(median ${rows["$scenario|$BARRAGE"]})"; ratio=""
  if [ -n "${BASELINE:-}" ]; then
    old="$(median ${rows["$scenario|$BASELINE"]})"
    ratio="$(python3 -c 'import sys; print(f"{float(sys.argv[1]) / float(sys.argv[2]):.3f}")' "$new" "$old")"
    printf '%-18s %-10s %12s %10s   %s\n' "$scenario keep-alive" BASELINE "$old" 1.000 \
      "${rows["$scenario|$BASELINE"]}"
  fi
  printf '%-18s %-10s %12s %10s   %s\n' "$scenario keep-alive" BARRAGE "$new" "$ratio" \
    "${rows["$scenario|$BARRAGE"]}"
done
[ -z "${BASELINE:-}" ] || echo "ratio: BARRAGE / BASELINE (> 1: BARRAGE runs more instructions per request)"
