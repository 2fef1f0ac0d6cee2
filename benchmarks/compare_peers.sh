#!/usr/bin/env bash
# barrage beside its peers on the same nginx target.
#   nginx: 1 worker pinned to CPU 0; generators pinned to CPU 1; same connections and duration.
#   closed loop, keep-alive, 64 and 256 connections: barrage vs wrk
#   open loop at $RATE req/s: barrage vs h2load --rps (its rate is per client); barrage
#   again with --timer-slack $SLACK (h2load's rate timer runs on libev's millisecond epoll
#   timeouts, so it sends in bursts; barrage's default, --timer-slack auto, sends the arrivals
#   due within 100 us together; benchmarks/pacing.sh draws the whole rate x slack curve)
#   TLS keep-alive, $TLS_CONNS connections: barrage vs wrk on nginx's TLS port (same method)
#   TLS new connection per request, $NEWCONN_CONNS connections: barrage --new-conn (full
#   handshakes with --no-tls-resume, and resumed) vs ab without -k (full handshakes);
#   req/s = handshakes/s there, CPU per 100k = CPU per 100k handshakes.
# Prints, per tool, the median of $RUNS runs: req/s, generator CPU seconds per 100k requests
# (user+sys of the generator process, GNU time) and the ratio to barrage.
# Env: DURATION (s, default 10), RUNS (default 3), RATE (default 20000), CONNS ("64 256"), SLACK,
#      TLS_CONNS (default 64), NEWCONN_CONNS (default 16), BARRAGE (binary; default: build/),
#      BASELINE (a second barrage binary, e.g. main before a change: measured beside barrage in
#      the closed-loop, open-loop default, TLS keep-alive and TLS full-handshake scenarios, so
#      its CPU ratio shows what the change cost per request). CPU seconds per request move by
#      10-20 % between runs on a busy 2-core machine: for a change of a few percent, count
#      instructions instead (benchmarks/instructions_per_request.sh, callgrind).
# Bounded: every run stops itself after DURATION seconds (timeouts as a backstop).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh bench
[ -n "${BARRAGE:-}" ] || bash scripts/build.sh >/dev/null

DURATION="${DURATION:-10}"; RUNS="${RUNS:-3}"; RATE="${RATE:-20000}"; CONNS="${CONNS:-64 256}"
OPEN_CONNS="${OPEN_CONNS:-64}"; SLACK="${SLACK:-1ms}"
TLS_CONNS="${TLS_CONNS:-64}"; NEWCONN_CONNS="${NEWCONN_CONNS:-16}"
BARRAGE="${BARRAGE:-$(pwd)/build/barrage}"
if [ "$(nproc)" -ge 2 ]; then server_cpu=0; client_cpu=1; else server_cpu=0; client_cpu=0; fi

. benchmarks/nginx_target.sh

# run_pinned TIMEFILE CMD...: runs CMD on the client CPU under GNU time (elapsed user sys).
run_pinned() {
  local timefile="$1"; shift
  timeout $((DURATION + 30)) /usr/bin/time -f "%e %U %S" -o "$timefile" \
    taskset -c "$client_cpu" "$@"
}

# Each measure_* prints "REQUESTS RPS CPU_SECONDS".
measure_barrage() {  # conns [rate]
  local extra=(); [ -n "${2:-}" ] && extra=(-r "$2")
  measure_barrage_at "$url" "$1" "${extra[@]}"
}
measure_barrage_slack() { measure_barrage_at "$url" "$1" -r "$2" --timer-slack "$SLACK"; }
measure_barrage_tls() { measure_barrage_at "$tls_url" "$1" -k; }  # conns
measure_barrage_newconn() { measure_barrage_at "$tls_url" "$1" -k --new-conn --no-tls-resume; }
measure_barrage_resumed() { measure_barrage_at "$tls_url" "$1" -k --new-conn; }
measure_barrage_at() {  # url conns [args...]
  local target="$1" conns="$2"; shift 2
  run_pinned "$work/time" "$BARRAGE" run "$target" -t 1 -c "$conns" -d "${DURATION}s" -q \
    --json "$work/b.json" "$@" >/dev/null
  python3 - "$work/b.json" "$work/time" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); e, u, s = map(float, open(sys.argv[2]).read().split()[-3:])
lag = r["schedule_lag"]
print(r["requests"]["completed"], r["throughput_rps"], u + s, lag["p50"], lag["p99"],
      r["requests"]["sent"] / r["duration_s"])
PY
}
measure_wrk_tls() { measure_wrk "$1" "$tls_url"; }  # conns
# The same measurements of the BASELINE binary (bash's dynamic scope: BARRAGE is local here).
measure_baseline() { local BARRAGE="$BASELINE"; measure_barrage "$@"; }
measure_baseline_tls() { local BARRAGE="$BASELINE"; measure_barrage_tls "$@"; }
measure_baseline_newconn() { local BARRAGE="$BASELINE"; measure_barrage_newconn "$@"; }
baseline_row() {  # label tool_suffix "base row" ARGS...: a BASELINE row when one is given
  local label="$1" suffix="$2" base="$3"; shift 3
  [ -n "${BASELINE:-}" ] || return 0
  report "$label" "barrage BASELINE" "$(median_of "baseline$suffix" "$@")" "$base"
}
measure_wrk() {  # conns [url]
  run_pinned "$work/time" wrk -t 1 -c "$1" -d "${DURATION}s" "${2:-$url}" >"$work/wrk.out"
  python3 - "$work/wrk.out" "$work/time" <<'PY'
import re, sys
out = open(sys.argv[1]).read(); e, u, s = map(float, open(sys.argv[2]).read().split()[-3:])
n = int(re.search(r"(\d+) requests in", out).group(1))
rps = float(re.search(r"Requests/sec:\s*([\d.]+)", out).group(1))
print(n, rps, u + s)
PY
}
measure_h2load() {  # conns rate
  local per_client; per_client=$(( $2 / $1 ))
  run_pinned "$work/time" h2load --h1 -t 1 -c "$1" --rps "$per_client" -D "$DURATION" "$url" \
    >"$work/h2.out" 2>&1 || true
  python3 - "$work/h2.out" "$work/time" "$DURATION" <<'PY'
import re, sys
out = open(sys.argv[1]).read(); e, u, s = map(float, open(sys.argv[2]).read().split()[-3:])
n = int(re.search(r"requests: \d+ total, \d+ started, (\d+) done", out).group(1))
print(n, n / float(sys.argv[3]), u + s)
PY
}

measure_ab() {  # conns: a new TLS connection (full handshake) per request, HTTP/1.0
  run_pinned "$work/time" ab -q -t "$DURATION" -n 100000000 -c "$1" "$tls_url" \
    >"$work/ab.out" 2>&1 || true
  python3 - "$work/ab.out" "$work/time" <<'PY'
import re, sys
out = open(sys.argv[1]).read(); e, u, s = map(float, open(sys.argv[2]).read().split()[-3:])
n = int(re.search(r"Complete requests:\s*(\d+)", out).group(1))
rps = float(re.search(r"Requests per second:\s*([\d.]+)", out).group(1))
print(n, rps, u + s)
PY
}

# median_of TOOL ARGS...: RUNS runs, prints the medians "rps cpu_per_100k", then for barrage
# "lag_p50_us lag_p99_us sent_rps".
median_of() {
  local rows=()
  for _ in $(seq "$RUNS"); do rows+=("$("measure_$@")"); done
  printf '%s\n' "${rows[@]}" | python3 -c '
import sys, statistics
rows = [tuple(map(float, l.split())) for l in sys.stdin if l.strip()]
rps = statistics.median(r[1] for r in rows)
cpu = statistics.median(r[2] / r[0] * 1e5 for r in rows if r[0] > 0)
extra = [statistics.median(r[i] for r in rows) for i in range(3, min(len(r) for r in rows))]
print(f"{rps:.0f} {cpu:.4f}", *(f"{x:.1f}" for x in extra))'
}

printf 'barrage %s vs peers on nginx (1 worker, CPU %s); generators on CPU %s; %ss x %s runs, medians\n' \
  "$("$BARRAGE" --version | sed -n '1s/^barrage //p')" "$server_cpu" "$client_cpu" "$DURATION" "$RUNS"
printf '%-56s %12s %16s %14s %14s\n' "scenario / tool" "req/s" "CPU s/100k req" "req/s ratio" "CPU ratio"
report() {  # label tool "rps cpu" "base_rps base_cpu"
  read -r rps cpu _ <<<"$3"; read -r brps bcpu _ <<<"$4"
  python3 -c "import sys; l,t,r,c,br,bc=sys.argv[1:]; r,c,br,bc=map(float,(r,c,br,bc));
print(f'{l+\" / \"+t:<56} {r:>12.0f} {c:>16.4f} {r/br if br else 0:>14.2f} {c/bc if bc else 0:>14.2f}')" \
    "$1" "$2" "$rps" "$cpu" "$brps" "$bcpu"
}
for c in $CONNS; do
  b="$(median_of barrage "$c")"; w="$(median_of wrk "$c")"
  report "closed loop, $c conns" barrage "$b" "$b"
  report "closed loop, $c conns" wrk "$w" "$b"
  baseline_row "closed loop, $c conns" "" "$b" "$c"
done
# Open loop: h2load sends on libev's millisecond ticks, so the like-for-like barrage row is
# --timer-slack $SLACK (the base of these ratios); the default row (auto: 100 us of slack, for a
# schedule lag p99 within 200 us) sends the arrivals due within 100 us in one wake-up.
s="$(median_of barrage_slack "$OPEN_CONNS" "$RATE")"; h="$(median_of h2load "$OPEN_CONNS" "$RATE")"
b="$(median_of barrage "$OPEN_CONNS" "$RATE")"
report "open loop $RATE/s, $OPEN_CONNS conns" "barrage --timer-slack $SLACK" "$s" "$s"
report "open loop $RATE/s, $OPEN_CONNS conns" h2load "$h" "$s"
report "open loop $RATE/s, $OPEN_CONNS conns" "barrage (default)" "$b" "$s"
baseline_row "open loop $RATE/s, $OPEN_CONNS conns" "" "$b" "$OPEN_CONNS" "$RATE"
python3 - "$RATE" "$SLACK" "$s" "$b" <<'PY'
import sys
rate, slack = float(sys.argv[1]), sys.argv[2]
for label, row in ((f"--timer-slack {slack}", sys.argv[3]), ("default", sys.argv[4])):
    rps, cpu, lag50, lag99, sent = map(float, row.split())
    print(f"  barrage {label}: sent {sent:.1f}/s of {rate:.0f}/s asked "
          f"({(sent - rate) / rate * 100:+.3f}%), schedule lag p50 {lag50:.0f} us, p99 {lag99:.0f} us")
PY
b="$(median_of barrage_tls "$TLS_CONNS")"; w="$(median_of wrk_tls "$TLS_CONNS")"
report "TLS keep-alive, $TLS_CONNS conns" barrage "$b" "$b"
report "TLS keep-alive, $TLS_CONNS conns" wrk "$w" "$b"
baseline_row "TLS keep-alive, $TLS_CONNS conns" _tls "$b" "$TLS_CONNS"
b="$(median_of barrage_newconn "$NEWCONN_CONNS")"; a="$(median_of ab "$NEWCONN_CONNS")"
r="$(median_of barrage_resumed "$NEWCONN_CONNS")"
report "TLS new conn full, $NEWCONN_CONNS conns" barrage "$b" "$b"
report "TLS new conn full, $NEWCONN_CONNS conns" ab "$a" "$b"
report "TLS new conn resumed, $NEWCONN_CONNS conns" barrage "$r" "$b"
baseline_row "TLS new conn full, $NEWCONN_CONNS conns" _newconn "$b" "$NEWCONN_CONNS"
echo "ratios are tool / barrage: CPU ratio > 1 means the peer spends more CPU per request"
[ -z "${BASELINE:-}" ] || echo "BASELINE rows: $BASELINE (its open-loop row against barrage's default row)"
echo "TLS new conn rows: req/s = handshakes/s, CPU per 100k = per 100k handshakes (ab: full)"
