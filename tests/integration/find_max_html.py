#!/usr/bin/env python3
"""`barrage find-max --html FILE` writes one self-contained page of the search: the answer, the
latency and achieved-rate charts over the asked rate and the steps table, agreeing with --json.
It loads in headless Chromium with its script run, both charts in the DOM, nothing on the console.
A page that cannot be written is refused before any traffic (exit 2). The browser part skips (77)
without Chromium."""

import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness
import html_charts
import html_report

SECTION_IDS = ["answer", "latency", "rate", "steps"]
CHART_IDS = ["chart-capacity-latency", "chart-capacity-rate"]
# A short search against a target of known capacity (5 in flight x 5 ms = 1000 req/s).
SEARCH = ["--slo", "p99 < 50ms", "--start", "200", "--step-duration", "1s", "--step-warmup", "0s",
          "--precision", "25%", "-c", "200", "-t", "1"]


def check_against_json(t, page, document):
    steps = document["steps"]
    table = re.search(r'<table id="steps-table">(.*?)</table>', page, re.S)
    t.require(table is not None, "the page has the steps table")
    rows = re.findall(r'<tr class="verdict-([a-z_]+)">(.*?)</tr>', table.group(1), re.S)
    t.check(len(rows) == len(steps), f"one row per step ({len(rows)} rows, {len(steps)} steps)")
    asked = [float(re.search(r"<td>([0-9.]+)</td>", cells).group(1)) for _, cells in rows]
    t.check(asked == sorted(s["rate_asked_rps"] for s in steps),
            f"the rows are the steps' asked rates, ascending ({asked})")
    by_rate = sorted(steps, key=lambda s: s["rate_asked_rps"])
    t.check([verdict for verdict, _ in rows] == [s["verdict"] for s in by_rate],
            "each row is marked with its step's verdict")
    t.check(f'>{document["status"]}</div><div class="k">status<' in page,
            f"the answer shows the status {document['status']!r}")
    best = document["max_sustainable_rps"]
    if best is not None:
        t.check(f">{best:.1f} req/s</div><div class=\"k\">max sustainable rate<" in page,
                f"the answer shows the max sustainable rate {best:.1f} req/s")


def body(t):
    server = t.serve("--delay", "5ms", "--max-inflight", "5")
    out_dir = t.path("out")
    os.mkdir(out_dir)
    page_path = os.path.join(out_dir, "find-max.html")
    json_path = os.path.join(out_dir, "find-max.json")
    outcome = t.run(["find-max", server.url("/x?<y>"), *SEARCH, "--html", page_path,
                     "--json", json_path], timeout_s=90)
    # 0: found; 3: the generator was judged the limit first. Either way the page is written.
    t.check(outcome.rc in (0, 3), f"the search ends with an answer (exit {outcome.rc})")
    t.require(os.path.exists(page_path), "--html wrote the page")
    t.check(sorted(os.listdir(out_dir)) == ["find-max.html", "find-max.json"],
            f"no temporary file is left beside it ({sorted(os.listdir(out_dir))})")
    with open(page_path, encoding="utf-8") as f:
        page = f.read()
    html_report.check_page_text(t, page, "find-max page", sections=SECTION_IDS)
    t.check("&lt;y&gt;" in page and "<y>" not in page, "the target URL's '<y>' is escaped")
    check_against_json(t, page, t.load_json(json_path))

    for args, why in (([t.path("no-dir/p.html")], "--html file"),
                      (["-"], "--html writes a file"),
                      ([json_path, "--json", json_path], "--json and --html both name")):
        before = os.path.getmtime(json_path)
        outcome = t.run(["find-max", server.url(), *SEARCH, "--html", *args], json_out=False)
        harness.exits_with(t, outcome, 2, f"--html {args[0]}")
        t.check(why in outcome.stderr, f"the error says '{why}' ({outcome.stderr.strip()!r})")
        t.check(outcome.elapsed_s < 1.0, "it fails before the first step")
        t.check(os.path.getmtime(json_path) == before, "and writes nothing")

    check_rendered(t, page_path)


def check_rendered(t, page_path):
    """Like html_report.check_rendered, but a search cut short after one step (a busy machine
    can saturate the generator at the first rate) draws each series as a dot, not a line."""
    browser = harness.chromium_binary()
    dom, console = html_report.render(t, browser, page_path)
    t.check('data-rendered="ok"' in dom, "the inline script ran (marker in the DOM)")
    t.check(f'data-charts="{len(CHART_IDS)}"' in dom, f"the script found {len(CHART_IDS)} charts")
    for chart in CHART_IDS:
        svg = re.search(r'<svg[^>]*id="' + chart + r'".*?</svg>', dom, re.S)
        t.check(svg is not None, f"<svg id={chart}> is in the DOM")
        series = re.findall(r'<(polyline|circle) class="series', svg.group(0)) if svg else []
        t.check(len(series) == 2, f"{chart} draws its two series ({series})")
    t.check(not console, f"nothing on the console ({console[:3]})")
    # The run report's in-page checks: no overflow or broken word at either width, labels inside
    # the charts (the knee's too), a tooltip on every chart, a legend toggle.
    test_page = html_charts.with_verdict_script(t, page_path)
    for width_px in html_charts.WIDTHS_PX:
        html_charts.verdict_at(t, browser, test_page, width_px, charts_min=len(CHART_IDS))


if __name__ == "__main__":
    harness.main(__doc__, body)
