#!/usr/bin/env python3
"""A profile with 10,000 requests (the documented limit) runs in a small, bounded amount of
memory: every name is sent, counted and timed, and the run's peak RSS stays under 1 GiB (it was
about 3.5 MB per name, 35 GB in all). One request more is refused before any traffic, exit 2,
with the limit in the message. The run is capped at 4 GiB of address space, so a regression
fails here instead of pressing the machine into the OOM killer."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

NAMES_MAX = 10_000
RSS_LIMIT_MIB = 1024
ADDRESS_SPACE_LIMIT = 4 * 1024 ** 3


def profile(t, url, names):
    path = t.path(f"names{names}.toml")
    lines = [f'[target]\nurl = "{url}"\nconnections = 8\nthreads = 2\n']
    lines += [f'[[requests]]\nname = "r{i}"\npath = "/p{i}"\n' for i in range(names)]
    lines.append('[session]\norder = "sequence"\n')
    lines.append('[[phases]]\nname = "main"\nshape = "users"\nusers = 8\nduration = "2s"\n')
    with open(path, "w") as f:
        f.write("".join(lines))
    return path


def body(t):
    server = t.serve("--threads", "1")
    url = server.url("").rstrip("/")
    limited, peak_rss_mib = harness.peak_rss_wrapper(t, "names", ADDRESS_SPACE_LIMIT)
    outcome = t.run(["run", profile(t, url, NAMES_MAX)], timeout_s=90, wrapper=limited)
    harness.exits_with(t, outcome, 0, f"a profile with {NAMES_MAX} requests runs")
    peak = peak_rss_mib()
    t.check(peak < RSS_LIMIT_MIB, f"peak RSS {peak:.0f} MiB stays under {RSS_LIMIT_MIB} MiB")
    result = outcome.json
    t.require(result is not None, "the run wrote its JSON")
    harness.check_accounting(t, result)
    by_name = result["requests_by_name"]
    t.check(len(by_name) == NAMES_MAX, f"{NAMES_MAX} names reported (got {len(by_name)})")
    completed = sum(stats["completed"] for stats in by_name.values())
    t.check(completed == result["requests"]["completed"],
            f"the names' completed add up to the total ({completed})")
    timed = sum(stats["latency"]["count"] for stats in by_name.values())
    t.check(timed == completed, f"every completed request is timed under its name ({timed})")
    t.check(all(stats["completed"] > 0 for stats in by_name.values()),
            "every name was answered (the session sends them in order)")

    refused = t.run(["run", profile(t, url, NAMES_MAX + 1)], timeout_s=30, wrapper=limited)
    harness.exits_with(t, refused, 2, f"{NAMES_MAX + 1} requests are refused")
    t.check(f"at most {NAMES_MAX} request names" in refused.stderr,
            f"the refusal states the limit ({refused.stderr.strip()[:300]})")
    t.check(f"names{NAMES_MAX + 1}.toml:" in refused.stderr,
            "the refusal points into the profile")


if __name__ == "__main__":
    harness.main(__doc__, body)
