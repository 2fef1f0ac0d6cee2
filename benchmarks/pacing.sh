#!/usr/bin/env bash
# The cost of open-loop pacing: a curve of rate x timer slack for barrage, with h2load --rps
# beside it at each rate in the same invocation.
#   nginx: 1 worker pinned to CPU 0; generators pinned to CPU 1; one barrage worker (-t 1).
#   Per rate: h2load --h1 --rps (its rate is per client, so RATE / CONNS each), then barrage
#   at each slack of SLACKS ("default" runs without --timer-slack: what the default picked).
# Prints, per row, the median of $RUNS runs: sent req/s, generator CPU seconds per 100k
# requests (user+sys, GNU time), voluntary context switches per request (each is a sleep the
# worker woke from: the wake-ups pacing costs), barrage's schedule lag p50/p99 (JSON
# `schedule_lag`, in us), the slack the run used (JSON config) and CPU / h2load's CPU.
# h2load's lag cannot be measured (it reports no intended send times); it sends on libev's
# millisecond epoll ticks, so its own lag is up to about 1 ms by construction.
# Env: RATES (default "5000 20000 50000"), SLACKS (default "0 50us 100us 200us 500us 1ms
#      default"), CONNS (default 64), DURATION (s, default 3), RUNS (default 3), BARRAGE
#      (binary; default: build/).
# Bounded: every run stops itself after DURATION seconds (timeouts as a backstop). CPU seconds
# move by 10-20 % between runs on a busy 2-core machine: compare rows of one invocation.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh bench
[ -n "${BARRAGE:-}" ] || bash scripts/build.sh >/dev/null

RATES="${RATES:-5000 20000 50000}"; SLACKS="${SLACKS:-0 50us 100us 200us 500us 1ms default}"
CONNS="${CONNS:-64}"; DURATION="${DURATION:-3}"; RUNS="${RUNS:-3}"
BARRAGE="${BARRAGE:-$(pwd)/build/barrage}"
if [ "$(nproc)" -ge 2 ]; then server_cpu=0; client_cpu=1; else server_cpu=0; client_cpu=0; fi

. benchmarks/nginx_target.sh

# run_pinned TIMEFILE CMD...: runs CMD on the client CPU under GNU time.
run_pinned() {
  local timefile="$1"; shift
  timeout $((DURATION + 30)) /usr/bin/time -f "%e %U %S %w" -o "$timefile" \
    taskset -c "$client_cpu" "$@"
}

# Each measure_* prints "REQUESTS SENT_RPS CPU_S VOLUNTARY_CSW [LAG_P50 LAG_P99 SLACK_US]".
measure_barrage() {  # rate slack
  local slack=(--timer-slack "$2"); [ "$2" = default ] && slack=()
  run_pinned "$work/time" "$BARRAGE" run "$url" -t 1 -c "$CONNS" -r "$1" -d "${DURATION}s" -q \
    --json "$work/b.json" "${slack[@]}" >/dev/null
  python3 - "$work/b.json" "$work/time" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); e, u, s, w = map(float, open(sys.argv[2]).read().split()[-4:])
lag, sent = r["schedule_lag"], r["requests"]["sent"]
print(sent, sent / r["duration_s"], u + s, w, lag["p50"], lag["p99"], r["config"]["timer_slack_us"])
PY
}
measure_h2load() {  # rate
  run_pinned "$work/time" h2load --h1 -t 1 -c "$CONNS" --rps "$(($1 / CONNS))" -D "$DURATION" \
    "$url" >"$work/h2.out" 2>&1 || true
  python3 - "$work/h2.out" "$work/time" "$DURATION" <<'PY'
import re, sys
out = open(sys.argv[1]).read(); e, u, s, w = map(float, open(sys.argv[2]).read().split()[-4:])
n = int(re.search(r"requests: \d+ total, (\d+) started", out).group(1))
print(n, n / float(sys.argv[3]), u + s, w)
PY
}

# median_of TOOL ARGS...: RUNS runs; prints the medians "sent_rps cpu_per_100k csw_per_req
# [lag_p50 lag_p99 slack_us]".
median_of() {
  local rows=()
  for _ in $(seq "$RUNS"); do rows+=("$("measure_$@")"); done
  printf '%s\n' "${rows[@]}" | python3 -c '
import sys, statistics
rows = [tuple(map(float, l.split())) for l in sys.stdin if l.strip()]
med = lambda f: statistics.median(f(r) for r in rows if r[0] > 0)
out = [med(lambda r: r[1]), med(lambda r: r[2] / r[0] * 1e5), med(lambda r: r[3] / r[0])]
out += [med(lambda r, i=i: r[i]) for i in range(4, min(len(r) for r in rows))]
print(" ".join(f"{x:.4f}" for x in out))'
}

printf 'barrage %s open-loop pacing on nginx (1 worker, CPU %s); generators on CPU %s, -t 1, ' \
  "$("$BARRAGE" --version | head -1 | awk '{print $2, $3}' | tr -d '(,')" "$server_cpu" "$client_cpu"
printf '%s conns; %ss x %s runs, medians\n' "$CONNS" "$DURATION" "$RUNS"
printf '%-8s %-18s %10s %10s %9s %9s %9s %8s %9s\n' rate tool "sent/s" "CPU/100k" "csw/req" \
  "lag p50" "lag p99" "slack" "CPU/h2l"
row() {  # rate label "medians" h2load_cpu
  python3 -c '
import sys
rate, label, row, base = sys.argv[1], sys.argv[2], sys.argv[3].split(), float(sys.argv[4])
sent, cpu, csw = map(float, row[:3])
lag = [f"{float(x):.0f}us" for x in row[3:5]] or ["n/a", "n/a"]
slack = f"{float(row[5]):.0f}us" if len(row) > 5 else "1ms tick"
print(f"{rate:<8} {label:<18} {sent:>10.0f} {cpu:>10.3f} {csw:>9.2f} {lag[0]:>9} {lag[1]:>9} "
      f"{slack:>8} {cpu / base if base else 0:>9.2f}")' "$@"
}
for rate in $RATES; do
  h="$(median_of h2load "$rate")"; h_cpu="$(awk '{print $2}' <<<"$h")"
  row "$rate" h2load "$h" "$h_cpu"
  for slack in $SLACKS; do
    label="--timer-slack $slack"; [ "$slack" = default ] && label="barrage default"
    row "$rate" "$label" "$(median_of barrage "$rate" "$slack")" "$h_cpu"
  done
done
echo "CPU/h2l: barrage CPU per request / h2load's at the same rate (< 1: barrage spends less)."
echo "h2load's schedule lag is not measurable (no intended send times); it paces on 1 ms ticks."
