#!/usr/bin/env python3
"""--hlog writes an HdrHistogram interval log (and the JSON latency.histogram the same encoding)
that an independent decoder (this file, stdlib only) and the reference Java implementation (Debian's libhdrhistogram-java,
HistogramLogProcessor) read back to the same counts and percentiles as barrage's JSON. A
profile's run adds Tag=NAME lines per request name (names sanitized: no spaces or commas) that
add up to each name's results. The Java half skips (exit 77 when it is all there is) if java or the jar is missing."""

import base64
import csv
import math
import os
import shutil
import struct
import subprocess
import sys
import zlib

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

JARS = ["/usr/share/java/HdrHistogram.jar", "/usr/share/java/hdrhistogram.jar"]


def zigzag_varints(data):
    """The reference LEB128-64b9B ZigZag decoder, independent of barrage's."""
    at = 0
    while at < len(data):
        value = 0
        for i in range(9):
            byte = data[at]
            at += 1
            if i == 8:
                value |= byte << 56
                break
            value |= (byte & 0x7F) << (7 * i)
            if not byte & 0x80:
                break
        yield (value >> 1) ^ -(value & 1)


def decode(line_b64):
    raw = base64.b64decode(line_b64)
    cookie, length = struct.unpack(">ii", raw[:8])
    assert cookie == 0x1C849314, hex(cookie)
    payload = zlib.decompress(raw[8:8 + length])
    cookie, payload_len, _offset, figures, lowest, highest, ratio = struct.unpack(
        ">iiiiqqd", payload[:40])
    assert cookie == 0x1C849313, hex(cookie)
    counts = []
    for word in zigzag_varints(payload[40:40 + payload_len]):
        counts.extend([0] * -word if word < 0 else [word])
    return (figures, lowest, highest, ratio), counts


def body(t):
    server = t.serve("--threads", "1")
    hlog = t.path("run.hlog")
    outcome = t.run(["run", server.url(), "-c", "2", "-d", "2s", "--hlog", hlog])
    harness.exits_with(t, outcome, 0, "a run with --hlog")
    result = outcome.json
    t.require(result is not None and os.path.exists(hlog), "the JSON and the .hlog were written")
    with open(hlog) as f:
        lines = f.read().splitlines()
    t.check(lines[0] == "#[Histogram log format version 1.3]", "the log names its format")
    t.check(lines[1].startswith("#[StartTime: ") and lines[2].startswith("#[BaseTime: "),
            "StartTime and BaseTime headers")
    t.check(lines[3] == '"StartTimestamp","Interval_Length","Interval_Max",'
                        '"Interval_Compressed_Histogram"', "the legend line")
    rows = [line.split(",") for line in lines[4:]]
    t.require(len(rows) == len(result["intervals"]),
              f"one line per interval ({len(rows)} vs {len(result['intervals'])})")
    total = 0
    for row, interval in zip(rows, result["intervals"]):
        layout, counts = decode(row[3])
        t.check(layout == (3, 1, 3_600_000_000, 1.0), f"layout 1us..1h, 3 digits ({layout})")
        t.check(sum(counts) == interval["requests"],
                f"interval at {row[0]}s holds its {interval['requests']} requests ({sum(counts)})")
        t.check(abs(float(row[2]) * 1000 - interval["max_us"]) <= 1,
                f"Interval_Max is the interval's max in ms ({row[2]} vs {interval['max_us']}us)")
        total += sum(counts)
    t.check(total == result["latency"]["count"], "the intervals add up to the run's count")
    # The JSON's latency.histogram is the same encoding: the whole run's counts.
    layout, whole = decode(result["latency"]["histogram"])
    t.check(layout == (3, 1, 3_600_000_000, 1.0) and sum(whole) == result["latency"]["count"],
            f"latency.histogram decodes to the run's {result['latency']['count']} requests")
    t.check(percentile(dict(enumerate(whole)), 99, lambda x: math.floor(x + 0.5)) ==
            result["latency"]["p99"], "and gives its p99")
    tagged_hlog, tagged_result = check_tagged(t, server)

    java = shutil.which("java")
    jar = next((j for j in JARS if os.path.exists(j)), None)
    if java is None or jar is None:
        raise harness.Skip("java or libhdrhistogram-java is not installed (scripts/install-deps.sh)")
    prefix = t.path("java-out")
    done = subprocess.run([java, "-cp", jar, "org.HdrHistogram.HistogramLogProcessor", "-i", hlog,
                           "-o", prefix, "-csv", "-outputValueUnitRatio", "1"],
                          capture_output=True, timeout=60)
    t.require(done.returncode == 0, f"HistogramLogProcessor reads the log ({done.stderr[-500:]!r})")
    with open(prefix) as f:
        table = list(csv.DictReader(line for line in f if not line.startswith("#")))
    t.require(len(table) == len(result["intervals"]), f"Java sees every interval ({len(table)})")
    for row, interval in zip(table, result["intervals"]):
        t.check(int(row["Int_Count"]) == interval["requests"],
                f"Java's interval count {row['Int_Count']} == {interval['requests']}")
        t.check(float(row["Int_Max"]) == interval["max_us"],
                f"Java's interval max {row['Int_Max']} == {interval['max_us']}")
    last = table[-1]
    latency = result["latency"]
    t.check(int(last["Total_Count"]) == latency["count"], "Java's total count matches")
    t.check(float(last["Total_Max"]) == latency["max"], "Java's max matches")
    # Same counts, so each side's percentiles follow from them by its own rank rule: Java
    # 2.1 takes rank ceil(p * n), barrage rounds to nearest (docs/output.md).
    merged = {}
    for row in rows:
        for index, count in enumerate(decode(row[3])[1]):
            merged[index] = merged.get(index, 0) + count
    for java_key, key, p in [("Total_50%", "p50", 50), ("Total_90%", "p90", 90),
                             ("Total_99%", "p99", 99), ("Total_99.9%", "p999", 99.9),
                             ("Total_99.99%", "p9999", 99.99)]:
        java_value = percentile(merged, p, math.ceil)
        t.check(float(last[java_key]) == java_value,
                f"Java's {java_key} {last[java_key]} is what the counts give ({java_value})")
        t.check(latency[key] == percentile(merged, p, lambda x: math.floor(x + 0.5)),
                f"barrage's {key} {latency[key]} is what the same counts give")
    # The reference reader picks one tag's lines with -tag.
    for name, tag in [("home", "home"), ("json, scored", "json__scored")]:
        prefix = t.path(f"java-{tag}")
        done = subprocess.run([java, "-cp", jar, "org.HdrHistogram.HistogramLogProcessor", "-i",
                               tagged_hlog, "-o", prefix, "-csv", "-tag", tag],
                              capture_output=True, timeout=60)
        t.require(done.returncode == 0, f"Java reads tag {tag} ({done.stderr[-500:]!r})")
        with open(prefix) as f:
            table = list(csv.DictReader(line for line in f if not line.startswith("#")))
        expected = tagged_result["requests_by_name"][name]["latency"]["count"]
        t.check(table and int(table[-1]["Total_Count"]) == expected,
                f"Java's total for tag {tag} is {name}'s count {expected}")


PROFILE = """
[target]
url = "{url}"
connections = 2

[[requests]]
name = "home"
path = "/"

[[requests]]
name = "json, scored"
path = "/json"

[[phases]]
name = "main"
shape = "constant"
rate = 200
duration = "2s"
"""


def check_tagged(t, server):
    """A profile with two request names: each interval has an untagged line for the whole
    run and one Tag=NAME line per name; the tagged lines add up to the untagged ones."""
    path = t.path("tags.toml")
    with open(path, "w") as f:
        f.write(PROFILE.format(url=server.url("").rstrip("/")))
    hlog = t.path("tags.hlog")
    outcome = t.run(["run", path, "-t", "1", "--hlog", hlog])
    harness.exits_with(t, outcome, 0, "a profile run with --hlog")
    result = outcome.json
    t.require(result is not None and os.path.exists(hlog), "the JSON and the .hlog were written")
    with open(hlog) as f:
        lines = [line for line in f.read().splitlines()[4:]]
    untagged = {}
    tagged = {}
    for line in lines:
        tag = None
        if line.startswith("Tag="):
            tag, line = line[4:].split(",", 1)
        start, _length, _max, histogram = line.split(",")
        count = sum(decode(histogram)[1])
        if tag is None:
            untagged[start] = count
        else:
            tagged.setdefault(tag, {})[start] = count
    t.check(sorted(tagged) == ["home", "json__scored"],
            f"one tag per request name, sanitized ({sorted(tagged)})")
    t.check(len(untagged) == len(result["intervals"]), "one untagged line per interval")
    for start, count in untagged.items():
        by_tag = sum(tagged.get(tag, {}).get(start, 0) for tag in tagged)
        t.check(by_tag == count, f"at {start}s the tagged lines add up ({by_tag} vs {count})")
    for name, tag in [("home", "home"), ("json, scored", "json__scored")]:
        expected = result["requests_by_name"][name]["latency"]["count"]
        t.check(expected > 0 and sum(tagged.get(tag, {}).values()) == expected,
                f"tag {tag} holds {name}'s {expected} latencies")
    return hlog, result


def highest_equivalent(index):
    """Index -> highest equivalent value for barrage's layout (1 us, 3 digits: 2048 sub-buckets)."""
    bucket = (index >> 10) - 1
    sub = (index & 1023) + 1024
    if bucket < 0:
        sub -= 1024
        bucket = 0
    return (sub << bucket) + (1 << bucket) - 1


def percentile(counts, p, rank_rule):
    total = sum(counts.values())
    rank = max(1, rank_rule(p / 100.0 * total))
    seen = 0
    for index in sorted(counts):
        seen += counts[index]
        if seen >= rank:
            return highest_equivalent(index)
    return 0


harness.main(__doc__, body)
