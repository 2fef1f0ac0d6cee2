// barrage compare: reading crafted results, tolerances, regressions and improvements.

#include "barrage/report/compare.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <string>
#include <tuple>
#include <vector>

#include "barrage/report/run_report.h"
#include "barrage/stats/hlog.h"
#include "test_support.h"

namespace {

using barrage::report::compare_results;
using barrage::report::read_result_json;
using barrage::report::ResultDigest;

// compare_results without the latency floor: these crafted results have no
// histograms, so tolerances alone decide (the floor and the intervals have their
// own cases below).
barrage::base::Result<barrage::report::CompareReport> compare_tolerances(
    const ResultDigest& baseline, const ResultDigest& current,
    std::vector<std::string> max_regressions) {
    barrage::report::CompareOptions options{std::move(max_regressions)};
    options.min_delta_us = 0;
    return barrage::report::compare_results(baseline, current, options);
}

// A minimal barrage result: what makes a document a result, and the fields compare reads.
std::string result_json(double p99_us, double rps, int errors, int completed = 1000,
                        std::string_view schema = "1", std::string_view tool = "barrage") {
    return fmt::format(
        R"({{"tool": "{}", "schema_version": "{}", "target": {{"url": "http://127.0.0.1:1/"}},
  "requests": {{"completed": {}, "errors": {}}}, "throughput_rps": {}, "duration_s": 1,
  "latency": {{"p50": 100, "p90": 200, "p95": 250, "p99": {}, "p999": 900, "p9999": 950,
              "max": 1000, "mean": 150.5, "count": {}}}, "intervals": []}})",
        tool, schema, completed, errors, rps, p99_us, completed);
}

ResultDigest digest(const std::string& json, std::string_view source = "x.json") {
    auto result = read_result_json(json, source);
    REQUIRE_MESSAGE(result.ok(), (result.ok() ? "" : result.error().message));
    return result.value();
}

std::string read_error(const std::string& json) {
    auto result = read_result_json(json, "bad.json");
    REQUIRE_FALSE(result.ok());
    return result.error().message;
}

const barrage::report::MetricChange& change_of(const barrage::report::CompareReport& report,
                                               std::string_view name) {
    for (const auto& change : report.changes) {
        if (change.name == name) {
            return change;
        }
    }
    FAIL("no change for " << std::string(name));
    return report.changes.front();
}

}  // namespace

TEST_CASE("a barrage result is read into the compared metrics") {
    const ResultDigest d = digest(result_json(500, 1000, 10, 990));
    CHECK(d.url == "http://127.0.0.1:1/");
    CHECK(d.value("p99") == 500.0);
    CHECK(d.value("mean") == 150.5);
    CHECK(d.value("rps") == 1000.0);
    CHECK(*d.value("error_rate") == doctest::Approx(0.01));
    // Every request metric; the watched target's four come only with a watched target.
    CHECK(d.metrics.size() == barrage::report::compared_metric_names().size() - 4);
    CHECK_FALSE(d.value("rss_max"));
}

TEST_CASE("bad input is refused with a clear message") {
    CHECK(read_error("{not json").find("bad.json: not a barrage result (invalid JSON") == 0);
    CHECK(read_error("[1, 2]").find("not a JSON object") != std::string::npos);
    CHECK(read_error(result_json(1, 1, 0, 1, "1", "wrk")).find("not a barrage result") !=
          std::string::npos);
    CHECK(read_error(result_json(1, 1, 0, 1, "2")) ==
          "bad.json: schema_version '2' is not supported; this barrage reads schema_version '1'");
    std::string missing = result_json(1, 1, 0);
    missing.replace(missing.find("\"p99\""), 5, "\"p98\"");
    CHECK(read_error(missing) == "bad.json: missing latency/p99 (not a complete barrage result)");
    std::string not_number = result_json(1, 1, 0);
    not_number.replace(not_number.find("\"throughput_rps\": 1"), 19, "\"throughput_rps\": \"1\"");
    CHECK(read_error(not_number).find("throughput_rps is not a number") != std::string::npos);
}

TEST_CASE("an unchanged run has no regression") {
    const ResultDigest a = digest(result_json(500, 1000, 0));
    auto report = compare_tolerances(a, a, {});
    REQUIRE(report.ok());
    CHECK_FALSE(report.value().has_regression());
    CHECK(barrage::report::format_compare_report(report.value()).find("no regression") !=
          std::string::npos);
}

TEST_CASE("latency up by more than 10 percent is a regression, 9 percent is not") {
    const ResultDigest base = digest(result_json(1000, 1000, 0));
    auto slower = compare_tolerances(base, digest(result_json(1101, 1000, 0)), {});
    REQUIRE(slower.ok());
    CHECK(change_of(slower.value(), "p99").regression);
    CHECK(slower.value().has_regression());
    const std::string text = barrage::report::format_compare_report(slower.value());
    CHECK(text.find("p99") != std::string::npos);
    CHECK(text.find("+10.1%  REGRESSION") != std::string::npos);
    CHECK(text.find("1 regression") != std::string::npos);
    auto a_bit = compare_tolerances(base, digest(result_json(1090, 1000, 0)), {});
    CHECK_FALSE(a_bit.value().has_regression());
}

TEST_CASE("faster latency and more throughput are improvements, not regressions") {
    const ResultDigest base = digest(result_json(1000, 1000, 0));
    auto report = compare_tolerances(base, digest(result_json(500, 2000, 0)), {});
    REQUIRE(report.ok());
    CHECK_FALSE(report.value().has_regression());
    CHECK(change_of(report.value(), "p99").improvement);
    CHECK(change_of(report.value(), "rps").improvement);
    CHECK(barrage::report::format_compare_report(report.value()).find("better") !=
          std::string::npos);
}

TEST_CASE("throughput down by more than 10 percent is a regression") {
    const ResultDigest base = digest(result_json(1000, 1000, 0));
    CHECK(change_of(compare_tolerances(base, digest(result_json(1000, 899, 0)), {}).value(), "rps")
              .regression);
    CHECK_FALSE(
        change_of(compare_tolerances(base, digest(result_json(1000, 901, 0)), {}).value(), "rps")
            .regression);
}

TEST_CASE("error rate regresses past +50 percent relative and +0.1 point absolute") {
    // From 0 errors, up to 0.1 % is allowed: one error in 1000 is noise.
    const ResultDigest clean = digest(result_json(1000, 1000, 0, 1000));
    CHECK_FALSE(
        change_of(compare_tolerances(clean, digest(result_json(1000, 1000, 1, 999)), {}).value(),
                  "error_rate")
            .regression);
    CHECK(change_of(compare_tolerances(clean, digest(result_json(1000, 1000, 2, 998)), {}).value(),
                    "error_rate")
              .regression);
    // From 2 %, 2.9 % is within +50 %, 3.1 % is not.
    const ResultDigest some = digest(result_json(1000, 1000, 20, 980));
    CHECK_FALSE(
        change_of(compare_tolerances(some, digest(result_json(1000, 1000, 29, 971)), {}).value(),
                  "error_rate")
            .regression);
    CHECK(change_of(compare_tolerances(some, digest(result_json(1000, 1000, 31, 969)), {}).value(),
                    "error_rate")
              .regression);
}

TEST_CASE("--max-regression replaces a metric's default tolerance") {
    const ResultDigest base = digest(result_json(1000, 1000, 0));
    const ResultDigest slower = digest(result_json(1150, 850, 0));
    const std::vector<std::string> loose{"p99=20%", "rps=-20%"};
    auto report = compare_tolerances(base, slower, loose);
    REQUIRE(report.ok());
    CHECK_FALSE(report.value().has_regression());
    const std::vector<std::string> absolute{"p99=100us"};
    CHECK(change_of(compare_tolerances(base, slower, absolute).value(), "p99").regression);
    const std::vector<std::string> ms{"p99=1ms"};
    CHECK_FALSE(change_of(compare_tolerances(base, slower, ms).value(), "p99").regression);
}

TEST_CASE("tolerances parse percentages, times and points, and reject the rest") {
    auto relative = barrage::report::parse_tolerance("p999=+15%");
    REQUIRE(relative.ok());
    CHECK(relative.value().relative == doctest::Approx(0.15));
    CHECK(barrage::report::parse_tolerance("rps=-10%").value().relative == doctest::Approx(0.1));
    CHECK(barrage::report::parse_tolerance("error_rate=0.2pt").value().absolute ==
          doctest::Approx(0.002));
    CHECK(barrage::report::parse_tolerance("max=2s").value().absolute == 2e6);
    for (const char* bad :
         {"p142=10%", "p4x=10%", "p99", "p99=ten", "rps=5ms", "error_rate=5ms", "=1%"}) {
        auto error = barrage::report::parse_tolerance(bad);
        CHECK_MESSAGE(!error.ok(), bad);
        if (!error.ok()) {
            CHECK(error.error().message.find("--max-regression") == 0);
        }
    }
    const ResultDigest base = digest(result_json(1000, 1000, 0));
    const std::vector<std::string> bad{"p142=10%"};
    auto report = compare_tolerances(base, base, bad);
    REQUIRE_FALSE(report.ok());
    CHECK(report.error().message.find("p50, p90, p95, p99") != std::string::npos);
}

TEST_CASE("a result barrage wrote itself reads back") {
    barrage::plan::RunPlan plan;
    barrage::stats::RunResult result;
    result.totals.latency_us.record_value(250);
    result.totals.counters.requests_completed = 1;
    result.duration_s = 1;
    const ResultDigest d = digest(barrage::report::format_json(plan, result));
    CHECK(d.value("p99") == 250.0);
    CHECK(d.value("rps") == 1.0);
}

namespace {

// One requests_by_name entry: latency p99, completed and errors as given.
std::string named_json(std::string_view name, double p99_us, int completed, int errors) {
    return fmt::format(
        R"("{}": {{"sent": {}, "completed": {}, "errors": {}, "checks_failed": 0,
  "latency": {{"min": 10, "mean": 50, "stdev": 5, "p50": 40, "p90": 60, "p99": {}, "p999": 90,
              "p9999": 95, "max": 100, "count": {}, "clamped": 0}}}})",
        name, completed + errors, completed, errors, p99_us, completed);
}

// A profile run's result: the whole run fixed, the given requests_by_name entries; 10 s long.
std::string profile_json(std::initializer_list<std::string> named) {
    std::string json = result_json(500, 1000, 0);
    json.replace(json.find("\"duration_s\": 1"), 15, "\"duration_s\": 10");
    std::string entries;
    for (const std::string& entry : named) {
        entries += (entries.empty() ? "" : ", ") + entry;
    }
    json.insert(json.rfind('}'), fmt::format(R"(, "requests_by_name": {{{}}})", entries));
    return json;
}

const barrage::report::NamedComparison& named_of(const barrage::report::CompareReport& report,
                                                 std::string_view name) {
    for (const auto& named : report.by_name) {
        if (named.name == name) {
            return named;
        }
    }
    FAIL("no comparison for " << std::string(name));
    return report.by_name.front();
}

bool named_regression(const barrage::report::CompareReport& report, std::string_view name,
                      std::string_view metric) {
    for (const auto& change : named_of(report, name).changes) {
        if (change.name == metric) {
            return change.regression;
        }
    }
    FAIL("no " << std::string(metric) << " for " << std::string(name));
    return false;
}

using barrage::test::contains;

}  // namespace

TEST_CASE("a profile result is read per request name, rps over the run's duration") {
    const ResultDigest d = digest(profile_json({named_json("login", 80, 900, 100)}));
    REQUIRE(d.requests_by_name.size() == 1);
    const auto& login = d.requests_by_name[0];
    CHECK(login.name == "login");
    CHECK(login.value("p99") == 80.0);
    CHECK(login.value("mean") == 50.0);
    CHECK(login.value("rps") == 90.0);
    CHECK(*login.value("error_rate") == doctest::Approx(0.1));
    // The request metrics but p95, which this entry lacks (as older results do); the watched
    // target's are the whole run's only.
    CHECK(login.metrics.size() == barrage::report::compared_metric_names().size() - 5);
    CHECK_FALSE(login.value("p95"));

    std::string no_latency = profile_json({R"("x": {"sent": 1, "completed": 1, "errors": 0})"});
    CHECK(read_error(no_latency) ==
          "bad.json: requests_by_name/x lacks latency (not a complete barrage result)");
    std::string no_errors = profile_json({named_json("y", 80, 9, 1)});
    no_errors.replace(no_errors.find("\"errors\": 1"), 11, "\"error\": 1");
    CHECK(read_error(no_errors) ==
          "bad.json: missing requests_by_name/y/errors (not a complete barrage result)");
}

TEST_CASE("a request name that got slower is a regression though the whole run is not") {
    const ResultDigest base = digest(
        profile_json({named_json("login", 1000, 1000, 0), named_json("browse", 1000, 1000, 0)}));
    const ResultDigest cur = digest(
        profile_json({named_json("login", 1300, 1000, 0), named_json("browse", 1000, 1000, 0)}));
    auto report = compare_tolerances(base, cur, {});
    REQUIRE(report.ok());
    CHECK_FALSE(change_of(report.value(), "p99").regression);
    REQUIRE(report.value().by_name.size() == 2);
    CHECK(report.value().by_name[0].name == "login");  // the baseline's order
    CHECK(named_regression(report.value(), "login", "p99"));
    CHECK_FALSE(named_regression(report.value(), "browse", "p99"));
    CHECK(report.value().has_regression());
    CHECK(report.value().regression_count() == 1);
    const std::string text = barrage::report::format_compare_report(report.value());
    CHECK(contains(text, "\nrequest 'login'\nmetric"));
    CHECK(contains(text, "\nrequest 'browse'\nmetric"));
    CHECK(contains(text, "+30.0%  REGRESSION"));
    CHECK(contains(text, "1 regression ('login': 1; baseline x.json, current x.json)"));
}

TEST_CASE("a request name that got faster is an improvement, not a regression") {
    const ResultDigest base = digest(
        profile_json({named_json("login", 1000, 1000, 0), named_json("home", 1000, 1000, 0)}));
    const ResultDigest cur = digest(
        profile_json({named_json("login", 500, 2000, 0), named_json("home", 1000, 1000, 0)}));
    auto report = compare_tolerances(base, cur, {});
    REQUIRE(report.ok());
    CHECK_FALSE(report.value().has_regression());
    for (const auto& change : named_of(report.value(), "login").changes) {
        CHECK_MESSAGE(!change.regression, change.name);
        if (change.name == "p99" || change.name == "rps") {
            CHECK_MESSAGE(change.improvement, change.name);
        }
    }
}

TEST_CASE("a name in one result only is listed as such, neither compared nor a regression") {
    const ResultDigest base = digest(
        profile_json({named_json("login", 1000, 1000, 0), named_json("old", 1000, 1000, 0)}));
    const ResultDigest cur = digest(
        profile_json({named_json("new", 9000, 10, 990), named_json("login", 1000, 1000, 0)}));
    auto report = compare_tolerances(base, cur, {});
    REQUIRE(report.ok());
    CHECK_FALSE(report.value().has_regression());
    REQUIRE(report.value().by_name.size() == 1);
    CHECK(report.value().only_in_baseline == std::vector<std::string>{"old"});
    CHECK(report.value().only_in_current == std::vector<std::string>{"new"});
    const std::string text = barrage::report::format_compare_report(report.value());
    CHECK(contains(text, "request 'old': only in the baseline (x.json), not compared\n"));
    CHECK(contains(text, "request 'new': only in the current result (x.json), not compared\n"));
    CHECK(contains(text, "no regression"));
}

TEST_CASE("an unscoped tolerance applies to every name, a scoped one to its name only and wins") {
    const ResultDigest base = digest(
        profile_json({named_json("login", 1000, 1000, 0), named_json("browse", 1000, 1000, 0)}));
    const ResultDigest cur = digest(
        profile_json({named_json("login", 1300, 1000, 0), named_json("browse", 1300, 1000, 0)}));
    const std::vector<std::string> loose{"p99=50%"};
    CHECK_FALSE(compare_tolerances(base, cur, loose).value().has_regression());
    const std::vector<std::string> login_only{"login:p99=50%"};
    auto scoped = compare_tolerances(base, cur, login_only);
    REQUIRE(scoped.ok());
    CHECK_FALSE(named_regression(scoped.value(), "login", "p99"));
    CHECK(named_regression(scoped.value(), "browse", "p99"));
    // The scoped one wins in either order, and tightens as well as loosens.
    for (const auto& order : {std::vector<std::string>{"browse:p99=5%", "p99=50%"},
                              std::vector<std::string>{"p99=50%", "browse:p99=5%"}}) {
        auto report = compare_tolerances(base, cur, order);
        REQUIRE(report.ok());
        CHECK(named_regression(report.value(), "browse", "p99"));
        CHECK_FALSE(named_regression(report.value(), "login", "p99"));
        const auto& browse = named_of(report.value(), "browse").changes;
        CHECK(std::find_if(browse.begin(), browse.end(), [](const auto& change) {
                  return change.name == "p99";
              })->tolerance.request == "browse");
    }
    // A scoped tolerance leaves the whole run alone.
    const std::vector<std::string> name_p99{"login:p99=500%"};
    auto whole = compare_tolerances(base, cur, name_p99);
    REQUIRE(whole.ok());
    CHECK(change_of(whole.value(), "p99").tolerance.relative == doctest::Approx(0.1));
    CHECK(change_of(whole.value(), "p99").tolerance.request.empty());
}

TEST_CASE("a scoped tolerance naming no request is an error that lists the names") {
    const ResultDigest base = digest(profile_json({named_json("login", 1000, 1000, 0)}));
    const ResultDigest cur = digest(profile_json({named_json("browse", 1000, 1000, 0)}));
    const std::vector<std::string> typo{"logon:p99=5%"};
    auto report = compare_tolerances(base, cur, typo);
    REQUIRE_FALSE(report.ok());
    CHECK(report.error().message ==
          "--max-regression 'logon:p99=5%': no request named 'logon' in x.json or x.json; the "
          "names are: login, browse");
    const ResultDigest plain = digest(result_json(1000, 1000, 0));
    auto none = compare_tolerances(plain, plain, typo);
    REQUIRE_FALSE(none.ok());
    CHECK(contains(none.error().message, "they have no per-name results"));
    const std::vector<std::string> empty_name{":p99=5%"};
    CHECK_FALSE(compare_tolerances(base, cur, empty_name).ok());
    const std::vector<std::string> found_in_current{"browse:p99=5%"};
    CHECK(compare_tolerances(base, cur, found_in_current).ok());

    auto parsed = barrage::report::parse_tolerance("a:b:p99=5%");
    REQUIRE(parsed.ok());
    CHECK(parsed.value().request == "a:b");
    CHECK(parsed.value().metric == "p99");
}

TEST_CASE("the JSON of a comparison has every change with its flags, per name too") {
    const ResultDigest base = digest(profile_json({named_json("login", 1000, 1000, 0)}), "a.json");
    const ResultDigest cur = digest(
        profile_json({named_json("login", 1300, 1000, 0), named_json(R"(new \"one\")", 1, 1, 0)}),
        "b.json");
    auto report = compare_tolerances(base, cur, {});
    REQUIRE(report.ok());
    const std::string json = barrage::report::format_compare_json(report.value());
    CHECK(contains(json, R"("baseline": "a.json")"));
    CHECK(contains(json, R"("regressions": 1)"));
    CHECK(contains(json, R"("requests_by_name": {)"));
    CHECK(contains(json, R"("login": [)"));
    CHECK(contains(json, R"("metric": "p99",
        "baseline": 1000,
        "current": 1300,
        "change": 0.3,
        "allowed": 100,
        "regression": true,
        "improvement": false)"));
    CHECK(contains(json, R"("only_in_current": ["new \"one\""])"));
    CHECK(json.back() == '\n');
}

// ---- statistics: confidence intervals on histograms, floors, several baselines ----

namespace {

using barrage::report::CompareOptions;
using barrage::report::Judgement;
using barrage::report::percentile_bounds;
using barrage::stats::Histogram;

// `count` latencies of base_us plus an exponential tail of mean tail_us, drawn
// with a fixed linear congruential generator (the same seed draws the same run).
Histogram synthetic_run(uint64_t seed, int count, double base_us, double tail_us) {
    Histogram histogram = Histogram::for_latency_us();
    uint64_t state = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    for (int i = 0; i < count; ++i) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        const double uniform = (static_cast<double>(state >> 11) + 0.5) / 9007199254740992.0;
        histogram.record_value(static_cast<int64_t>(base_us - tail_us * std::log(uniform)));
    }
    return histogram;
}

// A result document of that run at 1000 req/s: its figures and its histogram.
std::string run_json(const Histogram& h, double rps = 1000, std::string_view rate = "1000",
                     int64_t unanswered = 0) {
    return fmt::format(
        R"({{"tool": "barrage", "schema_version": "1", "target": {{"url": "http://127.0.0.1:1/"}},
  "mode": "open_loop", "target_rate_rps": {}, "config": {{"connections": 10, "duration_s": 3}},
  "requests": {{"completed": {}, "errors": 0, "unanswered": {{"total": {}}}}},
  "throughput_rps": {},
  "duration_s": 3, "latency": {{"p50": {}, "p90": {}, "p99": {}, "p999": {}, "p9999": {},
  "max": {}, "mean": {}, "stdev": {}, "count": {}, "histogram": "{}"}}, "intervals": []}})",
        rate, h.total_count(), unanswered, rps, h.value_at_percentile(50),
        h.value_at_percentile(90), h.value_at_percentile(99), h.value_at_percentile(99.9),
        h.value_at_percentile(99.99), h.max(), h.mean(), h.stdev(), h.total_count(),
        barrage::stats::encode_histogram_compressed_base64(h));
}

int regressions(const barrage::report::CompareReport& report) { return report.regression_count(); }

}  // namespace

TEST_CASE("a percentile's interval spans the ranks that bound it at 99 percent") {
    Histogram h = Histogram::for_latency_us();
    for (int v = 1; v <= 1000; ++v) {
        h.record_value(v);
    }
    // n q = 500, z sqrt(n q (1 - q)) = 2.576 x 15.81 = 40.7: ranks 459 and 541 + 1.
    const auto p50 = percentile_bounds(h, 0, 50);
    CHECK(p50.enough_samples);
    CHECK(p50.estimate_us == 500);
    CHECK(p50.lower_us == 459);
    CHECK(p50.upper_us == 542);
    CHECK(p50.estimate_us == static_cast<double>(h.value_at_percentile(50)));
    // 99.9 of 1000: one sample beyond it, and the upper rank lies past the end.
    CHECK_FALSE(percentile_bounds(h, 0, 99.9).enough_samples);
    CHECK_FALSE(percentile_bounds(h, 0, 100).enough_samples);
    CHECK_FALSE(percentile_bounds(Histogram::for_latency_us(), 0, 50).enough_samples);
}

TEST_CASE("a tail with too few samples beyond it is not enough samples: p99.99 of 3000") {
    const Histogram run = synthetic_run(1, 3000, 1000, 200);
    CHECK(percentile_bounds(run, 0, 99).enough_samples);
    CHECK_FALSE(percentile_bounds(run, 0, 99.9).enough_samples);
    CHECK_FALSE(percentile_bounds(run, 0, 99.99).enough_samples);
    auto report = compare_results(digest(run_json(run)), digest(run_json(run)), CompareOptions{});
    REQUIRE(report.ok());
    CHECK(change_of(report.value(), "p9999").judgement == Judgement::not_enough_samples);
    CHECK(change_of(report.value(), "p99").judgement == Judgement::intervals);
    CHECK(change_of(report.value(), "max").judgement == Judgement::not_judged);
    const std::string text = barrage::report::format_compare_report(report.value());
    CHECK(contains(text, "not enough samples"));
}

TEST_CASE("unanswered requests rank above the answered ones and make bounds unbounded") {
    Histogram h = Histogram::for_latency_us();
    for (int v = 1; v <= 990; ++v) {
        h.record_value(v);
    }
    // n = 1000: p99 is rank 990, the last answered; its upper rank (999) is unanswered.
    const auto p99 = percentile_bounds(h, 10, 99);
    CHECK(p99.enough_samples);
    CHECK(p99.estimate_us == 990);
    CHECK(p99.upper_us == barrage::report::unbounded_us);
    CHECK(percentile_bounds(h, 10, 99.5).estimate_us == barrage::report::unbounded_us);
    CHECK(percentile_bounds(h, 10, 50).upper_us < 1000);
}

TEST_CASE("two runs of the same distribution give no verdict; shifted by 2 ms, a regression") {
    const Histogram a = synthetic_run(1, 20000, 3000, 1000);
    const Histogram b = synthetic_run(2, 20000, 3000, 1000);
    auto same = compare_results(digest(run_json(a), "a.json"), digest(run_json(b), "b.json"),
                                CompareOptions{});
    REQUIRE(same.ok());
    CHECK(regressions(same.value()) == 0);
    for (const auto& change : same.value().changes) {
        CHECK_MESSAGE(!change.improvement, change.name);
    }
    CHECK(same.value().notes.empty());  // both have histograms

    const Histogram shifted = synthetic_run(2, 20000, 5000, 1000);
    auto slower = compare_results(digest(run_json(a), "a.json"),
                                  digest(run_json(shifted), "b.json"), CompareOptions{});
    REQUIRE(slower.ok());
    for (const char* metric : {"p50", "p90", "p99", "mean"}) {
        const auto& change = change_of(slower.value(), metric);
        CHECK_MESSAGE(change.regression, metric);
        CHECK(change.judgement == Judgement::intervals);
        REQUIRE(change.baseline_interval.has_value());
        CHECK(change.current_interval->lower > change.baseline_interval->upper);
    }
}

TEST_CASE("a shift beyond the intervals but under the floor is not a regression") {
    // 100k samples make the intervals narrow: +600 us (+16 %) is outside them.
    const Histogram a = synthetic_run(1, 100000, 3000, 1000);
    const Histogram b = synthetic_run(2, 100000, 3600, 1000);
    auto report = compare_results(digest(run_json(a)), digest(run_json(b)), CompareOptions{});
    REQUIRE(report.ok());
    const auto& p50 = change_of(report.value(), "p50");
    CHECK(p50.current_interval->lower > p50.baseline_interval->upper);
    CHECK(p50.allowed == barrage::report::min_delta_us_default);
    CHECK_FALSE(p50.regression);
    CompareOptions no_floor;
    no_floor.min_delta_us = 0;
    auto floorless = compare_results(digest(run_json(a)), digest(run_json(b)), no_floor);
    CHECK(change_of(floorless.value(), "p50").regression);
}

TEST_CASE("overlapping intervals are within noise, however large the change") {
    // 200 samples: wide intervals.
    const Histogram a = synthetic_run(1, 200, 1000, 3000);
    const Histogram b = synthetic_run(7, 200, 1000, 3000);
    CompareOptions no_floor;
    no_floor.min_delta_us = 0;
    auto report = compare_results(digest(run_json(a)), digest(run_json(b)), no_floor);
    REQUIRE(report.ok());
    const auto& p90 = change_of(report.value(), "p90");
    CHECK_FALSE(p90.regression);
    if (std::fabs(p90.current - p90.baseline) > p90.allowed) {
        CHECK(p90.within_noise);
    }
}

TEST_CASE("several baselines: their run-to-run spread is the noise band, and it is printed") {
    std::vector<ResultDigest> baselines;
    for (uint64_t seed = 1; seed <= 3; ++seed) {
        baselines.push_back(digest(
            run_json(synthetic_run(seed, 20000, 3000, 1000), 999.0 + static_cast<double>(seed)),
            fmt::format("b{}.json", seed)));
    }
    const ResultDigest same = digest(run_json(synthetic_run(9, 20000, 3000, 1000)), "c.json");
    auto report = compare_results(baselines, same, CompareOptions{});
    REQUIRE(report.ok());
    CHECK(regressions(report.value()) == 0);
    CHECK(change_of(report.value(), "p50").judgement == Judgement::run_spread);
    REQUIRE(report.value().spread.size() == 4);  // p50 p95 p99 rps
    CHECK(report.value().spread[1].metric == "p95");
    CHECK(report.value().spread[3].spread.coefficient_of_variation > 0);
    const std::string text = barrage::report::format_compare_report(report.value());
    CHECK(contains(text, "baselines: b1.json, b2.json, b3.json (3 runs)"));
    CHECK(contains(text, "run-to-run spread of the baselines (coefficient of variation): p50 "));

    const ResultDigest slower = digest(run_json(synthetic_run(9, 20000, 5000, 1000)), "c.json");
    auto shifted = compare_results(baselines, slower, CompareOptions{});
    REQUIRE(shifted.ok());
    CHECK(change_of(shifted.value(), "p50").regression);
    CHECK(change_of(shifted.value(), "p99").regression);
}

TEST_CASE("runs of different configurations are refused unless allowed") {
    const Histogram a = synthetic_run(1, 2000, 3000, 1000);
    auto refused = compare_results(digest(run_json(a), "a.json"),
                                   digest(run_json(a, 2000, "2000"), "b.json"), CompareOptions{});
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message ==
          "b.json is not a run of the same configuration as a.json: rate 1000 vs 2000; compare "
          "runs of one command (or pass --allow-different-config to compare anyway)");
    CompareOptions allow;
    allow.allow_different_config = true;
    CHECK(compare_results(digest(run_json(a)), digest(run_json(a, 2000, "2000")), allow).ok());
}

TEST_CASE("per-name tables only when a result has more than one name") {
    const Histogram a = synthetic_run(1, 2000, 3000, 1000);
    std::string url_run = run_json(a);
    url_run.insert(url_run.rfind('}'),
                   R"(, "requests_by_name": {"default": {"sent": 2000, "completed": 2000,
    "errors": 0, "latency": {"p50": 1, "p90": 1, "p99": 1, "p999": 1, "p9999": 1, "max": 1,
    "mean": 1, "count": 2000}}})");
    auto report = compare_results(digest(url_run), digest(url_run), CompareOptions{});
    REQUIRE(report.ok());
    CHECK(report.value().by_name.empty());
    CHECK_FALSE(contains(barrage::report::format_compare_report(report.value()), "request '"));
}

TEST_CASE("results without histograms are judged by tolerance and floor, and the report says so") {
    const ResultDigest old = digest(result_json(1000, 1000, 0), "old.json");
    const ResultDigest slower = digest(result_json(2500, 1000, 0), "new.json");
    auto report = compare_results(old, slower, CompareOptions{});
    REQUIRE(report.ok());
    CHECK(change_of(report.value(), "p99").judgement == Judgement::tolerance_only);
    CHECK(change_of(report.value(), "p99").regression);  // +1.5 ms: over 10 % and the floor
    REQUIRE(report.value().notes.size() == 2);
    CHECK(contains(report.value().notes[0], "no latency histogram in old.json"));
    auto small = compare_results(old, digest(result_json(1500, 1000, 0)), CompareOptions{});
    CHECK_FALSE(change_of(small.value(), "p99").regression);  // +500 us: under the floor
}

TEST_CASE("a result whose generator was saturated is noted: its latencies include its delay") {
    const Histogram a = synthetic_run(1, 2000, 3000, 1000);
    std::string starved = run_json(a);
    starved.insert(starved.rfind('}'),
                   R"(, "warnings": ["GENERATOR SATURATED: the busiest worker was on the CPU"])");
    auto report =
        compare_results(digest(run_json(a), "a.json"), digest(starved, "b.json"), CompareOptions{});
    REQUIRE(report.ok());
    REQUIRE(report.value().notes.size() == 1);
    CHECK(contains(report.value().notes[0], "the generator was saturated in b.json"));
}

TEST_CASE("requests.unanswered counts in the percentiles: one beyond the answered is unbounded") {
    const Histogram a = synthetic_run(1, 2000, 3000, 1000);
    const ResultDigest base = digest(run_json(a), "a.json");
    const ResultDigest cur = digest(run_json(a, 1000, "1000", 100), "b.json");
    CHECK(cur.latency.unanswered == 100);
    auto report = compare_results(base, cur, CompareOptions{});
    REQUIRE(report.ok());
    // 100 of 2100 unanswered: p99 (rank 2079) is among them, p50 is not.
    const auto& p99 = change_of(report.value(), "p99");
    CHECK(p99.current == barrage::report::unbounded_us);
    CHECK(p99.regression);
    CHECK_FALSE(change_of(report.value(), "p50").regression);
    const std::string text = barrage::report::format_compare_report(report.value());
    CHECK(contains(text, "unbounded"));
    const std::string json = barrage::report::format_compare_json(report.value());
    CHECK(contains(json, R"("current": null)"));
}

TEST_CASE("max is one sample: shown, judged only when --max-regression names it") {
    const ResultDigest base = digest(result_json(1000, 1000, 0));
    std::string slower_json = result_json(1000, 1000, 0);
    slower_json.replace(slower_json.find("\"max\": 1000"), 11, "\"max\": 9000");
    const ResultDigest slower = digest(slower_json);
    const auto report = compare_tolerances(base, slower, {});  // outlives the reference
    REQUIRE(report.ok());
    const auto& shown = change_of(report.value(), "max");
    CHECK(shown.judgement == Judgement::not_judged);
    CHECK_FALSE(shown.regression);
    auto named = compare_tolerances(base, slower, {"max=10%"});
    CHECK(change_of(named.value(), "max").regression);
}

TEST_CASE("failure_rate and p95 are compared metrics, read from the result and judged") {
    barrage::plan::RunPlan plan;
    barrage::stats::RunResult result;
    for (int64_t us = 1; us <= 100; ++us) {
        result.totals.latency_us.record_value(us);
    }
    result.requests = {{"default", {}, {}}};
    result.totals.by_name.emplace_back(0, 0);
    result.totals.by_name[0].completed = 100;
    result.totals.by_name[0].responses_failed = 4;
    result.totals.counters.requests_completed = 100;
    result.totals.counters.requests_errors = 0;
    result.duration_s = 1;
    const ResultDigest d = digest(barrage::report::format_json(plan, result));
    CHECK(d.value("p95") == 95.0);
    CHECK(*d.value("error_rate") == 0.0);
    CHECK(*d.value("failure_rate") == doctest::Approx(0.04));
    REQUIRE(d.requests_by_name.size() == 1);
    CHECK(*d.requests_by_name[0].value("failure_rate") == doctest::Approx(0.04));
    const auto names = barrage::report::compared_metric_names();
    CHECK(std::find(names.begin(), names.end(), "p95") != names.end());
    CHECK(std::find(names.begin(), names.end(), "failure_rate") != names.end());

    // A result written before responses_failed existed: failure_rate is its error_rate.
    const ResultDigest old = digest(result_json(1000, 1000, 10, 990));
    CHECK(*old.value("failure_rate") == doctest::Approx(0.01));
    // failure_rate regresses like error_rate (+50 % or +0.1 point) and takes points.
    std::string failing = result_json(1000, 1000, 0, 1000);
    failing.replace(failing.find("\"errors\": 0"), 11, "\"errors\": 0, \"responses_failed\": 50");
    const auto report =
        compare_tolerances(digest(result_json(1000, 1000, 0, 1000)), digest(failing), {});
    REQUIRE(report.ok());
    CHECK(change_of(report.value(), "failure_rate").regression);
    CHECK_FALSE(change_of(report.value(), "error_rate").regression);
    CHECK(compare_tolerances(digest(result_json(1000, 1000, 0, 1000)), digest(failing),
                             {"failure_rate=6pt"})
              .value()
              .regression_count() == 0);
}

namespace {

// A result of barrage's own writer over 2 s, with a watched target when `rss_max_mb` > 0:
// RSS from 100 MB to `rss_max_mb`, `cpu_s` CPU seconds, growing `growth_mb_per_min`.
std::string watched_json(double rss_max_mb, double cpu_s = 1, double growth_mb_per_min = 1) {
    barrage::plan::RunPlan plan;
    barrage::stats::RunResult result;
    for (int64_t us = 1; us <= 100; ++us) {
        result.totals.latency_us.record_value(us);
    }
    result.totals.counters.requests_completed = 100;
    result.duration_s = 2;
    barrage::watch::WatchResult watch;
    if (rss_max_mb > 0) {
        barrage::watch::TargetWatch target;
        target.name = "pid 1 (a)";
        target.kind = "pid";
        for (const auto& [t_s, mb, cpu] :
             {std::tuple{0.0, 100.0, 0.0}, {1.0, rss_max_mb, cpu_s / 2}, {2.0, 100.0, cpu_s}}) {
            barrage::watch::ResourceSample sample;
            sample.t_s = t_s;
            sample.rss_bytes = static_cast<int64_t>(mb * 1024 * 1024);
            sample.cpu_s = cpu;
            target.samples.push_back(sample);
        }
        target.growth.rss_mb_per_min = growth_mb_per_min;
        watch.targets.push_back(target);
    }
    return barrage::report::format_json(plan, result, {}, rss_max_mb > 0 ? &watch : nullptr);
}

}  // namespace

TEST_CASE("an older baseline without p95 shows n/a, neither 0us nor a regression") {
    std::string old_json = result_json(1000, 1000, 0);
    const std::string p95_field = "\"p95\": 250, ";
    old_json.replace(old_json.find(p95_field), p95_field.size(), "");
    const ResultDigest old = digest(old_json, "old.json");
    CHECK_FALSE(old.value("p95"));
    const auto report = compare_tolerances(old, digest(result_json(1000, 1000, 0)), {});
    REQUIRE(report.ok());
    const auto& p95 = change_of(report.value(), "p95");
    CHECK(p95.judgement == Judgement::not_available);
    CHECK(p95.baseline_absent);
    CHECK_FALSE(p95.current_absent);
    CHECK_FALSE(p95.regression);
    CHECK_FALSE(report.value().has_regression());
    const std::string text = barrage::report::format_compare_report(report.value());
    CHECK(contains(text,
                   "p95                    n/a         250us       n/a  (not in the baseline)"));
    CHECK_FALSE(contains(text, "new"));
    const std::string json = barrage::report::format_compare_json(report.value());
    CHECK(contains(json, R"("metric": "p95",
      "baseline": null,
      "current": 250,
      "change": null,)"));
    // In neither result: not shown at all.
    const auto neither = compare_tolerances(old, old, {});
    CHECK(std::none_of(neither.value().changes.begin(), neither.value().changes.end(),
                       [](const auto& c) { return c.name == "p95"; }));
}

TEST_CASE("the watched target's memory and CPU are compared metrics, more is worse") {
    const ResultDigest base = digest(watched_json(200, 1.0, 1.0), "base.json");
    CHECK(*base.value("rss_max") == doctest::Approx(200));
    CHECK(*base.value("rss_initial") == doctest::Approx(100));
    CHECK(*base.value("target_cpu") == doctest::Approx(0.5));  // 1 CPU second in 2 s
    CHECK(*base.value("rss_growth") == doctest::Approx(1.0));
    // +30 % memory, +0.3 core, growth x4: all regressions by the defaults.
    const ResultDigest hungry = digest(watched_json(260, 1.6, 4.0), "hungry.json");
    auto report = compare_tolerances(base, hungry, {});
    REQUIRE(report.ok());
    CHECK(change_of(report.value(), "rss_max").regression);
    CHECK_FALSE(change_of(report.value(), "rss_initial").regression);
    CHECK(change_of(report.value(), "target_cpu").regression);
    CHECK(change_of(report.value(), "rss_growth").regression);
    const std::string text = barrage::report::format_compare_report(report.value());
    CHECK(contains(text, "rss_max            200.0MB       260.0MB    +30.0%  REGRESSION"));
    CHECK(contains(text, "target_cpu           50.0%         80.0%    +60.0%  REGRESSION"));
    // Within the defaults: +10 % memory (under 20 %), +0.05 core (under 10 points).
    const ResultDigest close = digest(watched_json(220, 1.1, 1.2), "close.json");
    CHECK_FALSE(compare_tolerances(base, close, {}).value().has_regression());
    // Tolerances in the metrics' units, and off.
    CHECK_FALSE(change_of(compare_tolerances(base, hungry, {"rss_max=100MB"}).value(), "rss_max")
                    .regression);
    CHECK(change_of(compare_tolerances(base, close, {"rss_max=5%"}).value(), "rss_max").regression);
    CHECK_FALSE(
        change_of(compare_tolerances(base, hungry, {"target_cpu=40pt"}).value(), "target_cpu")
            .regression);
    CHECK_FALSE(
        change_of(compare_tolerances(base, hungry, {"rss_growth=5MB/min"}).value(), "rss_growth")
            .regression);
    for (const char* bad : {"rss_max=5ms", "target_cpu=5MB", "rss_growth=2MB"}) {
        CHECK_MESSAGE(!barrage::report::parse_tolerance(bad).ok(), bad);
    }
}

TEST_CASE("a run without a watched target: its watched metrics are n/a, or absent in both") {
    const ResultDigest watched = digest(watched_json(200), "watched.json");
    const ResultDigest plain = digest(watched_json(0), "plain.json");
    auto report = compare_tolerances(watched, plain, {});
    REQUIRE(report.ok());
    const auto& rss = change_of(report.value(), "rss_max");
    CHECK(rss.judgement == Judgement::not_available);
    CHECK(rss.current_absent);
    CHECK_FALSE(report.value().has_regression());
    CHECK(contains(barrage::report::format_compare_report(report.value()),
                   "(not in the current run)"));
    const auto neither = compare_tolerances(plain, plain, {});
    CHECK(std::none_of(neither.value().changes.begin(), neither.value().changes.end(),
                       [](const auto& c) { return c.name == "rss_max"; }));
}

TEST_CASE("--metrics judges and shows only the metrics it names; METRIC=off shows, never judges") {
    const ResultDigest base = digest(result_json(1000, 1000, 0));
    const ResultDigest slower = digest(result_json(2000, 500, 0));  // p99 and rps regress
    CompareOptions options;
    options.min_delta_us = 0;
    options.metrics = {"p50", "p95", "rps"};
    auto report = compare_results(base, slower, options);
    REQUIRE(report.ok());
    std::vector<std::string> shown;
    for (const auto& change : report.value().changes) {
        shown.push_back(change.name);
    }
    CHECK(shown == std::vector<std::string>{"p50", "p95", "rps"});
    CHECK(report.value().regression_count() == 1);  // rps; p99 is not judged
    options.metrics = {"p50", "max"};               // max is judged when named
    std::string longer = result_json(1000, 1000, 0);
    longer.replace(longer.find("\"max\": 1000"), 11, "\"max\": 9000");
    CHECK(change_of(compare_results(base, digest(longer), options).value(), "max").regression);
    options.metrics = {"p50", "rps_max"};
    auto unknown = compare_results(base, slower, options);
    REQUIRE_FALSE(unknown.ok());
    CHECK(contains(unknown.error().message, "--metrics: unknown metric 'rps_max'"));
    CHECK(contains(unknown.error().message, "p50, p90, p95"));

    auto off = compare_tolerances(base, slower, {"p99=off", "rps=off"});
    REQUIRE(off.ok());
    CHECK(change_of(off.value(), "p99").judgement == Judgement::not_judged);
    CHECK_FALSE(off.value().has_regression());
    CHECK(contains(barrage::report::format_compare_report(off.value()), "(not judged)"));
    CHECK_FALSE(barrage::report::parse_tolerance("p99=of").ok());
    CHECK(contains(barrage::report::parse_tolerance("p99=of").error().message, "or off"));
}

TEST_CASE("any percentile is compared from the histograms when --metrics or a tolerance names it") {
    const Histogram a = synthetic_run(1, 20000, 3000, 1000);
    const Histogram slower = synthetic_run(2, 20000, 6000, 1000);
    const ResultDigest base = digest(run_json(a), "a.json");
    const ResultDigest cur = digest(run_json(slower), "b.json");
    CompareOptions options;
    options.metrics = {"p75", "p99.5"};
    auto report = compare_results(base, cur, options);
    REQUIRE(report.ok());
    REQUIRE(report.value().changes.size() == 2);
    const auto& p75 = change_of(report.value(), "p75");
    CHECK(p75.judgement == Judgement::intervals);
    CHECK(p75.baseline ==
          doctest::Approx(static_cast<double>(a.value_at_percentile(75))).epsilon(0.01));
    CHECK(p75.regression);
    CHECK(contains(barrage::report::format_compare_report(report.value()), "p75 "));
    // Named by a tolerance alone, it joins the default metrics.
    auto tolerated = compare_results(base, cur, CompareOptions{{"p75=500%"}});
    REQUIRE(tolerated.ok());
    CHECK_FALSE(change_of(tolerated.value(), "p75").regression);
    CHECK(tolerated.value().changes.size() > 2);
    // Without histograms there is nothing to read it from: n/a, never a verdict.
    auto old = compare_tolerances(digest(result_json(1000, 1000, 0)),
                                  digest(result_json(2000, 1000, 0)), {"p75=10%"});
    REQUIRE(old.ok());
    CHECK(change_of(old.value(), "p75").judgement == Judgement::not_available);
    CHECK(contains(barrage::report::format_compare_report(old.value()), "p75"));
}
