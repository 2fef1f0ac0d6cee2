#!/usr/bin/env bash
# What holding many mostly idle connections costs the worker: open loop at a low total rate
# (RATE req/s spread over N connections) against `barrage serve` on loopback, with
# --source 127.0.0.2-127.0.0.9 and --connect-rate (no SYN storm). Prints, per binary and N, the
# median of RUNS runs of the workers' CPU seconds over the run (JSON generator.worker_cpu_s:
# connecting before the start is left out, closing every connection at the end is in), the
# CPU share of holding alone (median of the 1 s intervals' generator_cpu, the last one left out,
# in per mille of a core), completed/sent of the last run, and with BASELINE the ratios
# BARRAGE / BASELINE and the CPU seconds that N connections add over the first N.
# This measures the deadline checks (timeouts, backoff retries): a scan that walked every
# connection every period (10 ms) cost 0.156 s of a 4 s run at 18k connections against 0.025 s at
# 10; the deadline wheel looks only at connections with a deadline due.
# Runs of the two binaries alternate, so a drift of the machine touches both alike.
# Measured on this project's shared 2-core machine while two other engineers built (noisy; the
# intervals' CPU share has a resolution of 1 per mille), defaults (100 req/s, 4 s, 3 runs),
# BASELINE = main before the wheel:
#   holding, per mille of a core: 10 conns 7.0 vs 7.0; 18000 conns 8.0 vs 36.0 (0.22x)
#   whole run, CPU s: 10 conns 0.026 vs 0.029; 18000 conns 0.168 vs 0.259 (0.65x); what 18000
#   connections still add over 10 (0.14 s) is closing them all at the end (shutdown + close each,
#   perf), not holding them.
#   Open loop under callgrind (worker loop, 1000 req/s, 3 s): 100 conns 3968 vs 4198 instructions
#   per request, 2000 conns 4005 vs 8485.
# Env: BARRAGE (default build/barrage), BASELINE (a second binary, e.g. main before a change),
#      NS (default "10 18000"; stay under the open-file limit), RATE (100), DURATION (4s),
#      CONNECT_RATE (20000), RUNS (3), SOURCES (127.0.0.2-127.0.0.9), GENERATOR_CPU (1),
#      SERVER_CPU (0).
# Bounded: every process runs under `timeout`; the server is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
BARRAGE="${BARRAGE:-$(pwd)/build/barrage}"
NS="${NS:-10 18000}"; RATE="${RATE:-100}"; DURATION="${DURATION:-4s}"
CONNECT_RATE="${CONNECT_RATE:-20000}"; RUNS="${RUNS:-3}"; SOURCES="${SOURCES:-127.0.0.2-127.0.0.9}"
GENERATOR_CPU="${GENERATOR_CPU:-1}"; SERVER_CPU="${SERVER_CPU:-0}"
[ "$(nproc)" -ge 2 ] || { GENERATOR_CPU=0; SERVER_CPU=0; }
ulimit -n "$(ulimit -Hn)"

work="$(mktemp -d)"
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
timeout 600 taskset -c "$SERVER_CPU" "$BARRAGE" serve --port 0 >"$work/serve.out" 2>&1 &
server_pid=$!
for _ in $(seq 100); do grep -q listening "$work/serve.out" && break; sleep 0.05; done
url="$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/serve.out")/"
[ "$url" != / ] || { echo "idle_deadlines: barrage serve did not start" >&2; exit 1; }

# one_run BINARY N JSON: one bounded run, its JSON left in JSON.
one_run() {
    local binary="$1" n="$2" json="$3"
    rm -f "$json"
    timeout $(( n / CONNECT_RATE + ${DURATION%s} + 30 )) taskset -c "$GENERATOR_CPU" \
        "$binary" run "$url" -c "$n" -t 1 -r "$RATE" -d "$DURATION" --source "$SOURCES" \
        --connect-rate "$CONNECT_RATE" --json "$json" -q >/dev/null 2>"$work/err" || true
}
# The workers' CPU seconds over the run (the closing of every connection at the end included).
cpu_s() {
    python3 -c 'import json,sys; print(round(sum(json.load(open(sys.argv[1]))["generator"]["worker_cpu_s"]), 4))' \
        "$1" 2>/dev/null || echo nan
}
# Holding alone: the median of the intervals' generator CPU share, the last interval (which
# closes the connections) left out, in per mille of a core.
hold_share() {
    python3 -c 'import json,statistics,sys; v=[i["generator_cpu"] for i in json.load(open(sys.argv[1]))["intervals"][:-1]]; print(round(1000 * statistics.median(v), 1))' \
        "$1" 2>/dev/null || echo nan
}
counts() {
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["requests"]; print(str(r["completed"]) + "/" + str(r["sent"]))' \
        "$1" 2>/dev/null || echo "-"
}
median() { python3 -c 'import statistics, sys; v=[float(x) for x in sys.argv[1:] if x != "nan"]; print(f"{statistics.median(v):.4f}" if v else "nan")' "$@"; }

binaries=("$BARRAGE"); [ -n "${BASELINE:-}" ] && binaries+=("$BASELINE")
declare -A rows shares last
for _ in $(seq "$RUNS"); do
    for n in $NS; do
        for i in "${!binaries[@]}"; do
            one_run "${binaries[$i]}" "$n" "$work/r.$n.$i.json"
            rows["$n|$i"]+="$(cpu_s "$work/r.$n.$i.json") "
            shares["$n|$i"]+="$(hold_share "$work/r.$n.$i.json") "
            last["$n|$i"]="$(counts "$work/r.$n.$i.json")"
        done
    done
done

printf 'workers CPU s, open loop %s req/s, %s, %s runs (median)\n' "$RATE" "$DURATION" "$RUNS"
printf '%-8s %-10s %12s %8s %14s %8s %18s   %s\n' N binary worker_cpu_s ratio hold_permille ratio \
    completed/sent runs
declare -A med hold
for n in $NS; do
    for i in "${!binaries[@]}"; do
        med["$n|$i"]="$(median ${rows["$n|$i"]})"
        hold["$n|$i"]="$(median ${shares["$n|$i"]} | awk '{printf "%.1f", $1}')"
        ratio=""; hold_ratio=""
        if [ "$i" = 1 ]; then
            ratio="$(awk -v a="${med["$n|0"]}" -v b="${med["$n|1"]}" 'BEGIN {printf (b > 0) ? "%.3f" : "n/a", a / b}')"
            hold_ratio="$(awk -v a="${hold["$n|0"]}" -v b="${hold["$n|1"]}" 'BEGIN {printf (b > 0) ? "%.3f" : "n/a", a / b}')"
        fi
        name=BARRAGE; [ "$i" = 1 ] && name=BASELINE
        printf '%-8s %-10s %12s %8s %14s %8s %18s   %s| %s\n' "$n" "$name" "${med["$n|$i"]}" "$ratio" \
            "${hold["$n|$i"]}" "$hold_ratio" "${last["$n|$i"]}" "${rows["$n|$i"]}" "${shares["$n|$i"]}"
    done
done
first="${NS%% *}"
for n in $NS; do
    [ "$n" = "$first" ] && continue
    for i in "${!binaries[@]}"; do
        name=BARRAGE; [ "$i" = 1 ] && name=BASELINE
        awk -v a="${med["$n|$i"]}" -v b="${med["$first|$i"]}" -v n="$n" -v f="$first" -v m="$name" \
            'BEGIN {printf "%s: %d connections add %.4f CPU s over %d\n", m, n, a - b, f}'
    done
done
