#!/usr/bin/env python3
"""--watch-pid / --watch-cgroup / --watch-url end to end: `barrage serve --leak-per-request 64k`
is flagged as leaking (warning, JSON watch section, CSV columns, a failing rss_growth threshold:
exit 1) while the same run against a server that does not leak is not (exit 0); a PID that does
not exist, a missing cgroup and a bad URL are usage errors before any traffic (exit 2); a watched
process killed mid-run is recorded as exited and the run still exits 0, as does a watched run
stopped by SIGINT; a cgroup directory and a Prometheus endpoint are sampled into the result."""

import os
import signal
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

# Open loop at a modest rate: 200 req/s x 64 KiB is 750 MB/min of leak, far above any limit,
# and a server that does not leak stays flat. Samples every 500 ms after a 1 s warm-up.
LOAD = ["-r", "200", "-c", "4", "-t", "1", "-d", "4s", "--warmup", "1s", "--interval", "500ms"]


def load_args(server):
    return ["run", server.url(), *LOAD]


def the_target(t, outcome, what):
    watch = outcome.json.get("watch") if outcome.json else None
    t.require(isinstance(watch, dict) and len(watch.get("targets", [])) == 1,
              f"{what}: the JSON has a watch section with one target ({watch!r:.300})")
    return watch["targets"][0]


def check_leak_flagged(t, server):
    outcome = t.run(load_args(server) + ["--watch-pid", str(server.process.pid),
                                         "--threshold", "rss_growth < 5MB/min"],
                    csv_out=True, quiet=False)
    harness.exits_with(t, outcome, 1, "a leaking target fails the rss_growth threshold")
    target = the_target(t, outcome, "leaking")
    growth = target["growth"]["rss_mb_per_min"]
    t.check(target["leak_suspected"] is True, "the leaking target is flagged leak_suspected")
    t.check(isinstance(growth, (int, float)) and growth > 50,
            f"its RSS grows fast ({growth} MB/min)")
    t.check(target["kind"] == "pid" and f"pid {server.process.pid}" in target["name"],
            f"the target is named by its pid ({target['name']!r})")
    samples = target["samples"]
    t.check(len(samples) >= 8, f"it was sampled about once per interval ({len(samples)} samples)")
    t.check(all(s["rss_bytes"] > 0 and s["threads"] >= 1 and s["fds"] >= 3 for s in samples),
            "each sample has RSS, threads and fds")
    measured = [s for s in samples if 0 <= s["t_s"] <= 4]
    t.check(measured[-1]["rss_bytes"] - measured[0]["rss_bytes"] > 20 * 1024 * 1024,
            "RSS grew by tens of MB over the measured period")
    t.check(any("leak suspected" in w for w in outcome.json["warnings"]),
            f"the JSON warnings say so ({outcome.json['warnings']})")
    t.check("LEAK SUSPECTED" in outcome.stdout and "leak suspected" in outcome.stdout,
            "the summary says so")
    gate = outcome.json["thresholds"][0]
    t.check(gate["metric"] == "rss_growth" and gate["unit"] == "MB/min" and gate["limit"] == 5
            and gate["pass"] is False and abs(gate["value"] - growth) < 0.01,
            f"the threshold records the growth ({gate})")
    lines = (outcome.csv_text or "").splitlines()
    t.require(len(lines) >= 2 and lines[0] == harness.CSV_HEADER + ",rss_mb,fds,threads",
              f"the CSV has rss_mb,fds,threads columns ({lines[:1]})")
    rss = [float(line.split(",")[10]) for line in lines[1:] if line.split(",")[10]]
    t.check(len(rss) >= len(lines) - 2 and rss[-1] > rss[0] + 20,
            f"the CSV's rss_mb climbs ({rss})")


def check_no_leak(t, server):
    outcome = t.run(load_args(server) + ["--watch-pid", str(server.process.pid),
                                         "--threshold", "rss_growth < 5MB/min",
                                         "--threshold", "fd_growth < 10/min",
                                         "--threshold", "thread_growth < 1/min"],
                    csv_out=True, quiet=False)
    harness.exits_with(t, outcome, 0, "a target that does not leak passes the growth thresholds")
    target = the_target(t, outcome, "not leaking")
    t.check(target["leak_suspected"] is False and target["still_climbing"] is False,
            f"it is not flagged ({target['growth']})")
    t.check(abs(target["growth"]["rss_mb_per_min"]) < 5, "its RSS is flat")
    t.check(target["exited_at_s"] is None, "it did not exit")
    t.check(not any("leak" in w for w in outcome.json["warnings"]), "no leak warning")
    t.check("LEAK" not in outcome.stdout and "Watch" in outcome.stdout,
            "the summary shows the watch without a leak")
    t.check([g["pass"] for g in outcome.json["thresholds"]] == [True, True, True],
            "all three growth thresholds pass")


def check_usage_errors(t, server):
    gone = subprocess.Popen(["true"])
    gone.wait()
    no_json = t.path("never.json")
    base = ["run", server.url(), "-c", "1", "-d", "2s", "--json", no_json]
    cases = [
        (["--watch-pid", str(gone.pid)], f"--watch-pid {gone.pid}: no process with this id"),
        (["--watch-pid", "0"], "--watch-pid"),
        (["--watch-cgroup", t.path("no-such-cgroup")], "no such directory"),
        (["--watch-cgroup", t.path("")], "memory.current"),
        (["--watch-url", "ftp://127.0.0.1/metrics", "--watch-series", "up"], "http://"),
        (["--watch-url", "http://127.0.0.1:1/metrics"], "--watch-series"),
        (["--watch-series", "up"], "--watch-url"),
        (["--watch-url", "http://127.0.0.1:1/m", "--watch-series", "not-a-name"],
         "not a metric name"),
        (["--leak-rss-limit", "10MB"], "--leak-rss-limit"),
        (["--threshold", "rss_growth < 5MB/min"], "needs a watched target"),
        (["--watch-pid", str(server.process.pid), "--threshold", "rss_growth < 5"],
         "not a growth rate"),
    ]
    for extra, expected in cases:
        outcome = t.run(base + extra, json_out=False)
        harness.exits_with(t, outcome, 2, " ".join(extra))
        t.check(expected in outcome.stderr,
                f"the error says {expected!r} ({outcome.stderr.strip()!r})")
        t.check(outcome.elapsed_s < 1.5, f"it fails before any traffic ({outcome.elapsed_s:.2f}s)")
    t.check(not os.path.exists(no_json), "no result file is written for a usage error")


def check_exit_mid_run(t, server):
    victim = subprocess.Popen(["sleep", "60"], start_new_session=True)
    t.processes.append(("sleep", victim))
    json_path = t.path("exited.json")
    run = t.popen(load_args(server) + ["--watch-pid", str(victim.pid), "--json", json_path,
                                       "-q"])
    time.sleep(2.5)
    victim.send_signal(signal.SIGKILL)  # not reaped until after the run: a zombie meanwhile
    try:
        _, stderr = run.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        t.require(False, "the run with an exiting watched process finishes")
    victim.wait()
    t.check(run.returncode == 0, f"the run still exits 0 (got {run.returncode}; "
                                 f"{stderr.decode(errors='replace')[-500:]!r})")
    result = t.load_json(json_path) if os.path.exists(json_path) else {}
    targets = result.get("watch", {}).get("targets", [])
    t.require(len(targets) == 1, "the JSON has the watched process")
    exited = targets[0]["exited_at_s"]
    t.check(isinstance(exited, (int, float)) and 0 < exited < 4,
            f"it is recorded as exited during the measured period ({exited})")
    t.check(all(s["t_s"] <= exited for s in targets[0]["samples"]), "its samples stop there")
    t.check(any("exited" in w for w in result.get("warnings", [])),
            f"a warning says it exited ({result.get('warnings')})")


def check_interrupted(t, server):
    json_path, csv_path = t.path("interrupted.json"), t.path("interrupted.csv")
    run = t.popen(["run", server.url(), "-r", "100", "-c", "2", "-d", "30s", "--interval",
                   "200ms", "--watch-pid", str(server.process.pid), "--json", json_path,
                   "--csv", csv_path, "-q"])
    time.sleep(2.0)
    run.send_signal(signal.SIGINT)  # the watcher's thread must not take it
    try:
        run.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        t.require(False, "a watched run stops on SIGINT")
    t.check(run.returncode == 130, f"an interrupted watched run exits 130 (got {run.returncode})")
    result = t.load_json(json_path) if os.path.exists(json_path) else {}
    t.check(result.get("interrupted") is True and len(result.get("watch", {}).get("targets", []))
            == 1, "its JSON says interrupted and has the watch")
    # The CSV is streamed, each row written an interval late with its sample; the last at the end.
    with open(csv_path) as f:
        lines = f.read().splitlines()
    t.check(lines[:1] == [harness.CSV_HEADER + ",rss_mb,fds,threads"],
            f"the streamed CSV has the watch columns ({lines[:1]})")
    rows = [line.split(",") for line in lines[1:]]
    t.check(len(rows) == len(result.get("intervals", [])),
            f"a row per interval that ran ({len(rows)} rows, {len(result.get('intervals', []))} "
            f"intervals)")
    sampled = [row for row in rows if row[10]]
    t.check(len(sampled) >= len(rows) - 1,
            f"the rows carry the watched process's RSS ({len(sampled)} of {len(rows)})")


def check_cgroup_and_url(t, server):
    # A cgroup v2 directory is files: a fake one whose memory grows 1 MiB per 100 ms.
    cgroup = t.path("cgroup")
    os.makedirs(cgroup)
    stop = threading.Event()

    def write(name, text):
        with open(os.path.join(cgroup, name + ".tmp"), "w") as f:
            f.write(text)
        os.replace(os.path.join(cgroup, name + ".tmp"), os.path.join(cgroup, name))

    def grow():
        step = 0
        while not stop.is_set():
            write("memory.current", f"{(100 + step) * 1024 * 1024}\n")
            write("cpu.stat", f"usage_usec {step * 1000}\nuser_usec 0\nsystem_usec 0\n")
            write("pids.current", "3\n")
            step += 1
            stop.wait(0.1)

    write("memory.current", f"{100 * 1024 * 1024}\n")
    write("cpu.stat", "usage_usec 0\n")
    grower = threading.Thread(target=grow, daemon=True)
    grower.start()

    metrics, url, scrapes = harness.metrics_endpoint(
        lambda n: f'# TYPE app_queue gauge\napp_queue{{name="jobs"}} {n}\napp_other 1\n')
    try:
        outcome = t.run(load_args(server) + ["--watch-cgroup", cgroup, "--watch-url", url,
                                             "--watch-series", "app_queue"])
    finally:
        stop.set()
        metrics.shutdown()
    harness.exits_with(t, outcome, 0, "a run watching a cgroup and a metrics endpoint")
    target = the_target(t, outcome, "cgroup")
    t.check(target["kind"] == "cgroup" and target["leak_suspected"] is True,
            f"the growing cgroup is flagged ({target['growth']})")
    t.check(all(s["fds"] is None and s["threads"] == 3 for s in target["samples"][1:]),
            "a cgroup has no fd count (null) and pids.current as threads")
    t.check(target["growth"]["fds_per_min"] is None, "and so no fd growth")
    scrape = outcome.json["watch"].get("scrape", {})
    series = scrape.get("series", [])
    t.check(scrape.get("url") == url and scrape.get("failures") == 0,
            f"the endpoint was scraped without failures ({scrape.get('failures')})")
    t.check([s["key"] for s in series] == ['app_queue{name="jobs"}'],
            f"only the chosen series is kept, with its labels ({[s['key'] for s in series]})")
    points = series[0]["points"] if series else []
    t.check(len(points) >= 8 and points[-1][1] > points[0][1],
            f"one point per scrape, in order ({len(points)} points)")
    t.check(all(path == "/metrics" for path in scrapes), "the URL's path is requested")


def body(t):
    leaky = t.serve("--leak-per-request", "64k")
    clean = t.serve()
    check_leak_flagged(t, leaky)
    check_no_leak(t, clean)
    check_usage_errors(t, clean)
    check_exit_mid_run(t, clean)
    check_interrupted(t, clean)
    check_cgroup_and_url(t, clean)


harness.main(__doc__, body)
