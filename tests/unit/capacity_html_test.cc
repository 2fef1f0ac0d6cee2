// The find-max page: its sections and charts, the steps by rate with their
// verdicts, the answer, escaping, and a search without steps.

#include "barrage/capacity/capacity_html.h"

#include <doctest/doctest.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "test_support.h"

namespace {

using barrage::capacity::CapacityOutcome;
using barrage::capacity::format_capacity_html;
using barrage::capacity::SearchStatus;
using barrage::capacity::StepReport;
using barrage::capacity::StepVerdict;

using barrage::test::contains;

std::size_t count_of(std::string_view haystack, std::string_view needle) {
    std::size_t count = 0;
    for (std::size_t at = haystack.find(needle); at != std::string_view::npos;
         at = haystack.find(needle, at + needle.size())) {
        ++count;
    }
    return count;
}

// Where `needle` first occurs; fails the test when it does not.
std::size_t position_of(std::string_view haystack, std::string_view needle) {
    const std::size_t at = haystack.find(needle);
    REQUIRE_MESSAGE(at != std::string_view::npos, needle);
    return at;
}

StepReport step(double asked, double achieved, int64_t p50_us, int64_t p99_us,
                StepVerdict verdict) {
    StepReport report;
    report.rate_asked_rps = asked;
    report.rate_achieved_rps = achieved;
    report.p50_us = p50_us;
    report.p90_us = p50_us;
    report.p99_us = p99_us;
    report.p999_us = p99_us;
    report.max_us = p99_us;
    report.verdict = verdict;
    return report;
}

// A search in the order it ran: up 200, 400, 800, then bisection at 600.
CapacityOutcome searched() {
    CapacityOutcome outcome;
    outcome.kind = "find_max";
    outcome.slos = {"p99 < 50ms"};
    outcome.steps = {step(200, 200, 5'100, 8'000, StepVerdict::pass),
                     step(400, 400, 5'200, 9'000, StepVerdict::pass),
                     step(800, 610, 230'000, 500'000, StepVerdict::slo_failed),
                     step(600, 598, 5'900, 30'000, StepVerdict::pass)};
    outcome.steps[2].failed = {"p99 < 50ms (500.00ms)"};
    outcome.status = SearchStatus::found;
    outcome.max_sustainable_rps = 600;
    outcome.first_failing_rps = 800;
    outcome.knee_rps = 400;
    outcome.precision = 0.25;
    return outcome;
}

}  // namespace

TEST_CASE("the find-max page has the answer, two charts and the steps table") {
    const std::string page = format_capacity_html(searched(), "http://127.0.0.1:8080/");
    CHECK(page.starts_with("<!DOCTYPE html>"));
    CHECK(contains(page, "Content-Security-Policy"));
    for (const char* section : {"answer", "latency", "rate", "steps"}) {
        CHECK_MESSAGE(contains(page, std::string("<section id=\"") + section + "\">"), section);
    }
    CHECK(contains(page, "<svg class=\"chart\" id=\"chart-capacity-latency\""));
    CHECK(contains(page, "<svg class=\"chart\" id=\"chart-capacity-rate\""));
    CHECK(count_of(page, "<polyline") == 4);  // p50, p99; achieved, asked
    CHECK(contains(page, "asked rate (req/s)"));
    CHECK(contains(page, "<table id=\"steps-table\">"));
    CHECK(page.ends_with("</html>\n"));
}

TEST_CASE("the answer shows the status and the three rates") {
    const std::string page = format_capacity_html(searched(), "http://t/");
    CHECK(contains(page, "<div class=\"v pass\">found</div>"));
    CHECK(contains(page, ">600.0 req/s</div><div class=\"k\">max sustainable rate<"));
    CHECK(contains(page, ">800.0 req/s</div><div class=\"k\">first failing rate<"));
    CHECK(contains(page, ">400.0 req/s</div><div class=\"k\">knee<"));
    CHECK(contains(page, "max sustainable rate 600.0 req/s (the next 800.0 req/s broke the SLO"));
    CHECK(contains(page, "Precision 25%."));
    CHECK(contains(page, "SLO p99 &lt; 50ms"));
}

TEST_CASE("the steps table lists the steps by asked rate, marked by verdict") {
    const std::string page = format_capacity_html(searched(), "http://t/");
    const std::size_t table = position_of(page, "<table id=\"steps-table\">");
    const std::size_t at_200 = position_of(page.substr(table), "<td>200.0</td>");
    const std::size_t at_400 = position_of(page.substr(table), "<td>400.0</td>");
    const std::size_t at_600 = position_of(page.substr(table), "<td>600.0</td>");
    const std::size_t at_800 = position_of(page.substr(table), "<td>800.0</td>");
    CHECK(at_200 < at_400);
    CHECK(at_400 < at_600);
    CHECK(at_600 < at_800);
    CHECK(count_of(page, "<tr class=\"verdict-pass\">") == 3);
    CHECK(count_of(page, "<tr class=\"verdict-slo_failed\">") == 1);
    CHECK(contains(page, "<span class=\"fail\">FAIL</span> p99 &lt; 50ms (500.00ms)"));
    CHECK(contains(page, "<td>500.00ms</td>"));
    CHECK(contains(page, "<td>610.0</td>"));
    CHECK(contains(page, "<th>errors</th><th>failures</th><th>verdict</th>"));
}

TEST_CASE("the latency chart draws its points by asked rate on a log scale") {
    const std::string page = format_capacity_html(searched(), "http://t/");
    const std::size_t chart = position_of(page, "id=\"chart-capacity-latency\"");
    const std::string_view svg =
        std::string_view(page).substr(chart, page.find("</svg>", chart) - chart);
    // p50 of 5.1ms to p99 of 500ms, in ms: y ticks at 1, 10, 100, 1000, not linear 0, 200, ...
    for (const char* tick : {"end\">1<", "end\">10<", "end\">100<", "end\">1000<"}) {
        CHECK_MESSAGE(contains(svg, tick), tick);
    }
    CHECK_FALSE(contains(svg, "end\">0<"));
    CHECK_FALSE(contains(svg, "end\">200<"));
    // x ascends through the polyline although the 600 step ran last: 0..800 onto 64..866.
    CHECK(contains(svg, "points=\"264.5,"));
    CHECK(contains(svg, " 665.5,"));
    CHECK(contains(svg, " 866.0,"));
}

TEST_CASE("the charts mark the knee, and the latency chart the SLO, as dashed lines") {
    const std::string page = format_capacity_html(searched(), "http://t/");
    const std::size_t chart = position_of(page, "id=\"chart-capacity-latency\"");
    const std::string_view latency =
        std::string_view(page).substr(chart, page.find("</svg>", chart) - chart);
    CHECK(count_of(latency, "class=\"rule\"") == 2);
    CHECK(contains(latency, ">SLO p99 &lt; 50ms</text>"));
    CHECK(contains(latency, ">knee 400.0 req/s</text>"));
    const std::size_t rate = position_of(page, "id=\"chart-capacity-rate\"");
    CHECK(contains(std::string_view(page).substr(rate), ">knee 400.0 req/s</text>"));
}

TEST_CASE("a generator-saturated step is marked and explained; the target is not blamed") {
    CapacityOutcome outcome = searched();
    outcome.steps[2].verdict = StepVerdict::generator_saturated;
    outcome.steps[2].failed.clear();
    outcome.steps[2].evidence = {"its workers resumed late 36 times"};
    outcome.status = SearchStatus::generator_saturated;
    outcome.first_failing_rps.reset();
    const std::string page = format_capacity_html(outcome, "http://t/");
    CHECK(contains(page, "<div class=\"v warn\">generator_saturated</div>"));
    CHECK(contains(page, "<tr class=\"verdict-generator_saturated\">"));
    CHECK(
        contains(page, "<span class=\"warn\">GENERATOR SATURATED</span> its workers resumed late"));
    CHECK(contains(page, ">-</div><div class=\"k\">first failing rate<"));
    CHECK(contains(page, "GENERATOR SATURATED before the target broke the SLO"));
}

TEST_CASE("text from the command line is escaped") {
    CapacityOutcome outcome = searched();
    outcome.slos = {"p99 < 1ms & <b>"};
    const std::string page = format_capacity_html(outcome, "http://t/<script>alert(1)</script>");
    CHECK(contains(page, "http://t/&lt;script&gt;alert(1)&lt;/script&gt;"));
    CHECK(contains(page, "p99 &lt; 1ms &amp; &lt;b&gt;"));
    CHECK_FALSE(contains(page, "<script>alert"));
    CHECK_FALSE(contains(page, "<b>"));
}

TEST_CASE("a search without steps still gives a page, with charts that say no data") {
    CapacityOutcome outcome;
    outcome.kind = "find_max";
    outcome.status = SearchStatus::interrupted;
    const std::string page = format_capacity_html(outcome, "http://t/");
    CHECK(count_of(page, ">no data</text>") == 2);
    CHECK(contains(page, "0 steps"));
    CHECK(contains(page, "<div class=\"v warn\">interrupted</div>"));
    CHECK(contains(page, "</html>"));
}

TEST_CASE("--profile-levels pages have no search status and no answer line") {
    CapacityOutcome outcome = searched();
    outcome.kind = "profile_levels";
    outcome.slos.clear();
    outcome.status = SearchStatus::searching;
    const std::string page = format_capacity_html(outcome, "http://t/");
    CHECK(contains(page, "<h1>barrage find-max --profile-levels</h1>"));
    CHECK(contains(page, ">levels done</div>"));
    CHECK_FALSE(contains(page, "id=\"answer-text\""));
    CHECK_FALSE(contains(page, "SLO "));
}
