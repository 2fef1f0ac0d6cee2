#!/usr/bin/env bash
# HTTP/1.1 pipelining beside its peers on the same nginx (benchmarks/nginx_target.sh): nginx 1
# worker pinned to CPU 0, generators pinned to CPU 1, $CONNS connections, depth $DEPTH:
#   barrage --pipeline $DEPTH, wrk with benchmarks/wrk_pipeline.lua (DEPTH requests per write),
#   h2load --h1 -m $DEPTH (HTTP/1.1 pipelining), and barrage without pipelining for scale;
#   the same over TLS for barrage and wrk.
# Prints, per tool, the median of $RUNS runs: req/s, generator CPU seconds per 100k requests
# (user+sys of the generator process, GNU time) and the ratio to barrage --pipeline.
# Goal (issue 15): barrage's CPU per request <= 0.5x wrk's and <= 0.5x h2load's.
# Env: DURATION (s, default 10), RUNS (default 3), CONNS (default 64), DEPTH (default 16),
#      BARRAGE (binary; default build/barrage).
# Bounded: every run stops itself after DURATION seconds (timeouts as a backstop).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-10}"; RUNS="${RUNS:-3}"; CONNS="${CONNS:-64}"; DEPTH="${DEPTH:-16}"
BARRAGE="${BARRAGE:-$(pwd)/build/barrage}"
for tool in wrk h2load /usr/sbin/nginx /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "pipeline.sh: needs $tool (bash scripts/install-deps.sh bench)" >&2; exit 2; }
done
[ -x "$BARRAGE" ] || { echo "pipeline.sh: no barrage at $BARRAGE (ninja -C build barrage)" >&2; exit 2; }
if [ "$(nproc)" -ge 2 ]; then server_cpu=0; client_cpu=1; else server_cpu=0; client_cpu=0; fi
lua="$(pwd)/benchmarks/wrk_pipeline.lua"

. benchmarks/nginx_target.sh

run_pinned() {  # TIMEFILE CMD...: CMD on the client CPU under GNU time (elapsed user sys)
  local timefile="$1"; shift
  timeout $((DURATION + 30)) /usr/bin/time -f "%e %U %S" -o "$timefile" \
    taskset -c "$client_cpu" "$@"
}

# Each measure_* prints "REQUESTS RPS CPU_SECONDS".
measure_barrage() {  # url [args...]
  local target="$1"; shift
  run_pinned "$work/time" "$BARRAGE" run "$target" -t 1 -c "$CONNS" -d "${DURATION}s" -q \
    --json "$work/b.json" "$@" >/dev/null
  python3 - "$work/b.json" "$work/time" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); e, u, s = map(float, open(sys.argv[2]).read().split()[-3:])
assert r["errors"]["total"] == 0, r["errors"]
print(r["requests"]["completed"], r["throughput_rps"], u + s)
PY
}
measure_barrage_pipeline() { measure_barrage "$url" --pipeline "$DEPTH"; }
measure_barrage_plain() { measure_barrage "$url"; }
measure_barrage_tls() { measure_barrage "$tls_url" -k --pipeline "$DEPTH"; }
measure_wrk() {  # [url]
  run_pinned "$work/time" wrk -t 1 -c "$CONNS" -d "${DURATION}s" -s "$lua" "${1:-$url}" \
    -- "$DEPTH" >"$work/wrk.out"
  python3 - "$work/wrk.out" "$work/time" <<'PY'
import re, sys
out = open(sys.argv[1]).read(); e, u, s = map(float, open(sys.argv[2]).read().split()[-3:])
n = int(re.search(r"(\d+) requests in", out).group(1))
rps = float(re.search(r"Requests/sec:\s*([\d.]+)", out).group(1))
print(n, rps, u + s)
PY
}
measure_wrk_tls() { measure_wrk "$tls_url"; }
measure_h2load() {
  run_pinned "$work/time" h2load --h1 -t 1 -c "$CONNS" -m "$DEPTH" -D "$DURATION" "$url" \
    >"$work/h2.out" 2>&1 || true
  python3 - "$work/h2.out" "$work/time" "$DURATION" <<'PY'
import re, sys
out = open(sys.argv[1]).read(); e, u, s = map(float, open(sys.argv[2]).read().split()[-3:])
n = int(re.search(r"requests: \d+ total, \d+ started, (\d+) done", out).group(1))
print(n, n / float(sys.argv[3]), u + s)
PY
}

median_of() {  # TOOL: RUNS runs; prints the medians "rps cpu_per_100k"
  local rows=()
  for _ in $(seq "$RUNS"); do rows+=("$("measure_$1")"); done
  printf '%s\n' "${rows[@]}" | python3 -c '
import sys, statistics
rows = [tuple(map(float, l.split())) for l in sys.stdin if l.strip()]
rps = statistics.median(r[1] for r in rows)
cpu = statistics.median(r[2] / r[0] * 1e5 for r in rows if r[0] > 0)
print(f"{rps:.0f} {cpu:.4f}")'
}
report() {  # label tool "rps cpu" "base_rps base_cpu"
  read -r rps cpu <<<"$3"; read -r brps bcpu <<<"$4"
  python3 -c "import sys; l,t,r,c,br,bc=sys.argv[1:]; r,c,br,bc=map(float,(r,c,br,bc));
print(f'{l+\" / \"+t:<50} {r:>12.0f} {c:>16.4f} {r/br if br else 0:>12.2f} {c/bc if bc else 0:>12.2f}')" \
    "$1" "$2" "$rps" "$cpu" "$brps" "$bcpu"
}

printf 'pipelining, depth %s, %s conns: barrage %s vs peers on nginx (1 worker, CPU %s); generators on CPU %s; %ss x %s runs, medians\n' \
  "$DEPTH" "$CONNS" "$("$BARRAGE" --version | head -1 | awk '{print $2}')" "$server_cpu" "$client_cpu" "$DURATION" "$RUNS"
printf '%-50s %12s %16s %12s %12s\n' "scenario / tool" "req/s" "CPU s/100k req" "req/s ratio" "CPU ratio"
b="$(median_of barrage_pipeline)"; w="$(median_of wrk)"; h="$(median_of h2load)"
p="$(median_of barrage_plain)"
report "plain, depth $DEPTH" "barrage --pipeline $DEPTH" "$b" "$b"
report "plain, depth $DEPTH" "wrk + wrk_pipeline.lua" "$w" "$b"
report "plain, depth $DEPTH" "h2load --h1 -m $DEPTH" "$h" "$b"
report "plain, no pipelining" "barrage" "$p" "$b"
bt="$(median_of barrage_tls)"; wt="$(median_of wrk_tls)"
report "TLS, depth $DEPTH" "barrage --pipeline $DEPTH" "$bt" "$bt"
report "TLS, depth $DEPTH" "wrk + wrk_pipeline.lua" "$wt" "$bt"
echo "ratios are tool / barrage --pipeline: CPU ratio >= 2 meets the goal (barrage <= 0.5x)"
