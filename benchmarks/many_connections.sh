#!/usr/bin/env bash
# Many connections held from one process: barrage holds N keep-alive connections to nginx on
# loopback at a low total rate (open loop, RATE req/s spread over all of them), with
# --source 127.0.0.2-127.0.0.9 (8 sources x the local port range per destination) and
# --connect-rate (no SYN storm), for N in NS; wrk beside it at WRK_NS (wrk -c N -t 1: a closed
# loop at full speed, it cannot pace or pick source addresses, so one target address:port caps it
# at the local port range, 28,232 with Debian's 32768-60999).
# Prints per N: barrage's max RSS, its RSS per connection (max RSS at N - max RSS at 10) / N, the
# connections actually held (JSON connections.established_max), completed/sent, the workers' CPU
# seconds over the run (idle connections cost no deadline checks: benchmarks/idle_deadlines.sh;
# closing them all at the end is in the figure); then wrk's RSS
# per connection and the ratio barrage / wrk. RUNS > 1: medians.
#
# Memory figure (issue 15 goal: <= 1 KiB per connection at 100k). Receive buffers come from the
# worker's provided-buffer ring, sized by the responses a 10 ms reap window can bring at the
# rate (open loop), not by connections; what stays per connection is its slot in the worker
# (state, parser, request in flight; about 0.4 KiB) and the kernel's socket (not in RSS).
#
# Kernel knobs for 100k+ connections on a bare-metal box (this script changes none of them; it
# raises its own open-file limit when it may, as root):
#   ulimit -n (RLIMIT_NOFILE) >= connections + a few dozen, for barrage and for the target
#     (barrage raises its soft limit to the hard one and refuses more connections than fit);
#     fs.nr_open caps the hard limit (1048576 by default).
#   net.ipv4.ip_local_port_range: ports per source address and destination; connections to one
#     target address:port must fit sources x this range (barrage checks before the run).
#   net.core.somaxconn and net.ipv4.tcp_max_syn_backlog: the target's accept queue; --connect-rate
#     keeps the opening connects below what it can take.
#   nf_conntrack: with netfilter loaded every connection takes a conntrack entry; raise
#     net.netfilter.nf_conntrack_max above the connections, or exempt loopback (-j NOTRACK).
#
# Measured on this project's shared 2-core machine (loaded by three other builds; RSS does not
# mind), hard open-file limit 20,000 in its container (so N = 100k was skipped there), DURATION=5s,
# RATE=10000, one worker:
#   barrage 10k: 0.566 KiB/conn (held 10000, 50000/50000 completed/sent); 19k: 0.512 KiB/conn
#   (held 19000, 50000/50000); wrk -c 10k: 3.72 KiB/conn, 19k: 3.71 KiB/conn: barrage / wrk
#   0.15 and 0.14. main before this change (no --source): 1.27 KiB/conn at 10k (its receive
#   buffer ring was sized 2 per connection, up to 16 MiB a worker). At 100k the per-connection
#   part that stays is the worker's slot (sizeof(Connection) 400 B + its index): about 0.45 KiB
#   expected, not measured here.
# Env: NS (default "10000 20000 100000"), WRK_NS ("10000 20000"), RATE (10000), DURATION (10s),
#      CONNECT_RATE (20000), RUNS (1), SOURCES (127.0.0.2-127.0.0.9), BARRAGE (build/barrage),
#      GENERATOR_CPU (1), SERVER_CPU (0).
# Bounded: every process runs under `timeout`; nginx is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
NS="${NS:-10000 20000 100000}"; WRK_NS="${WRK_NS:-10000 20000}"
RATE="${RATE:-10000}"; DURATION="${DURATION:-10s}"; CONNECT_RATE="${CONNECT_RATE:-20000}"
RUNS="${RUNS:-1}"; SOURCES="${SOURCES:-127.0.0.2-127.0.0.9}"
BARRAGE="${BARRAGE:-$(pwd)/build/barrage}"
GENERATOR_CPU="${GENERATOR_CPU:-1}"; SERVER_CPU="${SERVER_CPU:-0}"

largest=10
for n in $NS $WRK_NS; do [ "$n" -gt "$largest" ] && largest="$n"; done
fds_wanted=$((largest + 2000))
if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt "$fds_wanted" ]; then
    ulimit -Hn "$fds_wanted" 2>/dev/null || echo "note: cannot raise the hard open-file limit to $fds_wanted (needs root with CAP_SYS_RESOURCE); N above $(ulimit -Hn) - 1000 is skipped" >&2
fi
ulimit -n "$(ulimit -Hn)"
echo "open-file limit $(ulimit -n); local ports $(tr '\t' ' ' < /proc/sys/net/ipv4/ip_local_port_range); somaxconn $(cat /proc/sys/net/core/somaxconn)"

work="$(mktemp -d)"
nginx_pid=""
cleanup() { [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
sed -e "s|@WORK@|$work|g" -e "s|@PORT@|$port|g" benchmarks/nginx_many_connections.conf > "$work/nginx.conf"
taskset -c "$SERVER_CPU" /usr/sbin/nginx -c "$work/nginx.conf" -p "$work" &
nginx_pid=$!
url="http://127.0.0.1:$port/"
for _ in $(seq 100); do curl -sf "$url" >/dev/null 2>&1 && break; sleep 0.05; done

# Runs "$@" and prints its peak RSS in KiB (getrusage of the child alone).
peak_rss_kib() {
    python3 - "$@" <<'PY'
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
}
median() { sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

# barrage_run N JSON: one bounded run holding N connections; prints its peak RSS (KiB).
barrage_run() {
    local n="$1" json="$2" connect_s
    connect_s=$(( n / CONNECT_RATE + 30 ))
    peak_rss_kib timeout $(( connect_s + ${DURATION%s} + 30 )) taskset -c "$GENERATOR_CPU" \
        "$BARRAGE" run "$url" -c "$n" -t 1 -r "$RATE" -d "$DURATION" --source "$SOURCES" \
        --connect-rate "$CONNECT_RATE" --timeout 60s --json "$json" -q
}
wrk_run() {
    peak_rss_kib timeout $(( ${DURATION%s} + 60 )) taskset -c "$GENERATOR_CPU" \
        wrk -c "$1" -t 1 -d "$DURATION" "$url"
}
json_field() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

base_kib=$(for _ in $(seq "$RUNS"); do barrage_run 10 "$work/base.json"; done | median)
echo "barrage at 10 connections: max RSS ${base_kib} KiB"
declare -A barrage_per_conn
printf '%-8s %-12s %-14s %-10s %-20s %-12s\n' N maxRSS_MiB KiB_per_conn held completed/sent worker_cpu_s
fits() { [ $(( $1 + 1000 )) -le "$(ulimit -n)" ] || { echo "$1: skipped, the open-file limit is $(ulimit -n)"; return 1; }; }
for n in $NS; do
    fits "$n" || continue
    rss=$(for i in $(seq "$RUNS"); do barrage_run "$n" "$work/n$n.$i.json"; done | median)
    per=$(awk -v r="$rss" -v b="$base_kib" -v n="$n" 'BEGIN {printf "%.3f", (r - b) / n}')
    barrage_per_conn[$n]=$per
    j="$work/n$n.1.json"
    if [ -s "$j" ]; then
        held=$(json_field "$j" 'r["connections"]["established_max"]')
        counts=$(json_field "$j" 'str(r["requests"]["completed"]) + "/" + str(r["requests"]["sent"])')
        cpu=$(json_field "$j" 'round(sum(r["generator"]["worker_cpu_s"]), 3)')
    else
        held="(no JSON: refused or failed)"; counts="-"; cpu="-"
    fi
    printf '%-8s %-12s %-14s %-10s %-20s %-12s\n' "$n" "$(awk -v r="$rss" 'BEGIN {printf "%.1f", r/1024}')" "$per" "$held" "$counts" "$cpu"
done

wrk_base=$(for _ in $(seq "$RUNS"); do wrk_run 10; done | median)
echo "wrk at 10 connections: max RSS ${wrk_base} KiB (closed loop, full speed; capped by the port range)"
printf '%-8s %-12s %-14s %-22s\n' N maxRSS_MiB KiB_per_conn barrage/wrk
for n in $WRK_NS; do
    fits "$n" || continue
    rss=$(for _ in $(seq "$RUNS"); do wrk_run "$n"; done | median)
    per=$(awk -v r="$rss" -v b="$wrk_base" -v n="$n" 'BEGIN {printf "%.3f", (r - b) / n}')
    ratio=$(awk -v a="${barrage_per_conn[$n]:-0}" -v w="$per" 'BEGIN {printf (w > 0 && a > 0) ? "%.2f" : "n/a", a / w}')
    printf '%-8s %-12s %-14s %-22s\n' "$n" "$(awk -v r="$rss" 'BEGIN {printf "%.1f", r/1024}')" "$per" "$ratio"
done
