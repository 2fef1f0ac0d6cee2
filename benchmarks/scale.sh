#!/usr/bin/env bash
# barrage on many cores: closed loop, keep-alive, against nginx on other cores of the same box.
#   rows:  barrage -t W -c (W x CONNS_PER_WORKER) for W in WORKERS (default 1 2 4 8), its workers
#          pinned to W distinct physical cores (barrage pins worker i to the i-th CPU it may use;
#          taskset gives it W); beside the 1-worker row, wrk -t 1 -c CONNS_PER_WORKER on the same
#          core. Connections are CONNS_PER_WORKER (256) per worker, not a fixed total: every
#          worker carries the 1-worker row's load, so the table measures how the generator
#          scales, not how it copes with fewer connections each.
#   nginx: NGINX_CORES workers (default: the largest W), one per physical core, on cores the
#          generator never uses; the same nginx for every row. A row where nginx was at least 90 %
#          busy is marked "nginx-bound": there the target, not barrage, set the rate.
# Prints, per row, the median of RUNS runs: req/s, req/s per worker, linearity
# (req/s(W) / (W x req/s(1)), 1.0 is linear), generator CPU seconds per 100k requests (user+sys,
# GNU time), the ratio of req/s to wrk's (one core each at W = 1), and nginx's busy cores; then
# the issue's goals: 1 worker >= 1.5 x wrk's req/s, linearity at the largest W >= 0.9. A run with
# failed requests or answers other than 2xx is named in a warning on stderr (its req/s count
# errors, not pages).
# Cores: one CPU per physical core is used (SMT siblings stay idle, as two workers sharing a core
# would halve each other); the whole table needs NGINX_CORES + the largest W physical cores (16 by
# default). With fewer, the 1-worker row and wrk's run (nginx on all cores but the last, the
# generator on the last; on a 1-core machine they share it, and the figures mean little), and
# the other rows are refused with the cores they need.
# Exit: 0 every row ran; 77 rows skipped for want of cores (those that ran are printed; 77 is
# the project's "skipped"); 2 bad settings or no binary; 1 a run failed.
# Env: WORKERS ("1 2 4 8", ascending, starting at 1), CONNS_PER_WORKER (256), NGINX_CORES,
#      DURATION (s, 10), RUNS (3), BARRAGE (binary; default: build/barrage, built if missing).
# Bounded: every run stops itself after DURATION seconds (timeout DURATION + 30 as a backstop);
# nginx is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

WORKERS="${WORKERS:-1 2 4 8}"; CONNS_PER_WORKER="${CONNS_PER_WORKER:-256}"
DURATION="${DURATION:-10}"; RUNS="${RUNS:-3}"
BARRAGE="${BARRAGE:-$(pwd)/build/barrage}"
usage_error() { echo "scale.sh: $1" >&2; exit 2; }
positive() { [[ "$2" =~ ^[1-9][0-9]*$ ]] || usage_error "$1 must be a whole number > 0 (got '$2')"; }
positive DURATION "$DURATION"; positive RUNS "$RUNS"; positive CONNS_PER_WORKER "$CONNS_PER_WORKER"
read -ra workers <<<"$WORKERS"
[ "${#workers[@]}" -gt 0 ] || usage_error "WORKERS is empty (e.g. WORKERS='1 2 4 8')"
previous=0
for w in "${workers[@]}"; do
  positive "a WORKERS entry" "$w"
  [ "$w" -gt "$previous" ] || usage_error "WORKERS must ascend without repeats (got '$WORKERS')"
  previous="$w"
done
[ "${workers[0]}" -eq 1 ] || usage_error "WORKERS must start at 1: linearity is against the 1-worker row (got '$WORKERS')"
workers_max="${workers[-1]}"
NGINX_CORES="${NGINX_CORES:-$workers_max}"; positive NGINX_CORES "$NGINX_CORES"

# What it runs; the packages come from install-deps.sh only when one is missing.
for tool in /usr/sbin/nginx wrk /usr/bin/time taskset curl openssl; do
  command -v "$tool" >/dev/null || { bash scripts/install-deps.sh bench; break; }
done
if [ ! -x "$BARRAGE" ]; then
  [ "$BARRAGE" = "$(pwd)/build/barrage" ] || usage_error "no barrage binary at $BARRAGE (build it, or unset BARRAGE)"
  bash scripts/build.sh >/dev/null
fi

# One CPU per physical core (the lowest-numbered allowed sibling), in order: "cpu cpu ...".
physical_cores() {
  python3 - <<'PY'
import os
seen, cores = set(), []
for cpu in sorted(os.sched_getaffinity(0)):
    base = f"/sys/devices/system/cpu/cpu{cpu}/topology/"
    try:
        key = tuple(open(base + name).read().strip() for name in ("physical_package_id", "core_id"))
    except OSError:
        key = (str(cpu),)  # no topology (some VMs): each CPU counts as a core
    if key not in seen:
        seen.add(key)
        cores.append(cpu)
print(*cores)
PY
}
read -ra cores <<<"$(physical_cores)"
needed=$((NGINX_CORES + workers_max))
if [ "${#cores[@]}" -ge "$needed" ]; then
  full_table=1
  nginx_cores=("${cores[@]:0:NGINX_CORES}"); generator_cores=("${cores[@]:NGINX_CORES:workers_max}")
else
  full_table=0
  if [ "${#cores[@]}" -ge 2 ]; then
    nginx_cores=("${cores[@]:0:${#cores[@]}-1}"); generator_cores=("${cores[-1]}")
  else
    nginx_cores=("${cores[0]}"); generator_cores=("${cores[0]}")
  fi
fi
conns_max=$((CONNS_PER_WORKER * (full_table ? workers_max : 1)))
echo "scale.sh: barrage $("$BARRAGE" --version | head -n 1 | awk '{print $2}') on $(uname -r); ${#cores[@]} physical cores allowed (CPUs ${cores[*]}), $(nproc) CPUs"
# nginx_target.sh gives each nginx worker 4096 connections; reuseport spreads them unevenly.
[ "$conns_max" -le $((3000 * ${#nginx_cores[@]})) ] ||
  usage_error "$conns_max connections are too many for ${#nginx_cores[@]} nginx worker(s) of 4096 connections each; lower CONNS_PER_WORKER or raise NGINX_CORES"
echo "  needs: $needed physical cores for the whole table ($workers_max for barrage's workers, $NGINX_CORES for nginx's); open files: $((conns_max + 64)) for barrage (it raises its soft limit to the hard one, $(ulimit -Hn) here) and $((CONNS_PER_WORKER + 64)) for wrk (soft limit $(ulimit -Sn) here)"
echo "  nginx: ${#nginx_cores[@]} worker(s) on CPUs ${nginx_cores[*]}; generator on CPUs ${generator_cores[*]}; ${CONNS_PER_WORKER} connections per worker; ${DURATION}s x $RUNS runs, medians"
[ "${#cores[@]}" -ge 2 ] || echo "  WARNING: one core: nginx and the generator share it; these figures say little" >&2

nginx_workers="${#nginx_cores[@]}"; server_cpus="${nginx_cores[*]}"
# shellcheck source=benchmarks/nginx_target.sh
. benchmarks/nginx_target.sh

# CPU seconds nginx (master and workers) has used so far.
nginx_cpu_s() {
  python3 - "$nginx_pid" $(pgrep -P "$nginx_pid" || true) <<'PY'
import os, sys
total = 0
for pid in sys.argv[1:]:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    total += int(fields[11]) + int(fields[12])  # utime, stime
print(total / os.sysconf("SC_CLK_TCK"))
PY
}

# measure LABEL WORKERS CPUS CMD...: one run of CMD under GNU time on CPUS; appends
# "label workers completed rps cpu_s nginx_busy_cores" to $work/rows. CMD writes the
# completed count and req/s to $work/count ("completed rps").
measure() {
  local label="$1" workers="$2" cpus="$3"; shift 3
  local before; before="$(nginx_cpu_s)"
  timeout $((DURATION + 30)) /usr/bin/time -f "%e %U %S" -o "$work/time" \
    taskset -c "$cpus" "$@" >"$work/out" 2>&1 || { echo "scale.sh: $label failed:"; tail -n 5 "$work/out"; exit 1; }
  python3 - "$label" "$workers" "$work" "$before" "$(nginx_cpu_s)" >>"$work/rows" <<'PY'
import json, re, sys
label, workers, work, before, after = sys.argv[1], sys.argv[2], sys.argv[3], *map(float, sys.argv[4:])
elapsed, user, system = map(float, open(f"{work}/time").read().split()[-3:])
if label == "wrk":
    out = open(f"{work}/out").read()
    completed = int(re.search(r"(\d+) requests in", out).group(1))
    rps = float(re.search(r"Requests/sec:\s*([\d.]+)", out).group(1))
    problems = re.findall(r"(Socket errors:.*|Non-2xx or 3xx responses:.*)", out)
else:
    result = json.load(open(f"{work}/b.json"))
    completed, rps = result["requests"]["completed"], result["throughput_rps"]
    failed = result["requests"]["sent"] - completed - result["requests"]["unfinished"]
    problems = [f"{failed} requests failed"] if failed else []
    problems += [f"status {code} x{n}" for code, n in result["status"]["codes"].items()
                 if not code.startswith("2")]
for problem in problems:  # a row of errors measures the errors, not the throughput
    print(f"scale.sh: warning: {label} with {workers} worker(s): {problem.strip()}",
          file=sys.stderr)
print(label, workers, completed, rps, user + system, (after - before) / elapsed)
PY
}

measure_barrage() {  # workers
  local w="$1"
  measure barrage "$w" "$(IFS=,; echo "${generator_cores[*]:0:w}")" "$BARRAGE" run "$url" \
    -t "$w" -c $((CONNS_PER_WORKER * w)) -d "${DURATION}s" -q --json "$work/b.json"
}
measure_wrk() { measure wrk 1 "${generator_cores[0]}" wrk -t 1 -c "$CONNS_PER_WORKER" -d "${DURATION}s" "$url"; }

: >"$work/rows"
for _ in $(seq "$RUNS"); do measure_barrage 1; measure_wrk; done
rows_run=(1)
if [ "$full_table" -eq 1 ]; then
  for w in "${workers[@]:1}"; do
    for _ in $(seq "$RUNS"); do measure_barrage "$w"; done
    rows_run+=("$w")
  done
fi

python3 - "$work/rows" "${#nginx_cores[@]}" "$CONNS_PER_WORKER" "${rows_run[@]}" <<'PY'
import statistics, sys
path, nginx_cores, conns_per_worker = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows_run = [int(w) for w in sys.argv[4:]]
runs = {}
for line in open(path):
    label, workers, completed, rps, cpu_s, busy = line.split()
    runs.setdefault((label, int(workers)), []).append(
        (int(completed), float(rps), float(cpu_s), float(busy)))

def medians(key):  # req/s, CPU s per 100k, nginx busy cores
    r = runs[key]
    return (statistics.median(x[1] for x in r),
            statistics.median(x[2] / x[0] * 1e5 for x in r) if all(x[0] for x in r) else 0.0,
            statistics.median(x[3] for x in r))

wrk_rps = medians(("wrk", 1))[0]
one_rps = medians(("barrage", 1))[0]
print(f"{'tool':<8}{'workers':>8}{'conns':>7}{'req/s':>11}{'req/s/worker':>14}{'linearity':>11}"
      f"{'CPU s/100k':>12}{'/wrk req/s':>12}{'nginx busy':>13}")

def row(tool, workers, medians_of_row):
    rps, cpu, busy = medians_of_row
    linearity = f"{rps / (workers * one_rps):.2f}" if tool == "barrage" and one_rps else "-"
    bound = "  nginx-bound" if busy >= 0.9 * nginx_cores else ""
    print(f"{tool:<8}{workers:>8}{workers * conns_per_worker:>7}{rps:>11.0f}{rps / workers:>14.0f}"
          f"{linearity:>11}{cpu:>12.4f}{rps / wrk_rps if wrk_rps else 0:>12.2f}"
          f"{busy:>8.2f} of {nginx_cores}{bound}")
    return rps

row("wrk", 1, medians(("wrk", 1)))
for workers in rows_run:
    rps = row("barrage", workers, medians(("barrage", workers)))
top = rows_run[-1]
print(f"goal: 1 worker / wrk req/s = {one_rps / wrk_rps if wrk_rps else 0:.2f} (>= 1.5)")
if top > 1:
    print(f"goal: linearity at {top} workers = {rps / (top * one_rps) if one_rps else 0:.2f} (>= 0.9)")
PY
if [ "$full_table" -eq 0 ] && [ "${#workers[@]}" -gt 1 ]; then
  echo "scale.sh: rows ${workers[*]:1} skipped: they need $needed physical cores ($workers_max for barrage's workers, $NGINX_CORES for nginx's) and this machine allows ${#cores[@]}; run it on a bigger box, or set WORKERS and NGINX_CORES to fit" >&2
  exit 77
fi
