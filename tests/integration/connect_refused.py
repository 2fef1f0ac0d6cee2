#!/usr/bin/env python3
"""A port nobody listens on makes connects fail: the run gives up after --connect-grace
(default 2 s) instead of running out its 5 s, exits 3, counts connect errors, and says why in
one line on stderr even with -q (closed and open loop)."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness


def gives_up_fast(t, port, mode):
    outcome = t.run(["run", f"http://127.0.0.1:{port}/", "-c", "2", "-d", "5s", *mode],
                    timeout_s=20)
    what = "open loop" if mode else "closed loop"
    harness.exits_with(t, outcome, 3, f"{what}: the target is unreachable")
    result = outcome.json
    t.require(result is not None, f"{what}: the --json file is written")
    t.check(result["gave_up"] is not None and "--connect-grace" in result["gave_up"],
            f"{what}: the run gave up on the target ({result['gave_up']!r})")
    t.check(result["duration_s"] < 4.0,
            f"{what}: it stopped sending long before its 5 s ({result['duration_s']} s measured)")
    line = f"barrage: no connection could be opened in 2s (--connect-grace): connect: " \
           f"Connection refused (127.0.0.1:{port})"
    t.check(line in outcome.stderr.splitlines(),
            f"{what}: stderr says why in one line under -q ({outcome.stderr!r})")
    harness.check_accounting(t, result)
    if mode:
        requests = result["requests"]
        t.check(requests["sent"] == 0 and requests["unsent"] == requests["scheduled"] > 0,
                f"{what}: every scheduled request went unsent ({requests})")


def body(t):
    port = harness.free_port()
    for mode in ([], ["-r", "100"]):
        gives_up_fast(t, port, mode)
    outcome = t.run(["run", f"http://127.0.0.1:{port}/", "-c", "2", "-d", "1s"], timeout_s=20)
    harness.exits_with(t, outcome, 3, "the target is unreachable")
    t.check("connect" in outcome.output.lower(), "stdout or stderr mentions 'connect'")
    result = outcome.json
    t.require(result is not None, "the --json file is written even when nothing connected")
    t.check(result["errors"]["connect"] > 0, f"connect errors are counted ({result['errors']})")
    t.check(result["requests"]["completed"] == 0, f"nothing completed ({result['requests']})")
    harness.check_accounting(t, result)
    t.check(any(detail.startswith("connect") and str(port) in detail
                for detail in result["error_details"]),
            f"error_details names the failed connect and the port ({result['error_details']})")


harness.main(__doc__, body)
