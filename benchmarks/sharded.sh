#!/usr/bin/env bash
# One open-loop test split into SHARDS processes on this machine, then merged, beside the same
# schedule run by one process. Target: nginx (one worker, pinned to CPU 0; nginx_target.sh).
#   shards:  SHARDS x `barrage run URL -r RATE -d DURATION -c CONNS -t 1 --no-pin
#            --shard I/SHARDS --start-at T --json out-I.json`, T = now + 2 s, all at once;
#            then `barrage merge out-*.json --json merged.json`
#   single:  `barrage run URL -r RATE -d DURATION -c CONNS -t 1 --no-pin --json single.json`
# Prints, for both: scheduled, sent, the rate error (sent - scheduled) / scheduled in %, the
# achieved rate, p50/p99/max latency and whether the generator saturated; for the shards also
# the start skew (spread of the shards' recorded starts, and what merge reported) and whether
# the merged counts are the shards' sums exactly.
# Env: BARRAGE (binary; default build/barrage), SHARDS (4), RATE (8000), DURATION (5s),
#      CONNS (64), server_cpu (0).
# Bounded: every run stops itself after DURATION (timeout 120 s each); nginx is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
BARRAGE="${BARRAGE:-$(pwd)/build/barrage}"
SHARDS="${SHARDS:-4}"; RATE="${RATE:-8000}"; DURATION="${DURATION:-5s}"; CONNS="${CONNS:-64}"
[ -x "$BARRAGE" ] || { echo "sharded.sh: no barrage binary at $BARRAGE (build it, or set BARRAGE)" >&2; exit 2; }
# shellcheck source=benchmarks/nginx_target.sh
source benchmarks/nginx_target.sh

common=(run "$url" -r "$RATE" -d "$DURATION" -c "$CONNS" -t 1 --no-pin -q)
start_at=$(($(date +%s) + 2))
pids=()
for i in $(seq "$SHARDS"); do
  timeout 120 "$BARRAGE" "${common[@]}" --shard "$i/$SHARDS" --start-at "$start_at" \
    --json "$work/out-$i.json" > "$work/shard-$i.log" 2>&1 &
  pids+=($!)
done
shard_rc=0
for pid in "${pids[@]}"; do wait "$pid" || shard_rc=$?; done
[ "$shard_rc" -eq 0 ] || { echo "sharded.sh: a shard exited $shard_rc:"; tail -n 5 "$work"/shard-*.log; }
timeout 120 "$BARRAGE" merge "$work"/out-*.json --json "$work/merged.json" > "$work/merge.log" 2>&1 \
  || { echo "sharded.sh: merge exited $?:"; cat "$work/merge.log"; exit 1; }
timeout 120 "$BARRAGE" "${common[@]}" --json "$work/single.json" > "$work/single.log" 2>&1 \
  || echo "sharded.sh: the single run exited $? ($(tail -n 3 "$work/single.log"))"

python3 - "$work" "$SHARDS" "$RATE" "$DURATION" <<'PY'
import glob, json, sys
work, shards, rate, duration = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
load = lambda p: json.load(open(p))
merged, single = load(f"{work}/merged.json"), load(f"{work}/single.json")
parts = [load(p) for p in sorted(glob.glob(f"{work}/out-*.json"))]

def line(name, r):
    q, lat = r["requests"], r["latency"]
    error = 100.0 * (q["sent"] - q["scheduled"]) / q["scheduled"] if q["scheduled"] else 0.0
    print(f"{name:<22} scheduled {q['scheduled']:>7}  sent {q['sent']:>7}  rate error "
          f"{error:+.4f} %  achieved {r['achieved_send_rate_rps']:9.1f} req/s  p50 "
          f"{lat['p50']:>6} us  p99 {lat['p99']:>7} us  max {lat['max']:>7} us  saturated "
          f"{r['generator']['saturated']}")

print(f"{shards} shards vs one process, -r {rate} -d {duration}, nginx (1 worker) on loopback")
line(f"merged ({shards} shards)", merged)
line("one process", single)
starts = [p["shard"]["started_unix_ns"] for p in parts]
asked = parts[0]["shard"]["start_at_unix_ns"]
print(f"start skew: {max(starts) - min(starts)} ns between shards' recorded starts; earliest "
      f"{min(starts) - asked:+d} ns, latest {max(starts) - asked:+d} ns from --start-at")
section = merged.get("shards") or {}
print(f"merge reported: start_skew_ms {section.get('start_skew_ms')}, merged "
      f"{section.get('merged')} of {section.get('count')}, missing {section.get('missing')}")
exact = all(merged["requests"][k] == sum(p["requests"][k] for p in parts)
            for k in ("scheduled", "sent", "completed", "errors", "unsent"))
print(f"merged counts are the shards' sums: {exact}; merged latency.count "
      f"{merged['latency']['count']} = completed {merged['requests']['completed']}")
PY
