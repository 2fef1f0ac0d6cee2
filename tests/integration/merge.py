#!/usr/bin/env python3
"""barrage merge: two real runs against barrage serve, made shards 1/2 and 2/2 of one test by
editing the "shard" object in (as `barrage run --shard I/N` writes it), merged. Counts sum
exactly; the merged latency histogram is the union of the shards' (decoded here from the V2
base64), so its percentiles are the union's; the merged intervals add the shards'. Merging one
whole-test file reproduces its own figures. A failing threshold on the merged whole exits 1;
duplicate, missing (without --allow-missing), different-test, older and foreign files exit 2.
Start skew is reported and warned about above 5 ms; a saturated shard makes the whole saturated.
A shard's watch section (--watch-pid) is kept as it was under shards.by_shard[i].watch."""

import base64
import json
import struct
import sys
import zlib

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

NS = 1_000_000_000


# ---- HdrHistogram V2 (barrage's latency layout: 1 us .. 1 h, 3 figures) ---------------------

def decode_counts(text):
    """index -> count of a V2 compressed base64 histogram (stats/hlog.h)."""
    raw = base64.b64decode(text)
    cookie, length = struct.unpack(">ii", raw[:8])
    assert cookie == 0x1C849314, hex(cookie)
    inner = zlib.decompress(raw[8:8 + length])
    cookie, payload, _, figures, lowest, highest = struct.unpack(">iiiiqq", inner[:32])
    assert cookie == 0x1C849313 and figures == 3 and lowest == 1, (cookie, figures, lowest)
    counts, index, at, end = {}, 0, 40, 40 + payload
    while at < end:
        value, shift = 0, 0
        while True:
            byte = inner[at]
            at += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80 or shift >= 63:
                break
        value = (value >> 1) ^ -(value & 1)  # zig-zag
        if value < 0:
            index += -value
        else:
            if value:
                counts[index] = counts.get(index, 0) + value
            index += 1
    return counts


def highest_equivalent(index):
    """The highest value in the bucket of `index` (sub-bucket half count 1024, unit 1)."""
    bucket, sub = (index >> 10) - 1, (index & 1023) + 1024
    if bucket < 0:
        bucket, sub = 0, sub - 1024
    return (sub << bucket) + (1 << bucket) - 1


def percentile(counts, p):
    total = sum(counts.values())
    rank = max(1, int(p / 100 * total + 0.5))
    seen = 0
    for index in sorted(counts):
        seen += counts[index]
        if seen >= rank:
            return highest_equivalent(index)
    return 0


def union(*histograms):
    out = {}
    for counts in histograms:
        for index, count in counts.items():
            out[index] = out.get(index, 0) + count
    return out


# ---- the test ------------------------------------------------------------------------------

def body(t):
    server = t.serve("--threads", "1")

    def shard_file(source, name, index, count=2, test_id="t-1", started_ns=None, edit=None):
        with open(source) as f:
            document = json.load(f)
        start = document["archive"]["run"]["measured_start_unix_ms"] * 1_000_000
        document["shard"] = {"index": index, "count": count, "test_id": test_id,
                             "source": "flag", "start_at_unix_ns": 0,
                             "started_unix_ns": started_ns if started_ns else start}
        if edit:
            edit(document)
        path = t.path(name)
        with open(path, "w") as f:
            json.dump(document, f)
        return path

    def merge(*args):
        return t.run(["merge", *args], json_out=False, quiet=False)

    # Shard 1 watches the server (as each shard would watch its own machine's target).
    a = t.run(["run", server.url("/"), "-r", "300", "-d", "2s", "-c", "4", "--watch-pid",
               str(server.process.pid)])
    b = t.run(["run", server.url("/"), "-c", "3", "-d", "2s"])  # closed loop: other latencies
    harness.exits_with(t, a, 0, "shard run a")
    harness.exits_with(t, b, 0, "shard run b")
    a_path, b_path = a.command[a.command.index("--json") + 1], b.command[b.command.index("--json") + 1]
    t0 = 1_800_000_000 * NS
    s1 = shard_file(a_path, "s1.json", 1, started_ns=t0)
    s2 = shard_file(b_path, "s2.json", 2, started_ns=t0 + 1_000_000)

    merged_path = t.path("merged.json")
    out = merge(s1, s2, "--json", merged_path, "--csv", t.path("m.csv"), "--html",
                t.path("m.html"))
    harness.exits_with(t, out, 0, "merge of shards 1/2 and 2/2")
    m = t.load_json(merged_path)
    for key in ("sent", "completed", "errors", "unsent", "unfinished", "scheduled"):
        t.check(m["requests"][key] == a.json["requests"][key] + b.json["requests"][key],
                f"requests.{key} sums ({m['requests'][key]})")
    t.check(m["status"]["2xx"] == a.json["status"]["2xx"] + b.json["status"]["2xx"],
            "2xx sums")
    both = union(decode_counts(a.json["latency"]["histogram"]),
                 decode_counts(b.json["latency"]["histogram"]))
    t.check(decode_counts(m["latency"]["histogram"]) == both,
            "the merged latency histogram is the union of the shards'")
    for key, p in (("p50", 50), ("p90", 90), ("p99", 99), ("p999", 99.9)):
        t.check(m["latency"][key] == percentile(both, p),
                f"merged {key} {m['latency'][key]} is the union's {percentile(both, p)}")
    t.check(m["latency"]["max"] == highest_equivalent(max(both)), "merged max is the union's")
    t.check(m["latency"]["count"] == a.json["latency"]["count"] + b.json["latency"]["count"],
            "latency count sums")
    rows = min(len(a.json["intervals"]), len(b.json["intervals"]))
    t.check(len(m["intervals"]) == max(len(a.json["intervals"]), len(b.json["intervals"])),
            "the shards' intervals align index by index (1 ms apart)")
    for i in range(rows):
        t.check(m["intervals"][i]["requests"] ==
                a.json["intervals"][i]["requests"] + b.json["intervals"][i]["requests"],
                f"interval {i} sums")
        row_union = union(decode_counts(a.json["archive"]["intervals"][i]["latency"]),
                          decode_counts(b.json["archive"]["intervals"][i]["latency"]))
        t.check(m["intervals"][i]["p99_us"] == percentile(row_union, 99),
                f"interval {i}'s p99 comes from the summed histograms")
    workers = a.json["workers"]["count"] + b.json["workers"]["count"]
    t.check(m["workers"]["count"] == workers and m["config"]["threads"] == workers and
            m["workers"]["cpus"] == a.json["workers"]["cpus"] + b.json["workers"]["cpus"],
            "the merged run's workers are every shard's")
    t.check(m["connections"]["established_max"] == a.json["connections"]["established_max"] +
            b.json["connections"]["established_max"], "connections.established_max sums")
    shards = m.get("shards", {})
    t.check(shards.get("count") == 2 and shards.get("missing") == [], f"shards section {shards}")
    t.check(shards.get("start_skew_ms") == 1.0, "start skew 1 ms")
    by_shard = shards.get("by_shard", [{}, {}])
    t.check("watch" in a.json and by_shard[0].get("watch") == a.json["watch"],
            "shard 1's watch section is kept, as it was, in shards.by_shard[0].watch")
    t.check("watch" not in by_shard[1] and "watch" not in m,
            "shard 2 watched nothing; the merged whole has no watch of its own")
    t.check(not any("apart" in w for w in m["warnings"]), "no skew warning at 1 ms")
    t.check("Shards" in out.stdout and "start skew 1.000 ms" in out.stdout,
            f"the summary has the Shards line ({out.stdout[-600:]!r})")
    with open(t.path("m.csv")) as f:
        t.check(len(f.read().splitlines()) == len(m["intervals"]) + 1, "--csv has every row")
    with open(t.path("m.html")) as f:
        t.check("<html" in f.read(200).lower(), "--html writes the page")

    # One whole-test file merged alone reproduces its own figures.
    alone_path = t.path("alone.json")
    harness.exits_with(t, merge(a_path, "--json", alone_path), 0, "a whole test alone")
    alone = t.load_json(alone_path)
    for key in ("requests", "latency", "latency_judged", "service_time", "schedule_lag",
                "connect_time", "status", "errors", "intervals", "throughput_rps",
                "achieved_send_rate_rps", "duration_s", "target_rate_rps", "connections",
                "bytes", "config", "target", "mode", "warnings", "generator"):
        t.check(alone.get(key) == a.json.get(key), f"merging one file keeps its {key}")

    # A profile's run (request names, checks, phases) merged alone: the same document, archive
    # included, plus the shards section.
    profile = t.path("two.toml")
    with open(profile, "w") as f:
        f.write(f'[target]\nurl = "{server.url("/")}"\nconnections = 2\n'
                '[[requests]]\nname = "home"\npath = "/"\nchecks = [{ status = 200 }]\n'
                '[[requests]]\nname = "item"\npath = "/item"\n'
                '[[phases]]\nname = "warm"\nshape = "constant"\nrate = 50\nduration = "1s"\n'
                '[[phases]]\nname = "main"\nshape = "ramp"\nfrom = 50\nto = 150\n'
                'duration = "2s"\n')
    run = t.run(["run", profile])
    harness.exits_with(t, run, 0, "a profile run")
    run_path = run.command[run.command.index("--json") + 1]
    profile_alone_path = t.path("profile_alone.json")
    harness.exits_with(t, merge(run_path, "--json", profile_alone_path), 0, "the profile alone")
    profile_alone = t.load_json(profile_alone_path)
    profile_alone.pop("shards", None)
    t.check(profile_alone == run.json, "merging a profile's result alone writes the same document")

    # Thresholds judged on the merged whole: the shards' own and --threshold.
    harness.exits_with(t, merge(s1, s2, "--threshold", "p99 < 1us"), 1, "a failing threshold")
    harness.exits_with(t, merge(s1, s2, "--threshold", "error_rate < 50%"), 0,
                       "a passing threshold")
    windowed_path = t.path("windowed.json")
    harness.exits_with(t, merge(s1, s2, "--threshold", "p99[1s] < 1us", "--threshold",
                                "error_rate > 50% for 1s", "--json", windowed_path), 1,
                       "a windowed threshold failing over the merged intervals")
    gates = t.load_json(windowed_path)["thresholds"]
    t.check(not gates[0]["pass"] and gates[0]["window_start_s"] is not None,
            f"the windowed one fails in a window ({gates[0]})")
    t.check(gates[1]["pass"], f"the sustained one holds ({gates[1]})")
    gated = shard_file(a_path, "gated.json", 1, started_ns=t0, edit=lambda d: d["archive"][
        "plan"]["thresholds"].append({"expression": "max < 1us", "abort": False,
                                      "origin": "--threshold", "time_scale": 1}))
    harness.exits_with(t, merge(gated, s2), 1, "a shard's own threshold, judged on the whole")

    # Refusals.
    for args, what, words in (
            ((s1, s1), "the same shard twice", "given twice"),
            ((s1,), "a missing shard", "missing"),
            ((s1, shard_file(b_path, "other.json", 2, test_id="t-2")), "different tests",
             "different tests"),
            ((s1, shard_file(b_path, "three.json", 2, count=3)), "different shard counts",
             "different tests"),
            ((s1, a_path), "a whole test with a shard", "whole test"),
            ((s1, shard_file(b_path, "old.json", 2, edit=lambda d: d.pop("archive"))),
             "a file without the archive", "no 'archive'"),
            ((t.path("m.csv"),), "a file that is not JSON", "not a barrage result")):
        refused = merge(*args)
        harness.exits_with(t, refused, 2, what)
        t.check(words in refused.stderr, f"{what}: says '{words}' ({refused.stderr!r})")

    refused = merge(s1, s2, "--json", t.path("no/such/dir/m.json"))
    harness.exits_with(t, refused, 2, "an output into a missing directory")
    t.check("--json file" in refused.stderr, f"names the output ({refused.stderr!r})")

    # --allow-missing: merged, and every output says what is missing.
    part_path = t.path("part.json")
    partial = merge(s1, "--allow-missing", "--json", part_path, "--html", t.path("p.html"))
    harness.exits_with(t, partial, 0, "--allow-missing")
    part = t.load_json(part_path)
    t.check(part["shards"]["missing"] == [2], "the JSON's shards.missing names shard 2")
    t.check(any("INCOMPLETE" in w and "2" in w for w in part["warnings"]),
            "a JSON warning names the missing shard")
    t.check("INCOMPLETE" in partial.stdout and "MISSING: 2" in partial.stdout,
            "the summary says so")
    with open(t.path("p.html")) as f:
        t.check("INCOMPLETE" in f.read(), "the HTML page says so")

    # Skew above 5 ms, and a saturated shard.
    def saturate(document):
        counters = document["archive"]["totals"]["counters"]
        counters["stalls"] = 1000
        counters["stall_ns"] = 30 * NS
    late = shard_file(b_path, "late.json", 2, started_ns=t0 + 20_000_000, edit=saturate)
    skewed_path = t.path("skewed.json")
    skewed = merge(s1, late, "--json", skewed_path)
    harness.exits_with(t, skewed, 0, "skewed shards")
    sk = t.load_json(skewed_path)
    t.check(sk["shards"]["start_skew_ms"] == 20.0, "a 20 ms skew")
    t.check(any("20.000 ms apart" in w for w in sk["warnings"]), "warned above 5 ms")
    t.check(sk["generator"]["saturated"], "a saturated shard makes the merged run saturated")
    t.check(any(e.startswith("shard 2/2:") for e in sk["generator"]["evidence"]),
            f"naming the shard ({sk['generator']['evidence']})")
    by_shard = {s["index"]: s for s in sk["shards"]["by_shard"]}
    t.check(by_shard[2]["saturated"], "shard 2's own verdict is in its by_shard entry")
    t.check(by_shard[1]["saturated"] == a.json["generator"]["saturated"],
            "shard 1's is its own run's (a busy machine may saturate it for real)")


harness.main(__doc__, body)
