#!/usr/bin/env bash
# How often `barrage compare` flags runs of the same command, and whether it sees +2 ms.
#   Target: `barrage serve` on loopback (1 thread). PAIRS pairs of identical runs
#   (`barrage run URL -r RATE -d DURATION -c CONNS`) are compared back to back, then one
#   pair where the server was restarted on the same port with `--delay 2ms` for the
#   second run. With MULTI=1 (default), also the first three runs as baselines
#   (`compare B1 B2 B3 --current C`) against each later run.
# Prints one line per comparison (exit code, flagged metrics) and a summary:
#   "identical pairs flagged: N of PAIRS", "+2ms pair: exit E".
# With FLOOR_SCAN=1 (default), each identical pair is also compared with --min-delta 0 and
# the latency changes the intervals alone would flag are printed: the largest of them over
# all pairs is what the --min-delta default must exceed.
# Env: BARRAGE (binary; default build/barrage), PAIRS (10), RATE (1000), DURATION (3s),
#      CONNS (10), MULTI (1), FLOOR_SCAN (1), COMPARE_ARGS (extra arguments for every compare).
# Bounded: every run stops itself after DURATION; the servers are stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
BARRAGE="${BARRAGE:-$(pwd)/build/barrage}"
PAIRS="${PAIRS:-10}"; RATE="${RATE:-1000}"; DURATION="${DURATION:-3s}"; CONNS="${CONNS:-10}"
MULTI="${MULTI:-1}"; FLOOR_SCAN="${FLOOR_SCAN:-1}"; COMPARE_ARGS="${COMPARE_ARGS:-}"

work="$(mktemp -d)"
server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  server_pid=""
}
cleanup() { stop_server; rm -rf "$work"; }
trap cleanup EXIT

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
start_server() {  # extra serve arguments
  timeout 600 "$BARRAGE" serve --port "$port" --threads 1 "$@" > "$work/serve.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 50); do grep -qs listening "$work/serve.log" && return 0; sleep 0.1; done
  echo "barrage serve did not start: $(cat "$work/serve.log")" >&2; exit 1
}
run() {  # output file
  timeout 60 "$BARRAGE" run "http://127.0.0.1:$port/" -r "$RATE" -d "$DURATION" -c "$CONNS" \
    -q --json "$1" > /dev/null
}
# compare ARGS...: prints "exit E: flagged metrics", returns nothing (the verdict is the output)
compare() {
  local rc=0
  # shellcheck disable=SC2086
  "$BARRAGE" compare "$@" $COMPARE_ARGS > "$work/compare.txt" 2>&1 || rc=$?
  local flagged
  flagged="$(grep -E 'REGRESSION' "$work/compare.txt" | awk '{print $1}' | tr '\n' ' ' || true)"
  local saturated=""
  grep -q "the generator was saturated" "$work/compare.txt" && saturated=" [generator saturated]"
  echo "exit $rc: ${flagged:-nothing flagged}$saturated"
  [ "$rc" -eq 2 ] && sed 's/^/    /' "$work/compare.txt" | head -5
  return 0
}

# floor_scan BASE CUR: "p99 +1.21ms" for each latency metric flagged without a floor
floor_scan() {
  "$BARRAGE" compare "$1" "$2" --min-delta 0 --json - > "$work/scan.json" 2>/dev/null || true
  python3 -c '
import json, sys
d = json.load(sys.stdin)
out = ["%s %+.0fus" % (c["metric"], c["current"] - c["baseline"]) for c in d["metrics"]
       if c["regression"] and c["metric"] not in ("rps", "error_rate")]
print(", ".join(out) or "none")' < "$work/scan.json" || echo "n/a"
}

start_server
flagged=0
for i in $(seq "$PAIRS"); do
  run "$work/a$i.json"; run "$work/b$i.json"
  verdict="$(compare "$work/a$i.json" "$work/b$i.json")"
  echo "identical pair $i: $verdict"
  [ "$FLOOR_SCAN" = 1 ] && echo "    without a floor: $(floor_scan "$work/a$i.json" "$work/b$i.json")"
  case "$verdict" in "exit 1:"*) flagged=$((flagged + 1));; esac
done
multi_flagged=0; multi_total=0
if [ "$MULTI" = 1 ] && [ "$PAIRS" -ge 4 ]; then
  for i in $(seq 4 "$PAIRS"); do
    verdict="$(compare "$work/a1.json" "$work/a2.json" "$work/a3.json" --current "$work/a$i.json")"
    echo "3 baselines vs run a$i: $verdict"
    multi_total=$((multi_total + 1))
    case "$verdict" in "exit 1:"*) multi_flagged=$((multi_flagged + 1));; esac
  done
fi
run "$work/slow_base.json"
stop_server
start_server --delay 2ms
run "$work/slow_cur.json"
stop_server
shifted="$(compare "$work/slow_base.json" "$work/slow_cur.json")"
echo "+2ms pair: $shifted"
if [ "$MULTI" = 1 ] && [ "$PAIRS" -ge 4 ]; then
  echo "3 baselines vs +2ms: $(compare "$work/a1.json" "$work/a2.json" "$work/a3.json" --current "$work/slow_cur.json")"
fi
echo "summary: identical pairs flagged: $flagged of $PAIRS; +2ms pair: ${shifted%%:*}"
[ "$MULTI" = 1 ] && [ "$multi_total" -gt 0 ] && echo "summary: 3 baselines vs identical runs flagged: $multi_flagged of $multi_total"
exit 0
