// Results per [[scenario]] of a profile (several user classes in one run),
// next to the merged totals: counts with their identities, failure rate and
// latency, one object and one table row per scenario.

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

#include "barrage/stats/name_stats.h"
#include "report_impl.h"

namespace barrage::report::detail {

namespace {

// What a scenario asked of its target: its own phases' kind.
std::string_view mode_of(const plan::RunPlan& plan, std::size_t index) {
    const bool open_loop =
        index < plan.scenarios.size() && plan::is_open_loop(plan.scenarios[index]);
    return open_loop ? "open_loop" : "closed_loop";
}

void count(JsonWriter& json, std::string_view key, int64_t value) {
    json.key(key);
    json.value(value);
}

// The counts of the top-level "requests" object, for one scenario:
// sent = completed + errors + unfinished, scheduled = sent + unsent.
void write_counts(JsonWriter& json, const stats::Snapshot& totals) {
    const stats::Counters& c = totals.counters;
    json.key("requests");
    json.begin_object();
    count(json, "sent", c.requests_sent);
    count(json, "completed", c.requests_completed);
    count(json, "errors", c.requests_errors);
    count(json, "responses_failed", stats::responses_failed_total(totals.by_name));
    json.key("error_rate");
    json.value(stats::failure_rate(c.requests_errors, 0, c.requests_completed));
    json.key("failure_rate");
    json.value(stats::failure_rate(c, totals.by_name));
    count(json, "late", c.requests_late);
    count(json, "unsent", c.requests_unsent);
    count(json, "unfinished", c.requests_unfinished);
    count(json, "scheduled", c.requests_sent + c.requests_unsent);
    json.end_object();
}

// The run's transaction rows of the tasks a scenario runs, in its session's order.
std::vector<std::size_t> transaction_rows(const plan::RunPlan& plan,
                                          const plan::ScenarioPlan& scenario) {
    const std::vector<std::string> names = plan::transaction_names(plan);
    std::vector<std::size_t> rows;
    for (const plan::TaskPlan& task : scenario.session.tasks) {
        const auto found = std::find(names.begin(), names.end(), task.name);
        if (found != names.end()) {
            rows.push_back(static_cast<std::size_t>(found - names.begin()));
        }
    }
    return rows;
}

}  // namespace

void write_scenarios(JsonWriter& json, const plan::RunPlan& plan, const stats::RunResult& result) {
    if (result.scenarios.empty()) {
        return;  // a profile without [[scenario]]: its JSON is as it always was
    }
    json.key("scenarios");
    json.begin_array();
    for (std::size_t i = 0; i < result.scenarios.size(); ++i) {
        const stats::ScenarioResult& scenario = result.scenarios[i];
        json.begin_object();
        json.key("name");
        json.value(scenario.name);
        json.key("tags");
        json.begin_array();
        for (const std::string& tag : scenario.tags) {
            json.value(tag);
        }
        json.end_array();
        json.key("mode");
        json.value(mode_of(plan, i));
        if (i < plan.scenarios.size()) {
            const plan::ScenarioPlan& planned = plan.scenarios[i];
            json.key("start_s");
            json.value(ns_to_s(planned.start_ns));
            json.key("duration_s");  // its phases, as planned
            json.value(ns_to_s(plan::measured_ns(planned) - planned.start_ns));
            count(json, "connections", planned.connections);
        }
        write_counts(json, scenario.totals);
        json.key("throughput_rps");
        json.value(per_second(scenario.totals.counters.requests_completed, result.duration_s));
        write_histogram(json, "latency", scenario.totals.latency_us);
        if (i < plan.scenarios.size() && !plan.scenarios[i].session.tasks.empty()) {
            write_transactions_by_name(json, result, scenario.totals,
                                       transaction_rows(plan, plan.scenarios[i]));
        }
        json.end_object();
    }
    json.end_array();
}

void append_scenarios(std::string& out, const stats::RunResult& result,
                      std::string (*format_time_us)(double)) {
    if (result.scenarios.empty()) {
        return;
    }
    auto line = std::back_inserter(out);
    fmt::format_to(line, "{:<20}{:>9}{:>10}{:>9}{:>9}{:>10}{:>10}{:>10}{:>10}\n", "By scenario",
                   "req/s", "completed", "errors", "failed", "p50", "p95", "p99", "max");
    for (const stats::ScenarioResult& scenario : result.scenarios) {
        const stats::Snapshot& totals = scenario.totals;
        const auto time = [&](double percentile) {
            return latency_cell(totals.latency_us, percentile, format_time_us);
        };
        fmt::format_to(line, "  {:<18}{:>9.1f}{:>10}{:>9}{:>8.2f}%{:>10}{:>10}{:>10}{:>10}\n",
                       scenario.name,
                       per_second(totals.counters.requests_completed, result.duration_s),
                       totals.counters.requests_completed, totals.counters.requests_errors,
                       100.0 * stats::failure_rate(totals.counters, totals.by_name), time(50),
                       time(95), time(99), time(100));
    }
}

}  // namespace barrage::report::detail
