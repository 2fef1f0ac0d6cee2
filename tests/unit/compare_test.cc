// barrage compare: reading crafted results, tolerances, regressions and improvements.

#include "barrage/report/compare.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <string>
#include <vector>

#include "barrage/report/run_report.h"

namespace {

using barrage::report::compare_results;
using barrage::report::read_result_json;
using barrage::report::ResultDigest;

// A minimal barrage result: what makes a document a result, and the fields compare reads.
std::string result_json(double p99_us, double rps, int errors, int completed = 1000,
                        std::string_view schema = "1", std::string_view tool = "barrage") {
    return fmt::format(
        R"({{"tool": "{}", "schema_version": "{}", "target": {{"url": "http://127.0.0.1:1/"}},
  "requests": {{"completed": {}, "errors": {}}}, "throughput_rps": {}, "duration_s": 1,
  "latency": {{"p50": 100, "p90": 200, "p99": {}, "p999": 900, "p9999": 950, "max": 1000,
              "mean": 150.5, "count": {}}}, "intervals": []}})",
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
    CHECK(d.metrics.size() == barrage::report::compared_metric_names().size());
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
    auto report = compare_results(a, a, {});
    REQUIRE(report.ok());
    CHECK_FALSE(report.value().has_regression());
    CHECK(barrage::report::format_compare_report(report.value()).find("no regression") !=
          std::string::npos);
}

TEST_CASE("latency up by more than 10 percent is a regression, 9 percent is not") {
    const ResultDigest base = digest(result_json(1000, 1000, 0));
    auto slower = compare_results(base, digest(result_json(1101, 1000, 0)), {});
    REQUIRE(slower.ok());
    CHECK(change_of(slower.value(), "p99").regression);
    CHECK(slower.value().has_regression());
    const std::string text = barrage::report::format_compare_report(slower.value());
    CHECK(text.find("p99") != std::string::npos);
    CHECK(text.find("+10.1%  REGRESSION") != std::string::npos);
    CHECK(text.find("1 regression") != std::string::npos);
    auto a_bit = compare_results(base, digest(result_json(1090, 1000, 0)), {});
    CHECK_FALSE(a_bit.value().has_regression());
}

TEST_CASE("faster latency and more throughput are improvements, not regressions") {
    const ResultDigest base = digest(result_json(1000, 1000, 0));
    auto report = compare_results(base, digest(result_json(500, 2000, 0)), {});
    REQUIRE(report.ok());
    CHECK_FALSE(report.value().has_regression());
    CHECK(change_of(report.value(), "p99").improvement);
    CHECK(change_of(report.value(), "rps").improvement);
    CHECK(barrage::report::format_compare_report(report.value()).find("better") !=
          std::string::npos);
}

TEST_CASE("throughput down by more than 10 percent is a regression") {
    const ResultDigest base = digest(result_json(1000, 1000, 0));
    CHECK(change_of(compare_results(base, digest(result_json(1000, 899, 0)), {}).value(), "rps")
              .regression);
    CHECK_FALSE(
        change_of(compare_results(base, digest(result_json(1000, 901, 0)), {}).value(), "rps")
            .regression);
}

TEST_CASE("error rate regresses past +50 percent relative and +0.1 point absolute") {
    // From 0 errors, up to 0.1 % is allowed: one error in 1000 is noise.
    const ResultDigest clean = digest(result_json(1000, 1000, 0, 1000));
    CHECK_FALSE(
        change_of(compare_results(clean, digest(result_json(1000, 1000, 1, 999)), {}).value(),
                  "error_rate")
            .regression);
    CHECK(change_of(compare_results(clean, digest(result_json(1000, 1000, 2, 998)), {}).value(),
                    "error_rate")
              .regression);
    // From 2 %, 2.9 % is within +50 %, 3.1 % is not.
    const ResultDigest some = digest(result_json(1000, 1000, 20, 980));
    CHECK_FALSE(
        change_of(compare_results(some, digest(result_json(1000, 1000, 29, 971)), {}).value(),
                  "error_rate")
            .regression);
    CHECK(change_of(compare_results(some, digest(result_json(1000, 1000, 31, 969)), {}).value(),
                    "error_rate")
              .regression);
}

TEST_CASE("--max-regression replaces a metric's default tolerance") {
    const ResultDigest base = digest(result_json(1000, 1000, 0));
    const ResultDigest slower = digest(result_json(1150, 850, 0));
    const std::vector<std::string> loose{"p99=20%", "rps=-20%"};
    auto report = compare_results(base, slower, loose);
    REQUIRE(report.ok());
    CHECK_FALSE(report.value().has_regression());
    const std::vector<std::string> absolute{"p99=100us"};
    CHECK(change_of(compare_results(base, slower, absolute).value(), "p99").regression);
    const std::vector<std::string> ms{"p99=1ms"};
    CHECK_FALSE(change_of(compare_results(base, slower, ms).value(), "p99").regression);
}

TEST_CASE("tolerances parse percentages, times and points, and reject the rest") {
    auto relative = barrage::report::parse_tolerance("p999=+15%");
    REQUIRE(relative.ok());
    CHECK(relative.value().relative == doctest::Approx(0.15));
    CHECK(barrage::report::parse_tolerance("rps=-10%").value().relative == doctest::Approx(0.1));
    CHECK(barrage::report::parse_tolerance("error_rate=0.2pt").value().absolute ==
          doctest::Approx(0.002));
    CHECK(barrage::report::parse_tolerance("max=2s").value().absolute == 2e6);
    for (const char* bad : {"p95=10%", "p99", "p99=ten", "rps=5ms", "error_rate=5ms", "=1%"}) {
        auto error = barrage::report::parse_tolerance(bad);
        CHECK_MESSAGE(!error.ok(), bad);
        if (!error.ok()) {
            CHECK(error.error().message.find("--max-regression") == 0);
        }
    }
    const ResultDigest base = digest(result_json(1000, 1000, 0));
    const std::vector<std::string> bad{"p95=10%"};
    auto report = compare_results(base, base, bad);
    REQUIRE_FALSE(report.ok());
    CHECK(report.error().message.find("p50, p90, p99") != std::string::npos);
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
