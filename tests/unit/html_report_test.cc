// The HTML report: escaping, chart scales, the result reader, and the page's
// sections for a crafted result. Chart drawing is private to src/report; the
// test reaches in on purpose to check the scales it relies on.

#include "barrage/report/html/html_report.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "../../src/report/html/svg_chart_impl.h"
#include "barrage/gate/evaluation.h"
#include "barrage/gate/threshold.h"
#include "barrage/report/html/html_page.h"
#include "barrage/report/result_reader.h"
#include "barrage/report/run_report.h"
#include "test_support.h"

namespace {

using barrage::report::format_html_report;
using barrage::report::html_escape;
using barrage::report::html_report_from_json;
using barrage::report::read_result_document;
using barrage::report::ResultDocument;
namespace detail = barrage::report::detail;
namespace html = barrage::report::html;

std::size_t count_of(std::string_view haystack, std::string_view needle) {
    std::size_t count = 0;
    for (std::size_t at = haystack.find(needle); at != std::string_view::npos;
         at = haystack.find(needle, at + needle.size())) {
        ++count;
    }
    return count;
}

using barrage::test::contains;

// A result as `barrage run --json` writes it, trimmed to what the page reads,
// with hostile strings where a user controls the text.
std::string crafted_json(std::string_view extra_top_level = "") {
    std::string json = R"({
  "tool": "barrage", "version": "0.1.0", "schema_version": "1",
  "target": {"url": "http://127.0.0.1:8080/<script>alert(1)</script>", "address": "127.0.0.1:8080"},
  "mode": "open_loop",
  "requests": {"sent": 3000, "completed": 2990, "errors": 7, "late": 2, "unsent": 0, "unfinished": 3},
  "duration_s": 3, "drain_s": 0.004, "interrupted": true,
  "throughput_rps": 996.667, "target_rate_rps": 1000, "achieved_send_rate_rps": 1000,
  "latency": {"min": 92, "mean": 231.442, "stdev": 80.12, "p50": 215, "p90": 301, "p99": 612,
              "p999": 1503, "p9999": 2411, "max": 2411, "count": 2990, "clamped": 0,
              "spectrum": [{"percentile": 0, "value_us": 92}, {"percentile": 90, "value_us": 301},
                           {"percentile": 99, "value_us": 612}, {"percentile": 100, "value_us": 2411}]},
  "service_time": {"min": 90, "mean": 228, "stdev": 80, "p50": 213, "p90": 297, "p99": 598,
                   "p999": 1490, "p9999": 2400, "max": 2400, "count": 2990, "clamped": 0},
  "status": {"1xx": 0, "2xx": 2980, "3xx": 0, "4xx": 10, "5xx": 0, "other": 0,
             "codes": {"200": 2980, "404": 10}},
  "errors": {"connect": 0, "timeout": 7, "total": 7},
  "error_details": ["timeout: no response within 10s & <gave up>"],
  "warnings": ["2 requests waited for a free connection"],
  "config": {"url": "http://127.0.0.1:8080/", "method": "GET", "pin": true, "cpus": [0, 1],
             "headers": [["X-Evil", "\"><img src=x>"]], "command_line": "barrage run 'a<b'"},
  "thresholds": [
    {"expression": "p99 < 1ms", "request": null, "metric": "p99", "operator": "<", "limit": 1000,
     "value": 612, "unit": "us", "pass": true},
    {"expression": "error_rate < 0.1%", "request": null, "metric": "error_rate", "operator": "<",
     "limit": 0.001, "value": 0.0023, "unit": "ratio", "pass": false}
  ],
  "intervals": [
    {"t_s": 1, "requests": 1000, "errors": 0, "rps": 1000, "p50_us": 213, "p90_us": 298,
     "p99_us": 587, "p999_us": 1411, "max_us": 1411,
     "status": {"1xx": 0, "2xx": 995, "3xx": 0, "4xx": 5, "5xx": 0, "other": 0}},
    {"t_s": 2, "requests": 990, "errors": 7, "rps": 990, "p50_us": 215, "p90_us": 301,
     "p99_us": 610, "p999_us": 1503, "max_us": 2411,
     "status": {"1xx": 0, "2xx": 985, "3xx": 0, "4xx": 5, "5xx": 0, "other": 0}},
    {"t_s": 3, "requests": 1000, "errors": 0, "rps": 1000, "p50_us": 210, "p90_us": 290,
     "p99_us": 600, "p999_us": 1400, "max_us": 1400,
     "status": {"1xx": 0, "2xx": 1000, "3xx": 0, "4xx": 0, "5xx": 0, "other": 0}}
  ])";
    json += extra_top_level;
    json += "}\n";
    return json;
}

std::string crafted_page(std::string_view extra = "") {
    auto page = html_report_from_json(crafted_json(extra), "result.json");
    REQUIRE_MESSAGE(page.ok(), (page.ok() ? "" : page.error().message));
    return page.value();
}

}  // namespace

TEST_CASE("html_escape escapes the five special characters and leaves the rest alone") {
    CHECK(html_escape("<a href=\"x\">'&'</a>") ==
          "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    CHECK(html_escape("plain text, ünïcode") == "plain text, ünïcode");
    CHECK(html_escape("") == "");
}

TEST_CASE("a linear scale maps the domain's ends onto the range's ends, inverted if asked") {
    const detail::LinearScale y{0, 200, 240, 40};  // SVG y grows downwards
    CHECK(y.map(0) == doctest::Approx(240));
    CHECK(y.map(200) == doctest::Approx(40));
    CHECK(y.map(50) == doctest::Approx(190));
    const detail::LinearScale empty{5, 5, 10, 20};
    CHECK(empty.map(5) == doctest::Approx(10));
}

TEST_CASE("nice ticks are round steps that start at the low end and cover the high end") {
    const auto ticks = detail::nice_ticks(0, 97, 5);
    REQUIRE(ticks.size() == 6);
    CHECK(ticks.front() == 0);
    CHECK(ticks.back() == doctest::Approx(100));
    CHECK(ticks[1] == doctest::Approx(20));
    const auto small = detail::nice_ticks(0, 0.37, 4);
    CHECK(small.back() >= 0.37);
    CHECK(small[1] == doctest::Approx(0.1));
    const auto exact = detail::nice_ticks(0, 1000, 5);
    CHECK(exact.back() == doctest::Approx(1000));
    const auto flat = detail::nice_ticks(0, 0, 5);
    REQUIRE(flat.size() >= 2);
    CHECK(flat.back() > 0);
}

TEST_CASE("tick text is compact") {
    CHECK(detail::tick_text(0) == "0");
    CHECK(detail::tick_text(0.5) == "0.5");
    CHECK(detail::tick_text(250) == "250");
    CHECK(detail::tick_text(15000) == "15k");
    CHECK(detail::tick_text(2'000'000) == "2M");
}

TEST_CASE("the spectrum's x axis counts decades of 1/(1-q) like HdrHistogram's plots") {
    CHECK(detail::spectrum_x(0, 9) == doctest::Approx(0));
    CHECK(detail::spectrum_x(90, 9) == doctest::Approx(1));
    CHECK(detail::spectrum_x(99, 9) == doctest::Approx(2));
    CHECK(detail::spectrum_x(99.9, 9) == doctest::Approx(3));
    CHECK(detail::spectrum_x(100, 9) == 9);
    CHECK(detail::spectrum_tick_label(0) == "0%");
    CHECK(detail::spectrum_tick_label(1) == "90%");
    CHECK(detail::spectrum_tick_label(2) == "99%");
    CHECK(detail::spectrum_tick_label(4) == "99.99%");
}

TEST_CASE("a chart draws one line per series with an escaped legend, or says no data") {
    html::ChartSpec spec{"chart-x", "A <title>", "ms", html::XAxis::seconds, {1, 2, 3}, {}};
    spec.series.push_back({"p50 <b>", "#123456", {1, 2, 3}});
    spec.series.push_back({"p99", "#654321", {2, 4, 8}});
    const std::string svg = html::render_line_chart(spec);
    CHECK(contains(svg, "<svg class=\"chart\" id=\"chart-x\""));
    CHECK(count_of(svg, "<polyline") == 2);
    CHECK(contains(svg, "p50 &lt;b&gt;"));
    CHECK(contains(svg, "A &lt;title&gt;"));
    CHECK_FALSE(contains(svg, "<b>"));
    CHECK(contains(svg, "</svg>"));

    html::ChartSpec empty{"chart-empty", "nothing", "ms", html::XAxis::seconds, {}, {}};
    const std::string none = html::render_line_chart(empty);
    CHECK(contains(none, "no data"));
    CHECK(count_of(none, "<polyline") == 0);
}

TEST_CASE("a log chart has ticks at the powers of ten its values span; zero sits on the floor") {
    html::ChartSpec spec{"chart-log",
                         "log",
                         "ms",
                         html::XAxis::rate_asked,
                         {100, 200, 400},
                         {{"p99", "#000", {0, 2.5, 450}}}};
    spec.y_log = true;
    const std::string svg = html::render_line_chart(spec);
    for (const char* tick : {">1<", ">10<", ">100<", ">1000<"}) {
        CHECK(contains(svg, tick));
    }
    CHECK_FALSE(contains(svg, ">0.1<"));
    CHECK_FALSE(contains(svg, ">10000<"));
    CHECK(contains(svg, "asked rate (req/s)"));
    // x 100 of 0..400 is at 64 + 802 / 4. y spans 240 (bottom) to 34 (top) over three
    // decades: 0 is drawn at the floor (1, y 240), 2.5 at 240 - 206 * log10(2.5) / 3 = 212.7,
    // 450 at 240 - 206 * log10(450) / 3 = 57.8.
    CHECK(contains(svg, "points=\"264.5,240.0 "));
    CHECK(contains(svg, ",212.7 "));
    CHECK(contains(svg, ",57.8\""));

    html::ChartSpec flat{
        "chart-flat", "flat", "ms", html::XAxis::rate_asked, {1, 2}, {{"p50", "#000", {5, 5}}}};
    flat.y_log = true;
    const std::string one_decade = html::render_line_chart(flat);
    CHECK(contains(one_decade, ">1<"));
    CHECK(contains(one_decade, ">10<"));
}

TEST_CASE("a spectrum chart puts the max at the right end after the finest percentile") {
    html::ChartSpec spec{"chart-s",
                         "spectrum",
                         "us",
                         html::XAxis::percentile_spectrum,
                         {0, 90, 99, 99.9, 100},
                         {{"latency", "#000", {1, 2, 3, 4, 5}}}};
    const std::string svg = html::render_line_chart(spec);
    CHECK(contains(svg, ">99.9%<"));
    CHECK(contains(svg, ">99.99%<"));  // the decade the max is drawn at
    CHECK_FALSE(contains(svg, ">99.999%<"));
}

TEST_CASE("the reader rejects what is not a barrage result, naming the source") {
    const auto not_json = read_result_document("{nope", "a.json");
    REQUIRE_FALSE(not_json.ok());
    CHECK(contains(not_json.error().message, "a.json"));
    CHECK(contains(not_json.error().message, "invalid JSON"));

    const auto other_tool = read_result_document(R"({"tool": "wrk"})", "b.json");
    REQUIRE_FALSE(other_tool.ok());
    CHECK(contains(other_tool.error().message, "b.json: not a barrage result"));

    const auto array = read_result_document("[1, 2]", "c.json");
    REQUIRE_FALSE(array.ok());
    CHECK(contains(array.error().message, "not a JSON object"));

    const auto future =
        read_result_document(R"({"tool": "barrage", "schema_version": "99"})", "d.json");
    REQUIRE_FALSE(future.ok());
    CHECK(contains(future.error().message, "schema_version '99'"));

    const auto partial = read_result_document(
        R"({"tool": "barrage", "schema_version": "1", "requests": {}, "latency": {}})", "e.json");
    REQUIRE_FALSE(partial.ok());
    CHECK(contains(partial.error().message, "latency"));

    const auto no_intervals = read_result_document(
        R"({"tool": "barrage", "schema_version": "1", "requests": {},
            "latency": {"p50": 1, "max": 2, "count": 3}})",
        "f.json");
    REQUIRE_FALSE(no_intervals.ok());
    CHECK(contains(no_intervals.error().message, "intervals"));
}

TEST_CASE("the reader reads every section of a result") {
    const auto read = read_result_document(crafted_json(), "result.json");
    REQUIRE(read.ok());
    const ResultDocument& doc = read.value();
    CHECK(doc.completed == 2990);
    CHECK(doc.interrupted);
    REQUIRE(doc.target_rate_rps.has_value());
    CHECK(*doc.target_rate_rps == 1000);
    CHECK(doc.latency().p99_us == 612);
    REQUIRE(doc.histograms.size() == 2);
    CHECK(doc.histograms[1].first == "service_time");
    CHECK(doc.spectrum.size() == 4);
    CHECK(doc.status[1] == 2980);
    REQUIRE(doc.status_codes.size() == 2);
    CHECK(doc.status_codes[1].first == "404");
    REQUIRE(doc.intervals.size() == 3);
    CHECK(doc.intervals[1].has_status);
    CHECK(doc.intervals[1].status[3] == 5);
    CHECK(doc.intervals[1].errors == 7);
    REQUIRE(doc.thresholds.size() == 2);
    CHECK_FALSE(doc.thresholds[1].passed);
    CHECK(doc.thresholds[1].request.empty());
    CHECK(doc.requests_by_name.empty());
    bool cpus_seen = false;
    for (const auto& [key, value] : doc.config) {
        cpus_seen = cpus_seen || (key == "cpus" && value == "[0,1]");
    }
    CHECK(cpus_seen);
    CHECK(doc.headline_problems.empty());
}

TEST_CASE("the reader lists the headline numbers a document lacks or holds as text") {
    std::string json = crafted_json(R"(,
  "requests_by_name": {"login": {"sent": 10, "completed": 9, "errors": 1.5}})");
    json.replace(json.find("\"p99\": 612"), 10, "\"p98\": 612");
    json.replace(json.find("\"duration_s\": 3"), 15, "\"duration_s\": \"3\"");
    const auto read = read_result_document(json, "result.json");
    REQUIRE_MESSAGE(read.ok(), (read.ok() ? "" : read.error().message));  // lenient: read as 0
    const auto& problems = read.value().headline_problems;
    REQUIRE(problems.size() == 2);
    CHECK(problems[0].field == "latency/p99");
    CHECK_FALSE(problems[0].present);
    CHECK(problems[1].field == "duration_s");
    CHECK(problems[1].present);
    REQUIRE(read.value().requests_by_name.size() == 1);
    const auto& login = read.value().requests_by_name[0];
    CHECK(login.count("completed") == 9.0);
    CHECK(login.count("errors") == 1.5);
    CHECK_FALSE(login.count("checks_failed").has_value());
}

TEST_CASE("a report from a result has every section, its charts, and no unescaped input") {
    const std::string page = crafted_page();
    CHECK(page.rfind("<!DOCTYPE html>", 0) == 0);
    for (const char* id : {"summary", "thresholds", "throughput", "latency-over-time", "spectrum",
                           "status-over-time", "latency-table", "status-and-errors", "config"}) {
        CHECK_MESSAGE(contains(page, fmt::format("<section id=\"{}\">", id)), id);
    }
    for (const char* id : {"chart-throughput", "chart-latency", "chart-spectrum", "chart-status"}) {
        CHECK_MESSAGE(contains(page, fmt::format("id=\"{}\"", id)), id);
    }
    // The four, and answered/failed over time (no histogram: the document has no counts).
    CHECK(count_of(page, "<svg class=\"chart\"") == 5);
    CHECK_FALSE(contains(page, "<section id=\"by-name\">"));
    CHECK(contains(page, "INTERRUPTED"));
    CHECK(contains(page, "class=\"pass\">PASS<"));
    CHECK(contains(page, "class=\"fail\">FAIL<"));
    CHECK(contains(page, "2 requests waited for a free connection"));
    // Only our own script; the hostile strings arrive escaped.
    CHECK(count_of(page, "<script") == 1);
    CHECK_FALSE(contains(page, "<img"));
    CHECK(contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    CHECK(contains(page, "&lt;gave up&gt;"));
    // Self-contained: nothing that would fetch.
    CHECK_FALSE(contains(page, "src=\"http"));
    CHECK_FALSE(contains(page, "href=\"http"));
    CHECK_FALSE(contains(page, "@import"));
    CHECK(contains(page, "default-src 'none'"));
}

TEST_CASE("per-name results get their own tables when the result has them") {
    const std::string page = crafted_page(R"(,
  "requests_by_name": {
    "login <1>": {"sent": 10, "completed": 9, "errors": 1,
                  "latency": {"min": 1, "mean": 2, "stdev": 0, "p50": 2, "p90": 3, "p99": 4,
                              "p999": 4, "p9999": 4, "max": 4, "count": 9, "clamped": 0}},
    "browse": {"sent": 5, "completed": 5, "errors": 0}
  })");
    CHECK(contains(page, "<section id=\"by-name\">"));
    CHECK(contains(page, "<h3>login &lt;1&gt;</h3>"));
    CHECK(contains(page, "<h3>browse</h3>"));
}

TEST_CASE("a result without a spectrum or per-interval status still draws every chart") {
    std::string json = crafted_json();
    // An older document: drop the spectrum and the interval status objects.
    const auto cut = [&json](std::string_view from, std::string_view to) {
        const std::size_t start = json.find(from);
        REQUIRE(start != std::string::npos);
        const std::size_t end = json.find(to, start);
        REQUIRE(end != std::string::npos);
        json.erase(start, end - start + to.size());
    };
    cut(",\n              \"spectrum\"", "]");
    while (json.find(",\n     \"status\"") != std::string::npos) {
        cut(",\n     \"status\"", "}");
    }
    const auto read = read_result_document(json, "old.json");
    REQUIRE(read.ok());
    CHECK(read.value().spectrum.empty());
    CHECK_FALSE(read.value().intervals[0].has_status);
    const std::string page = format_html_report(read.value());
    CHECK(count_of(page, "<svg class=\"chart\"") == 5);
    CHECK(count_of(page, "no data") == 0);
}

TEST_CASE("intervals with connections get the active connections chart, and only then") {
    std::string json = crafted_json();
    for (std::size_t at = json.find("{\"t_s\": "); at != std::string::npos;
         at = json.find("{\"t_s\": ", at + 1)) {
        json.insert(at + 1, "\"connections\": 8, ");
    }
    const auto read = read_result_document(json, "new.json");
    REQUIRE(read.ok());
    REQUIRE_FALSE(read.value().intervals.empty());
    CHECK(read.value().intervals[0].has_connections);
    CHECK(read.value().intervals[0].connections == 8);
    const std::string page = format_html_report(read.value());
    CHECK(contains(page, "<section id=\"connections\">"));
    CHECK(contains(page, "id=\"chart-connections\""));
    CHECK(count_of(page, "<svg class=\"chart\"") == 6);
    CHECK_FALSE(contains(crafted_page(), "chart-connections"));  // older documents: none
}

TEST_CASE("a run whose target stopped answering says so above its answered-only figures") {
    barrage::plan::RunPlan plan;
    plan.target.host_header = "127.0.0.1:8080";
    plan.target.address_text = "127.0.0.1:8080";
    barrage::stats::RunResult result;
    for (int64_t i = 0; i < 7; ++i) {
        result.totals.latency_us.record_value(50'000 + i * 40'000);
    }
    result.totals.counters.requests_completed = 7;
    result.totals.counters.requests_sent = 105;
    result.totals.counters.requests_errors = 98;
    result.totals.counters.requests_unsent = 195;
    result.duration_s = 3;
    auto spec = barrage::gate::parse_threshold("p99 < 400ms");
    REQUIRE(spec.ok());
    const std::vector<barrage::gate::ThresholdSpec> specs{spec.value()};
    const auto outcomes =
        barrage::gate::evaluate_thresholds(specs, barrage::gate::RunResultMetrics(result));
    auto page = html_report_from_json(barrage::report::format_json(plan, result, outcomes));
    REQUIRE(page.ok());
    CHECK(contains(page.value(), "293 of 300 scheduled requests went unanswered"));
    CHECK(contains(page.value(), "<td>unanswered</td>"));  // the threshold's value, not "no data"
    CHECK_FALSE(contains(page.value(), "<td>no data</td>"));
}

TEST_CASE("the JSON of a run carries the latency spectrum and per-interval status classes") {
    barrage::plan::RunPlan plan;
    plan.target.host_header = "127.0.0.1:8080";
    plan.target.address_text = "127.0.0.1:8080";
    barrage::stats::RunResult result;
    for (int64_t us = 1; us <= 100; ++us) {
        result.totals.latency_us.record_value(us);
    }
    result.totals.counters.requests_completed = 100;
    barrage::stats::IntervalRow row;
    row.t_s = 1;
    row.length_s = 1;
    row.counters.requests_completed = 100;
    for (int i = 0; i < 97; ++i) {
        row.counters.count_status(200);
    }
    for (int i = 0; i < 3; ++i) {
        row.counters.count_status(503);
    }
    result.intervals.push_back(row);
    const auto read = read_result_document(barrage::report::format_json(plan, result), "run");
    REQUIRE(read.ok());
    const ResultDocument& doc = read.value();
    REQUIRE(doc.spectrum.size() >= 3);
    CHECK(doc.spectrum.front().percentile == 0);
    CHECK(doc.spectrum.back().percentile == 100);
    CHECK(doc.spectrum.back().value_us == 100);
    REQUIRE(doc.intervals.size() == 1);
    CHECK(doc.intervals[0].has_status);
    CHECK(doc.intervals[0].status[1] == 97);
    CHECK(doc.intervals[0].status[4] == 3);
}

namespace {

std::vector<barrage::report::HistoryEntry> sample_history() {
    std::vector<barrage::report::HistoryEntry> entries(3);
    for (std::size_t i = 0; i < entries.size(); ++i) {
        entries[i].time = fmt::format("2026-12-0{}T10:00:00Z", i + 1);
        entries[i].rps = 1000.0 + 100.0 * static_cast<double>(i);
        entries[i].p50_us = 100 + 10 * static_cast<int64_t>(i);
        entries[i].p99_us = 900 + 100 * static_cast<int64_t>(i);
        entries[i].error_rate = 0.001 * static_cast<double>(i);
    }
    entries[1].label = "<b>v2</b> & more";
    return entries;
}

}  // namespace

TEST_CASE("run ticks label every run when few, about eight always ending at the last when many") {
    CHECK(detail::run_ticks(0).empty());
    CHECK(detail::run_ticks(1) == std::vector<double>{1});
    CHECK(detail::run_ticks(5) == std::vector<double>{1, 2, 3, 4, 5});
    for (const std::size_t runs : {9u, 17u, 20u, 100u, 1001u}) {
        const auto ticks = detail::run_ticks(runs);
        CHECK_MESSAGE(ticks.size() <= 10, runs);
        CHECK(ticks.front() == 1);
        CHECK(ticks.back() == static_cast<double>(runs));
        for (std::size_t i = 1; i < ticks.size(); ++i) {
            CHECK(ticks[i] > ticks[i - 1]);
        }
    }
}

TEST_CASE("a chart over runs labels its ticks with the runs' names, cut short and escaped") {
    html::ChartSpec spec{"chart-x", "t", "us", html::XAxis::runs, {1, 2}, {}, {}};
    spec.series.push_back({"p99", "#000", {5, 7}});
    spec.x_labels = {"<v1>", "ünïcödé label that is long"};
    const std::string svg = html::render_line_chart(spec);
    CHECK(contains(svg, ">&lt;v1&gt;</text>"));
    CHECK(contains(svg, ">ünïcödé l\u2026</text>"));  // 13 bytes, at a character boundary
    spec.x_labels[1] = "ünïcödéx\u00e9label";         // byte 13 is inside the second é
    CHECK(contains(html::render_line_chart(spec), ">ünïcödéx\u2026</text>"));
    CHECK(contains(svg, "run (oldest first)"));
    CHECK(count_of(svg, "<polyline") == 1);
}

TEST_CASE("the trend page has a chart per key metric over the runs and the trend table") {
    const auto history = sample_history();
    const std::string page = barrage::report::format_trend_html(history, "runs <1>.jsonl");
    CHECK(page.starts_with("<!DOCTYPE html>"));
    CHECK(contains(page, "default-src 'none'"));
    CHECK(contains(page, "<section id=\"trend\">"));
    for (const char* id :
         {"chart-trend-p50", "chart-trend-p99", "chart-trend-rps", "chart-trend-errors"}) {
        CHECK_MESSAGE(contains(page, fmt::format("<svg class=\"chart\" id=\"{}\"", id)), id);
    }
    CHECK(count_of(page, "<svg class=\"chart\"") == 4);
    CHECK(count_of(page, "<polyline") == 4);
    CHECK(contains(page, "<table id=\"trend-table\">"));
    CHECK(count_of(page, "<tr>") == history.size() + 1);
    CHECK(contains(page, "1100.0 (+10%)"));
    CHECK(contains(page, "runs &lt;1&gt;.jsonl"));
    CHECK(contains(page, "&lt;b&gt;v2&lt;/b&gt; &amp; more"));
    CHECK_FALSE(contains(page, "<b>v2"));
    CHECK(contains(page, ">12-01 10:00</text>"));  // no label: the time, short
    CHECK(contains(page, "data-rendered"));

    const std::string empty = barrage::report::format_trend_html({}, "h.jsonl");
    CHECK(count_of(empty, "no data") == 4);
    CHECK(contains(empty, "0 runs recorded"));
}

TEST_CASE("a run report given a history adds the trend section, and only then") {
    const auto read = read_result_document(crafted_json(), "result.json");
    REQUIRE(read.ok());
    const auto history = sample_history();
    const std::string with =
        format_html_report(read.value(), "result.json", history, "history.jsonl");
    CHECK(contains(with, "<section id=\"trend\">"));
    CHECK(count_of(with, "<svg class=\"chart\"") == 9);
    CHECK(contains(with, "<table id=\"trend-table\">"));
    CHECK(with.find("<section id=\"trend\">") < with.find("<section id=\"config\">"));
    const std::string without = format_html_report(read.value(), "result.json");
    CHECK_FALSE(contains(without, "id=\"trend\""));
    CHECK(count_of(without, "<svg class=\"chart\"") == 5);
}

// ---- the watched target (--watch-pid, --watch-cgroup, --watch-url) ----

namespace {

// A process that leaks with a warm-up sample and an unreadable fd count, a
// cgroup (no fds) that went away, and a scrape with a NaN and hostile keys.
barrage::watch::WatchResult watched() {
    barrage::watch::WatchResult watch;
    watch.limits = {5, 10, 1};
    barrage::watch::TargetWatch process;
    process.name = "pid 42 (<app>)";
    process.kind = "pid";
    for (int i = 0; i < 5; ++i) {
        barrage::watch::ResourceSample sample;
        sample.t_s = i - 1.0;
        sample.rss_bytes = int64_t{100 + 10 * i} * 1024 * 1024;
        sample.cpu_s = 0.5 * i;
        sample.fds = i == 2 ? -1 : 20 + i;
        sample.threads = 4;
        process.samples.push_back(sample);
    }
    process.growth = {600.0, 60.0, 0.0, true, true};
    barrage::watch::TargetWatch cgroup;
    cgroup.name = "cgroup /sys/fs/cgroup/app";
    cgroup.kind = "cgroup";
    cgroup.samples = process.samples;
    for (auto& sample : cgroup.samples) {
        sample.fds = -1;
    }
    cgroup.exited_at_s = 2.5;
    cgroup.growth.rss_mb_per_min = 1.5;
    watch.targets = {process, cgroup};
    watch.url = "http://127.0.0.1:9100/metrics";
    watch.series.push_back({"queue{name=\"<jobs>\"}", {0.0, 1.0, 2.0}, {3, std::nan(""), -2}});
    for (int i = 0; i < 9; ++i) {
        watch.series.push_back({fmt::format("gauge_{}", i), {0.0, 1.0}, {1.0, 2.0}});
    }
    watch.scrapes = 3;
    watch.scrape_failures = 1;
    watch.scrape_error_first = "connect: Connection refused";
    return watch;
}

ResultDocument read_with_watch(const barrage::watch::WatchResult& watch) {
    barrage::plan::RunPlan plan;
    plan.target.host_header = "127.0.0.1:8080";
    barrage::stats::RunResult result;
    result.totals.latency_us.record_value(100);
    result.totals.counters.requests_completed = 1;
    const auto read =
        read_result_document(barrage::report::format_json(plan, result, {}, &watch), "run");
    REQUIRE(read.ok());
    return read.value();
}

}  // namespace

TEST_CASE("the reader reads the watch section back as the run wrote it, and none when absent") {
    const auto original = watched();
    const ResultDocument doc = read_with_watch(original);
    REQUIRE(doc.watch.has_value());
    const barrage::watch::WatchResult& watch = *doc.watch;
    CHECK(watch.limits.rss_mb_per_min == 5);
    CHECK(watch.limits.threads_per_min == 1);
    REQUIRE(watch.targets.size() == 2);
    const auto& process = watch.targets[0];
    CHECK(process.name == "pid 42 (<app>)");
    CHECK(process.kind == "pid");
    CHECK(process.growth.rss_mb_per_min == doctest::Approx(600));
    CHECK(process.growth.fds_per_min == doctest::Approx(60));
    CHECK(process.growth.still_climbing);
    CHECK(process.growth.leak_suspected);
    CHECK_FALSE(process.exited_at_s.has_value());
    REQUIRE(process.samples.size() == 5);
    CHECK(process.samples[0].t_s == -1);
    CHECK(process.samples[4].rss_bytes == 140 * 1024 * 1024);
    CHECK(process.samples[2].fds == -1);  // null in the JSON
    CHECK(process.samples[3].fds == 23);
    CHECK(process.samples[4].cpu_s == doctest::Approx(2));
    const auto& cgroup = watch.targets[1];
    CHECK(cgroup.kind == "cgroup");
    CHECK(cgroup.exited_at_s == doctest::Approx(2.5));
    CHECK_FALSE(cgroup.growth.fds_per_min.has_value());
    CHECK_FALSE(cgroup.growth.leak_suspected);
    CHECK(watch.url == "http://127.0.0.1:9100/metrics");
    CHECK(watch.scrapes == 3);
    CHECK(watch.scrape_failures == 1);
    CHECK(watch.scrape_error_first == "connect: Connection refused");
    REQUIRE(watch.series.size() == 10);
    CHECK(watch.series[0].key == "queue{name=\"<jobs>\"}");
    REQUIRE(watch.series[0].values.size() == 3);
    CHECK(std::isnan(watch.series[0].values[1]));
    CHECK(watch.series[0].values[2] == -2);
    CHECK(watch.series[0].t_s[2] == 2);

    const auto plain = read_result_document(crafted_json(), "result.json");
    REQUIRE(plain.ok());
    CHECK_FALSE(plain.value().watch.has_value());
}

TEST_CASE("a report with watch data charts each target and the first scraped series") {
    const std::string page = format_html_report(read_with_watch(watched()));
    CHECK(contains(page, "<section id=\"watch\">"));
    CHECK(page.find("<section id=\"watch\">") < page.find("<section id=\"config\">"));
    for (const char* id : {"chart-watch-1-rss", "chart-watch-1-counts", "chart-watch-1-cpu",
                           "chart-watch-2-rss", "chart-watch-2-counts", "chart-watch-2-cpu"}) {
        CHECK_MESSAGE(contains(page, fmt::format("<svg class=\"chart\" id=\"{}\"", id)), id);
    }
    // 6 run charts (a written result has the histogram's counts), 3 per target, 8 of 10 series.
    CHECK(count_of(page, "<svg class=\"chart\"") == 6 + 6 + 8);
    CHECK(contains(page, "id=\"chart-watch-series-8\""));
    CHECK_FALSE(contains(page, "id=\"chart-watch-series-9\""));
    CHECK(contains(page, "first 8 of 10 series"));
    CHECK(contains(page, "<table id=\"watch-growth\">"));
    CHECK(contains(page, "RSS MB/min (limit 5)"));
    CHECK(contains(page,
                   "<td>+600.00</td><td>+60.00</td><td>+0.00</td><td>yes</td>"
                   "<td class=\"fail\">LEAK SUSPECTED</td><td>-</td>"));
    CHECK(contains(page,
                   "<td>+1.50</td><td>n/a</td><td>n/a</td><td>no</td>"
                   "<td class=\"pass\">no leak</td><td>2.5s</td>"));
    // The series table: 2 finite points, first 3, last -2 (the NaN left out).
    CHECK(contains(page,
                   "<td class=\"text\">queue{name=&quot;&lt;jobs&gt;&quot;}</td><td>2</td>"
                   "<td>3</td><td>-2</td><td>-2</td><td>3</td>"));
    CHECK(contains(page, "3 scrapes, 1 failed (first: connect: Connection refused)"));
    CHECK_FALSE(contains(page, "<app>"));
    CHECK_FALSE(contains(page, "<jobs>"));
    // No NaN drawn or handed to the script ("unanswered" is a word of the page).
    for (const char* nan : {">nan", "nan<", "nan,", ",nan", "[nan", "nan]", "-nan"}) {
        CHECK_FALSE_MESSAGE(contains(page, nan), nan);
    }
}

TEST_CASE("a watched cgroup's chart of counts has threads only; a process's has both") {
    const std::string page = format_html_report(read_with_watch(watched()));
    const auto chart = [&](std::string_view id) {
        const std::size_t at = page.find(fmt::format("id=\"{}\"", id));
        REQUIRE(at != std::string::npos);
        return page.substr(at, page.find("</svg>", at) - at);
    };
    const std::string process = chart("chart-watch-1-counts");
    CHECK(count_of(process, "<polyline") == 2);
    CHECK(contains(process, ">open fds</text>"));
    const std::string cgroup = chart("chart-watch-2-counts");
    CHECK(count_of(cgroup, "<polyline") == 1);
    CHECK_FALSE(contains(cgroup, ">open fds</text>"));
    CHECK(contains(cgroup, ">threads</text>"));
    // CPU: 0.5 s of CPU per second is 50% of one core, on every step.
    const std::string cpu = chart("chart-watch-1-cpu");
    CHECK(count_of(cpu, "<polyline") == 1);
    CHECK(contains(cpu, ">% of one core<"));
}

TEST_CASE("a chart over seconds reaches back to warm-up times and down to negative values") {
    html::ChartSpec spec{"chart-neg", "neg", "value", html::XAxis::seconds, {-1.5, 0, 4}, {}};
    spec.series.push_back({"v", "#123456", {-3, 1, 5}});
    const std::string svg = html::render_line_chart(spec);
    CHECK(contains(svg, ">-2</text>"));  // the first x tick, before 0
    CHECK(contains(svg, ">-4</text>"));  // the lowest y tick, below 0
    CHECK(count_of(svg, "<polyline") == 1);
    CHECK_FALSE(contains(svg, "nan"));
}

TEST_CASE("the latency-over-time chart has a p95 line where the intervals have p95") {
    const std::string without = crafted_page();  // written before the intervals had p95
    CHECK_FALSE(contains(without, ">p95</text>"));
    std::string json = crafted_json("");
    std::size_t at = 0;
    while ((at = json.find("\"max_us\": ", at)) != std::string::npos) {
        json.insert(at, "\"p95_us\": 500, ");
        at += 30;
    }
    auto doc = barrage::report::read_result_document(json, "r.json");
    REQUIRE(doc.ok());
    CHECK(doc.value().intervals[0].p95_us == 500);
    CHECK(contains(format_html_report(doc.value(), "r.json"), ">p95</text>"));
}

TEST_CASE("latency charts switch unit: us below 1 ms, ms below 1 s, then s") {
    CHECK(std::string(html::latency_unit_for(999).label) == "us");
    // A 6 ms p99 with an 8 ms max reads in ms, not "8000 us".
    CHECK(std::string(html::latency_unit_for(8'000).label) == "ms");
    CHECK(html::latency_unit_for(8'000).divisor == 1e3);
    CHECK(std::string(html::latency_unit_for(999'999).label) == "ms");
    CHECK(std::string(html::latency_unit_for(2'500'000).label) == "s");
    CHECK(html::latency_unit_for(2'500'000).divisor == 1e6);
}

namespace {

// The x attribute of the <text> whose content is `label`; -1 when none.
double text_x(const std::string& svg, std::string_view label) {
    const std::size_t end = svg.find(fmt::format(">{}</text>", label));
    if (end == std::string::npos) {
        return -1;
    }
    const std::size_t at = svg.rfind("x=\"", end);
    return std::stod(svg.substr(at + 3));
}

}  // namespace

TEST_CASE("the spectrum's last tick label fits inside the chart (not clipped at the edge)") {
    html::ChartSpec spec{"chart-s",
                         "spectrum",
                         "ms",
                         html::XAxis::percentile_spectrum,
                         {0, 90, 99, 99.9, 99.99, 100},
                         {{"latency", "#000", {1, 2, 3, 4, 5, 6}}}};
    const std::string svg = html::render_line_chart(spec);
    const double x = text_x(svg, "99.99%");  // the last tick: where the max is drawn
    REQUIRE(x > 0);
    // Centred on its tick, 7 characters of at most 7 px each at the chart's font size.
    CHECK(x + 7 * 7 / 2.0 <= html::chart_width_px);
}

TEST_CASE("a chart carries its values for hover and toggling, bands and threshold lines") {
    html::ChartSpec spec{"chart-h", "hover", "ms", html::XAxis::seconds, {0.5, 1, 1.5}, {}};
    spec.series.push_back({"p99 <x>", "#111", {1.25, 2, 40}});
    spec.series.push_back({"p50", "#222", {1, 1, 1}});
    spec.bands = {{0, 1, "ramp-up"}, {1, 1.5, "hold"}};
    spec.rules = {{50, "p99 < 50ms (pass)", false}, {5000, "p99 < 5s (pass)", false}};
    const std::string svg = html::render_line_chart(spec);
    CHECK(contains(svg, "data-unit=\"ms\""));
    CHECK(contains(svg, "data-x=\"[0.5,1,1.5]\""));
    CHECK(contains(svg, "data-label=\"p99 &lt;x&gt;\" data-y=\"[1.25,2,40]\""));
    CHECK(contains(svg, "<g class=\"legend-item\" data-series=\"1\">"));
    CHECK(count_of(svg, "class=\"band\"") == 2);
    CHECK(contains(svg, ">ramp-up</text>"));
    // 50 ms is near the values: a line, and the axis reaches it; 5 s would flatten the lines.
    CHECK(count_of(svg, "class=\"rule\"") == 1);
    CHECK(contains(svg, ">p99 &lt; 50ms (pass)</text>"));
    CHECK(contains(svg, "p99 &lt; 5s (pass) (above the chart)"));
    CHECK(text_x(svg, "50") > 0);  // a y tick at 50
}

TEST_CASE("the reader takes each request's method and URL, the phases and per-interval sent") {
    const std::string json = crafted_json(R"(,
  "phases": [{"name": "warm <1>", "start_s": 0, "end_s": 1.5}, {"name": "hold", "start_s": 1.5,
              "end_s": 3}])");
    std::string with_requests = json;
    with_requests.replace(with_requests.find("\"pin\": true"), 11,
                          R"("pin": true, "requests": [{"name": "home", "method": "GET",
             "url": "http://h/?p={{int 1 5}}"}, {"name": "buy", "method": "POST",
             "url": "http://h/buy"}])");
    with_requests.replace(with_requests.find("\"requests\": 1000,"), 17,
                          R"("requests": 1000, "sent": 1002,)");
    const auto read = read_result_document(with_requests, "r.json");
    REQUIRE(read.ok());
    const ResultDocument& doc = read.value();
    REQUIRE(doc.requests.size() == 2);
    CHECK(doc.requests[1].method == "POST");
    CHECK(doc.requests[1].url == "http://h/buy");
    for (const auto& [key, value] : doc.config) {
        CHECK(key != "requests");
    }
    REQUIRE(doc.phases.size() == 2);
    CHECK(doc.phases[1].start_s == 1.5);
    CHECK(doc.intervals[0].has_sent);
    CHECK(doc.intervals[0].sent == 1002);
    CHECK_FALSE(doc.intervals[1].has_sent);

    const std::string page = format_html_report(doc);
    CHECK(contains(page, "<table id=\"config-requests\">"));
    CHECK(contains(page, "<td class=\"text\">POST</td><td class=\"text\">http://h/buy</td>"));
    CHECK(contains(page, "http://h/?p={{int 1 5}}"));
    CHECK_FALSE(contains(page, "<th>method</th><td"));
    CHECK(contains(page, ">warm &lt;1&gt;</text>"));
    CHECK_FALSE(contains(page, "break-all"));
}

TEST_CASE("an older document with several request names says its url and method are the first's") {
    const std::string page = crafted_page(R"(,
  "requests_by_name": {"a": {"sent": 1, "completed": 1, "errors": 0},
                       "b": {"sent": 1, "completed": 1, "errors": 0}})");
    CHECK(contains(page, "<th>method (first request)</th>"));
    CHECK(contains(page, "<th>url (first request)</th>"));
    CHECK_FALSE(contains(page, "config-requests"));
}

TEST_CASE("each request name gets a small percentile chart beside its tables") {
    const std::string page = crafted_page(R"(,
  "requests_by_name": {
    "login": {"sent": 10, "completed": 9, "errors": 1,
              "latency": {"min": 1000, "mean": 2000, "stdev": 0, "p50": 2000, "p90": 3000,
                          "p99": 4000, "p999": 4000, "p9999": 4000, "max": 4000, "count": 9,
                          "clamped": 0}},
    "browse": {"sent": 1, "completed": 1, "errors": 0,
              "latency": {"min": 10, "mean": 10, "stdev": 0, "p50": 10, "p90": 10,
                          "p99": 10, "p999": 10, "p9999": 10, "max": 10, "count": 1,
                          "clamped": 0}}
  })");
    CHECK(count_of(page, "<div class=\"named\">") == 2);
    CHECK(contains(page, "<svg class=\"chart small\" id=\"chart-name-1\""));
    CHECK(contains(page, "<svg class=\"chart small\" id=\"chart-name-2\""));
    CHECK(contains(page, "data-unit=\"ms\""));  // login's 4 ms max
    CHECK(contains(page, "data-unit=\"us\""));  // browse's 10 us
}

TEST_CASE("errors by kind over time: a line per kind that occurred, or a sentence why not") {
    // The crafted result has 7 timeouts but no per-interval kinds (an older document).
    CHECK(contains(crafted_page(), "no errors per interval"));
    std::string json = crafted_json();
    json.replace(json.find("\"errors\": 7, \"rps\": 990,"), 24,
                 R"("errors": 7, "errors_by_kind": {"timeout": 7}, "rps": 990,)");
    const auto read = read_result_document(json, "r.json");
    REQUIRE(read.ok());
    REQUIRE(read.value().intervals[1].errors_by_kind.size() == 1);
    CHECK(read.value().intervals[1].errors_by_kind[0].second == 7);
    const std::string page = format_html_report(read.value());
    CHECK(contains(page, "<svg class=\"chart\" id=\"chart-errors\""));
    CHECK(contains(page, "data-label=\"timeout\" data-y=\"[0,7,0]\""));
    CHECK_FALSE(contains(page, "data-label=\"connect\""));  // a kind that never occurred
}

TEST_CASE("the target line follows each interval's scheduled rate, so a ramp's rises") {
    std::string json = crafted_json();
    for (const auto& [t, rate] : {std::pair{"\"t_s\": 1,", "900"}, std::pair{"\"t_s\": 2,", "1000"},
                                  std::pair{"\"t_s\": 3,", "1100"}}) {
        json.replace(json.find(t), std::string_view(t).size(),
                     std::string(t) + " \"target_rps\": " + rate + ",");
    }
    const auto read = read_result_document(json, "r.json");
    REQUIRE(read.ok());
    REQUIRE(read.value().intervals[0].target_rps.has_value());
    CHECK(*read.value().intervals[2].target_rps == 1100);
    CHECK(contains(format_html_report(read.value()),
                   "data-label=\"target rate\" data-y=\"[900,1000,1100]\""));
    // An older document (no target_rps): the run's mean, flat, as one phase held it.
    CHECK(contains(crafted_page(), "data-label=\"target rate\" data-y=\"[1000,1000,1000]\""));
}
