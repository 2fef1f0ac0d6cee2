// The capacity search and the judgment of its steps, without running load:
// a simulated target with a known capacity answers each rate.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "barrage/capacity/capacity_report.h"
#include "barrage/capacity/capacity_run.h"
#include "barrage/capacity/capacity_search.h"

using barrage::capacity::CapacitySearch;
using barrage::capacity::SearchLimits;
using barrage::capacity::SearchStatus;
using barrage::capacity::StepReport;
using barrage::capacity::StepVerdict;
using barrage::stats::RunResult;

namespace {

// Runs a search against a target that passes every rate up to `capacity`.
CapacitySearch search_against(double capacity, SearchLimits limits, std::vector<double>* rates) {
    CapacitySearch search(limits);
    while (const auto rate = search.next_rate()) {
        rates->push_back(*rate);
        search.record(*rate, *rate <= capacity ? StepVerdict::pass : StepVerdict::slo_failed);
    }
    return search;
}

// A step's result: `rate` asked, all completed over 10 s, p99 near `p99_us`.
RunResult step_result(double rate, int64_t p99_us) {
    RunResult result;
    result.duration_s = 10.0;
    result.threads = 1;
    result.worker_cpu_s = {1.0};
    result.asked_rate_rps = rate;
    auto& c = result.totals.counters;
    c.requests_sent = static_cast<int64_t>(rate * 10);
    c.requests_completed = c.requests_sent;
    for (int i = 0; i < 1000; ++i) {
        result.totals.latency_us.record_value(i < 990 ? p99_us / 2 : p99_us);
    }
    return result;
}

}  // namespace

TEST_CASE("the search lands within the precision of a known capacity") {
    for (const double capacity : {150.0, 999.0, 1000.0, 1234.5, 47'000.0}) {
        std::vector<double> rates;
        const auto search = search_against(capacity, {100, 1e6, 0.05, 2.0, 40}, &rates);
        CAPTURE(capacity);
        REQUIRE(search.status() == SearchStatus::found);
        const double passing = *search.highest_passing_rps();
        const double failing = *search.lowest_failing_rps();
        CHECK(passing <= capacity);
        CHECK(failing > capacity);
        CHECK(failing - passing <= 0.05 * passing);
        CHECK(rates.size() < 20);
    }
}

TEST_CASE("the search grows geometrically, then bisects between pass and fail") {
    std::vector<double> rates;
    search_against(1000, {200, 1e6, 0.10, 2.0, 40}, &rates);
    // 200, 400, 800 pass, 1600 fails and, right after a pass, runs once more; then halves:
    // 1200 F, 1000 P, 1100 F (once more after the pass) -> within 10%.
    CHECK(rates == std::vector<double>{200, 400, 800, 1600, 1600, 1200, 1000, 1100, 1100});
}

TEST_CASE("a failing start rate, a passing --max and the step bound end the search") {
    std::vector<double> rates;
    CHECK(search_against(50, {100, 1e6, 0.05, 2.0, 40}, &rates).status() ==
          SearchStatus::lowest_rate_fails);
    CHECK(rates == std::vector<double>{100});
    rates.clear();
    const auto held = search_against(1e9, {100, 1000, 0.05, 2.0, 40}, &rates);
    CHECK(held.status() == SearchStatus::max_rate_passes);
    CHECK(rates.back() == 1000);  // capped at --max, not 1600
    CHECK(*held.highest_passing_rps() == 1000);
    rates.clear();
    CHECK(search_against(1000, {100, 1e6, 0.0001, 2.0, 6}, &rates).status() ==
          SearchStatus::steps_exhausted);
    CHECK(rates.size() == 6);
}

TEST_CASE("a saturated generator or a signal ends the search without a verdict on the target") {
    CapacitySearch search({100, 1e6, 0.05, 2.0, 40});
    search.record(100, StepVerdict::pass);
    search.record(200, StepVerdict::generator_saturated);
    CHECK(search.status() == SearchStatus::generator_saturated);
    CHECK_FALSE(search.next_rate());
    CHECK(*search.highest_passing_rps() == 100);
    CHECK_FALSE(search.lowest_failing_rps());
    CapacitySearch stopped({100, 1e6, 0.05, 2.0, 40});
    stopped.record(100, StepVerdict::interrupted);
    CHECK(stopped.status() == SearchStatus::interrupted);
}

TEST_CASE("a step is judged on its own results; a failure of a saturated generator is its own") {
    auto slos = barrage::gate::parse_thresholds(std::vector<std::string>{"p99 < 10ms"});
    REQUIRE(slos.ok());
    const StepReport fast =
        barrage::capacity::judge_step(100, step_result(100, 4'000), slos.value());
    CHECK(fast.verdict == StepVerdict::pass);
    CHECK(fast.rate_achieved_rps == doctest::Approx(100));
    CHECK(fast.failed.empty());
    const StepReport slow =
        barrage::capacity::judge_step(100, step_result(100, 40'000), slos.value());
    CHECK(slow.verdict == StepVerdict::slo_failed);
    REQUIRE(slow.failed.size() == 1);
    CHECK(slow.failed[0].find("p99 < 10ms") == 0);
    RunResult starved = step_result(100, 40'000);
    starved.totals.counters.requests_behind = starved.totals.counters.requests_sent / 2;
    const StepReport saturated = barrage::capacity::judge_step(100, starved, slos.value());
    CHECK(saturated.verdict == StepVerdict::generator_saturated);
    CHECK_FALSE(saturated.evidence.empty());
    RunResult hiccups = step_result(100, 4'000);  // saturated, yet within the SLO
    hiccups.totals.counters.requests_behind = hiccups.totals.counters.requests_sent / 2;
    CHECK(barrage::capacity::judge_step(100, hiccups, slos.value()).verdict == StepVerdict::pass);
}

TEST_CASE("a failure right after a pass is run once more: one noisy step does not end it low") {
    // The target sustains 140k; the step at 3200 fails once (a busy machine).
    CapacitySearch search({100, 1e6, 0.05, 2.0, 60});
    std::vector<double> rates;
    bool noisy = true;
    while (const auto rate = search.next_rate()) {
        rates.push_back(*rate);
        const bool pass = *rate <= 140'000 && !(*rate == 3200 && noisy);
        noisy = noisy && *rate != 3200;
        search.record(*rate, pass ? StepVerdict::pass : StepVerdict::slo_failed);
    }
    REQUIRE(search.status() == SearchStatus::found);
    CHECK(rates[5] == 3200);
    CHECK(rates[6] == 3200);  // run again, passed
    CHECK(*search.highest_passing_rps() > 130'000);
    // A failure confirmed by its second run moves the search down as before.
    CapacitySearch confirmed({100, 1e6, 0.05, 2.0, 40});
    confirmed.record(100, StepVerdict::pass);
    confirmed.record(200, StepVerdict::slo_failed);
    CHECK(confirmed.next_rate() == 200);
    confirmed.record(200, StepVerdict::slo_failed);
    CHECK(*confirmed.lowest_failing_rps() == 200);
    CHECK(confirmed.next_rate() == 150);
    // A failing start rate follows no pass: no second run.
    CapacitySearch low({100, 1e6, 0.05, 2.0, 40});
    low.record(100, StepVerdict::slo_failed);
    CHECK(low.status() == SearchStatus::lowest_rate_fails);
}

TEST_CASE("the knee comes from the whole curve, not from the lowest step alone") {
    std::vector<StepReport> steps(4);
    const double rates[] = {800, 100, 400, 200};
    const int64_t p99s[] = {9'000, 2'000, 3'900, 2'500};
    for (std::size_t i = 0; i < steps.size(); ++i) {
        steps[i].rate_asked_rps = rates[i];
        steps[i].p99_us = p99s[i];
    }
    // Low-load p99: the lower of the lowest two steps (2 ms); 800's 9 ms > 4 ms.
    CHECK(barrage::capacity::knee_rps(steps) == 400);
    steps[0].p99_us = 3'000;
    CHECK_FALSE(barrage::capacity::knee_rps(steps));
    CHECK_FALSE(barrage::capacity::knee_rps(std::span(steps).first(1)));

    // A noisy lowest step (20 ms) sets neither the baseline nor the knee; a lone spike
    // at 400 with calm steps above it is no knee either.
    std::vector<StepReport> curve(7);
    const double curve_rates[] = {100, 200, 400, 800, 1600, 3200, 6400};
    const int64_t curve_p99s[] = {20'000, 1'000, 9'000, 1'100, 1'200, 5'000, 30'000};
    for (std::size_t i = 0; i < curve.size(); ++i) {
        curve[i].rate_asked_rps = curve_rates[i];
        curve[i].p99_us = curve_p99s[i];
    }
    CHECK(barrage::capacity::knee_rps(curve) == 1600);

    // One rate run twice (a retry), calm then slow: no knee at that very rate.
    std::vector<StepReport> twice(2);
    twice[0].rate_asked_rps = twice[1].rate_asked_rps = 250;
    twice[0].p99_us = 60'000;
    twice[1].p99_us = 3'000'000;
    CHECK_FALSE(barrage::capacity::knee_rps(twice));
}

TEST_CASE("run_capacity runs the search's rates and stops on a step error") {
    barrage::capacity::CapacityPlan plan;
    plan.slo_texts = {"p99 < 10ms"};
    plan.slos = barrage::gate::parse_thresholds(plan.slo_texts).value();
    plan.limits = {100, 1e6, 0.10, 2.0, 40};
    std::vector<double> asked;
    const auto target = [&](double rate) -> barrage::base::Result<RunResult> {
        asked.push_back(rate);
        return step_result(rate, rate <= 1000 ? 2'000 : 50'000);
    };
    auto outcome = barrage::capacity::run_capacity(plan, target);
    REQUIRE(outcome.ok());
    CHECK(outcome.value().status == SearchStatus::found);
    CHECK(outcome.value().steps.size() == asked.size());
    CHECK(*outcome.value().max_sustainable_rps <= 1000);
    CHECK(*outcome.value().first_failing_rps > 1000);
    CHECK(barrage::capacity::exit_code_for(outcome.value()) == 0);
    const std::string json = barrage::capacity::format_capacity_json(outcome.value(), "http://t/");
    CHECK(json.find("\"status\": \"found\"") != std::string::npos);
    const std::string csv = barrage::capacity::format_capacity_csv(outcome.value());
    CHECK(std::count(csv.begin(), csv.end(), '\n') == static_cast<long>(asked.size()) + 1);

    // A generator that saturates once is given a second try at the same rate.
    int saturations = 1;
    asked.clear();
    const auto hiccup = [&](double rate) -> barrage::base::Result<RunResult> {
        asked.push_back(rate);
        RunResult result = step_result(rate, rate <= 1000 ? 2'000 : 50'000);
        if (rate > 1000 && saturations-- > 0) {
            result.totals.counters.requests_behind = result.totals.counters.requests_sent;
        }
        return result;
    };
    auto retried = barrage::capacity::run_capacity(plan, hiccup);
    REQUIRE(retried.ok());
    CHECK(retried.value().status == SearchStatus::found);
    REQUIRE(asked.size() >= 6);
    CHECK(asked[4] == 1600);
    CHECK(asked[5] == 1600);  // saturated, then ran again
    CHECK(retried.value().steps[4].verdict == StepVerdict::generator_saturated);
    CHECK(retried.value().steps[5].verdict == StepVerdict::slo_failed);

    const auto broken = [](double) -> barrage::base::Result<RunResult> {
        return barrage::base::make_error("cannot resolve host");
    };
    CHECK_FALSE(barrage::capacity::run_capacity(plan, broken).ok());

    plan.level_rates_rps = {50, 100, 200};
    asked.clear();
    auto levels = barrage::capacity::run_capacity(plan, target);
    REQUIRE(levels.ok());
    CHECK(asked == std::vector<double>{50, 100, 200});
    CHECK(levels.value().kind == "profile_levels");
}

TEST_CASE("a step carries failure_rate beside error_rate in the table, the JSON and the CSV") {
    RunResult result = step_result(100, 4'000);  // 1000 sent and answered
    result.requests = {{"default", {}, {}}};
    result.totals.by_name.resize(1);
    result.totals.by_name[0].completed = 1000;
    result.totals.by_name[0].responses_failed = 250;  // answered with 500s
    auto slos = barrage::gate::parse_thresholds(std::vector<std::string>{"failure_rate < 1%"});
    REQUIRE(slos.ok());
    const StepReport step = barrage::capacity::judge_step(100, result, slos.value());
    CHECK(step.error_rate == 0.0);
    CHECK(step.failure_rate == doctest::Approx(0.25));
    CHECK(step.verdict == StepVerdict::slo_failed);
    barrage::capacity::CapacityOutcome outcome;
    outcome.kind = "profile_levels";
    outcome.steps = {step};
    const std::string table = barrage::capacity::format_capacity_table(outcome);
    CHECK(table.find("  errors  failures  verdict\n") != std::string::npos);
    CHECK(table.find("0.00%    25.00%  FAIL failure_rate < 1% (25.0%)") != std::string::npos);
    const std::string json = barrage::capacity::format_capacity_json(outcome, "http://t/");
    CHECK(json.find("\"error_rate\": 0,\n      \"failure_rate\": 0.25,") != std::string::npos);
    const std::string csv = barrage::capacity::format_capacity_csv(outcome);
    CHECK(csv.find("max_us,verdict,failure_rate\n") != std::string::npos);
    CHECK(csv.find(",slo_failed,0.250000\n") != std::string::npos);
}
