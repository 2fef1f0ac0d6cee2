// Threshold expressions: every operator and unit, per-name rules, evaluation
// against a RunResult and a fake lookup, the summary lines, the exit code.

#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "barrage/gate/evaluation.h"
#include "barrage/gate/exit_code.h"
#include "barrage/gate/threshold.h"
#include "barrage/report/run_report.h"

namespace {

using barrage::gate::Comparison;
using barrage::gate::Metric;
using barrage::gate::MetricsLookup;
using barrage::gate::parse_threshold;
using barrage::gate::RunResultMetrics;
using barrage::gate::Scope;
using barrage::gate::Series;
using barrage::gate::Statistic;
using barrage::gate::ThresholdSpec;

ThresholdSpec parsed(std::string_view text) {
    auto spec = parse_threshold(text);
    REQUIRE_MESSAGE(spec.ok(), (spec.ok() ? "" : spec.error().message));
    return spec.value();
}

std::string parse_error(std::string_view text) {
    auto spec = parse_threshold(text);
    REQUIRE_MESSAGE(!spec.ok(), "expected an error for: " << std::string(text));
    return spec.error().message;
}

// A result with 1000 completed requests at 1..1000 us, 10 errors, over 2 s.
barrage::stats::RunResult sample_result() {
    barrage::stats::RunResult result;
    for (int64_t us = 1; us <= 1000; ++us) {
        result.totals.latency_us.record_value(us);
        result.totals.service_time_us.record_value(us / 2 + 1);
    }
    result.totals.schedule_lag_us.record_value(4000);
    result.totals.counters.requests_completed = 1000;
    result.totals.counters.requests_errors = 10;
    result.duration_s = 2.0;
    return result;
}

}  // namespace

TEST_CASE("every operator parses and compares as written") {
    struct Case {
        const char* text;
        Comparison comparison;
        bool at_limit;  // does value == limit pass?
    };
    const Case cases[] = {{"p99 < 200ms", Comparison::less, false},
                          {"p99 <= 200ms", Comparison::less_equal, true},
                          {"p99 > 200ms", Comparison::greater, false},
                          {"p99 >= 200ms", Comparison::greater_equal, true},
                          {"p99 == 200ms", Comparison::equal, true}};
    for (const Case& c : cases) {
        const ThresholdSpec spec = parsed(c.text);
        CHECK(spec.comparison == c.comparison);
        CHECK(spec.limit == 200'000.0);
        CHECK(barrage::gate::compare(200'000.0, spec.comparison, spec.limit) == c.at_limit);
        CHECK(barrage::gate::comparison_text(spec.comparison) ==
              std::string_view(c.text).substr(4, c.at_limit ? 2 : 1));
    }
    CHECK(barrage::gate::compare(1, Comparison::less, 2));
    CHECK(barrage::gate::compare(3, Comparison::greater, 2));
    CHECK_FALSE(barrage::gate::compare(3, Comparison::less_equal, 2));
    CHECK_FALSE(barrage::gate::compare(1, Comparison::greater_equal, 2));
    CHECK_FALSE(barrage::gate::compare(1, Comparison::equal, 2));
}

TEST_CASE("time limits take us, ms and s and keep the unit for display") {
    CHECK(parsed("p50 < 850us").limit == 850.0);
    CHECK(parsed("p50 < 1.5ms").limit == 1500.0);
    CHECK(parsed("p99.9 <= 1s").limit == 1e6);
    CHECK(parsed("max < 2s").limit == 2e6);
    CHECK(parsed("mean<50ms").limit == 50'000.0);
    CHECK(parsed("  p99   <   200 ms ").limit == 200'000.0);
    CHECK(parsed("p99 < 200ms").display_unit == "ms");
    CHECK(parsed("p99 < 2 s").display_unit == "s");
}

TEST_CASE("time limits read the --duration grammar: m, h, ns and compound durations") {
    CHECK(parsed("p99 < 1m").limit == 60e6);
    CHECK(parsed("p99 < 1m").display_unit == "m");
    CHECK(parsed("max < 1h").limit == 3600e6);
    CHECK(parsed("max < 1h").display_unit == "h");
    CHECK(parsed("p95 < 1m30s").limit == 90e6);
    CHECK(parsed("p95 < 1m30s").display_unit == "s");
    CHECK(parsed("p50 < 500ns").limit == 0.5);
    CHECK(parsed("p50 < 0.25s").limit == 250'000.0);
    CHECK(parsed("p99 < 0ms").limit == 0.0);
    // Shown again in the unit written.
    const ThresholdSpec spec = parsed("p99 < 5m");
    CHECK(barrage::gate::format_metric_value(90e6, spec) == "1.5m");
}

TEST_CASE("a time value reads in the limit's unit, or in the unit that needs no leading zeros") {
    const auto shown = [](std::string_view expression, double us) {
        return barrage::gate::format_metric_value(us, parsed(expression));
    };
    CHECK(shown("p99 < 2s", 1730) == "1.73ms");  // not "0.00173s"
    CHECK(shown("p99 < 2s", 1.5e6) == "1.5s");
    CHECK(shown("p99 < 200ms", 1730) == "1.73ms");
    CHECK(shown("p99 < 200ms", 250e3) == "250.0ms");
    CHECK(shown("p99 < 200ms", 2.5e6) == "2.5s");  // not "2500.0ms"
    CHECK(shown("p99 < 200ms", 850) == "850.0us");
    CHECK(shown("p50 < 1ms", 0.5) == "0.5us");
    CHECK(shown("p99 < 1s", 0) == "0.0s");  // zero in the limit's unit
    CHECK(shown("max < 1h", 90e6) == "90.0s");
    CHECK(shown("max < 1h", 7200e6) == "2h");
}

TEST_CASE("failure_rate counts failed answers beside transport errors, per name and overall") {
    const ThresholdSpec spec = parsed("failure_rate < 1%");
    CHECK(spec.metric.statistic == Statistic::failure_rate);
    CHECK(spec.metric.is_fraction());
    CHECK(spec.limit == doctest::Approx(0.01));
    CHECK(barrage::gate::metric_name(spec.metric) == "failure_rate");
    CHECK(parsed("login: failure_rate < 5%").scope.name == "login");
    CHECK(parse_error("failure_rate < 1").find("not a percentage") != std::string::npos);

    barrage::stats::RunResult result;
    result.requests.push_back({"login", {}, {}});
    result.requests.push_back({"browse", {}, {}});
    result.totals.by_name.emplace_back(0, 0);
    result.totals.by_name.emplace_back(0, 1);
    barrage::stats::NameStats& login = result.totals.by_name[0];
    login.completed = 90;  // 30 of them 500s
    login.responses_failed = 30;
    login.errors = 10;
    barrage::stats::NameStats& browse = result.totals.by_name[1];
    browse.completed = 100;
    result.totals.counters.requests_completed = 190;
    result.totals.counters.requests_errors = 10;
    const RunResultMetrics metrics(result);
    CHECK(*metrics.value(Scope::run(), parsed("error_rate < 1%").metric) ==
          doctest::Approx(10.0 / 200.0));
    CHECK(*metrics.value(Scope::run(), spec.metric) == doctest::Approx(40.0 / 200.0));
    CHECK(*metrics.value(Scope::request("login"), spec.metric) == doctest::Approx(40.0 / 100.0));
    CHECK(*metrics.value(Scope::request("login"), parsed("error_rate < 1%").metric) ==
          doctest::Approx(10.0 / 100.0));
    CHECK(*metrics.value(Scope::request("browse"), spec.metric) == 0.0);
    const std::vector<ThresholdSpec> specs{parsed("failure_rate < 25%"),
                                           parsed("login: failure_rate < 5%")};
    const auto outcomes = barrage::gate::evaluate_thresholds(specs, metrics);
    CHECK(outcomes[0].passed);
    CHECK_FALSE(outcomes[1].passed);
    CHECK(barrage::gate::format_threshold_lines(outcomes)[1].find("40.0%  FAIL") !=
          std::string::npos);
    // Nothing attempted: 0, like error_rate.
    CHECK(*RunResultMetrics(barrage::stats::RunResult{}).value(Scope::run(), spec.metric) == 0.0);
}

TEST_CASE("percentiles, mean, min, max and the series prefixes name the right metric") {
    CHECK(parsed("p99.9 <= 1s").metric.percentile == 99.9);
    CHECK(parsed("p999 < 1s").metric.percentile == 99.9);
    CHECK(parsed("p9999 < 1s").metric.percentile == 99.99);
    CHECK(parsed("p0 < 1s").metric.percentile == 0.0);
    CHECK(parsed("p100 < 1s").metric.percentile == 100.0);
    CHECK(parsed("mean < 50ms").metric.statistic == Statistic::mean);
    CHECK(parsed("min < 50ms").metric.statistic == Statistic::min);
    CHECK(parsed("max < 2s").metric.statistic == Statistic::max);
    const ThresholdSpec lag = parsed("schedule_lag_p99 < 5ms");
    CHECK(lag.metric.series == Series::schedule_lag);
    CHECK(lag.metric.percentile == 99.0);
    CHECK(parsed("service_time_mean < 5ms").metric.series == Series::service_time);
    CHECK(parsed("connect_time_max < 5ms").metric.series == Series::connect_time);
    CHECK(parsed("latency_p50 < 5ms").metric.series == Series::latency);
    CHECK(barrage::gate::metric_name(lag.metric) == "schedule_lag_p99");
    CHECK(barrage::gate::metric_name(parsed("p99.9 < 1s").metric) == "p99.9");
    CHECK(barrage::gate::metric_name(parsed("latency_max < 1s").metric) == "max");
}

TEST_CASE("rates of failure take percentages and rps a plain number") {
    const ThresholdSpec errors = parsed("error_rate < 1%");
    CHECK(errors.metric.statistic == Statistic::error_rate);
    CHECK(errors.limit == doctest::Approx(0.01));
    const ThresholdSpec checks = parsed("check_failure_rate < 0.5%");
    CHECK(checks.metric.statistic == Statistic::check_failure_rate);
    CHECK(checks.limit == doctest::Approx(0.005));
    const ThresholdSpec rps = parsed("rps >= 100");
    CHECK(rps.metric.statistic == Statistic::throughput);
    CHECK(rps.limit == 100.0);
    CHECK(parsed("rps >= 2.5/s").limit == 2.5);
}

TEST_CASE("a request name before ':' applies the threshold to that request") {
    const ThresholdSpec spec = parsed("login: p95 < 300ms");
    CHECK(spec.scope.name == "login");
    CHECK(spec.metric.percentile == 95.0);
    CHECK(spec.expression == "login: p95 < 300ms");
    CHECK(parsed("GET /a:b : p95 < 300ms").scope.name == "GET /a:b");
    CHECK(parsed("p95 < 300ms").scope.is_run());
}

TEST_CASE("parse errors name the expression and say what is expected") {
    CHECK(parse_error("p99 < 200")
              .find("threshold 'p99 < 200': '200' needs a time unit: us, ms "
                    "or s") == 0);
    CHECK(parse_error("p99 < 200d").find("time unit") != std::string::npos);
    CHECK(parse_error("p99 < 5 min").find("time unit") != std::string::npos);
    CHECK(parse_error("error_rate < 1").find("not a percentage") != std::string::npos);
    CHECK(parse_error("error_rate < 101%").find("not a percentage") != std::string::npos);
    CHECK(parse_error("rps >= 100ms").find("not a rate") != std::string::npos);
    CHECK(parse_error("p101 < 1s").find("unknown metric 'p101'") != std::string::npos);
    CHECK(parse_error("p9x < 1s").find("unknown metric") != std::string::npos);
    CHECK(parse_error("latency < 1s").find("unknown metric 'latency'") != std::string::npos);
    CHECK(parse_error("p99 200ms").find("expected 'METRIC OP LIMIT'") != std::string::npos);
    CHECK(parse_error("").find("expected 'METRIC OP LIMIT'") != std::string::npos);
    CHECK(parse_error("< 200ms").find("expected 'METRIC OP LIMIT'") != std::string::npos);
    CHECK(parse_error("p99 = 200ms").find("not an operator") != std::string::npos);
    CHECK(parse_error("p99 =< 200ms").find("not an operator") != std::string::npos);
    CHECK(parse_error("p99 < ms").find("not a limit") != std::string::npos);
    CHECK(parse_error("p99 < -5ms").find("not a limit") != std::string::npos);
    CHECK(parse_error(": p99 < 5ms").find("empty request or phase name") != std::string::npos);
}

TEST_CASE("parse_thresholds stops at the first bad expression") {
    const std::vector<std::string> good{"p99 < 1s", "rps >= 1"};
    auto specs = barrage::gate::parse_thresholds(good);
    REQUIRE(specs.ok());
    CHECK(specs.value().size() == 2);
    const std::vector<std::string> bad{"p99 < 1s", "p99 < 1", "bogus"};
    auto error = barrage::gate::parse_thresholds(bad);
    REQUIRE_FALSE(error.ok());
    CHECK(error.error().message.find("'p99 < 1'") != std::string::npos);
}

TEST_CASE("a named threshold is an error only when the run has no request or phase of that name") {
    std::vector<ThresholdSpec> specs{parsed("p99 < 1s"), parsed("login: p95 < 300ms")};
    const std::vector<std::string> none;
    const std::vector<std::string> phases{"main"};
    auto status = barrage::gate::resolve_scopes(specs, {none, phases});
    REQUIRE_FALSE(status.ok());
    CHECK(status.error().message.find("per-name results arrive with profiles") !=
          std::string::npos);
    const std::vector<std::string> with_login{"home", "login"};
    CHECK(barrage::gate::resolve_scopes(specs, {with_login, phases}).ok());
    CHECK(specs[1].scope.kind == barrage::gate::ScopeKind::request);
    std::vector<ThresholdSpec> again{parsed("login: p95 < 300ms")};
    const std::vector<std::string> without_login{"home", "search"};
    auto other = barrage::gate::resolve_scopes(again, {without_login, phases});
    REQUIRE_FALSE(other.ok());
    CHECK(other.error().message.find("the requests are: home, search; the phases are: main") !=
          std::string::npos);
}

TEST_CASE("the whole-run lookup reads percentiles, rates and throughput from the result") {
    const auto result = sample_result();
    const RunResultMetrics metrics(result);
    // Latency judges all 1010 requests, the 10 failed ones as infinitely slow:
    // p50 is the 505th value, and max and mean are unbounded.
    CHECK(metrics.value(Scope::run(), parsed("p50 < 1s").metric) == 505.0);
    CHECK(std::isinf(*metrics.value(Scope::run(), parsed("max < 1s").metric)));
    CHECK(metrics.value(Scope::run(), parsed("min < 1s").metric) == 1.0);
    CHECK(std::isinf(*metrics.value(Scope::run(), parsed("mean < 1s").metric)));
    CHECK(metrics.value(Scope::run(), parsed("schedule_lag_p99 < 1s").metric) == 4001.0);
    CHECK(*metrics.value(Scope::run(), parsed("error_rate < 1%").metric) ==
          doctest::Approx(10.0 / 1010.0));
    CHECK(metrics.value(Scope::run(), parsed("rps > 1").metric) == 500.0);
    CHECK(metrics.value(Scope::run(), parsed("check_failure_rate < 1%").metric) == 0.0);
    CHECK_FALSE(metrics.value(Scope::request("login"), parsed("p50 < 1s").metric).has_value());
}

TEST_CASE("unanswered requests count as infinitely slow in every latency threshold") {
    // 7 answered in 50..290 ms, 98 timed out, 195 never sent: the case of a
    // target that stopped answering. Answered-only, p99 would be 290 ms.
    barrage::stats::RunResult result;
    for (int64_t i = 0; i < 7; ++i) {
        result.totals.latency_us.record_value(50'000 + i * 40'000);
    }
    result.totals.counters.requests_completed = 7;
    result.totals.counters.requests_errors = 98;
    result.totals.counters.requests_unsent = 195;
    result.duration_s = 3.0;
    const RunResultMetrics metrics(result);
    const std::vector<ThresholdSpec> specs{parsed("p99 < 400ms"), parsed("p1 < 400ms"),
                                           parsed("service_time_p99 < 400ms")};
    const auto outcomes = barrage::gate::evaluate_thresholds(specs, metrics);
    CHECK_FALSE(outcomes[0].passed);
    CHECK(std::isinf(*outcomes[0].value));
    CHECK(outcomes[0].note == "97.7% of the requests unanswered, counted as infinitely slow");
    CHECK(outcomes[1].passed);  // the fastest 1 % (3 of 300) were answered
    CHECK(*outcomes[1].value == doctest::Approx(130'000.0).epsilon(0.001));
    const auto lines = barrage::gate::format_threshold_lines(outcomes);
    CHECK(lines[0].find("unanswered  FAIL (97.7% of the requests") != std::string::npos);
    // The judged p99 is bounded again only when at most 1 % goes unanswered.
    result.totals.counters.requests_errors = 0;
    result.totals.counters.requests_unsent = 0;
    for (int64_t i = 0; i < 686; ++i) {
        result.totals.latency_us.record_value(1000);
    }
    result.totals.counters.requests_completed = 693;
    result.totals.counters.requests_unfinished = 7;  // 1 % of 700
    const double p99_us =
        *RunResultMetrics(result).value(Scope::run(), parsed("p99 < 400ms").metric);
    CHECK(p99_us == doctest::Approx(290'000.0).epsilon(0.001));  // the slowest answer
    result.totals.counters.requests_unfinished = 8;
    CHECK(std::isinf(*RunResultMetrics(result).value(Scope::run(), parsed("p99 < 400ms").metric)));
}

TEST_CASE("a name's unanswered requests (failed or never answered) count against its latency") {
    barrage::stats::RunResult result;
    result.requests.push_back({"login", {}, {}});
    result.totals.by_name.emplace_back(0);
    barrage::stats::NameStats& login = result.totals.by_name[0];
    for (int64_t us = 1; us <= 90; ++us) {
        login.latency_us.record_value(us);
    }
    login.sent = 100;
    login.completed = 90;
    login.errors = 4;  // and 6 unfinished
    const RunResultMetrics metrics(result);
    CHECK(metrics.value(Scope::request("login"), parsed("login: p90 < 1s").metric) == 90.0);
    CHECK(std::isinf(*metrics.value(Scope::request("login"), parsed("login: p91 < 1s").metric)));
    CHECK(*metrics.unanswered_fraction(Scope::request("login")) == doctest::Approx(0.1));
}

TEST_CASE("evaluation passes and fails thresholds and explains a missing value") {
    const auto result = sample_result();
    const std::vector<ThresholdSpec> specs{parsed("p99 < 200ms"), parsed("error_rate < 0.5%"),
                                           parsed("rps >= 100"), parsed("login: p95 < 300ms")};
    const auto outcomes = barrage::gate::evaluate_thresholds(specs, RunResultMetrics(result));
    REQUIRE(outcomes.size() == 4);
    CHECK(outcomes[0].passed);
    CHECK_FALSE(outcomes[1].passed);  // 0.99% errors
    CHECK(outcomes[2].passed);
    CHECK_FALSE(outcomes[3].passed);
    CHECK(outcomes[3].note == "no results for request 'login'");
    CHECK_FALSE(barrage::gate::all_passed(outcomes));
    CHECK(barrage::gate::all_passed(std::span(outcomes).first(1)));
    CHECK(barrage::gate::exit_code_for(result, outcomes) == barrage::gate::exit_thresholds_failed);
    CHECK(barrage::gate::exit_code_for(result, std::span(outcomes).first(1)) ==
          barrage::gate::exit_ok);
    barrage::stats::RunResult empty;
    CHECK(barrage::gate::exit_code_for(empty, outcomes) == barrage::gate::exit_run_failed);
}

TEST_CASE("a per-name lookup (as profiles will provide) feeds named thresholds") {
    struct PerName final : MetricsLookup {
        std::map<std::string, double, std::less<>> p95_us;
        std::optional<double> value(const Scope& scope, const Metric&) const override {
            auto it = p95_us.find(scope.name);
            return it == p95_us.end() ? std::nullopt : std::optional<double>(it->second);
        }
    } lookup;
    lookup.p95_us = {{"login", 250'000.0}, {"search", 400'000.0}};
    const std::vector<ThresholdSpec> specs{parsed("login: p95 < 300ms"),
                                           parsed("search: p95 < 300ms")};
    const auto outcomes = barrage::gate::evaluate_thresholds(specs, lookup);
    CHECK(outcomes[0].passed);
    CHECK_FALSE(outcomes[1].passed);
    CHECK(outcomes[1].value == 400'000.0);
}

TEST_CASE("the summary lines show the value in the limit's unit and pass or FAIL") {
    const auto result = sample_result();
    const std::vector<ThresholdSpec> specs{parsed("p99 < 200ms"), parsed("error_rate < 0.5%"),
                                           parsed("rps >= 100")};
    const auto outcomes = barrage::gate::evaluate_thresholds(specs, RunResultMetrics(result));
    const auto lines = barrage::gate::format_threshold_lines(outcomes);
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == "p99 < 200ms               1ms  pass");
    CHECK(lines[1] == "error_rate < 0.5%       0.99%  FAIL");
    CHECK(lines[2] == "rps >= 100              500.0  pass");
    barrage::plan::RunPlan plan;
    const std::string summary = barrage::report::format_summary(plan, result, outcomes);
    CHECK(summary.find("Thresholds   p99 < 200ms") != std::string::npos);
    CHECK(summary.find("FAILED: 1 of 3") != std::string::npos);
    const std::string json = barrage::report::format_json(plan, result, outcomes);
    CHECK(json.find("\"expression\": \"error_rate < 0.5%\"") != std::string::npos);
    CHECK(json.find("\"pass\": false") != std::string::npos);
    CHECK(barrage::report::format_json(plan, result).find("\"thresholds\": []") !=
          std::string::npos);
}

// ---- growth thresholds (--watch-pid / --watch-cgroup) ----

namespace {

barrage::watch::WatchResult watched_growth(std::optional<double> rss_a, std::optional<double> rss_b,
                                           std::optional<double> fds) {
    barrage::watch::WatchResult watch;
    barrage::watch::TargetWatch a;
    a.name = "pid 1 (a)";
    a.growth.rss_mb_per_min = rss_a;
    a.growth.fds_per_min = fds;
    barrage::watch::TargetWatch b;
    b.name = "pid 2 (b)";
    b.growth.rss_mb_per_min = rss_b;
    watch.targets = {a, b};
    return watch;
}

}  // namespace

TEST_CASE("growth thresholds take size or count per time, kept per minute") {
    const auto rss = parsed("rss_growth < 5MB/min");
    CHECK(rss.metric.statistic == Statistic::rss_growth);
    CHECK(rss.metric.is_growth());
    CHECK_FALSE(rss.metric.is_time());
    CHECK(rss.limit == 5.0);
    CHECK(rss.display_unit == "MB/min");
    CHECK(parsed("rss_growth < 512 KB/min").limit == 0.5);
    CHECK(parsed("rss_growth <= 1GB/h").limit == doctest::Approx(1024.0 / 60.0));
    const auto fds = parsed("fd_growth < 10/min");
    CHECK(fds.metric.statistic == Statistic::fd_growth);
    CHECK(fds.limit == 10.0);
    CHECK(fds.display_unit == "/min");
    CHECK(parsed("thread_growth < 0.5/s").limit == 30.0);
    CHECK(barrage::gate::metric_name(parsed("thread_growth < 1/min").metric) == "thread_growth");
    CHECK(parse_error("rss_growth < 5").find("not a growth rate") != std::string::npos);
    CHECK(parse_error("rss_growth < 5/min").find("10MB/min") != std::string::npos);
    CHECK(parse_error("fd_growth < 5MB/min").find("10/min") != std::string::npos);
}

TEST_CASE("growth thresholds need a watched target and no request name") {
    const std::vector<ThresholdSpec> specs{parsed("p99 < 1s"), parsed("rss_growth < 5MB/min")};
    CHECK(barrage::gate::check_growth_sources(specs, true).ok());
    auto missing = barrage::gate::check_growth_sources(specs, false);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message.find("--watch-pid") != std::string::npos);
    const std::vector<ThresholdSpec> named{parsed("login: rss_growth < 5MB/min")};
    CHECK_FALSE(barrage::gate::check_growth_sources(named, true).ok());
    const std::vector<ThresholdSpec> plain{parsed("p99 < 1s")};
    CHECK(barrage::gate::check_growth_sources(plain, false).ok());
}

TEST_CASE("growth thresholds read the fastest-growing watched target") {
    const auto result = sample_result();
    const auto watch = watched_growth(3.0, 12.5, 0.0);
    const std::vector<ThresholdSpec> specs{parsed("rss_growth < 5MB/min"),
                                           parsed("fd_growth < 10/min"),
                                           parsed("thread_growth < 1/min")};
    const auto outcomes =
        barrage::gate::evaluate_thresholds(specs, RunResultMetrics(result, &watch));
    CHECK(outcomes[0].value == 12.5);
    CHECK_FALSE(outcomes[0].passed);
    CHECK(outcomes[1].value == 0.0);
    CHECK(outcomes[1].passed);
    // No target gave a thread slope (too few samples): no value, a failure with a reason.
    CHECK_FALSE(outcomes[2].value.has_value());
    CHECK_FALSE(outcomes[2].passed);
    CHECK(outcomes[2].note.find("samples") != std::string::npos);
    const auto lines = barrage::gate::format_threshold_lines(outcomes);
    CHECK(lines[0].find("12.5MB/min  FAIL") != std::string::npos);
    const auto without = barrage::gate::evaluate_thresholds(specs, RunResultMetrics(result));
    CHECK_FALSE(without[0].value.has_value());
}

TEST_CASE("worst_exit_code orders a suite's runs: a signal, then 4, 3, 2, 1, then 0") {
    using barrage::gate::worst_exit_code;
    CHECK(worst_exit_code(0, 1) == 1);
    CHECK(worst_exit_code(3, 1) == 3);
    CHECK(worst_exit_code(4, 3) == 4);
    CHECK(worst_exit_code(2, 1) == 2);
    CHECK(worst_exit_code(1, 130) == 130);
    CHECK(worst_exit_code(143, 4) == 143);
    CHECK(worst_exit_code(130, 143) == 130);  // the first signal stopped it
    CHECK(worst_exit_code(0, 0) == 0);
}

namespace {

// One watched target over the sample result's 2 s: RSS from 100 MB (after a 900 MB warm-up
// sample) to a 300 MB peak, 1.4 CPU seconds in 2 s, growing 50 MB/min.
barrage::watch::WatchResult watched_resources() {
    barrage::watch::TargetWatch target;
    target.name = "pid 1 (a)";
    const auto sample = [](double t_s, double rss_mb, double cpu_s, int64_t fds) {
        barrage::watch::ResourceSample s;
        s.t_s = t_s;
        s.rss_bytes = static_cast<int64_t>(rss_mb * 1024 * 1024);
        s.cpu_s = cpu_s;
        s.fds = fds;
        s.threads = 4;
        return s;
    };
    // The last sample comes after the drain (t > duration_s): left out.
    target.samples = {sample(-1, 900, 0, 5), sample(0, 100, 1, 10), sample(1, 300, 1.7, 40),
                      sample(2, 200, 2.4, 30), sample(3, 2000, 9, 99)};
    target.growth.rss_mb_per_min = 50;
    barrage::watch::WatchResult watch;
    watch.targets = {target};
    return watch;
}

}  // namespace

TEST_CASE("resource thresholds parse sizes, a CPU share, counts and relative growth") {
    const auto rss_max = parsed("rss_max < 1GB");
    CHECK(rss_max.metric.statistic == Statistic::rss_max);
    CHECK(rss_max.metric.is_watched());
    CHECK_FALSE(rss_max.metric.is_growth());
    CHECK(rss_max.limit == 1024.0);  // MB
    CHECK(rss_max.display_unit == "GB");
    CHECK(parsed("rss_initial < 500 MB").limit == 500.0);
    CHECK(parsed("rss_initial <= 512KiB").limit == 0.5);
    const auto cpu = parsed("target_cpu < 70%");
    CHECK(cpu.metric.statistic == Statistic::target_cpu);
    CHECK(cpu.limit == doctest::Approx(0.7));
    CHECK(parsed("target_cpu < 250%").limit == doctest::Approx(2.5));  // 2.5 cores
    CHECK(parsed("fds_max < 1000").limit == 1000.0);
    CHECK(parsed("threads_max <= 64").metric.statistic == Statistic::threads_max);
    const auto relative = parsed("rss_growth < 10%/24h");
    CHECK(relative.metric.statistic == Statistic::rss_growth_relative);
    CHECK(relative.metric.is_growth());
    CHECK(relative.limit == doctest::Approx(0.1 / 1440));  // a fraction per minute
    CHECK(relative.display_unit == "%/24h");
    CHECK(barrage::gate::metric_name(relative.metric) == "rss_growth");
    CHECK(barrage::gate::metric_unit(relative.metric) == "ratio/min");
    CHECK(barrage::gate::metric_unit(rss_max.metric) == "MB");
    CHECK(parsed("rss_growth < 2GB/24h").limit == doctest::Approx(2048.0 / 1440));
    CHECK(parse_error("rss_max < 1000").find("not a size") != std::string::npos);
    CHECK(parse_error("rss_max < 10%").find("KB, MB or GB") != std::string::npos);
    CHECK(parse_error("target_cpu < 0.7").find("not a percentage") != std::string::npos);
    CHECK(parse_error("fds_max < 10MB").find("not a count") != std::string::npos);
    CHECK(parse_error("rss_growth < 10%").find("10%/24h") != std::string::npos);
    CHECK(parse_error("fd_growth < 10%/h").find("10/min") != std::string::npos);
}

TEST_CASE("resource thresholds need a watched target and no request name") {
    for (const char* text : {"rss_max < 1GB", "rss_initial < 500MB", "target_cpu < 70%",
                             "rss_growth < 10%/24h", "fds_max < 100", "threads_max < 10"}) {
        const std::vector<ThresholdSpec> specs{parsed(text)};
        CHECK(barrage::gate::check_growth_sources(specs, true).ok());
        auto missing = barrage::gate::check_growth_sources(specs, false);
        REQUIRE_FALSE(missing.ok());
        CHECK(missing.error().message.find("--watch-pid") != std::string::npos);
        const std::vector<ThresholdSpec> named{parsed(std::string("login: ") + text)};
        auto refused = barrage::gate::check_growth_sources(named, true);
        REQUIRE_FALSE(refused.ok());
        CHECK(refused.error().message.find("belongs to the watched target") != std::string::npos);
    }
}

TEST_CASE("resource thresholds judge the measured period of the watched target") {
    const auto result = sample_result();  // 2 s measured
    const auto watch = watched_resources();
    const std::vector<ThresholdSpec> specs{
        parsed("rss_max < 250MB"),      parsed("rss_max < 1GB"),    parsed("rss_initial < 150MB"),
        parsed("target_cpu < 70%"),     parsed("target_cpu < 80%"), parsed("rss_growth < 10%/24h"),
        parsed("rss_growth < 75%/min"), parsed("fds_max <= 40"),    parsed("threads_max < 4")};
    const auto outcomes =
        barrage::gate::evaluate_thresholds(specs, RunResultMetrics(result, &watch));
    CHECK(outcomes[0].value == doctest::Approx(300.0));  // the 2000 MB after the drain left out
    CHECK_FALSE(outcomes[0].passed);
    CHECK(outcomes[1].passed);
    CHECK(outcomes[2].value == doctest::Approx(100.0));  // the warm-up sample left out
    CHECK(outcomes[2].passed);
    CHECK(outcomes[3].value == doctest::Approx(0.7));  // 1.4 CPU seconds in 2 s
    CHECK_FALSE(outcomes[3].passed);
    CHECK(outcomes[4].passed);
    CHECK(outcomes[5].value == doctest::Approx(0.5));  // 50 MB/min of 100 MB
    CHECK_FALSE(outcomes[5].passed);
    CHECK(outcomes[6].passed);
    CHECK(outcomes[7].value == 40.0);
    CHECK(outcomes[7].passed);
    CHECK_FALSE(outcomes[8].passed);
    const auto lines = barrage::gate::format_threshold_lines(outcomes);
    CHECK(lines[0].find("300.0MB  FAIL") != std::string::npos);
    CHECK(lines[1].find("0.293GB  pass") != std::string::npos);
    CHECK(lines[3].find("70.0%  FAIL") != std::string::npos);
    CHECK(lines[5].find("72000.0%/24h  FAIL") != std::string::npos);  // 50% a minute
    const auto without = barrage::gate::evaluate_thresholds(specs, RunResultMetrics(result));
    CHECK_FALSE(without[0].value.has_value());
    CHECK_FALSE(without[0].passed);
    CHECK(without[0].note.find("no sample") != std::string::npos);
}

TEST_CASE("a scenario's name or a tag scopes a threshold to those scenarios' results") {
    barrage::stats::RunResult result;
    result.duration_s = 2.0;
    const auto scenario = [](std::string name, std::vector<std::string> tags, int64_t latency_us,
                             int64_t completed, int64_t errors) {
        barrage::stats::ScenarioResult s{std::move(name), std::move(tags), {}};
        for (int64_t i = 0; i < completed; ++i) {
            s.totals.latency_us.record_value(latency_us);
        }
        s.totals.counters.requests_completed = completed;
        s.totals.counters.requests_errors = errors;
        s.totals.counters.requests_sent = completed + errors;
        return s;
    };
    result.scenarios.push_back(scenario("browse", {"read"}, 100, 100, 0));
    result.scenarios.push_back(scenario("shop", {"write", "read"}, 5000, 100, 100));
    result.scenarios.push_back(scenario("admin", {"write"}, 900, 10, 0));
    for (const auto& s : result.scenarios) {
        result.totals.add(s.totals);
    }
    const RunResultMetrics metrics(result);
    const auto value = [&](std::string_view expression) {
        const ThresholdSpec spec = parsed(expression);
        return metrics.value(spec.scope, spec.metric);
    };
    CHECK(value("browse: p99 < 1ms") == 100.0);
    CHECK(value("browse: error_rate < 1%") == 0.0);
    CHECK(value("browse: rps > 1") == 50.0);
    CHECK(value("shop: error_rate < 1%") == 0.5);
    // A tag is every scenario that has it, together.
    CHECK(value("tag:write: error_rate < 1%") == doctest::Approx(100.0 / 210.0));
    CHECK(value("tag:write: rps > 1") == 55.0);
    // 100 at 100us, 100 at 5ms, 100 unanswered: the median is 5ms.
    CHECK(value("tag:read: p50 < 1ms") == doctest::Approx(5000.0).epsilon(0.01));
    CHECK_FALSE(value("tag:none: p50 < 1ms").has_value());
    CHECK(value("p25 < 1ms") == 100.0);  // the whole run is still the totals
    CHECK(metrics.unanswered_fraction(Scope::request("shop")) == doctest::Approx(0.5));
    // A gate may name a scenario or tag the plan lists (plan::scenario_gate_names).
    const std::vector<std::string> names{"browse", "tag:write"};
    const barrage::gate::ScopeNames scope_names{names, {}};
    std::vector write{parsed("tag:write: p99 < 1s")};
    CHECK(barrage::gate::resolve_scopes(write, scope_names).ok());
    CHECK(write[0].scope.kind == barrage::gate::ScopeKind::request);
    std::vector read{parsed("tag:read: p99 < 1s")};
    CHECK_FALSE(barrage::gate::resolve_scopes(read, scope_names).ok());
}

TEST_CASE("a task group's name gates its transactions like a request name") {
    barrage::stats::RunResult result;
    result.requests.push_back({"submit", {}, {}});
    result.totals.by_name.emplace_back(0, 0);
    result.transactions.push_back({"checkout", {}});
    result.totals.by_transaction.emplace_back(0);
    barrage::stats::TransactionStats& checkout = result.totals.by_transaction[0];
    checkout.sent = 100;
    checkout.completed = 96;  // 4 of them ran out of tries
    checkout.responses_failed = 4;
    checkout.tries_exhausted = 4;
    checkout.errors = 2;  // 2 unfinished
    for (int64_t us = 1; us <= 90; ++us) {
        checkout.latency_us.record_value(us * 1000);
    }
    for (int i = 0; i < 2; ++i) {
        checkout.latency_us.record_value(2'000'000);
    }
    result.duration_s = 2;
    const RunResultMetrics metrics(result);
    CHECK(*metrics.value(Scope::request("checkout"), parsed("failure_rate < 1%").metric) ==
          doctest::Approx(6.0 / 98.0));
    CHECK(*metrics.value(Scope::request("checkout"), parsed("error_rate < 1%").metric) ==
          doctest::Approx(2.0 / 98.0));
    CHECK(*metrics.value(Scope::request("checkout"), parsed("check_failure_rate < 1%").metric) ==
          doctest::Approx(4.0 / 96.0));
    CHECK(*metrics.value(Scope::request("checkout"), parsed("rps > 1").metric) ==
          doctest::Approx(46.0));
    // 92 timed of 100 started: p50 among the timed, p95 on a failed or unfinished one.
    CHECK(*metrics.value(Scope::request("checkout"), parsed("p50 < 1s").metric) ==
          doctest::Approx(50'000).epsilon(0.01));
    CHECK(std::isinf(*metrics.value(Scope::request("checkout"), parsed("p95 < 1s").metric)));
    // The note's share is the task's own: 8 of 100 failed or unfinished.
    CHECK(*metrics.unanswered_fraction(Scope::request("checkout")) == doctest::Approx(0.08));
    CHECK_FALSE(metrics.value(Scope::request("nothing"), parsed("p50 < 1s").metric));
}

// ---- Phase scopes, windows, sustained, drift and ratios (issue 18) ----

namespace {

using barrage::gate::Form;
using barrage::gate::ScopeKind;
using barrage::gate::WindowGates;

// One interval's merged counts: `completed` responses at `latency_us` each, `errors` failed.
struct Interval {
    barrage::stats::Counters counters;
    barrage::stats::Histogram latency_us = barrage::stats::Histogram::for_latency_us();
};

Interval interval_of(int64_t completed, int64_t latency_us, int64_t errors = 0) {
    Interval interval;
    interval.counters.requests_completed = completed;
    interval.counters.requests_errors = errors;
    interval.counters.requests_sent = completed + errors;
    for (int64_t i = 0; i < completed; ++i) {
        interval.latency_us.record_value(latency_us);
    }
    return interval;
}

// Feeds intervals of `length_s` whose latencies are `latencies_us` (100 responses each).
void feed(WindowGates& gates, const std::vector<int64_t>& latencies_us, double length_s) {
    double end_s = 0;
    for (const int64_t latency_us : latencies_us) {
        end_s += length_s;
        const Interval interval = interval_of(100, latency_us);
        gates.add_interval(end_s, length_s, interval.counters, interval.latency_us);
    }
}

barrage::gate::WindowVerdict verdict_of(const WindowGates& gates, const ThresholdSpec& spec) {
    const auto verdict = gates.verdict(spec);
    REQUIRE(verdict.has_value());
    return *verdict;
}

std::string resolve_error(std::string_view text, const std::vector<std::string>& requests,
                          const std::vector<std::string>& phases) {
    std::vector<ThresholdSpec> specs{parsed(text)};
    auto status = barrage::gate::resolve_scopes(specs, {requests, phases});
    REQUIRE_MESSAGE(!status.ok(), "expected a refusal for: " << std::string(text));
    return status.error().message;
}

}  // namespace

TEST_CASE("a scope is a name to resolve, or an explicit request= or phase=") {
    const ThresholdSpec bare = parsed("u300: error_rate < 5%");
    CHECK(bare.scope.kind == ScopeKind::name);
    CHECK(bare.scope.name == "u300");
    const ThresholdSpec phase = parsed("phase=spike: p95 < 1s");
    CHECK(phase.scope.kind == ScopeKind::phase);
    CHECK(phase.scope.name == "spike");
    CHECK(phase.limit == 1e6);
    const ThresholdSpec request = parsed("request = login : p95 < 1s");
    CHECK(request.scope.kind == ScopeKind::request);
    CHECK(request.scope.name == "login");
    CHECK(parsed("p95 < 1s").scope.kind == ScopeKind::run);
    CHECK(parse_error("phase=: p95 < 1s").find("empty request or phase name") != std::string::npos);
    CHECK(parse_error("phase=u300 p95 < 1s").find("expected ':'") != std::string::npos);
}

TEST_CASE("a bare name resolves to the request or the phase, and one that is both is refused") {
    const std::vector<std::string> requests{"login", "browse", "steady"};
    const std::vector<std::string> phases{"warm", "u300", "steady"};
    std::vector<ThresholdSpec> specs{parsed("u300: error_rate < 5%"), parsed("login: p95 < 1s"),
                                     parsed("phase=steady: p99 < 2s"),
                                     parsed("request=steady: p99 < 2s")};
    REQUIRE(barrage::gate::resolve_scopes(specs, {requests, phases}).ok());
    CHECK(specs[0].scope.kind == ScopeKind::phase);
    CHECK(specs[1].scope.kind == ScopeKind::request);
    CHECK(specs[2].scope.kind == ScopeKind::phase);
    CHECK(specs[3].scope.kind == ScopeKind::request);

    const std::string both = resolve_error("steady: p95 < 1s", requests, phases);
    CHECK(both.find("both a request and a phase") != std::string::npos);
    CHECK(both.find("'request=steady:' or 'phase=steady:'") != std::string::npos);
    const std::string unknown = resolve_error("u30: p95 < 1s", requests, phases);
    CHECK(unknown.find("no request or phase named 'u30'") != std::string::npos);
    CHECK(unknown.find("the phases are: warm, u300, steady") != std::string::npos);
    CHECK(resolve_error("phase=login: p95 < 1s", requests, phases)
              .find("no measured phase named 'login'") != std::string::npos);
    CHECK(
        resolve_error("request=u300: p95 < 1s", requests, phases).find("no request named 'u300'") !=
        std::string::npos);
    // A phase keeps counts and latency only; windows judge the whole run.
    CHECK(resolve_error("u300: failure_rate < 1%", requests, phases).find("not kept per phase") !=
          std::string::npos);
    CHECK(
        resolve_error("u300: service_time_p99 < 1s", requests, phases).find("not kept per phase") !=
        std::string::npos);
    CHECK(resolve_error("u300: p95[1m] < 1s", requests, phases).find("drop the scope") !=
          std::string::npos);
}

TEST_CASE("a phase threshold reads only its phase: the slow phase fails, the calm one passes") {
    barrage::stats::RunResult result = sample_result();
    result.duration_s = 20;
    for (const auto& [name, start_s, latency_us, errors] :
         {std::tuple{"calm", 0.0, int64_t{50'000}, int64_t{0}},
          std::tuple{"spike", 10.0, int64_t{1'500'000}, int64_t{30}}}) {
        barrage::stats::PhaseResult phase;
        phase.name = name;
        phase.start_s = start_s;
        phase.end_s = start_s + 10;
        const Interval counted = interval_of(1000, latency_us, errors);
        phase.counters = counted.counters;
        phase.latency_us = counted.latency_us;
        result.phases.push_back(std::move(phase));
    }
    const std::vector<ThresholdSpec> specs{
        parsed("calm: p95 < 1s"), parsed("spike: p95 < 1s"), parsed("phase=calm: rps >= 100"),
        parsed("spike: error_rate < 1%"), parsed("phase=gone: p95 < 1s")};
    const auto outcomes = barrage::gate::evaluate_thresholds(specs, RunResultMetrics(result));
    CHECK(outcomes[0].passed);
    CHECK(outcomes[0].value == doctest::Approx(50'000).epsilon(0.001));
    CHECK_FALSE(outcomes[1].passed);
    CHECK(outcomes[1].value == doctest::Approx(1'500'000).epsilon(0.001));
    CHECK(outcomes[2].value == 100.0);  // 1000 completed over the phase's 10 s
    CHECK_FALSE(outcomes[3].passed);
    CHECK(*outcomes[3].value == doctest::Approx(30.0 / 1030.0));
    CHECK(outcomes[4].note == "no results for phase 'gone'");
    // A run stopped 2 s into the spike measured its rate over those 2 s only.
    result.duration_s = 12;
    CHECK(*RunResultMetrics(result).value(Scope::phase("spike"), parsed("rps > 1").metric) ==
          doctest::Approx(500.0));
}

TEST_CASE("windowed, drift, sustained and ratio terms parse with their spans") {
    const ThresholdSpec windowed = parsed("p95[5m] < 1s");
    CHECK(windowed.form == Form::windowed);
    CHECK(windowed.window_ns == 300'000'000'000);
    CHECK(windowed.metric.percentile == 95.0);
    CHECK(barrage::gate::term_name(windowed) == "p95");
    CHECK(parsed("error_rate[1m] < 5%").limit == doctest::Approx(0.05));
    CHECK(parsed("rps[1m30s] > 100").window_ns == 90'000'000'000);
    CHECK(parsed("max[500ms] < 1s").window_ns == 500'000'000);

    const ThresholdSpec sustained = parsed("p95 > 1s for 5m");
    CHECK(sustained.form == Form::sustained);
    CHECK(sustained.sustained_ns == 300'000'000'000);
    CHECK(sustained.comparison == Comparison::greater);
    CHECK(sustained.limit == 1e6);
    CHECK(parsed("error_rate >= 5% for 30s").limit == doctest::Approx(0.05));

    const ThresholdSpec drift = parsed("p95_drift < 2x");
    CHECK(drift.form == Form::drift);
    CHECK(drift.window_ns == 0);  // a tenth of the measured period
    CHECK(drift.limit == 2.0);
    CHECK(drift.is_ratio());
    CHECK(barrage::gate::term_name(drift) == "p95_drift");
    CHECK(parsed("p95_drift[1h] <= 1.5").window_ns == 3'600'000'000'000);

    const ThresholdSpec ratio = parsed("p99 / p50 < 5");
    REQUIRE(ratio.divisor.has_value());
    CHECK(ratio.divisor->percentile == 50.0);
    CHECK(ratio.metric.percentile == 99.0);
    CHECK(ratio.limit == 5.0);
    CHECK(barrage::gate::term_name(ratio) == "p99/p50");
    CHECK(parsed("login: p99/p50 < 5x").scope.name == "login");
    CHECK(parsed("max / mean <= 10").divisor->statistic == Statistic::mean);
}

TEST_CASE("malformed windows, drifts, sustained spans and ratios are refused with a fix") {
    CHECK(parse_error("p95[5] < 1s").find("not a window") != std::string::npos);
    CHECK(parse_error("p95[] < 1s").find("not a window") != std::string::npos);
    CHECK(parse_error("p95[0s] < 1s").find("not a window") != std::string::npos);
    CHECK(parse_error("service_time_p95[1m] < 1s").find("not kept per window") !=
          std::string::npos);
    CHECK(parse_error("failure_rate_drift < 2x").find("not kept per window") != std::string::npos);
    CHECK(parse_error("p95 > 1s for 5").find("not a duration") != std::string::npos);
    CHECK(parse_error("p95 > 1s for soon").find("'soon' is not a duration") != std::string::npos);
    CHECK(parse_error("p95[1m] > 1s for 5m").find("does not combine") != std::string::npos);
    CHECK(parse_error("check_failure_rate > 1% for 1m").find("not kept per interval") !=
          std::string::npos);
    CHECK(parse_error("p95_drift < 2ms").find("not a factor") != std::string::npos);
    CHECK(parse_error("p99 / p50 < 5%").find("not a factor") != std::string::npos);
    CHECK(parse_error("p99 / bogus < 5").find("unknown metric 'bogus'") != std::string::npos);
    CHECK(parse_error("rss_growth / p50 < 5").find("not growth") != std::string::npos);
}

TEST_CASE("--time-scale scales a profile threshold's window and sustained span, to the ms") {
    ThresholdSpec windowed = parsed("p95[5m] < 1s");
    barrage::gate::scale_spans(windowed, 0.1);
    CHECK(windowed.window_ns == 30'000'000'000);
    CHECK(windowed.limit == 1e6);  // a latency limit is not a duration of the plan
    ThresholdSpec sustained = parsed("p95 > 1s for 5m");
    barrage::gate::scale_spans(sustained, 0.001);
    CHECK(sustained.sustained_ns == 300'000'000);
    ThresholdSpec tiny = parsed("p95[1s] < 1s");
    barrage::gate::scale_spans(tiny, 1e-5);
    CHECK(tiny.window_ns == 1'000'000);  // at least 1 ms
    ThresholdSpec drift = parsed("p95_drift < 2x");
    barrage::gate::scale_spans(drift, 0.1);
    CHECK(drift.window_ns == 0);  // the default stays a tenth of the (scaled) period
}

TEST_CASE("a judgement of each run as a whole (find-max) refuses windows, drift and 'for'") {
    const std::vector<ThresholdSpec> whole{parsed("p95 < 1s"), parsed("p99 / p50 < 5")};
    CHECK(barrage::gate::check_whole_forms(whole).ok());
    for (const char* text : {"p95[1s] < 1s", "p95_drift < 2x", "p95 > 1s for 1m"}) {
        const std::vector<ThresholdSpec> specs{parsed(text)};
        auto status = barrage::gate::check_whole_forms(specs);
        REQUIRE_FALSE(status.ok());
        CHECK(status.error().message.find("judged by `barrage run`") != std::string::npos);
    }
}

TEST_CASE("windows and sustained spans must fit the run's interval and measured period") {
    const std::vector<ThresholdSpec> fine{parsed("p95[1s] < 1s"), parsed("p95 > 1s for 2s"),
                                          parsed("p95_drift < 2x"), parsed("p95 < 1s")};
    CHECK(barrage::gate::check_windows(fine, 1'000'000'000, 10'000'000'000).ok());
    const auto refusal = [](std::string_view text) {
        const std::vector<ThresholdSpec> specs{parsed(text)};
        auto status = barrage::gate::check_windows(specs, 1'000'000'000, 10'000'000'000);
        REQUIRE_FALSE(status.ok());
        return status.error().message;
    };
    CHECK(refusal("p95[500ms] < 1s").find("shorter than the interval (-i 1s)") !=
          std::string::npos);
    CHECK(refusal("p95[1m] < 1s").find("longer than the measured period (10s)") !=
          std::string::npos);
    CHECK(refusal("p95 > 1s for 11s").find("longer than the measured period") != std::string::npos);
    CHECK(refusal("p95_drift[6s] < 2x").find("two of 6s exceed") != std::string::npos);
}

TEST_CASE("a windowed threshold fails on one slow window among passing ones, shown as the worst") {
    const ThresholdSpec spec = parsed("p95[2s] < 100ms");
    const ThresholdSpec whole = parsed("p95 < 100ms");
    const std::vector<ThresholdSpec> specs{spec, whole};
    WindowGates gates(specs, 10, 1);
    // Ten 1 s intervals at 10 ms, but the window from 4 s (intervals 5 and 6) at 300 ms.
    feed(gates, {10'000, 10'000, 10'000, 10'000, 300'000, 300'000, 10'000, 10'000, 10'000, 10'000},
         1.0);
    const auto verdict = verdict_of(gates, spec);
    CHECK_FALSE(verdict.passed);
    CHECK(verdict.value == doctest::Approx(300'000).epsilon(0.001));
    CHECK(verdict.window_start_s == 4.0);
    CHECK(verdict.window_s == 2.0);
    CHECK(verdict.windows == 5);
    CHECK_FALSE(gates.verdict(whole).has_value());  // a whole-run threshold is not judged here

    WindowGates calm(specs, 10, 1);
    feed(calm, {10'000, 20'000, 30'000, 10'000}, 1.0);
    CHECK(verdict_of(calm, spec).passed);
    CHECK(verdict_of(calm, spec).value == doctest::Approx(30'000).epsilon(0.001));
    CHECK(verdict_of(calm, spec).window_start_s == 2.0);
}

TEST_CASE("a trailing partial window is judged after the run when at least half a window long") {
    const std::vector<ThresholdSpec> specs{parsed("p95[4s] < 100ms")};
    WindowGates half(specs, 6, 1);
    feed(half, {10'000, 10'000, 10'000, 10'000, 300'000, 300'000}, 1.0);
    CHECK(verdict_of(half, specs[0]).passed);  // the window from 4 s is still open
    half.finish();
    CHECK_FALSE(verdict_of(half, specs[0]).passed);
    CHECK(verdict_of(half, specs[0]).window_start_s == 4.0);

    WindowGates short_tail(specs, 5, 1);
    feed(short_tail, {10'000, 10'000, 10'000, 10'000, 300'000}, 1.0);
    short_tail.finish();  // 1 s of a 4 s window: not judged
    CHECK(verdict_of(short_tail, specs[0]).passed);
    CHECK(verdict_of(short_tail, specs[0]).windows == 1);
}

TEST_CASE("windows are whole intervals: a window shorter than a multiple rounds up") {
    const std::vector<ThresholdSpec> specs{parsed("p95[1500ms] < 100ms")};
    WindowGates gates(specs, 10, 1);
    feed(gates, {10'000, 10'000, 10'000, 10'000}, 1.0);
    CHECK(verdict_of(gates, specs[0]).window_s == 2.0);
    CHECK(verdict_of(gates, specs[0]).windows == 2);
}

TEST_CASE("a windowed rate: an empty window fails rps, a window of errors fails error_rate") {
    const std::vector<ThresholdSpec> specs{parsed("rps[1s] > 50"), parsed("error_rate[1s] < 5%")};
    WindowGates gates(specs, 3, 1);
    const Interval busy = interval_of(100, 1000);
    const Interval empty = interval_of(0, 0);
    const Interval failing = interval_of(90, 1000, 10);
    gates.add_interval(1, 1, busy.counters, busy.latency_us);
    gates.add_interval(2, 1, empty.counters, empty.latency_us);
    gates.add_interval(3, 1, failing.counters, failing.latency_us);
    const auto rps = verdict_of(gates, specs[0]);
    CHECK_FALSE(rps.passed);
    CHECK(rps.value == 0.0);
    CHECK(rps.window_start_s == 1.0);
    const auto errors = verdict_of(gates, specs[1]);
    CHECK_FALSE(errors.passed);
    CHECK(*errors.value == doctest::Approx(0.1));
    CHECK(errors.window_start_s == 2.0);
    CHECK(errors.windows == 2);  // the empty window has no error rate to judge
}

TEST_CASE("sustained: 4 minutes over the limit pass 'for 5m' and fail 'for 4m'") {
    const ThresholdSpec five = parsed("p95 > 1s for 5m");
    const ThresholdSpec four = parsed("p95 > 1s for 4m");
    const std::vector<ThresholdSpec> specs{five, four};
    WindowGates gates(specs, 600, 60);
    // One-minute intervals: slow from 2 to 6 min (4 min), a break, 3 min slow.
    feed(gates,
         {500'000, 500'000, 2'000'000, 2'000'000, 2'500'000, 2'000'000, 500'000, 2'000'000,
          2'000'000, 2'000'000},
         60.0);
    const auto five_verdict = verdict_of(gates, five);
    CHECK(five_verdict.passed);
    CHECK(five_verdict.held_s == 240.0);
    CHECK(five_verdict.window_start_s == 120.0);
    CHECK(five_verdict.value == doctest::Approx(2'500'000).epsilon(0.001));
    CHECK_FALSE(verdict_of(gates, four).passed);

    WindowGates never(specs, 600, 60);
    feed(never, {500'000, 400'000}, 60.0);
    CHECK(verdict_of(never, five).passed);
    CHECK(verdict_of(never, five).held_s == 0.0);
    CHECK_FALSE(verdict_of(never, five).window_start_s.has_value());
}

TEST_CASE("drift compares the last full window with the first, as a factor") {
    const ThresholdSpec drift = parsed("p95_drift < 2x");
    const ThresholdSpec loose = parsed("p95_drift[2s] < 3x");
    const std::vector<ThresholdSpec> specs{drift, loose};
    // A 10 s period: the default window is 1 s.
    WindowGates one(specs, 10, 1);
    feed(one, {100'000}, 1.0);
    CHECK_FALSE(verdict_of(one, drift).value.has_value());  // one window: nothing to compare
    CHECK(verdict_of(one, drift).note.find("two windows") != std::string::npos);
    WindowGates gates(specs, 10, 1);
    feed(gates, {100'000, 100'000, 150'000, 250'000}, 1.0);
    const auto verdict = verdict_of(gates, drift);
    CHECK(verdict.window_s == 1.0);
    CHECK(*verdict.value == doctest::Approx(2.5).epsilon(0.01));
    CHECK_FALSE(verdict.passed);
    CHECK(verdict.window_start_s == 3.0);
    const auto loose_verdict = verdict_of(gates, loose);
    CHECK(loose_verdict.passed);
    CHECK(loose_verdict.window_s == 2.0);
}

TEST_CASE("evaluation takes windowed outcomes from the window gates, and ratios from the scope") {
    const auto result = sample_result();
    const std::vector<ThresholdSpec> specs{parsed("p95[1s] < 100ms"), parsed("p99 / p50 < 5"),
                                           parsed("p99 / min < 5")};
    WindowGates gates(specs, 2, 1);
    feed(gates, {10'000, 300'000}, 1.0);
    const auto outcomes =
        barrage::gate::evaluate_thresholds(specs, RunResultMetrics(result), &gates);
    CHECK_FALSE(outcomes[0].passed);
    CHECK(outcomes[0].window_start_s == 1.0);
    CHECK(outcomes[0].window_s == 1.0);
    // Of 1..1000 us and 10 unanswered: p99 falls on 1000 us (rank 1000 of 1010), p50 on 505.
    REQUIRE(outcomes[1].value.has_value());
    CHECK(*outcomes[1].value == doctest::Approx(1000.0 / 505.0).epsilon(0.01));
    CHECK(outcomes[1].passed);
    CHECK_FALSE(outcomes[2].passed);  // 1000 / 1
    const auto lines = barrage::gate::format_threshold_lines(outcomes);
    CHECK(lines[0].find("FAIL (worst 1s window from 1s)") != std::string::npos);
    CHECK(lines[1].find("1.98x  pass") != std::string::npos);

    const auto without = barrage::gate::evaluate_thresholds(specs, RunResultMetrics(result));
    CHECK_FALSE(without[0].passed);
    CHECK(without[0].note == "judged over time during a run only");
}

TEST_CASE("a ratio with a divisor of 0 has no value and fails with a reason") {
    barrage::stats::RunResult result;
    result.totals.latency_us.record_value(100);
    result.totals.counters.requests_completed = 1;
    result.duration_s = 1;
    const std::vector<ThresholdSpec> specs{parsed("p99 / error_rate < 5")};
    const auto outcomes = barrage::gate::evaluate_thresholds(specs, RunResultMetrics(result));
    CHECK_FALSE(outcomes[0].passed);
    CHECK_FALSE(outcomes[0].value.has_value());
    CHECK(outcomes[0].note == "error_rate is 0: no ratio");
}
