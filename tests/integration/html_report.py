#!/usr/bin/env python3
"""--html on run and `barrage report` on the JSON write one self-contained page: it loads in
headless Chromium with its script run (a marker attribute in the DOM), the six charts are SVG
elements in the DOM, nothing logs to the console (no script error, no blocked fetch), and the
page names no outside resource. Bad input to `barrage report` exits 2. The same for the trend
of runs recorded with --history: `barrage trend FILE --html` (four charts over the runs and the
table), `barrage report --history FILE` and `barrage run --html --history` (the run's charts
and the trend's). A run watching the server's process and a Prometheus endpoint gets the
#watch section: its resource charts and the scraped series, rendered the same way. Skips (77) without Chromium."""

import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness
import html_charts

CHART_IDS = ["chart-throughput", "chart-latency", "chart-spectrum", "chart-status",
             "chart-answered", "chart-connections", "chart-histogram"]
TREND_CHART_IDS = ["chart-trend-p50", "chart-trend-p99", "chart-trend-rps", "chart-trend-errors"]
WATCH_CHART_IDS = ["chart-watch-1-rss", "chart-watch-1-counts", "chart-watch-1-cpu",
                   "chart-watch-series-1"]
SECTION_IDS = ["summary", "thresholds", "throughput", "latency-over-time", "spectrum",
               "status-over-time", "answered", "connections", "histogram", "latency-table", "status-and-errors",
               "config"]


def render(t, browser, page_path):
    """Loads the page in headless Chromium; returns (dom, console lines)."""
    dom, stderr = harness.chromium(t, browser, "file://" + page_path,
                                   f"chromium-profile-{os.path.basename(page_path)}",
                                   ["--enable-logging=stderr", "--v=0",
                                    "--virtual-time-budget=5000", "--dump-dom"])
    if "<html" not in dom:
        raise harness.Skip(f"chromium wrote no page here: {stderr[-500:]!r}")
    console = [line for line in stderr.splitlines() if ":CONSOLE" in line]
    return dom, console


def check_page_text(t, page, what, sections=SECTION_IDS):
    t.check(page.startswith("<!DOCTYPE html>"), f"{what}: starts with a doctype")
    for section in sections:
        t.check(f'<section id="{section}">' in page, f"{what}: has section #{section}")
    # Self-contained: no URL the browser would fetch (the target URL is text, not a link).
    fetches = re.findall(r'(?:src|href)\s*=\s*["\']?(?:https?:)?//', page)
    t.check(not fetches, f"{what}: no src/href to another host ({fetches[:3]})")
    # url(#id), a clip path in the same page, fetches nothing; any other url() would.
    t.check("@import" not in page and re.search(r"url\((?!#)", page) is None,
            f"{what}: no CSS import or url() outside the page")


def check_rendered(t, browser, page_path, what, chart_ids=CHART_IDS):
    dom, console = render(t, browser, page_path)
    t.check('data-rendered="ok"' in dom, f"{what}: the inline script ran (marker in the DOM)")
    t.check(f'data-charts="{len(chart_ids)}"' in dom,
            f"{what}: the script found {len(chart_ids)} charts")
    for chart in chart_ids:
        found = re.search(r'<svg[^>]*id="' + chart + r'"', dom)
        t.check(found is not None, f"{what}: <svg id={chart}> is in the DOM")
    t.check(dom.count("<polyline") >= len(chart_ids), f"{what}: the charts have lines")
    t.check(not console, f"{what}: nothing on the console ({console[:3]})")
    return dom


def body(t):
    browser = harness.chromium_binary()
    # The console check itself must be able to fail: a page that logs shows up.
    canary = t.path("canary.html")
    with open(canary, "w") as f:
        f.write("<!DOCTYPE html><html><body><script>console.error('canary')</script>"
                "</body></html>")
    _, console = render(t, browser, canary)
    t.require(any("canary" in line for line in console),
              f"console messages are visible to the test ({console[:3]})")

    server = t.serve("--threads", "1")
    html_path = t.path("run.html")
    json_path = t.path("run.json")
    history = t.path("history.jsonl")
    outcome = t.run(["run", server.url("/a?b=<c>"), "-c", "2", "-t", "1", "-r", "300", "-d",
                     "2s", "--threshold", "p99 < 10s", "--threshold", "rps > 1000000",
                     "--json", json_path, "--html", html_path,
                     "--history", history, "--label", "v1 <i>"])
    harness.exits_with(t, outcome, 1, "a run with a failing threshold")
    t.require(os.path.exists(html_path), "--html wrote the page")
    with open(html_path, encoding="utf-8") as f:
        page = f.read()
    # With --history the page ends with the trend of the recorded runs, this one included.
    check_page_text(t, page, "--html", sections=SECTION_IDS + ["trend"])
    t.check("&lt;c&gt;" in page and "<c>" not in page, "the URL's '<c>' is escaped")
    t.check('class="fail">FAIL<' in page and 'class="pass">PASS<' in page,
            "the thresholds table shows a pass and a fail")
    t.check("v1 &lt;i&gt;" in page, "the trend names this run by its --label")
    check_rendered(t, browser, html_path, "--html page", CHART_IDS + TREND_CHART_IDS)

    report_path = t.path("report.html")
    outcome = t.run(["report", json_path, "-o", report_path], json_out=False, quiet=False)
    harness.exits_with(t, outcome, 0, "barrage report on the run's JSON")
    with open(report_path, encoding="utf-8") as f:
        report_page = f.read()
    check_page_text(t, report_page, "barrage report")
    t.check(report_page.count('<svg class="chart"') + len(TREND_CHART_IDS) ==
            page.count('<svg class="chart"'),
            "barrage report draws the same charts as --html (which adds the trend's)")

    garbage = t.path("garbage.json")
    with open(garbage, "w") as f:
        f.write('{"tool": "wrk"}')
    for bad, why in ((garbage, "not a barrage result"), (t.path("missing.json"), "cannot read")):
        outcome = t.run(["report", bad, "-o", t.path("bad.html")], json_out=False, quiet=False)
        harness.exits_with(t, outcome, 2, f"barrage report on {os.path.basename(bad)}")
        t.check(why in outcome.stderr, f"it says '{why}' ({outcome.stderr.strip()!r})")
        t.check(not os.path.exists(t.path("bad.html")), "and writes no page")

    outcome = t.run(["report", json_path], json_out=False, quiet=False)
    harness.exits_with(t, outcome, 2, "barrage report without -o")
    t.check("-o FILE" in outcome.stderr, f"it asks for -o FILE ({outcome.stderr.strip()!r})")

    outcome = t.run(["run", server.url(), "-d", "1s", "--html", t.path("no-dir/x.html")],
                    json_out=False)
    harness.exits_with(t, outcome, 2, "--html into a missing directory")
    t.check("--html file" in outcome.stderr, f"the error names --html ({outcome.stderr!r})")
    t.check(outcome.elapsed_s < 1.0, "it fails before the run")

    trend_steps(t, browser, server, history, json_path)
    watch_steps(t, browser, server)


def trend_steps(t, browser, server, history, json_path):
    for label in ("v2", "v3"):
        outcome = t.run(["run", server.url(), "-c", "2", "-t", "1", "-d", "1s",
                         "--history", history, "--label", label])
        harness.exits_with(t, outcome, 0, f"run {label} recorded in the history")
    trend_path = t.path("trend.html")
    outcome = t.run(["trend", history, "--html", trend_path], json_out=False, quiet=False)
    harness.exits_with(t, outcome, 0, "barrage trend --html")
    t.check("3 runs" in outcome.stdout, f"it still prints the table ({outcome.stdout!r})")
    t.require(os.path.exists(trend_path), "barrage trend --html wrote the page")
    with open(trend_path, encoding="utf-8") as f:
        trend_page = f.read()
    check_page_text(t, trend_page, "trend page", sections=["trend"])
    t.check(trend_page.count("<tr>") == 4, "the trend table has a header and the 3 runs")
    t.check("v1 &lt;i&gt;" in trend_page and "<i>" not in trend_page, "labels are escaped")
    dom = check_rendered(t, browser, trend_path, "trend page", TREND_CHART_IDS)
    # The run report's in-page checks on the narrow page: overflow, words, labels, tooltips.
    html_charts.verdict_at(t, browser, html_charts.with_verdict_script(t, trend_path), 800,
                           charts_min=len(TREND_CHART_IDS))
    ticks = re.findall(r'<svg[^>]*id="chart-trend-p99".*?</svg>', dom, re.S)
    t.check(ticks and all(label in ticks[0] for label in ("v1 &lt;i&gt;", "v2", "v3")),
            "the p99 chart's x axis names the runs")

    report_path = t.path("report-trend.html")
    outcome = t.run(["report", json_path, "--history", history, "-o", report_path],
                    json_out=False, quiet=False)
    harness.exits_with(t, outcome, 0, "barrage report --history")
    with open(report_path, encoding="utf-8") as f:
        report_page = f.read()
    check_page_text(t, report_page, "report with history", sections=SECTION_IDS + ["trend"])
    check_rendered(t, browser, report_path, "report with history", CHART_IDS + TREND_CHART_IDS)

    outcome = t.run(["trend", history, "--html", t.path("no-dir/t.html")], json_out=False,
                    quiet=False)
    harness.exits_with(t, outcome, 2, "trend --html into a missing directory")
    t.check("--html file" in outcome.stderr, f"the error names --html ({outcome.stderr!r})")
    outcome = t.run(["report", json_path, "--history", t.path("absent.jsonl"), "-o",
                     t.path("never.html")], json_out=False, quiet=False)
    harness.exits_with(t, outcome, 2, "report --history with a missing history file")
    t.check("absent.jsonl" in outcome.stderr and not os.path.exists(t.path("never.html")),
            f"the error names the file and no page is written ({outcome.stderr.strip()!r})")


def watch_steps(t, browser, server):
    # A gauge that counts the scrapes, with a label that needs escaping in HTML.
    metrics, url, _ = harness.metrics_endpoint(lambda n: f'app_queue{{name="<jobs>"}} {n}\n')
    html_path = t.path("watch.html")
    json_path = t.path("watch.json")
    try:
        outcome = t.run(["run", server.url(), "-c", "2", "-t", "1", "-r", "200", "-d", "2s",
                         "--warmup", "500ms", "--interval", "250ms",
                         "--watch-pid", str(server.process.pid), "--watch-url", url,
                         "--watch-series", "app_queue", "--json", json_path, "--html", html_path])
    finally:
        metrics.shutdown()
    harness.exits_with(t, outcome, 0, "a watched run with --html")
    with open(html_path, encoding="utf-8") as f:
        page = f.read()
    sections = [section for section in SECTION_IDS if section != "thresholds"] + ["watch"]
    check_page_text(t, page, "watched --html", sections=sections)
    t.check('<table id="watch-growth">' in page and f"pid {server.process.pid}" in page,
            "the growth table names the watched process")
    t.check("no leak" in page and "LEAK SUSPECTED" not in page,
            "the server that does not leak is not flagged")
    t.check('<table id="watch-series-table">' in page
            and "app_queue{name=&quot;&lt;jobs&gt;&quot;}" in page and "<jobs>" not in page,
            "the scraped series is in the table, escaped")
    dom = check_rendered(t, browser, html_path, "watched --html", CHART_IDS + WATCH_CHART_IDS)
    html_charts.verdict_at(t, browser, html_charts.with_verdict_script(t, html_path), 800,
                           charts_min=len(CHART_IDS + WATCH_CHART_IDS))
    rss = re.findall(r'<svg[^>]*id="chart-watch-1-rss".*?</svg>', dom, re.S)
    t.check(rss and "<polyline" in rss[0] and ">MB<" in rss[0],
            "the RSS chart has a line, in MB")
    t.check(re.search(r'<svg[^>]*id="chart-watch-1-counts".*?open fds.*?threads.*?</svg>', dom,
                      re.S) is not None, "the counts chart has open fds and threads")

    report_path = t.path("watch-report.html")
    outcome = t.run(["report", json_path, "-o", report_path], json_out=False, quiet=False)
    harness.exits_with(t, outcome, 0, "barrage report on the watched run's JSON")
    with open(report_path, encoding="utf-8") as f:
        report_page = f.read()
    t.check(report_page.count('<svg class="chart"') == page.count('<svg class="chart"')
            == len(CHART_IDS + WATCH_CHART_IDS),
            "barrage report draws the same charts as --html, the watch's included")


if __name__ == "__main__":
    harness.main(__doc__, body)
