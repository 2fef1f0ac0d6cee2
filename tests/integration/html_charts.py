#!/usr/bin/env python3
"""The HTML report as a reader sees it, in headless Chromium at 1400 and 800 px wide: a short
run of a mixed POST/GET profile with two phases and latency thresholds against `barrage serve`.
A test script appended to a copy of the page asserts in the browser and writes a verdict: no
horizontal overflow of the document, no table cell whose word is broken across lines, every
chart has data points and no label outside its box, a mousemove over each chart shows a
tooltip with a value, a legend click hides and shows its line, a drag zooms the latency chart
and a double-click resets it. The page itself: latency in ms
(not thousands of us), phase bands and threshold lines on the latency chart, the added panels
(answered, errors by kind over time, histogram, one chart per request name), the configuration
panel listing each
request's method and URL template. Screenshots at both widths are kept in
$BARRAGE_ARTIFACTS_DIR (meson: meson-logs/html_charts/ in the build directory). Skips (77)
without Chromium."""

import json
import os
import re
import shutil
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

CHROMIUM_TIMEOUT_S = 90
WIDTHS_PX = (1400, 800)
SHOT_HEIGHT_PX = 6000  # the whole page, charts and tables

PROFILE = """
name = "charts"
thresholds = ["p99 < 2s", "p50 < 1ms", "predict: p95 < 5s"]

# Half the connections go to a target that resets them: failed requests, by kind, over time.
[target]
urls = ["{url}", "{reset_url}"]
connections = 8

[[requests]]
name = "home"
path = "/?page={{{{int 1 50}}}}"
weight = 5
checks = [{{ status = 200 }}]

[[requests]]
name = "predict"
method = "POST"
path = "/json"
headers = {{ "Content-Type" = "application/json" }}
body = '{{"features": [{{{{float 0 1}}}}]}}'
weight = 3
checks = [{{ status = 200 }}]

[[requests]]
name = "missing"
path = "/status/404"
weight = 1
checks = [{{ status = 404 }}]

[[phases]]
name = "ramp-up"
shape = "ramp"
from = 20
to = 120
duration = "1s"

[[phases]]
name = "hold"
shape = "constant"
rate = 120
duration = "1s"
"""

# Runs in the page after the report's own script; writes {"ok": bool, "problems": [...], ...}.
VERDICT_SCRIPT = r"""
<pre id="verdict"></pre>
<script>
(function () {
  var problems = [];
  var facts = {};
  var root = document.documentElement;
  facts.width = root.clientWidth;
  if (root.scrollWidth > root.clientWidth + 1) {
    problems.push('document overflows: ' + root.scrollWidth + ' > ' + root.clientWidth);
  }
  // A word broken inside a cell: one run of letters and digits on more than one line. A
  // path or URL may wrap after '/' or '-' (a sensible place), never inside "barrage".
  var brokenWords = [];
  document.querySelectorAll('td, th').forEach(function (cell) {
    var walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      var re = /[A-Za-z0-9_]+/g, m;
      while ((m = re.exec(node.data)) !== null) {
        var range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        var tops = {};
        Array.prototype.forEach.call(range.getClientRects(), function (r) {
          if (r.width > 0) { tops[Math.round(r.top)] = true; }
        });
        if (Object.keys(tops).length > 1) { brokenWords.push(m[0]); }
      }
    }
  });
  if (brokenWords.length) { problems.push('words broken in table cells: ' + brokenWords.slice(0, 5).join(' | ')); }
  var charts = document.querySelectorAll('svg.chart');
  facts.charts = charts.length;
  facts.tooltips = 0;
  charts.forEach(function (svg) {
    var id = svg.id;
    var points = 0;
    svg.querySelectorAll('.series').forEach(function (s) {
      points += JSON.parse(s.getAttribute('data-y') || '[]').length;
    });
    if (points === 0 || svg.querySelector('.no-data')) { problems.push(id + ': no data points'); return; }
    // On screen, rotation included: every label inside its chart's box.
    var box = svg.getBoundingClientRect();
    svg.querySelectorAll('text').forEach(function (text) {
      var b = text.getBoundingClientRect();
      if (b.left < box.left - 0.5 || b.right > box.right + 0.5 || b.top < box.top - 0.5 ||
          b.bottom > box.bottom + 0.5) {
        problems.push(id + ': label "' + text.textContent + '" is clipped');
      }
    });
    var frame = svg.querySelector('rect.frame').getBoundingClientRect();
    svg.dispatchEvent(new MouseEvent('mousemove', {bubbles: true, clientX: frame.left + frame.width * 0.6,
                                                   clientY: frame.top + frame.height / 2}));
    var tip = document.getElementById('chart-tip');
    var shown = tip && getComputedStyle(tip).display !== 'none' && /\d/.test(tip.textContent);
    if (shown) { facts.tooltips += 1; } else { problems.push(id + ': no tooltip with a value on hover'); }
    if (id === 'chart-latency') { facts.latency_tip = tip.textContent; }
    svg.dispatchEvent(new MouseEvent('mouseleave', {bubbles: false}));
  });
  // A legend click on the run report's latency chart (or the first chart of another page).
  var latency = document.getElementById('chart-latency') || charts[0];
  var item = latency && latency.querySelector('.legend-item');
  if (item) {
    var line = latency.querySelector('.series.s0');
    item.dispatchEvent(new MouseEvent('click', {bubbles: true}));
    var hidden = getComputedStyle(line).display === 'none';
    item.dispatchEvent(new MouseEvent('click', {bubbles: true}));
    var back = getComputedStyle(line).display !== 'none';
    if (!hidden || !back) { problems.push('legend click did not hide and show the p50 line'); }
    facts.legend_toggles = hidden && back;
  } else {
    problems.push('no chart with a legend entry');
  }
  // Drag across 30%..60% of the latency chart: it zooms (the line's points move, new x ticks);
  // a double-click brings back the whole run.
  latency = document.getElementById('chart-latency');
  if (latency) {
    var plot = latency.querySelector('rect.frame').getBoundingClientRect();
    var p50 = latency.querySelector('polyline.series.s0');
    var before = p50.getAttribute('points');
    var at = function (type, share) {
      latency.dispatchEvent(new MouseEvent(type, {bubbles: true, clientX: plot.left + plot.width * share,
                                                   clientY: plot.top + plot.height / 2}));
    };
    at('mousedown', 0.3); at('mousemove', 0.45); at('mouseup', 0.6);
    var zoomed = p50.getAttribute('points') !== before &&
                 latency.querySelectorAll('.zoom-ticks text').length >= 2;
    latency.dispatchEvent(new MouseEvent('dblclick', {bubbles: true}));
    var restored = p50.getAttribute('points') === before &&
                   latency.querySelectorAll('.zoom-ticks text').length === 0;
    if (!zoomed || !restored) { problems.push('drag did not zoom the latency chart, or double-click did not reset it'); }
    facts.zoom = zoomed && restored;
  }
  document.getElementById('verdict').textContent =
      JSON.stringify({ok: problems.length === 0, problems: problems, facts: facts});
})();
</script>
"""


def chromium(t, browser, page_path, width_px, extra, height_px=1000):
    """The page at `page_path` in headless Chromium at `width_px` wide, 5 s of virtual time;
    returns its stdout."""
    return harness.chromium(t, browser, "file://" + page_path,
                            f"chromium-profile-{width_px}-{len(extra)}",
                            ["--hide-scrollbars", f"--window-size={width_px},{height_px}",
                             "--virtual-time-budget=5000", *extra],
                            CHROMIUM_TIMEOUT_S)[0]


def artifacts_dir(t):
    path = os.environ.get("BARRAGE_ARTIFACTS_DIR") or t.path("artifacts")
    os.makedirs(path, exist_ok=True)
    return path


def check_page_text(t, page):
    t.check("break-all" not in page, "no CSS that breaks words anywhere (word-break: break-all)")
    for section in ("answered", "errors-over-time", "histogram", "by-name", "config"):
        t.check(f'<section id="{section}">' in page, f"the page has section #{section}")
    for chart in ("chart-answered", "chart-errors", "chart-histogram", "chart-name-1",
                  "chart-name-2", "chart-name-3"):
        t.check(f'id="{chart}"' in page, f"the page has <svg id={chart}>")
    latency = re.search(r'<svg[^>]*id="chart-latency".*?</svg>', page, re.S)
    t.require(latency is not None, "the latency chart is on the page")
    chart = latency.group(0)
    # serve --delay 3ms: every latency is at least 3 ms, so the axis reads ms, not thousands of us.
    t.check('data-unit="ms"' in chart and ">ms</text>" in chart,
            "the latency chart's unit is ms")
    t.check(chart.count('class="band"') == 2 and ">ramp-up</text>" in chart
            and ">hold</text>" in chart, "the latency chart shades the two phases")
    t.check('class="rule"' in chart and "p50 &lt; 1ms (FAIL)" in chart,
            "the latency chart draws the p50 threshold as a line, with its verdict")
    t.check("predict: p95" not in chart, "a request's threshold is not a line over the whole run")
    config = re.search(r'<table id="config-requests">.*?</table>', page, re.S)
    t.require(config is not None, "the configuration panel has the requests table")
    rows = re.findall(r"<tr><td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td>",
                      config.group(0))
    by_name = {name: (method, url) for name, method, url in rows}
    t.check(by_name.get("predict", ("", ""))[0] == "POST" and by_name["predict"][1].endswith("/json"),
            f"the predict request shows POST and its URL ({by_name.get('predict')})")
    t.check(by_name.get("home", ("", ""))[0] == "GET"
            and by_name["home"][1].endswith("/?page={{int 1 50}}"),
            f"the home request shows GET and its URL template ({by_name.get('home')})")


def with_verdict_script(t, page_path):
    """A copy of the page with the test script appended; returns its path."""
    with open(page_path, encoding="utf-8") as f:
        page = f.read()
    test_page = page_path + ".test.html"
    with open(test_page, "w", encoding="utf-8") as f:
        f.write(page.replace("</body></html>", VERDICT_SCRIPT + "</body></html>"))
    return test_page


def verdict_at(t, browser, test_page, width_px, charts_min=10):
    """Runs the in-page checks at `width_px`; returns the verdict's facts."""
    dom = chromium(t, browser, test_page, width_px, ["--dump-dom"])
    found = re.search(r'<pre id="verdict">(.*?)</pre>', dom, re.S)
    t.require(found is not None and found.group(1).strip(),
              f"{width_px} px: the test script wrote a verdict")
    text = found.group(1).replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">")
    verdict = json.loads(text.replace("&amp;", "&"))
    print(f"{width_px} px facts: {verdict['facts']}", flush=True)
    t.check(verdict["ok"], f"{width_px} px: every in-page check passed ({verdict['problems']})")
    t.check(verdict["facts"]["charts"] >= charts_min and
            verdict["facts"]["tooltips"] == verdict["facts"]["charts"],
            f"{width_px} px: every chart ({verdict['facts']['charts']}) showed a tooltip")
    return verdict["facts"]


def body(t):
    browser = harness.chromium_binary()
    server = t.serve("--threads", "1", "--delay", "3ms")
    profile = t.path("charts.toml")
    with open(profile, "w") as f:
        f.write(PROFILE.format(url=server.url(), reset_url=t.target("reset").url()))
    html_path = t.path("report.html")
    outcome = t.run(["run", profile, "--interval", "250ms", "--json", t.path("run.json"),
                     "--html", html_path])
    harness.exits_with(t, outcome, 1, "the run (thresholds fail)")
    with open(html_path, encoding="utf-8") as f:
        page = f.read()
    check_page_text(t, page)
    artifacts = artifacts_dir(t)
    test_page = with_verdict_script(t, html_path)
    for width_px in WIDTHS_PX:
        facts = verdict_at(t, browser, test_page, width_px)
        t.check(" ms" in facts.get("latency_tip", ""),
                f"{width_px} px: the latency tooltip gives its unit ({facts.get('latency_tip')!r})")
        t.check(facts.get("zoom") is True, f"{width_px} px: the latency chart zooms and resets")
        shot = os.path.join(artifacts, f"report-{width_px}.png")
        chromium(t, browser, html_path, width_px, [f"--screenshot={shot}"], SHOT_HEIGHT_PX)
        t.check(os.path.getsize(shot) > 10_000, f"screenshot at {width_px} px: {shot}")
    shutil.copy(html_path, os.path.join(artifacts, "report.html"))
    print(f"artifacts (screenshots, the page): {artifacts}", flush=True)
    print(f"page size: {len(page.encode())} bytes", flush=True)


if __name__ == "__main__":
    harness.main(__doc__, body)
