#!/usr/bin/env python3
"""--metrics-listen end to end. A real Prometheus (Debian's `prometheus`, on loopback, scrape
interval 1 s, storage in the temp dir) scrapes a run against `barrage serve`; after the run its
HTTP API returns the run's JSON totals for requests sent, answered, per name and by status
class, and the final scrape says the run ended. Scraped directly with urllib mid-run, the
counters advance between two scrapes, both formats answer (OpenMetrics ends with # EOF),
other paths are 404, HEAD has no body; after the end the endpoint serves the final values for
--metrics-linger and SIGINT ends that at once. A bad address, a busy port and --metrics-linger
alone are exit 2 before any traffic; find-max refuses the flags.

Without prometheus installed the Prometheus part skips (exit 77) with the reason, unless the
environment variable CI is set: then it fails."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

PROMETHEUS = "/usr/bin/prometheus"
METRICS_LINE = re.compile(r"metrics: (http://127\.0\.0\.1:\d+/metrics) \(run_id ([0-9a-f]{16})\)")


def sample(text, name, labels=None):
    """The value of the sample `name` whose labels include `labels` (a dict), or None."""
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name + "{"):
            continue
        head, _, value = line.rpartition(" ")
        if all(f'{k}="{v}"' in head for k, v in (labels or {}).items()):
            return float(value)
    return None


def scrape(url, accept=None, method="GET"):
    request = urllib.request.Request(url, method=method)
    if accept:
        request.add_header("Accept", accept)
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, response.headers.get("Content-Type"), response.read().decode()


def start_run(t, args):
    """Starts barrage with `args`, returns (process, metrics URL, run id) from its stderr."""
    process, found = harness.start_announcing(
        t, args, METRICS_LINE, "barrage prints the metrics address on stderr")
    return process, found.group(1), found.group(2)


def wait_exit(t, process, timeout_s, what):
    try:
        return process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        t.require(False, f"{what}: barrage exits within {timeout_s} s")


def check_scrapes_mid_run(t, server):
    json_path = t.path("midrun.json")
    process, url, run_id = start_run(t, [
        "run", server.url(), "-c", "2", "-t", "1", "-d", "4s", "--interval", "500ms", "-q",
        "--metrics-listen", "127.0.0.1:0", "--json", json_path])
    _, _, at_start = scrape(url)
    t.check(sample(at_start, "barrage_requests_sent_total", {"run_id": run_id}) is not None,
            "every series is there from the start, before the first interval")
    time.sleep(1.5)
    status, content_type, first = scrape(url)
    t.check(status == 200 and content_type.startswith("text/plain; version=0.0.4"),
            f"a plain scrape is the text format 0.0.4 ({status}, {content_type})")
    time.sleep(1.2)
    _, _, second = scrape(url)
    sent1 = sample(first, "barrage_requests_sent_total", {"run_id": run_id})
    sent2 = sample(second, "barrage_requests_sent_total", {"run_id": run_id})
    t.check(sent1 is not None and sent1 > 0 and sent2 > sent1,
            f"requests sent advance between two scrapes ({sent1} then {sent2})")
    answered1 = sample(first, "barrage_requests_answered_total")
    answered2 = sample(second, "barrage_requests_answered_total")
    t.check(answered1 is not None and answered2 > answered1,
            f"requests answered advance ({answered1} then {answered2})")
    t.check(sample(second, "barrage_users_active") == 2,
            f"two users are active (-c 2): {sample(second, 'barrage_users_active')}")
    t.check(sample(second, "barrage_run_ended") == 0, "the run has not ended yet")
    t.check(sample(second, "barrage_latency_seconds_bucket", {"le": "+Inf"}) ==
            sample(second, "barrage_latency_seconds_count"), "+Inf bucket equals the count")
    status, content_type, om = scrape(url, accept="application/openmetrics-text;version=1.0.0")
    t.check(content_type.startswith("application/openmetrics-text; version=1.0.0")
            and om.endswith("# EOF\n") and "# TYPE barrage_requests_sent counter" in om,
            f"Accept: application/openmetrics-text gets OpenMetrics ({content_type})")
    status, _, body = scrape(url, method="HEAD")
    t.check(status == 200 and body == "", "HEAD /metrics answers 200 without a body")
    try:
        scrape(url.replace("/metrics", "/other"))
        t.check(False, "another path is 404")
    except urllib.error.HTTPError as error:
        t.check(error.code == 404, f"another path is 404 (got {error.code})")
    rc = wait_exit(t, process, 20, "a run without linger")
    t.check(rc == 0, f"the run exits 0 (got {rc})")
    try:
        scrape(url)
        t.check(False, "without --metrics-linger nothing listens after the exit")
    except (urllib.error.URLError, ConnectionError):
        t.check(True, "without --metrics-linger nothing listens after the exit")
    result = t.load_json(json_path)
    t.check(result["config"].get("run_id") == run_id,
            f"the JSON config records the run id ({result['config'].get('run_id')} == {run_id})")


def check_linger_and_sigint(t, server):
    json_path = t.path("linger.json")
    process, url, run_id = start_run(t, [
        "run", server.url(), "-c", "2", "-t", "1", "-d", "1s", "--interval", "500ms", "-q",
        "--metrics-listen", "127.0.0.1:0", "--metrics-linger", "60s", "--json", json_path])
    deadline = time.monotonic() + 20
    text = ""
    while time.monotonic() < deadline:
        _, _, text = scrape(url)
        if sample(text, "barrage_run_ended") == 1:
            break
        time.sleep(0.2)
    t.require(sample(text, "barrage_run_ended") == 1, "the endpoint says the run ended")
    t.require(os.path.exists(json_path), "the JSON is written before the linger")
    result = t.load_json(json_path)
    totals = result["requests"]
    t.check(sample(text, "barrage_requests_sent_total") == totals["sent"]
            and sample(text, "barrage_requests_answered_total") == totals["completed"],
            f"the lingering values are the run's totals ({totals['sent']} sent, "
            f"{totals['completed']} completed)")
    t.check(sample(text, "barrage_name_requests_sent_total", {"name": "default"}) ==
            result["requests_by_name"]["default"]["sent"], "the per-name count is the JSON's")
    t.check(sample(text, "barrage_requests_in_flight") == 0, "nothing is in flight at the end")
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    rc = wait_exit(t, process, 10, "SIGINT during the linger")
    t.check(rc == 0 and time.monotonic() - started < 5,
            f"SIGINT ends the linger at once with the run's exit code (exit {rc})")


def check_refusals(t, server):
    for bad in ("nonsense", "127.0.0.1:99999", "::1:9464"):
        outcome = t.run(["run", server.url(), "-d", "1s", "--metrics-listen", bad])
        harness.exits_with(t, outcome, 2, f"--metrics-listen {bad}")
        t.check("expected ADDR:PORT" in outcome.stderr and outcome.json is None,
                f"--metrics-listen {bad}: says what is expected, before any traffic")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        outcome = t.run(["run", server.url(), "-d", "1s", "--metrics-listen", f"127.0.0.1:{port}"])
        harness.exits_with(t, outcome, 2, "a busy metrics port")
        t.check("Address already in use" in outcome.stderr and outcome.json is None,
                f"a busy port is refused before any traffic ({outcome.stderr.strip()[:200]})")
    outcome = t.run(["run", server.url(), "-d", "1s", "--metrics-linger", "5s"])
    harness.exits_with(t, outcome, 2, "--metrics-linger without --metrics-listen")
    t.check("--metrics-listen" in outcome.stderr, "the error names --metrics-listen")
    outcome = t.run(["find-max", server.url(), "--metrics-listen", "127.0.0.1:0"], json_out=False)
    harness.exits_with(t, outcome, 2, "find-max with --metrics-listen")
    t.check("--metrics-listen is for barrage run" in outcome.stderr, "find-max says why")


def start_prometheus(t, metrics_port):
    if not os.access(PROMETHEUS, os.X_OK):
        if os.environ.get("CI"):
            t.require(False, "prometheus is installed (CI: apt-get install prometheus)")
        raise harness.Skip("prometheus is not installed (apt-get install prometheus)")
    directory = t.path("prometheus")
    os.makedirs(directory)
    config = os.path.join(directory, "prometheus.yml")
    with open(config, "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                "scrape_configs:\n  - job_name: barrage\n    static_configs:\n"
                f"      - targets: ['127.0.0.1:{metrics_port}']\n")
    port = harness.free_port()
    log = open(os.path.join(directory, "prometheus.log"), "wb")
    process = subprocess.Popen(
        [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={directory}/data",
         f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
        stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    log.close()
    t.processes.append(("prometheus", process))
    api = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if urllib.request.urlopen(api + "/-/ready", timeout=2).status == 200:
                return api
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.2)
    t.require(False, f"prometheus becomes ready ({harness.tail(log.name)!r})")


def query(api, expression):
    url = api + "/api/v1/query?" + urllib.parse.urlencode({"query": expression})
    with urllib.request.urlopen(url, timeout=5) as response:
        answer = json.load(response)
    results = answer["data"]["result"] if answer.get("status") == "success" else []
    return float(results[0]["value"][1]) if len(results) == 1 else None


def check_prometheus(t, server):
    metrics_port = harness.free_port()
    api = start_prometheus(t, metrics_port)
    json_path = t.path("scraped.json")
    # Lingers until Prometheus has scraped the final values twice (its first scrape of a new
    # target may come seconds after it is ready), then SIGINT ends the linger.
    process, _, run_id = start_run(t, [
        "run", server.url(), "-c", "4", "-t", "1", "-d", "3s", "-q", "--json", json_path,
        "--metrics-listen", f"127.0.0.1:{metrics_port}", "--metrics-linger", "60s"])
    selector = f'{{job="barrage",run_id="{run_id}"}}'
    deadline = time.monotonic() + 40
    final_scrapes = None
    while time.monotonic() < deadline and process.poll() is None:
        final_scrapes = query(api, f"sum_over_time(barrage_run_ended{selector}[5m])")
        if final_scrapes is not None and final_scrapes >= 2:
            break
        time.sleep(0.5)
    t.require(final_scrapes is not None and final_scrapes >= 2,
              f"Prometheus scrapes the final values twice while barrage lingers ({final_scrapes})")
    # Prometheus asks for OpenMetrics first: an info family proves it parsed that format.
    with urllib.request.urlopen(api + "/api/v1/metadata?metric=barrage_run", timeout=5) as answer:
        metadata = json.load(answer).get("data", {}).get("barrage_run", [])
    t.check(any(m.get("type") == "info" for m in metadata),
            f"Prometheus read the OpenMetrics answer: barrage_run is an info family ({metadata})")
    process.send_signal(signal.SIGINT)
    rc = wait_exit(t, process, 10, "SIGINT after the final scrapes")
    t.check(rc == 0, f"the scraped run exits 0 (got {rc})")
    result = t.load_json(json_path)
    t.check(result["config"]["run_id"] == run_id, "the JSON has the run id of the series")

    # The target is gone: its series are stale now, so ask for the last value scraped.
    def last(name, extra=""):
        labels = selector[:-1] + ("," + extra if extra else "") + "}"
        return query(api, f"last_over_time({name}{labels}[5m])")

    totals = result["requests"]
    checks = [
        ("barrage_requests_sent_total", "", totals["sent"]),
        ("barrage_requests_answered_total", "", totals["completed"]),
        ("barrage_requests_failed_total", 'kind="timeout"',
         totals["unanswered"]["failed"]["timeout"]),
        ("barrage_responses_total", 'class="2xx"', result["status"]["2xx"]),
        ("barrage_name_requests_answered_total", 'name="default"',
         result["requests_by_name"]["default"]["completed"]),
        ("barrage_latency_seconds_count", "", result["latency"]["count"]),
        ("barrage_run_ended", "", 1),
    ]
    for name, extra, expected in checks:
        got = last(name, extra)
        t.check(got == expected,
                f"Prometheus has the run's final {name}{{{extra}}}: {got} == {expected}")
    scrapes = query(api, f"count_over_time(up{{job=\"barrage\"}}[5m])")
    good = query(api, f"sum_over_time(up{{job=\"barrage\"}}[5m])")
    t.check(good is not None and good >= 2 and (scrapes - good) <= 1,
            f"every scrape but the one after the exit succeeded ({good} of {scrapes})")


def body(t):
    server = t.serve()
    check_refusals(t, server)
    check_scrapes_mid_run(t, server)
    check_linger_and_sigint(t, server)
    check_prometheus(t, server)


if __name__ == "__main__":
    harness.main(__doc__, body)
