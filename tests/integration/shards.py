#!/usr/bin/env python3
"""--shard I/N: four shards started at once with one --start-at instant against barrage serve
send exactly what one unsharded run schedules (open loop: -r 1000 -d 2s = 2000 arrivals;
closed loop: --requests 103 -c 10 = 103 sends; two scenarios, each its own). Each writes its
--json out-{shard}.json with a "shard" object: the same test_id and start_at, its own index, a
started_unix_ns at or after start_at. --shard auto reads SLURM_PROCID/SLURM_NTASKS; bad forms
and a missing engine exit 2; a --start-at already past warns on stderr and runs. A [[data]]
file with shard = "partition" gives each shard rows of its own; "shared" deals them over every
shard's workers; too few rows for the shards exit 2."""

import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

SHARDS = 4
ENGINE_VARS = ("SLURM_PROCID", "SLURM_NTASKS", "JOB_COMPLETION_INDEX", "OMPI_COMM_WORLD_RANK",
               "OMPI_COMM_WORLD_SIZE")


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ENGINE_VARS}
    env.update(extra)
    return env


def run_shards(t, args, name):
    """Starts SHARDS `barrage run ARGS --shard i/N --start-at T` at once, T one instant 3 s
    ahead (computed once, as a launcher would: `+3s` would be each process's own); returns
    their JSON results."""
    pattern = t.path(name + "-{shard}.json")
    start_at = f"{time.time() + 3:.3f}"
    processes = []
    for i in range(1, SHARDS + 1):
        command = [t.binary, "run", *args, "--shard", f"{i}/{SHARDS}", "--start-at", start_at,
                   "--json", pattern, "-q"]
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, start_new_session=True,
                                   env=clean_env())
        t.processes.append(("barrage run", process))
        processes.append(process)
    print(f"started {SHARDS}: barrage run {' '.join(args)} --shard i/{SHARDS}", flush=True)
    results = []
    for i, process in enumerate(processes, start=1):
        try:
            _, stderr = process.communicate(timeout=40)
        except subprocess.TimeoutExpired:
            t.require(False, f"{name}: shard {i} finishes within 40 s")
        t.check(process.returncode == 0, f"{name}: shard {i} exits 0 (got {process.returncode}; "
                                         f"stderr {stderr.decode(errors='replace')[-600:]!r})")
        path = pattern.replace("{shard}", str(i))
        t.require(os.path.exists(path), f"{name}: --json {pattern} wrote {path}")
        results.append(t.load_json(path))
    return results


def check_shard_objects(t, results, name, source="flag"):
    shards = [r.get("shard") or {} for r in results]
    t.check([s.get("index") for s in shards] == list(range(1, SHARDS + 1)),
            f"{name}: shard.index is 1..{SHARDS} ({[s.get('index') for s in shards]})")
    t.check(all(s.get("count") == SHARDS for s in shards), f"{name}: shard.count is {SHARDS}")
    t.check(all(s.get("source") == source for s in shards), f"{name}: shard.source is {source}")
    ids = {s.get("test_id") for s in shards}
    t.check(len(ids) == 1 and len(next(iter(ids)) or "") == 16,
            f"{name}: one 16-hex-digit test_id for every shard ({ids})")
    start_at = {s.get("start_at_unix_ns") for s in shards}
    t.check(len(start_at) == 1, f"{name}: one start_at_unix_ns for every shard ({start_at})")
    at = next(iter(start_at)) or 0
    started = [s.get("started_unix_ns") or 0 for s in shards]
    # Not a timing assertion: each shard started at or after the instant asked (a shard that
    # connected late starts late and warns), and within the run's own length of the others.
    t.check(all(s >= at - 1_000_000 for s in started),
            f"{name}: every shard started at or after start_at ({at}: {started})")
    t.check(max(started) - min(started) < 2_000_000_000,
            f"{name}: the shards started together ({[(s - at) / 1e6 for s in started]} ms "
            f"after start_at)")
    for result in results:
        harness.check_accounting(t, result)
    return shards


def check_open_loop(t, server):
    whole = t.run(["run", server.url(), "-r", "1000", "-d", "2s", "-c", "8", "-t", "1"],
                  timeout_s=30)
    harness.exits_with(t, whole, 0, "unsharded -r 1000 -d 2s")
    scheduled = (whole.json or {}).get("requests", {}).get("scheduled")
    t.check(scheduled == 2000, f"the unsharded run schedules 2000 ({scheduled})")
    results = run_shards(t, [server.url(), "-r", "1000", "-d", "2s", "-c", "8", "-t", "1"],
                         "open")
    requests = [r.get("requests", {}) for r in results]
    per_shard = [r.get("scheduled") for r in requests]
    t.check(per_shard == [500] * SHARDS, f"open: each shard schedules 500 ({per_shard})")
    t.check(sum(r.get("scheduled", 0) for r in requests) == scheduled,
            f"open: the shards' scheduled add up to the unsharded run's {scheduled}")
    t.check(all(r.get("sent", 0) + r.get("unsent", 0) == r.get("scheduled") for r in requests),
            "open: in every shard scheduled = sent + unsent")
    t.check(sum(r.get("sent", 0) + r.get("unsent", 0) for r in requests) == 2000,
            "open: sent + unsent over the shards == 2000")
    t.check([r.get("connections", {}).get("opened") for r in results] == [2] * SHARDS,
            f"open: -c 8 over 4 shards opens 2 each "
            f"({[r.get('connections', {}).get('opened') for r in results]})")
    check_shard_objects(t, results, "open")
    # The shards' files merge into the whole test (barrage merge reads the shard objects).
    merged = t.run(["merge", *[t.path(f"open-{i}.json") for i in range(1, SHARDS + 1)]],
                   timeout_s=30)
    harness.exits_with(t, merged, 0, "barrage merge of the 4 shards")
    whole_merged = merged.json or {}
    t.check(whole_merged.get("requests", {}).get("scheduled") == 2000,
            f"merged: scheduled 2000 ({whole_merged.get('requests', {}).get('scheduled')})")
    shards = whole_merged.get("shards", {})
    t.check(shards.get("count") == SHARDS and shards.get("missing") == [],
            f"merged: all {SHARDS} shards, none missing ({shards.get('count')}, "
            f"{shards.get('missing')})")


def check_closed_loop(t, server):
    results = run_shards(t, [server.url(), "--requests", "103", "-c", "10", "-t", "1"],
                         "closed")
    sent = [r.get("requests", {}).get("sent") for r in results]
    # 103 over 4 shards: 26 + 26 + 26 + 25.
    t.check(sent == [26, 26, 26, 25], f"closed: --requests 103 splits 26+26+26+25 ({sent})")
    t.check(sum(s or 0 for s in sent) == 103, "closed: the shards send 103 together")
    check_shard_objects(t, results, "closed")


def run_with_env(t, args, env, timeout_s=20):
    command = [t.binary, "run", *args]
    done = subprocess.run(command, capture_output=True, timeout=timeout_s,
                          stdin=subprocess.DEVNULL, env=env)
    print(f"ran: {' '.join(command)} -> exit {done.returncode}", flush=True)
    return done


def check_auto_and_refusals(t, server):
    json_path = t.path("auto.json")
    before_ns = time.time_ns()
    done = run_with_env(t, [server.url(), "-r", "100", "-d", "1s", "-c", "4", "-t", "1",
                            "--shard", "auto", "--start-at", "+1s", "--json", json_path, "-q"],
                        clean_env(SLURM_PROCID="2", SLURM_NTASKS="4"))
    after_ns = time.time_ns()
    t.check(done.returncode == 0, f"--shard auto under Slurm exits 0 ({done.stderr[-400:]!r})")
    shard = (t.load_json(json_path) if os.path.exists(json_path) else {}).get("shard") or {}
    t.check((shard.get("index"), shard.get("count"), shard.get("source")) == (3, 4, "slurm"),
            f"SLURM_PROCID=2 SLURM_NTASKS=4 is shard 3/4 from slurm ({shard})")
    at = shard.get("start_at_unix_ns") or 0
    t.check(before_ns + 10**9 <= at <= after_ns + 10**9,
            f"--start-at +1s is 1 s after the process read the clock ({at})")
    t.check((shard.get("started_unix_ns") or 0) >= at - 10**6,
            "the schedule started at or after --start-at")
    refusals = [
        (["--shard", "0/4"], clean_env(), b"1-based"),
        (["--shard", "x/y"], clean_env(), b"is not I/N"),
        (["--shard", "auto"], clean_env(), b"SLURM_PROCID"),
        (["--shard", "auto"], clean_env(JOB_COMPLETION_INDEX="1"), b"--shards N"),
        (["--shard", "4/4", "-c", "3"], clean_env(), b"leave this shard none"),
        (["--shard", "4/4", "-c", "4", "--requests", "3"], clean_env(), b"leaves this shard none"),
        (["--start-at", "noon"], clean_env(), b"RFC 3339"),
    ]
    for extra, env, message in refusals:
        done = run_with_env(t, [server.url(), "-d", "1s", *extra], env)
        t.check(done.returncode == 2 and message in done.stderr,
                f"{' '.join(extra)}: exit 2 saying {message!r} (got {done.returncode}, "
                f"{done.stderr[-300:]!r})")
    past = run_with_env(t, [server.url(), "-r", "50", "-d", "0.5s", "-c", "2", "--start-at",
                            "1000000000", "-q"], clean_env())
    t.check(past.returncode == 0 and b"warning: --start-at passed" in past.stderr,
            f"a --start-at in the past warns and runs ({past.returncode}, {past.stderr[-300:]!r})")


SCENARIOS = """
[target]
url = "{url}"

[[requests]]
name = "home"
path = "/"

[[scenario]]
name = "steady"
connections = 4
session = {{ steps = ["home"] }}

[[scenario.phases]]
name = "flat"
shape = "constant"
rate = 150
duration = "1s"

[[scenario]]
name = "rising"
connections = 4
start = "200ms"
session = {{ steps = ["home"] }}

[[scenario.phases]]
name = "ramp"
shape = "ramp"
from = 20
to = 230
duration = "1s"
"""


def check_scenarios(t, server):
    profile = t.path("scenarios.toml")
    with open(profile, "w") as f:
        f.write(SCENARIOS.format(url=server.url("").rstrip("/")))
    whole = t.run(["run", profile, "-t", "1"], timeout_s=30)
    harness.exits_with(t, whole, 0, "unsharded scenarios")
    expected = {s["name"]: s["requests"]["scheduled"] for s in (whole.json or {}).get("scenarios",
                                                                                       [])}
    t.check(expected.get("steady") == 150, f"the unsharded steady scenario schedules 150 "
                                           f"({expected})")
    results = run_shards(t, [profile, "-t", "1"], "scenarios")
    for name, count in expected.items():
        parts = [next((s["requests"]["scheduled"] for s in r.get("scenarios", [])
                       if s["name"] == name), None) for r in results]
        t.check(None not in parts and sum(parts) == count,
                f"scenario {name}: the shards schedule {parts}, together the unsharded {count}")
    check_shard_objects(t, results, "scenarios")


DATA_PROFILE = """
[target]
url = "{url}"
connections = 2
new_conn = true

[[data]]
path = "users.csv"
shard = "{shard}"

[[requests]]
name = "login"
path = "/u/{{{{user}}}}"

[[phases]]
name = "main"
shape = "constant"
rate = 100
iterations = 24
"""

OK_RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def users_sent(t, profile, mode):
    """The paths (/u/{{user}}) each shard of 2 sends with [[data]] shard = MODE, by shard; one
    session per request (new_conn), so every request takes the next row."""
    recorder = t.recorder(OK_RESPONSE)
    with open(profile, "w") as f:
        f.write(DATA_PROFILE.format(url=recorder.url("").rstrip("/"), shard=mode))
    users = {}
    for i in (1, 2):
        with recorder.lock:
            recorder.requests.clear()
        outcome = t.run(["run", profile, "-t", "1", "--shard", f"{i}/2"], timeout_s=30)
        harness.exits_with(t, outcome, 0, f"{profile}: shard {i}/2")
        with recorder.lock:
            users[i] = {r.split(b" ")[1].decode() for r in recorder.requests}
    recorder.close()
    return users


def check_data_partition(t):
    with open(t.path("users.csv"), "w") as f:
        f.write("user\n" + "".join(f"u{k}\n" for k in range(1, 9)))
    users = users_sent(t, t.path("partition.toml"), "partition")
    t.check(users[1] == {f"/u/u{k}" for k in range(1, 5)} and
            users[2] == {f"/u/u{k}" for k in range(5, 9)},
            f"shard = \"partition\": shard 1 logs in as u1..u4 only, shard 2 as u5..u8 ({users})")
    shared = users_sent(t, t.path("shared.toml"), "shared")
    t.check(shared[1] | shared[2] == {f"/u/u{k}" for k in range(1, 9)},
            f"shard = \"shared\": the shards deal every row between them ({shared})")
    too_few = t.path("few.csv")
    with open(too_few, "w") as f:
        f.write("user\nu1\n")
    with open(t.path("few.toml"), "w") as f:
        f.write(DATA_PROFILE.format(url="http://127.0.0.1:9", shard="partition")
                .replace("users.csv", "few.csv"))
    outcome = t.run(["run", t.path("few.toml"), "--shard", "1/2"], timeout_s=10)
    t.check(outcome.rc == 2 and "has 1 row for 2 shards" in outcome.stderr,
            f"a partitioned file with fewer rows than shards exits 2 ({outcome.stderr[-300:]!r})")


def body(t):
    check_data_partition(t)
    server = t.serve("--threads", "1")
    check_open_loop(t, server)
    check_closed_loop(t, server)
    check_scenarios(t, server)
    check_auto_and_refusals(t, server)


if __name__ == "__main__":
    harness.main(__doc__, body)
