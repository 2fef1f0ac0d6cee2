#!/usr/bin/env python3
"""One test split over four Slurm tasks and merged exactly (issue 12). A one-node Slurm cluster
on loopback (slurm_cluster.py) runs `srun -n 4 barrage run URL -r 2000 -d 3s --shard auto
--start-at T` against nginx, every shard writing `--json out-{shard}.json --hlog
out-{shard}.hlog`; then `barrage merge` sums them. Checks: each task found its shard in Slurm's
environment; the shards together scheduled and sent exactly the unsharded schedule (6000); the
merged counts are the sums; the merged percentiles are those of the union of the shards' .hlog
histograms (decoded here by hdr_v2.py, not by barrage) and the merged histogram is that union,
count for count; thresholds are judged on the merged whole (a rate no single shard reaches
passes, a failing one exits 1); the start skew is reported and is the spread of the shards'
recorded starts. Skips without slurm-wlm, munge or nginx, except in CI for Slurm."""

import glob
import math
import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness
import hdr_v2
import slurm_cluster
from slurm_srun import require_slurm, started_cluster

SHARDS = 4
RATE = 2000
SECONDS = 3
SCHEDULED = RATE * SECONDS  # what one unsharded run schedules
START_DELAY_S = 3  # from now to --start-at: srun must have launched every task by then


def run_shards(t, cluster, url, work):
    """srun's the four shards with one absolute --start-at; returns the instant asked (s)."""
    start_at_s = math.ceil(time.time()) + START_DELAY_S
    command = ["-n", str(SHARDS), "--overcommit", "--kill-on-bad-exit=1", t.binary, "run", url,
               "-r", str(RATE), "-d", f"{SECONDS}s", "-c", "64", "-t", "1",
               "--shard", "auto", "--start-at", str(start_at_s),
               "--json", os.path.join(work, "out-{shard}.json"),
               "--hlog", os.path.join(work, "out-{shard}.hlog"), "-q"]
    print(f"srun {' '.join(command)}", flush=True)
    done = cluster.srun(command, timeout_s=90, cwd=work)
    t.check_no_sanitizer_report("barrage run (shards)", done.stderr)
    t.require(done.returncode == 0, f"srun -n {SHARDS} barrage run --shard auto exits 0 (got "
                                    f"{done.returncode}; stdout {done.stdout[-1500:]!r}, stderr "
                                    f"{done.stderr[-2500:]!r})")
    return start_at_s


def load_shards(t, work):
    paths = sorted(glob.glob(os.path.join(work, "out-*.json")))
    t.require(len(paths) == SHARDS, f"{{shard}} named {SHARDS} result files ({paths})")
    results = [t.load_json(path) for path in paths]
    for path, result in zip(paths, results):
        harness.check_accounting(t, result)
    return paths, results


def check_shard_identity(t, results, start_at_s):
    shards = [r.get("shard") or {} for r in results]
    t.require(all(shards), f"every result has a shard object ({shards})")
    t.check(sorted(s["index"] for s in shards) == list(range(1, SHARDS + 1)),
            f"the tasks are shards 1..{SHARDS} ({[s['index'] for s in shards]})")
    t.check(all(s["count"] == SHARDS for s in shards), f"every shard knows the count {SHARDS}")
    t.check(all(s["source"] == "slurm" for s in shards),
            f"--shard auto read Slurm's environment ({[s['source'] for s in shards]})")
    t.check(len({s["test_id"] for s in shards}) == 1,
            f"all shards are the same test ({[s['test_id'] for s in shards]})")
    t.check(all(s["start_at_unix_ns"] == start_at_s * 10**9 for s in shards),
            f"every shard recorded --start-at {start_at_s} "
            f"({[s['start_at_unix_ns'] for s in shards]})")
    # The start is recorded by the monotonic clock and converted to wall-clock time: a few
    # nanoseconds either way are the conversion's, not an early start.
    t.check(all(s["started_unix_ns"] >= start_at_s * 10**9 - 1000 for s in shards),
            f"no shard started before --start-at ({[s['started_unix_ns'] for s in shards]})")


def check_exact_slices(t, results):
    requests = [r["requests"] for r in results]
    scheduled = sum(q["scheduled"] for q in requests)
    sent = sum(q["sent"] for q in requests)
    t.check(scheduled == SCHEDULED, f"the shards together scheduled exactly the unsharded "
                                    f"{SCHEDULED} ({[q['scheduled'] for q in requests]})")
    t.check(all(q["scheduled"] == SCHEDULED // SHARDS for q in requests),
            f"each shard scheduled {SCHEDULED // SHARDS} ({[q['scheduled'] for q in requests]})")
    t.check(sent == SCHEDULED, f"the shards together sent all {SCHEDULED} "
                               f"(sent {[q['sent'] for q in requests]}, "
                               f"unsent {[q['unsent'] for q in requests]})")


def hlog_union(t, paths, results):
    """The union of every shard's untagged .hlog lines; each shard's own union must be its
    JSON histogram, which pins the decoder and the log to the result."""
    union = None
    for path, result in zip(paths, results):
        with open(path[:-len(".json")] + ".hlog") as f:
            lines = [h for tag, h in hdr_v2.hlog_histograms(f.read()) if tag is None]
        t.require(lines, f"{path[:-5]}.hlog has interval lines")
        shard = lines[0]
        for h in lines[1:]:
            shard.add(h)
        own = hdr_v2.decode(result["latency"]["histogram"])
        t.check(shard.counts == own.counts,
                f"{os.path.basename(path)}: its .hlog adds up to its latency histogram "
                f"({shard.total} vs {own.total} values)")
        t.check(hdr_v2.percentiles(own) == {k: result["latency"][k] for k in
                                            ("count", "min", "max", "p50", "p90", "p99", "p999")},
                f"{os.path.basename(path)}: the decoder reads barrage's own percentiles")
        if union is None:
            union = shard
        else:
            union.add(shard)
    return union


def check_merged(t, merged, results, union):
    requests = merged["requests"]
    for key in ("scheduled", "sent", "completed", "errors", "unsent", "unfinished"):
        total = sum(r["requests"][key] for r in results)
        t.check(requests[key] == total, f"merged requests.{key} {requests[key]} is the shards' "
                                        f"sum {total}")
    t.check(requests["scheduled"] == SCHEDULED, f"merged scheduled is {SCHEDULED}")
    harness.check_accounting(t, merged)
    expected = hdr_v2.percentiles(union)
    got = {k: merged["latency"][k] for k in expected}
    t.check(got == expected, f"merged latency percentiles are those of the union of the "
                             f"shards' .hlog histograms (merged {got}, union {expected})")
    merged_histogram = hdr_v2.decode(merged["latency"]["histogram"])
    t.check(merged_histogram.counts == union.counts,
            "the merged latency histogram is the union, count for count")


def skew_ns_reported(merged):
    """The merged JSON's start skew in ns, under `shards` (a number or an object)."""
    section = merged.get("shards")
    if isinstance(section, dict):
        for key, value in section.items():
            if "skew" in key and isinstance(value, (int, float)):
                scale = {"_ms": 1e6, "_us": 1e3}.get(key[-3:], 1)
                return value * scale
    return None


def check_skew(t, merge_run, results):
    starts = [r["shard"]["started_unix_ns"] for r in results]
    spread_ns = max(starts) - min(starts)
    reported = skew_ns_reported(merge_run.json or {})
    t.check(reported is not None and abs(reported - spread_ns) < 1000,
            f"the merged JSON reports the start skew, the spread of the shards' starts "
            f"({spread_ns} ns; shards section {(merge_run.json or {}).get('shards')!r})")
    t.check("skew" in merge_run.output.lower(), "merge prints the start skew")


def check_thresholds(t, paths):
    whole = t.run(["merge", *paths, "--threshold", f"rps >= {RATE // 2}"], json_out=False)
    harness.exits_with(t, whole, 0, f"rps >= {RATE // 2}, which no single shard reaches, "
                                    f"passes on the merged whole")
    failing = t.run(["merge", *paths, "--threshold", "p50 < 1us"], json_out=False)
    harness.exits_with(t, failing, 1, "a merged threshold that fails (p50 < 1us)")


def body(t):
    require_slurm()
    nginx = t.nginx("location = / { return 204; }")
    work = t.path("shards")
    os.makedirs(work)
    cluster = started_cluster(t, "slurm")
    try:
        start_at_s = run_shards(t, cluster, nginx.url("/"), work)
    finally:
        survivors = cluster.stop()
    t.check(not survivors, f"the Slurm cluster stops and leaves nothing (left: {survivors})")
    paths, results = load_shards(t, work)
    check_shard_identity(t, results, start_at_s)
    check_exact_slices(t, results)
    union = hlog_union(t, paths, results)
    merge_run = t.run(["merge", *paths, "--json", os.path.join(work, "all.json")],
                      json_out=False, quiet=False)
    harness.exits_with(t, merge_run, 0, "barrage merge of the four shards")
    merge_run.json = t.load_json(os.path.join(work, "all.json"))
    check_merged(t, merge_run.json, results, union)
    check_skew(t, merge_run, results)
    check_thresholds(t, paths)


harness.main(__doc__, body)
