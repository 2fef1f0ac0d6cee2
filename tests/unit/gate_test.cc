// Threshold expressions: every operator and unit, per-name rules, evaluation
// against a RunResult and a fake lookup, the summary lines, the exit code.

#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <string>
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

TEST_CASE("failure_rate counts failed answers beside transport errors, per name and overall") {
    const ThresholdSpec spec = parsed("failure_rate < 1%");
    CHECK(spec.metric.statistic == Statistic::failure_rate);
    CHECK(spec.metric.is_fraction());
    CHECK(spec.limit == doctest::Approx(0.01));
    CHECK(barrage::gate::metric_name(spec.metric) == "failure_rate");
    CHECK(parsed("login: failure_rate < 5%").request_name == "login");
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
    CHECK(*metrics.value("", parsed("error_rate < 1%").metric) == doctest::Approx(10.0 / 200.0));
    CHECK(*metrics.value("", spec.metric) == doctest::Approx(40.0 / 200.0));
    CHECK(*metrics.value("login", spec.metric) == doctest::Approx(40.0 / 100.0));
    CHECK(*metrics.value("login", parsed("error_rate < 1%").metric) ==
          doctest::Approx(10.0 / 100.0));
    CHECK(*metrics.value("browse", spec.metric) == 0.0);
    const std::vector<ThresholdSpec> specs{parsed("failure_rate < 25%"),
                                           parsed("login: failure_rate < 5%")};
    const auto outcomes = barrage::gate::evaluate_thresholds(specs, metrics);
    CHECK(outcomes[0].passed);
    CHECK_FALSE(outcomes[1].passed);
    CHECK(barrage::gate::format_threshold_lines(outcomes)[1].find("40.0%  FAIL") !=
          std::string::npos);
    // Nothing attempted: 0, like error_rate.
    CHECK(*RunResultMetrics(barrage::stats::RunResult{}).value("", spec.metric) == 0.0);
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
    CHECK(spec.request_name == "login");
    CHECK(spec.metric.percentile == 95.0);
    CHECK(spec.expression == "login: p95 < 300ms");
    CHECK(parsed("GET /a:b : p95 < 300ms").request_name == "GET /a:b");
    CHECK(parsed("p95 < 300ms").request_name.empty());
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
    CHECK(parse_error(": p99 < 5ms").find("empty request name") != std::string::npos);
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

TEST_CASE("a named threshold is an error only when the run has no request of that name") {
    const std::vector<ThresholdSpec> specs{parsed("p99 < 1s"), parsed("login: p95 < 300ms")};
    const std::vector<std::string> none;
    auto status = barrage::gate::check_request_names(specs, none);
    REQUIRE_FALSE(status.ok());
    CHECK(status.error().message.find("per-name results arrive with profiles") !=
          std::string::npos);
    const std::vector<std::string> with_login{"home", "login"};
    CHECK(barrage::gate::check_request_names(specs, with_login).ok());
    const std::vector<std::string> without_login{"home", "search"};
    auto other = barrage::gate::check_request_names(specs, without_login);
    REQUIRE_FALSE(other.ok());
    CHECK(other.error().message.find("the names are: home, search") != std::string::npos);
}

TEST_CASE("the whole-run lookup reads percentiles, rates and throughput from the result") {
    const auto result = sample_result();
    const RunResultMetrics metrics(result);
    // Latency judges all 1010 requests, the 10 failed ones as infinitely slow:
    // p50 is the 505th value, and max and mean are unbounded.
    CHECK(metrics.value("", parsed("p50 < 1s").metric) == 505.0);
    CHECK(std::isinf(*metrics.value("", parsed("max < 1s").metric)));
    CHECK(metrics.value("", parsed("min < 1s").metric) == 1.0);
    CHECK(std::isinf(*metrics.value("", parsed("mean < 1s").metric)));
    CHECK(metrics.value("", parsed("schedule_lag_p99 < 1s").metric) == 4001.0);
    CHECK(*metrics.value("", parsed("error_rate < 1%").metric) == doctest::Approx(10.0 / 1010.0));
    CHECK(metrics.value("", parsed("rps > 1").metric) == 500.0);
    CHECK(metrics.value("", parsed("check_failure_rate < 1%").metric) == 0.0);
    CHECK_FALSE(metrics.value("login", parsed("p50 < 1s").metric).has_value());
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
    const double p99_us = *RunResultMetrics(result).value("", parsed("p99 < 400ms").metric);
    CHECK(p99_us == doctest::Approx(290'000.0).epsilon(0.001));  // the slowest answer
    result.totals.counters.requests_unfinished = 8;
    CHECK(std::isinf(*RunResultMetrics(result).value("", parsed("p99 < 400ms").metric)));
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
    CHECK(metrics.value("login", parsed("login: p90 < 1s").metric) == 90.0);
    CHECK(std::isinf(*metrics.value("login", parsed("login: p91 < 1s").metric)));
    CHECK(*metrics.unanswered_fraction("login") == doctest::Approx(0.1));
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
        std::optional<double> value(std::string_view name, const Metric&) const override {
            auto it = p95_us.find(name);
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
        return metrics.value(spec.request_name, spec.metric);
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
    CHECK(metrics.unanswered_fraction("shop") == doctest::Approx(0.5));
    // A gate may name a scenario or tag the plan lists (plan::scenario_gate_names).
    const std::vector<std::string> names{"browse", "tag:write"};
    CHECK(
        barrage::gate::check_request_names(std::vector{parsed("tag:write: p99 < 1s")}, names).ok());
    CHECK_FALSE(
        barrage::gate::check_request_names(std::vector{parsed("tag:read: p99 < 1s")}, names).ok());
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
    CHECK(*metrics.value("checkout", parsed("failure_rate < 1%").metric) ==
          doctest::Approx(6.0 / 98.0));
    CHECK(*metrics.value("checkout", parsed("error_rate < 1%").metric) ==
          doctest::Approx(2.0 / 98.0));
    CHECK(*metrics.value("checkout", parsed("check_failure_rate < 1%").metric) ==
          doctest::Approx(4.0 / 96.0));
    CHECK(*metrics.value("checkout", parsed("rps > 1").metric) == doctest::Approx(46.0));
    // 92 timed of 100 started: p50 among the timed, p95 on a failed or unfinished one.
    CHECK(*metrics.value("checkout", parsed("p50 < 1s").metric) ==
          doctest::Approx(50'000).epsilon(0.01));
    CHECK(std::isinf(*metrics.value("checkout", parsed("p95 < 1s").metric)));
    CHECK_FALSE(metrics.value("nothing", parsed("p50 < 1s").metric));
}
