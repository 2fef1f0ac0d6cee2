#!/usr/bin/env python3
"""5,000 connections held from one process with --source 127.0.0.2-127.0.0.9 and --connect-rate,
at a low rate for a few seconds: every connection is established (JSON), bound round robin over
the eight source addresses (the target's sockets, counted with ss while the run holds them),
requests complete, the counts add up, and no connection is left open at the end. A slow
--connect-rate holds the opening connects back (the run takes at least connections / rate) and
the start waits for them; reconnects (--new-conn) keep to the rate too. Before any traffic, exit 2 with a message that says what and how to fix
it: connections that cannot fit the sources' local ports, a source address that is not local, a
source of the other family, a bad --source, and connections beyond the open-file limit."""

import os
import resource
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

CONNECTIONS = 5_000
SOURCES = [f"127.0.0.{i}" for i in range(2, 10)]
FDS_WANTED = 2 * CONNECTIONS + 1_000  # barrage and its target inherit this limit


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < FDS_WANTED:
        try:  # above the hard limit only with CAP_SYS_RESOURCE
            resource.setrlimit(resource.RLIMIT_NOFILE, (FDS_WANTED, max(hard, FDS_WANTED)))
        except (ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def established_by_source(port):
    """The established client sockets to `port`, counted by local address."""
    out = subprocess.run(["ss", "-Htn", "state", "established", f"( dport = :{port} )"],
                         capture_output=True, text=True, timeout=10).stdout
    counts = {}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 4:
            address = fields[2].rsplit(":", 1)[0]
            counts[address] = counts.get(address, 0) + 1
    return counts


def held_connections(t, server):
    """Runs 5,000 connections in the background and samples the sockets while they are held."""
    json_path = t.path("held.json")
    process = t.popen(["run", server.url(), "-c", str(CONNECTIONS), "-t", "2", "-r", "500",
                       "-d", "4s", "--source", f"{SOURCES[0]}-{SOURCES[-1]}",
                       "--connect-rate", "5000", "--timeout", "30s", "--json", json_path, "-q"])
    busiest = {}
    deadline = time.monotonic() + 90
    while process.poll() is None and time.monotonic() < deadline:
        counts = established_by_source(server.port)
        if sum(counts.values()) > sum(busiest.values()):
            busiest = counts
        time.sleep(0.3)
    t.require(process.poll() is not None, "barrage finishes within 90 s")
    stderr = process.stderr.read().decode(errors="replace")
    t.check(process.returncode == 0, f"the run exits 0 (got {process.returncode}: {stderr[-500:]})")
    return t.load_json(json_path), busiest


def check_held(t, server):
    result, busiest = held_connections(t, server)
    connections = result["connections"]
    t.check(connections["established_max"] == CONNECTIONS,
            f"all {CONNECTIONS} connections were open at once ({connections})")
    t.check(connections["opened"] == CONNECTIONS and connections["reconnects"] == 0,
            f"each opened once, none reconnected ({connections})")
    t.check(sorted(busiest) == SOURCES,
            f"the held sockets come from exactly the eight sources ({sorted(busiest)})")
    share = CONNECTIONS // len(SOURCES)
    t.check(all(abs(n - share) <= 2 for n in busiest.values()) or
            sum(busiest.values()) < CONNECTIONS,
            f"round robin: about {share} from each source ({busiest})")
    config = result["config"]
    t.check(config["sources"] == 8 and config["connect_rate_per_s"] == 5000,
            f"the JSON's config records the sources and the connect rate ({config})")
    requests = result["requests"]
    t.check(requests["completed"] > 0, f"requests completed ({requests})")
    t.check(result["errors"]["total"] == 0, f"no errors ({result['errors']})")
    harness.check_accounting(t, result)
    t.check(requests["scheduled"] == requests["sent"] + requests["unsent"],
            f"scheduled == sent + unsent ({requests})")
    left = {}
    for _ in range(20):  # the target sees each close a moment after barrage exits
        left = established_by_source(server.port)
        if not left:
            break
        time.sleep(0.25)
    t.check(not left, f"no connection is left open after the run ({left})")


def check_slow_connect_rate(t, server):
    """20 connections at 10 per second take about 2 s to open; the run starts once all are up."""
    outcome = t.run(["run", server.url(), "-c", "20", "-t", "1", "-r", "20", "-d", "2s",
                     "--connect-rate", "10"])
    harness.exits_with(t, outcome, 0, "a run with --connect-rate 10")
    t.check(outcome.elapsed_s >= 1.5 + 2.0,
            f"the opening connects were paced: 20 at 10/s and 2 s of run took "
            f"{outcome.elapsed_s:.2f} s")
    result = outcome.json
    t.check(result["connections"]["established_max"] == 20, f"all 20 opened ({result})")
    first = result["intervals"][0] if result.get("intervals") else {}
    t.check(first.get("connections") == 20,
            f"the first interval already holds all 20: the start waited for them ({first})")
    harness.check_accounting(t, result)


def check_reconnects_paced(t, server):
    """--new-conn opens a connection per request: --connect-rate 20 holds those to 20 a second."""
    outcome = t.run(["run", server.url(), "-c", "4", "-t", "1", "-d", "2s", "--new-conn",
                     "--connect-rate", "20"])
    harness.exits_with(t, outcome, 0, "--new-conn with --connect-rate 20")
    result = outcome.json
    opened = result["connections"]["opened"]
    # The bucket lets at most 1 + 20 ms x rate go at once; the rest at the rate.
    t.check(0 < opened <= 20 * outcome.elapsed_s + 2,
            f"at most 20 connects a second: {opened} in {outcome.elapsed_s:.2f} s")
    t.check(result["requests"]["completed"] > 0, f"requests completed ({result['requests']})")
    harness.check_accounting(t, result)


def check_refusals(t, server):
    ports = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[1]) - \
        int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0]) + 1
    too_many = str(min(1_000_000, 2 * ports + 1))
    cases = [
        (["-c", too_many, "--source", "127.0.0.2,127.0.0.3"], "cannot fit",
         "connections beyond two sources' ports"),
        (["--source", "192.0.2.1"], "192.0.2.1 is not an address of this machine",
         "a source that is not local"),
        (["--source", "::1"], "give source addresses of the target's family",
         "an IPv6 source for an IPv4 target"),
        (["--source", "127.0.0.9-127.0.0.2"], "ends before it starts", "a backwards range"),
        (["--source", "127.0.0.2,,127.0.0.3"], "e.g. 127.0.0.2-127.0.0.9", "an empty item"),
    ]
    for args, message, what in cases:
        outcome = t.run(["run", server.url(), "-d", "1s", *args], json_out=False)
        harness.exits_with(t, outcome, 2, what)
        t.check(message in outcome.stderr, f"{what}: says {message!r} ({outcome.stderr[-400:]!r})")
    outcome = t.run(["run", server.url(), "-c", "1000", "-d", "1s"], json_out=False,
                    wrapper=("prlimit", "--nofile=300:300", "--"))
    harness.exits_with(t, outcome, 2, "connections beyond the open-file limit")
    t.check("open-file limit is 300" in outcome.stderr,
            f"names the limit ({outcome.stderr[-400:]!r})")


def body(t):
    if raise_fd_limit() < FDS_WANTED:
        raise harness.Skip(f"RLIMIT_NOFILE cannot be raised to {FDS_WANTED}")
    server = t.serve("--threads", "1")
    check_refusals(t, server)
    check_slow_connect_rate(t, server)
    check_reconnects_paced(t, server)
    check_held(t, server)


harness.main(__doc__, body)
