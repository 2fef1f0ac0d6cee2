#!/usr/bin/env python3
"""A closed-loop run against barrage serve accounts for every request and writes JSON and CSV
that agree: every completed request is a 2xx, nothing errs, the CSV has one row per interval
under the documented header, and its rows add up to the JSON totals."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness


def csv_rows(t, text):
    lines = text.splitlines()
    t.require(len(lines) >= 1 and lines[0] == harness.CSV_HEADER,
              f"the CSV starts with the header {harness.CSV_HEADER!r} (got {lines[:1]})")
    names = lines[0].split(",")
    rows = [dict(zip(names, line.split(","))) for line in lines[1:]]
    t.check(all(len(line.split(",")) == len(names) for line in lines[1:]),
            "every CSV row has one field per header column")
    return rows


def body(t):
    server = t.serve("--threads", "1")
    outcome = t.run(["run", server.url(), "-c", "4", "-t", "2", "-d", "2s", "--interval",
                     "500ms"], csv_out=True)
    harness.exits_with(t, outcome, 0, "a clean run")
    result = outcome.json
    t.require(result is not None, "the --json file was written")
    t.require(outcome.csv_text is not None, "the --csv file was written")
    requests = result["requests"]
    t.check(result["mode"] == "closed_loop", f"mode is closed_loop ({result['mode']})")
    t.check(result["target_rate_rps"] is None, "target_rate_rps is null in closed loop")
    t.check(requests["completed"] > 0, f"requests completed ({requests['completed']})")
    harness.check_accounting(t, result)
    t.check(result["status"]["2xx"] == requests["completed"], "every response is a 2xx")
    t.check(result["status"]["codes"] == {"200": requests["completed"]},
            f"every response is a 200 ({result['status']['codes']})")
    t.check(result["errors"]["total"] == 0 and requests["errors"] == 0,
            f"no errors ({result['errors']})")
    t.check(requests["late"] == 0 and requests["unsent"] == 0,
            "closed loop has no late or unsent requests")
    t.check(result["interrupted"] is False, "the run was not interrupted")
    t.check(result["tool"] == "barrage" and result["schema_version"] == "1",
            "tool and schema_version are as documented")
    t.check(server.url() in result["config"]["command_line"],
            f"config.command_line holds the URL ({result['config']['command_line']!r})")
    t.check(result["target"]["address"] == f"127.0.0.1:{server.port}",
            f"target.address is the resolved address ({result['target']['address']})")
    t.check(result["bytes"]["received"] > 0 and result["bytes"]["sent"] > 0,
            "bytes were sent and received")

    rows = csv_rows(t, outcome.csv_text)
    t.check(len(rows) == 4, f"2 s at 500 ms intervals gives 4 CSV rows (got {len(rows)})")
    t.check(len(rows) == len(result["intervals"]),
            f"one CSV row per JSON interval ({len(rows)} vs {len(result['intervals'])})")
    csv_requests = sum(int(row["requests"]) for row in rows)
    t.check(csv_requests == requests["completed"],
            f"CSV requests add up to completed ({csv_requests} vs {requests['completed']})")
    t.check(sum(int(row["errors"]) for row in rows) == 0, "CSV errors are all 0")
    json_requests = [interval["requests"] for interval in result["intervals"]]
    t.check([int(row["requests"]) for row in rows] == json_requests,
            "CSV rows and JSON intervals carry the same counts")
    times = [float(row["t_s"]) for row in rows]
    t.check(times == sorted(times) and abs(times[-1] - 2.0) < 0.2,
            f"interval end times rise to the 2 s duration ({times})")
    t.check("Requests" in outcome.stdout and "Latency" in outcome.stdout,
            "the summary is printed on stdout")
    version = t.run(["--version"], json_out=False, quiet=False)
    t.check(version.rc == 0 and version.stdout.startswith(f"barrage {result['version']} ("),
            f"JSON version matches --version ({version.stdout.strip()!r} vs "
            f"{result['version']!r})")


harness.main(__doc__, body)
