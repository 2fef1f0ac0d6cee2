#!/usr/bin/env python3
"""The live dashboard (--dashboard ADDR:PORT): a 20 s open-loop run (long enough that two browser loads land mid-run on a loaded CI machine) against `barrage serve` with
--dashboard 127.0.0.1:0 and --dashboard-linger. Plain HTTP first: GET / is the live page (HTML
with the #live banner and the report's sections), HEAD answers without a body, /metrics and
other paths are 404, POST is 405. Mid-run, headless Chromium loads the page twice, at least 2 s
apart: the page rendered (the report's script ran), its own polling swapped a newer page in
(its Content-Security-Policy lets it fetch its origin), and the sent count on it advanced; with
a series hidden (a legend click, through a loopback proxy that adds it) the page waits instead. After
the end the page served is the --html report byte for byte, its figures are the --json
result's, and SIGINT ends the linger at once with the run's exit code. Refusals (exit 2): a bad
address, --dashboard-linger without --dashboard, find-max with --dashboard. Screenshots (two
mid-run, one final) are kept in $BARRAGE_ARTIFACTS_DIR (meson: meson-logs/dashboard/). Skips
(77) without Chromium."""

import http.server
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

DASHBOARD_LINE = re.compile(r"dashboard: (http://127\.0\.0\.1:\d+/)")
LIVE_DIV = re.compile(r'<div id="live"[^>]*data-elapsed-s="([0-9.]+)" data-sent="(\d+)"')
RATE = 300  # -r


def chromium(t, browser, url, extra, name):
    """The page at `url` in headless Chromium, 1400 x 2400 px, 1.5 s of virtual time; its stdout."""
    return harness.chromium(t, browser, url, "chromium-" + name,
                            ["--hide-scrollbars", "--window-size=1400,2400",
                             "--virtual-time-budget=1500", *extra])[0]


def fetch(url, method="GET"):
    request = urllib.request.Request(url, method=method)
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, response.headers.get("Content-Type"), response.read().decode()


def http_error(url, method="GET"):
    try:
        fetch(url, method)
    except urllib.error.HTTPError as error:
        return error.code
    return 200


def start_run(t, args):
    """Starts barrage with `args`; returns (process, dashboard URL) from its stderr."""
    process, found = harness.start_announcing(
        t, args, DASHBOARD_LINE, "barrage prints the dashboard URL on stderr (even with -q)")
    return process, found.group(1)


def sent_on(page):
    found = LIVE_DIV.search(page)
    return int(found.group(2)) if found else None


def rate_on(page):
    """Sent per second of the measured time the page's totals cover."""
    found = LIVE_DIV.search(page)
    return int(found.group(2)) / float(found.group(1)) if found else None


def check_endpoints(t, url):
    status, content_type, page = fetch(url)
    t.check(status == 200 and content_type.startswith("text/html"),
            f"GET / is an HTML page ({status}, {content_type})")
    t.check('id="live"' in page and "connect-src 'self'" in page,
            "the live page has the #live banner and may fetch its own origin")
    t.check("http://" not in page.replace(url, "").split("<body", 1)[0] and
            "<script src" not in page and "<link" not in page, "the page loads nothing else")
    status, _, body = fetch(url, "HEAD")
    t.check(status == 200 and body == "", "HEAD / answers 200 without a body")
    t.check(fetch(url + "index.html")[0] == 200, "/index.html is the page too")
    t.check(http_error(url + "metrics") == 404, "/metrics is 404 (that is --metrics-listen's)")
    t.check(http_error(url + "other") == 404, "another path is 404")
    t.check(http_error(url, "POST") == 405, "POST is 405")


def wait_for(t, url, condition, timeout_s, what):
    deadline = time.monotonic() + timeout_s
    page = ""
    while time.monotonic() < deadline:
        page = fetch(url)[2]
        if condition(page):
            return page
        time.sleep(0.1)
    t.require(False, what)


# Appended to the first page a proxy serves: hides a series at once, as a reader's legend click.
HIDE_A_SERIES = """<script>
document.querySelector('.legend-item').dispatchEvent(new MouseEvent('click', {bubbles: true}));
</script>"""


def proxy_to(url):
    """A loopback server whose GET / is the dashboard's page (the first one with HIDE_A_SERIES),
    so the page's polling goes through it; returns (server, its URL)."""
    served = []

    class Proxy(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            page = fetch(url)[2]
            if not served:
                at = page.rfind("</body>")
                page = page[:at] + HIDE_A_SERIES + page[at:]
            served.append(self.path)
            body = page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/", served


def check_updates_wait(t, browser, url):
    """With a series hidden, the page keeps what the reader set up: it does not swap."""
    server, proxy_url, served = proxy_to(url)
    try:
        dom = chromium(t, browser, proxy_url, ["--dump-dom"], "held")
    finally:
        server.shutdown()
        server.server_close()
    t.check('class="legend-item off"' in dom or "legend-item off" in dom,
            "the test hid a series (legend click)")
    swapped = re.search(r'<html[^>]*data-live-swaps', dom) is not None
    t.check('data-state="held"' in dom and not swapped and len(served) == 1,
            f"with a series hidden, updates wait and the banner says so ({len(served)} loads)")


def check_mid_run(t, browser, url, artifacts):
    """Two browser loads at least 2 s apart: rendered, polling swaps, the count advances."""
    wait_for(t, url, lambda page: (sent_on(page) or 0) > 0, 10, "a measured interval arrives")
    check_updates_wait(t, browser, url)
    counts = []
    for i in (1, 2):
        if i == 2:
            time.sleep(2)
        dom = chromium(t, browser, url, ["--dump-dom"], f"dom{i}")
        shot = os.path.join(artifacts, f"live-{i}.png")
        chromium(t, browser, url, [f"--screenshot={shot}"], f"shot{i}")
        t.check(os.path.getsize(shot) > 10_000, f"mid-run screenshot {i}: {shot}")
        sent = sent_on(dom)
        t.require(sent is not None, f"load {i}: the page in the browser is the live page")
        t.check('data-rendered="ok"' in dom, f"load {i}: the report's script ran")
        swaps = re.search(r'<html[^>]*data-live-swaps="(\d+)"', dom)
        t.check(swaps is not None and int(swaps.group(1)) >= 1,
                f"load {i}: the page fetched a newer one and swapped it in "
                f"({swaps.group(1) if swaps else 0} swaps)")
        t.check('id="chart-throughput"' in dom and 'id="thresholds"' in dom,
                f"load {i}: the report's charts and thresholds are on the live page")
        t.check('data-thresholds="pass"' in dom, f"load {i}: the threshold passes so far")
        # The totals run ahead of the last interval; the time shown is what they cover.
        t.check(rate_on(dom) <= RATE * 1.02,
                f"load {i}: sent / measured time is at most the asked rate ({rate_on(dom):.1f})")
        t.check(f"open loop at {RATE} req/s" in dom, f"load {i}: the page names the asked rate")
        counts.append(sent)
    print(f"sent on the page: {counts}", flush=True)
    t.check(counts[1] > counts[0], f"the sent count advances between loads ({counts})")


def summary_counts(page):
    """The summary table's first row: sent, completed, errors, late, unsent, unfinished."""
    found = re.search(r'<section id="summary">.*?<tr><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>',
                      page, re.S)
    return tuple(int(v) for v in found.groups()) if found else None


def check_final(t, browser, url, process, json_path, html_path, artifacts):
    page = wait_for(t, url, lambda page: 'id="live"' not in page, 20,
                    "after the end the page is the final report")
    t.require(os.path.exists(json_path) and os.path.exists(html_path),
              "--json and --html are written before the linger")
    with open(html_path, encoding="utf-8") as f:
        t.check(page == f.read(), "the final page is the --html report, byte for byte")
    result = t.load_json(json_path)
    requests = result["requests"]
    connections = [row.get("connections") for row in result["intervals"]]
    t.check(connections and all(c == 4 for c in connections),
            f"every interval has the 4 connections open (-c 4): {connections}")
    t.check('id="chart-connections"' in page, "the report charts the active connections")
    expected = (requests["sent"], requests["completed"], requests["errors"])
    dom = chromium(t, browser, url, ["--dump-dom"], "final")
    t.check(summary_counts(dom) == expected and requests["sent"] > 0,
            f"the final page's figures are the JSON's ({summary_counts(dom)} == {expected})")
    t.check('id="live"' not in dom and re.search(r'<html[^>]*data-live-swaps', dom) is None,
            "the final page has no live banner")
    shot = os.path.join(artifacts, "final.png")
    chromium(t, browser, url, [f"--screenshot={shot}"], "shotfinal")
    t.check(os.path.getsize(shot) > 10_000, f"final screenshot: {shot}")
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    try:
        rc = process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        t.require(False, "SIGINT ends the linger")
    t.check(rc == 0 and time.monotonic() - started < 5,
            f"SIGINT ends the linger at once with the run's exit code (exit {rc})")
    try:
        fetch(url)
        t.check(False, "nothing listens after the exit")
    except (urllib.error.URLError, ConnectionError):
        t.check(True, "nothing listens after the exit")


def check_refusals(t, server):
    outcome = t.run(["run", server.url(), "-d", "1s", "--dashboard", "nonsense"])
    harness.exits_with(t, outcome, 2, "--dashboard nonsense")
    t.check("--dashboard" in outcome.stderr and "ADDR:PORT" in outcome.stderr
            and outcome.json is None, "a bad address is refused before any traffic")
    outcome = t.run(["run", server.url(), "-d", "1s", "--dashboard-linger", "5s"])
    harness.exits_with(t, outcome, 2, "--dashboard-linger without --dashboard")
    t.check("add --dashboard" in outcome.stderr, "the error says to add --dashboard")
    outcome = t.run(["find-max", server.url(), "--dashboard", "127.0.0.1:0"], json_out=False)
    harness.exits_with(t, outcome, 2, "find-max with --dashboard")


def body(t):
    browser = harness.chromium_binary()
    server = t.serve("--threads", "1")
    artifacts = os.environ.get("BARRAGE_ARTIFACTS_DIR") or t.path("artifacts")
    os.makedirs(artifacts, exist_ok=True)
    json_path, html_path = t.path("run.json"), t.path("run.html")
    process, url = start_run(t, [
        "run", server.url(), "-r", str(RATE), "-c", "4", "-t", "1", "-d", "20s", "--interval",
        "500ms", "-q", "--threshold", "p99 < 2s", "--dashboard", "127.0.0.1:0",
        "--dashboard-linger", "60s", "--json", json_path, "--html", html_path])
    check_endpoints(t, url)
    check_mid_run(t, browser, url, artifacts)
    check_final(t, browser, url, process, json_path, html_path, artifacts)
    check_refusals(t, server)
    print(f"artifacts (screenshots): {artifacts}", flush=True)


if __name__ == "__main__":
    harness.main(__doc__, body)
